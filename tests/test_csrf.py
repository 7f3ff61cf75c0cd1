"""CSRF: a forged request changes nothing (issue 7, point 3).

Every state-changing form of the staff side goes through Flask-WTF's CSRFProtect;
FAB's GET delete and GET action routes refuse to change data while CSRF is on;
the public forms check their token themselves. The REST APIs take a JWT in a
header, which a forging site cannot send.
"""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Category, Complaint, ComplaintEvent, Meeting
from tests.conftest import COMPLAINT_FIELDS, csrf_token, make_complaint, make_officer

# Every state-changing route a logged-in officer can reach, with plausible form data.
FORMS = [
    ("/complaint/add", COMPLAINT_FIELDS),
    ("/complaint/edit/{pk}", {**COMPLAINT_FIELDS, "subject": "Diubah"}),
    ("/complaint/step/{pk}/request_completion", {"note": "Lengkapi"}),
    ("/complaint/step/{pk}/reject", {"note": "Tolak"}),
    ("/complaint/void/{pk}", {"reason": "Salah catat"}),
    ("/complaint/forward", {"ids": "{pk}", "officer": "{officer}"}),
    ("/complaint/action_post", {"action": "forward_selected", "rowid": "{pk}"}),
    ("/meeting/schedule", {"place": "Balai Desa", "agenda": "Rapat"}),
    ("/inform/{pk}", {"channel": "in_person", "message": "Selesai"}),
    ("/category/add", {"name": "Kategori palsu"}),
    ("/category/edit/1", {"name": "Diubah"}),
    ("/category/delete/1", {}),
    ("/officer-account/{officer}/deactivate", {}),
    ("/officer-account/{officer}/reassign", {"complaint": "{pk}", "officer": "{officer}"}),
    ("/officer-account/new", {"name": "Penyusup", "position": "kaur", "username": "penyusup"}),
    ("/lupa-sandi", {"identifier": "admin"}),
    ("/users/add", {"username": "penyusup", "first_name": "a", "last_name": "b",
                    "email": "x@example.test", "password": "kata-sandi-sangat-panjang",
                    "conf_password": "kata-sandi-sangat-panjang", "roles": "1"}),
    ("/users/delete/1", {}),
    ("/resetmypassword/form", {"password": "kata-sandi-baru-panjang",
                               "conf_password": "kata-sandi-baru-panjang"}),
    ("/userinfoeditview/form", {"first_name": "Diubah", "last_name": "Diubah"}),
]


def _snapshot(app):
    with app.app_context():
        sm = app.appbuilder.sm
        complaint = db.session.get(Complaint, 1)
        snap = {
            "complaint": (complaint.subject, complaint.status, complaint.voided,
                          complaint.assigned_officer_id, complaint.version),
            "events": db.session.scalar(select(func.count(ComplaintEvent.id))),
            "complaints": db.session.scalar(select(func.count(Complaint.id))),
            "categories": sorted(db.session.scalars(select(Category.name))),
            "meetings": db.session.scalar(select(func.count(Meeting.id))),
            "users": sorted((u.username, u.first_name, u.password) for u in sm.get_all_users()),
        }
        db.session.remove()
        return snap


@pytest.fixture
def forged(app, client, login_as):
    """An admin logged in, a complaint (id 1) and an officer: what a forged request aims at."""
    login_as("admin")
    officer = make_officer(app, name="Kadus Satu")
    pk = make_complaint(app)
    return {"pk": pk, "officer": officer}


def _fill(data, ids):
    return {key: value.format(**ids) if isinstance(value, str) else value
            for key, value in data.items()}


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_staff_forms_refuse_a_request_without_a_valid_token(app, client, forged, token):
    before = _snapshot(app)
    for path, data in FORMS:
        data = _fill(data, forged)
        if token:
            data["csrf_token"] = token
        response = client.post(path.format(**forged), data=data)
        assert response.status_code == 400, path
    assert _snapshot(app) == before


def test_fab_get_delete_and_get_action_change_nothing(app, client, forged):
    before = _snapshot(app)
    for path in ("/category/delete/1", "/officer/delete/{officer}", "/users/delete/1",
                 "/complaint/action/forward_selected/{pk}", "/category/action/muldelete/1"):
        response = client.get(path.format(**forged))
        assert response.status_code in (302, 404, 405), path
    assert _snapshot(app) == before


def test_the_login_form_refuses_a_forged_login(app, client):
    from tests.conftest import make_user

    make_user(app, "petugas", "Petugas Pengelola")
    response = client.post("/login/", data={"username": "petugas",
                                            "password": "kata-sandi-uji-panjang"})
    assert response.status_code == 400
    assert client.get("/complaint/list/").status_code == 302


def test_a_public_submission_without_a_token_is_not_registered(app, client):
    client.get("/lapor")
    response = client.post("/lapor", data={
        "name": "Siti", "address": "RT 1", "phone": "081234567890", "kind": "pengaduan",
        "subject": "Jalan rusak", "description": "Jalan berlubang di dusun dua."})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(Complaint.id))) == 0


def test_a_valid_token_is_accepted(app, client, forged):
    """The same request with the form's token does go through (the refusals above are CSRF)."""
    token = csrf_token(client, "/category/add")
    response = client.post("/category/add", data={"name": "Kategori baru", "active": "y",
                                                     "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    with app.app_context():
        assert "Kategori baru" in db.session.scalars(select(Category.name)).all()
