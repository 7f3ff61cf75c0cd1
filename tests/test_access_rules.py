"""The rules of app.auth.access tested on their own, without the views that also filter.

For each role, every combination of identity level, officer complained about and
officer assigned: who may open the complaint, read the identity, read which name,
and the tracking code. The expected answers are the SOP's, written out here.
services.apply_step refuses a user who may not open the complaint, whatever the view did.
"""

import itertools

import pytest
from flask_babel import force_locale

from app.auth import access
from app.extensions import db
from app.models import Complaint, ComplaintEvent
from app.services import complaints as services
from tests.conftest import make_complaint, make_officer, make_user

LEVELS = ("named", "masked", "anonymous", "confidential")
REPORTED = (None, "me", "colleague")
ASSIGNED = ("me", "colleague")
ROLE_NAMES = {"desk": "Petugas Pengelola", "admin": "Admin", "head": "Kepala Desa",
              "liaison": "Petugas Penghubung"}
NAME = "Siti Aminah"


def expected_can_view(role, level, reported, assigned):
    if role in ("desk", "admin"):
        return True
    if reported == "me":  # nobody else sees a complaint about themselves
        return False
    if role == "head":
        return True
    return assigned == "me" and level != "confidential"


def expected_name(role, level, reported, assigned):
    viewable = expected_can_view(role, level, reported, assigned)
    if role in ("desk", "admin") or (viewable and level == "named"):
        return NAME
    if viewable and level == "masked":
        return "S***h"
    if level == "anonymous":
        return "(anonim)"
    return "(dirahasiakan)"


@pytest.fixture
def every_case(app, ctx):
    """For a role: its user and one complaint per (level, reported, assigned)."""

    def _make(role):
        user_id = make_user(app, role, ROLE_NAMES[role])
        me = make_officer(app, name="Petugas Saya", user_id=user_id)
        colleague = make_officer(app, name="Petugas Lain")
        officers = {"me": me, "colleague": colleague, None: None}
        cases = {}
        for level, reported, assigned in itertools.product(LEVELS, REPORTED, ASSIGNED):
            pk = make_complaint(app, identity_level=level, status="forwarded",
                                reported_officer_id=officers[reported],
                                assigned_officer_id=officers[assigned])
            cases[pk] = (level, reported, assigned)
        return app.appbuilder.sm.get_user_by_id(user_id), cases

    return _make


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_can_view_identity_and_name_for_every_case(app, every_case, role):
    user, cases = every_case(role)
    with app.test_request_context(), force_locale("id"):
        from flask import g

        g.user = user
        for pk, case in cases.items():
            complaint = db.session.get(Complaint, pk)
            viewable = expected_can_view(role, *case)
            assert access.can_view(user, complaint) is viewable, (role, case)
            name = expected_name(role, *case)
            assert access.identity_visible(user, complaint) is (name == NAME), (role, case)
            assert access.displayed_name(user, complaint) == name, (role, case)


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_restrict_keeps_exactly_the_complaints_the_user_may_open(app, every_case, role):
    user, cases = every_case(role)
    with app.test_request_context():
        rows = access.restrict(db.session.query(Complaint.id), user)
        assert {pk for (pk,) in rows} == {pk for pk, case in cases.items()
                                          if expected_can_view(role, *case)}


@pytest.mark.parametrize("role, desk", [("desk", True), ("admin", True), ("head", False),
                                        ("liaison", False)])
def test_only_the_desk_reads_tracking_codes_and_sorts_by_identity(app, ctx, role, desk):
    user = app.appbuilder.sm.get_user_by_id(make_user(app, role, ROLE_NAMES[role]))
    assert access.tracking_code_visible(user) is desk
    for column in ("complainant_name", "complainant_phone", "complainant_address",
                   "complainant_email", "tracking_code"):
        assert access.sort_allowed(user, column) is desk, column
    assert access.sort_allowed(user, "received_at")


def test_nobody_logged_out_sees_anything(app, ctx):
    complaint = db.session.get(Complaint, make_complaint(app))
    assert not access.can_view(None, complaint)
    assert not access.identity_visible(None, complaint)
    assert not access.tracking_code_visible(None)
    assert access.restrict(db.session.query(Complaint), None).count() == 0


# --- services.apply_step checks access itself ------------------------------------------------


def _events(pk):
    return db.session.query(ComplaintEvent).filter_by(complaint_id=pk).count()


@pytest.mark.parametrize("case", ["forwarded to a colleague", "names me", "confidential"])
def test_apply_step_refuses_a_liaison_who_may_not_open_the_complaint(app, ctx, case):
    user_id = make_user(app, "kadus", ROLE_NAMES["liaison"])
    me = make_officer(app, name="Kadus Satu", user_id=user_id)
    colleague = make_officer(app, name="Kadus Dua")
    fields = {"forwarded to a colleague": dict(assigned_officer_id=colleague),
              "names me": dict(assigned_officer_id=me, reported_officer_id=me),
              "confidential": dict(assigned_officer_id=me, identity_level="confidential")}[case]
    pk = make_complaint(app, status="forwarded", **fields)
    user = app.appbuilder.sm.get_user_by_id(user_id)
    complaint = db.session.get(Complaint, pk)
    before = (complaint.status, complaint.version, _events(pk))
    with pytest.raises(services.ServiceError) as refused:
        services.apply_step(complaint, "note", {"note": "Sudah dicek", "is_public": False}, user)
    assert getattr(refused.value, "code", None) == 403
    db.session.rollback()
    complaint = db.session.get(Complaint, pk)
    assert (complaint.status, complaint.version, _events(pk)) == before


def test_apply_step_lets_the_liaison_work_on_their_own_complaint(app, ctx):
    """The control: the same step on a complaint forwarded to the liaison is taken."""
    user_id = make_user(app, "kadus", ROLE_NAMES["liaison"])
    me = make_officer(app, name="Kadus Satu", user_id=user_id)
    pk = make_complaint(app, status="forwarded", assigned_officer_id=me)
    user = app.appbuilder.sm.get_user_by_id(user_id)
    before = _events(pk)
    services.apply_step(db.session.get(Complaint, pk), "note",
                        {"note": "Sudah dicek", "is_public": False}, user)
    assert _events(pk) == before + 1


def test_apply_step_refuses_the_head_a_complaint_about_himself(app, ctx):
    user_id = make_user(app, "kades", ROLE_NAMES["head"])
    me = make_officer(app, name="Kepala Desa", position="kepala_desa", user_id=user_id)
    pk = make_complaint(app, status="forwarded", reported_officer_id=me)
    user = app.appbuilder.sm.get_user_by_id(user_id)
    with pytest.raises(services.ServiceError) as refused:
        services.apply_step(db.session.get(Complaint, pk), "note",
                            {"note": "x", "is_public": False}, user)
    assert getattr(refused.value, "code", None) == 403
