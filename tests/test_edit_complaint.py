"""Editing a complaint is one service (``services.edit_complaint``), used by the edit
screen and the API's PUT; neither commits by itself."""

import pytest

from app.extensions import db
from app.models import Complaint, ComplaintEvent
from app.services import complaints as services
from tests.conftest import make_complaint, make_user, post_form
from tests.test_steps import api_login


def _events(app, pk):
    with app.app_context():
        return [e.step for e in db.session.query(ComplaintEvent).filter_by(complaint_id=pk)
                .order_by(ComplaintEvent.id)]


# --- the service itself --------------------------------------------------------------------

def test_the_service_saves_touches_and_records_a_raised_level(app):
    pk = make_complaint(app)
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        services.edit_complaint(complaint, {"subject": "Jalan berlubang",
                                            "identity_level": "masked"}, None, "1")
        db.session.remove()
        complaint = db.session.get(Complaint, pk)
        assert (complaint.subject, complaint.identity_level, complaint.version) == \
            ("Jalan berlubang", "masked", 2)
    assert _events(app, pk) == ["register", "identity_level"]


@pytest.mark.parametrize("setup, changes, version, code, field", [
    ({"voided": True, "void_reason": "salah"}, {"subject": "Baru"}, "1", 409, None),
    ({}, {"subject": "Baru"}, "7", 409, None),  # stale copy
    ({"identity_level": "anonymous"}, {"subject": "Baru", "identity_level": "named"}, "1",
     400, "identity_level"),
])
def test_the_service_refuses_and_saves_nothing(app, setup, changes, version, code, field):
    pk = make_complaint(app, **{k: v for k, v in setup.items() if k == "identity_level"})
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        for name, value in setup.items():
            setattr(complaint, name, value)
        db.session.commit()
        stored_version = complaint.version
        with pytest.raises(services.ServiceError) as refused:
            services.edit_complaint(complaint, changes, None, version if version != "1"
                                    else str(stored_version))
        assert refused.value.code == code and refused.value.field == field
        db.session.remove()
        complaint = db.session.get(Complaint, pk)
        assert complaint.subject == "Lampu jalan mati"
        assert complaint.version == stored_version
    assert _events(app, pk) == ["register"]


def test_the_service_never_changes_the_status(app):
    pk = make_complaint(app)
    with app.app_context():
        with pytest.raises(ValueError):
            services.edit_complaint(db.session.get(Complaint, pk), {"status": "resolved"}, None)


# --- the screen and the API go through it ----------------------------------------------------

@pytest.fixture
def edits(monkeypatch):
    """Record every call of ``services.edit_complaint`` (and still run it)."""
    calls = []
    original = services.edit_complaint

    def recording(complaint, changes, user, expected_version=None):
        calls.append((complaint.id, dict(changes), str(expected_version)))
        return original(complaint, changes, user, expected_version)

    monkeypatch.setattr(services, "edit_complaint", recording)
    return calls


def test_the_edit_screen_saves_through_the_service(app, client, login_as, edits):
    login_as("desk")
    pk = make_complaint(app)
    post_form(client, f"/complaint/edit/{pk}", {
        "kind": "pengaduan", "channel": "walk_in", "complainant_name": "Siti Aminah",
        "complainant_address": "RT 02/RW 03, Dusun I", "complainant_phone": "0812 3456 7890",
        "subject": "Lampu jalan mati total", "description": "Mati", "identity_level": "masked",
        "expected_version": 1})
    assert len(edits) == 1
    complaint_id, changes, version = edits[0]
    assert complaint_id == pk and version == "1"
    assert changes["subject"] == "Lampu jalan mati total"
    assert changes["identity_level"] == "masked"
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        assert (complaint.subject, complaint.identity_level) == \
            ("Lampu jalan mati total", "masked")
    assert _events(app, pk) == ["register", "identity_level"]


def test_the_api_saves_through_the_service(app, client, edits):
    make_user(app, "desk", "Petugas Pengelola")
    headers = api_login(client, "desk")
    pk = make_complaint(app)
    response = client.put(f"/api/v1/complaint/{pk}", headers=headers,
                          json={"version": 1, "subject": "Lampu jalan mati total",
                                "identity_level": "masked"})
    assert response.status_code == 200, response.get_json()
    assert len(edits) == 1
    complaint_id, changes, version = edits[0]
    assert complaint_id == pk and version == "1"
    assert changes["subject"] == "Lampu jalan mati total"
    assert changes["identity_level"] == "masked"
    assert _events(app, pk) == ["register", "identity_level"]
    refused = client.put(f"/api/v1/complaint/{pk}", headers=headers,
                         json={"version": response.get_json()["version"],
                               "identity_level": "named"})
    assert refused.status_code == 400
    assert list(refused.get_json()["errors"]) == ["identity_level"]
