"""Row isolation on every route: a complaint a role may not see stays unseen and unchanged
(issue 7, point 2). FAB's actions fetch rows without ``base_filters``: checked here too."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Complaint, ComplaintEvent
from tests.conftest import PASSWORD, csrf_token, make_complaint, make_officer

REFUSED = {302, 400, 403, 404, 405}

# (method, path) for the screens; {pk} is a complaint the user may not see or not change.
SCREEN_REQUESTS = [
    ("GET", "/complaint/show/{pk}"), ("GET", "/complaint/overdue/show/{pk}"),
    ("GET", "/complaint/edit/{pk}"), ("POST", "/complaint/edit/{pk}"),
    ("GET", "/complaint/step/{pk}/note"), ("POST", "/complaint/step/{pk}/note"),
    ("POST", "/complaint/step/{pk}/resolve"), ("POST", "/complaint/step/{pk}/refer"),
    ("POST", "/complaint/void/{pk}"), ("GET", "/complaint/receipt/{pk}"),
    ("GET", "/complaint/receipt/{pk}/pdf"), ("GET", "/complaint/action/forward_selected/{pk}"),
    ("POST", "/complaint/action/forward_selected/{pk}"), ("POST", "/complaint/action_post"),
    ("GET", "/complaint/forward?ids={pk}"), ("POST", "/complaint/forward"),
    ("GET", "/inform/{pk}"), ("POST", "/inform/{pk}"),
    ("GET", "/complaint/delete/{pk}"), ("GET", "/complaint/download/x.csv"),
]
API_REQUESTS = [
    ("GET", "/api/v1/complaint/{pk}"), ("PUT", "/api/v1/complaint/{pk}"),
    ("DELETE", "/api/v1/complaint/{pk}"), ("POST", "/api/v1/complaint/{pk}/steps/note"),
    ("POST", "/api/v1/complaint/{pk}/steps/resolve"), ("GET", "/api/v1/complaint/_info"),
    ("GET", "/api/v1/complaint/{pk}/_info"),
]


def _state(app, pk):
    with app.app_context():
        c = db.session.get(Complaint, pk)
        state = (c.subject, c.status, c.voided, c.assigned_officer_id, c.version, c.note
                 if hasattr(c, "note") else None,
                 db.session.scalar(select(func.count(ComplaintEvent.id))))
        db.session.remove()
        return state


@pytest.fixture
def setting(app, client, login_as):
    """Which complaint each role must not touch: a liaison's colleague's, and one naming him."""

    def _for(role):
        user_id = login_as(role)
        me = make_officer(app, name="Kadus Satu", user_id=user_id if role == "liaison" else None)
        colleague = make_officer(app, name="Kadus Dua")
        targets = [make_complaint(app, subject="Milik Kadus Dua", assigned_officer_id=colleague,
                                  status="forwarded")]
        if role == "liaison":
            targets.append(make_complaint(app, subject="Mengadukan saya", status="forwarded",
                                          assigned_officer_id=me, reported_officer_id=me))
        return targets, colleague

    return _for


# What each form really takes, so a refusal can only come from access, not validation.
EDIT_FIELDS = {
    "kind": "pengaduan", "channel": "walk_in", "complainant_name": "Siti Aminah",
    "complainant_address": "RT 02/RW 03, Dusun I", "complainant_phone": "+6281234567890",
    "complainant_email": "", "subject": "Diubah", "description": "Uraian yang diubah.",
    "rt_rw": "", "location": "", "incident_date": "", "identity_level": "named",
}
FORM_FIELDS = {
    "/complaint/edit/": EDIT_FIELDS,
    "/note": {"note": "Catatan", "is_public": "y"},
    "/resolve": {"outcome_type": "administrative", "outcome_text": "Lampu diganti",
                 "public_note": "Sudah diperbaiki"},
    "/refer": {"office": "Kecamatan Karangpucung", "public_note": "Dilimpahkan"},
    "/void/": {"reason": "Salah catat"},
    "/action_post": {"action": "forward_selected", "rowid": "{pk}"},
    "/complaint/forward": {"ids": "{pk}", "officer_id": "{officer}",
                           "reported_to": "kepala_desa"},
    "/inform/": {"subject": "Hasil pengaduan", "message": "Halo", "action": "letter"},
}


def _form(client, url, pk, officer, version):
    """The fields of the form behind ``url``, valid, with a fresh CSRF token and version."""
    data = {"csrf_token": csrf_token(client, "/resetmypassword/form"),
            "expected_version": str(version)}
    for part, fields in FORM_FIELDS.items():
        if part in url:
            data.update({k: v.format(pk=pk, officer=officer) for k, v in fields.items()})
    return data


@pytest.mark.parametrize("role", ["liaison", "head"])
def test_screens_refuse_and_change_nothing(app, client, setting, role):
    targets, colleague = setting(role)
    for pk in targets:
        before = _state(app, pk)
        for method, path in SCREEN_REQUESTS:
            url = path.format(pk=pk)
            response = client.open(url, method=method, data=_form(
                client, url, pk, colleague, before[4]) if method == "POST" else None)
            page = response.get_data(as_text=True)
            if role == "liaison":  # may not even read it
                assert response.status_code in REFUSED, (method, url, response.status_code)
                assert "Siti Aminah" not in page and "+6281234567890" not in page, url
            elif method == "POST" or "edit" in url or "delete" in url or "receipt" in url:
                assert response.status_code in REFUSED, (method, url, response.status_code)
        assert _state(app, pk) == before


def _api_payload(url, version):
    """A valid body for the API call at ``url`` (edit, note or resolve)."""
    if url.endswith("/note"):
        return {"note": "Catatan", "expected_version": version}
    if url.endswith("/resolve"):
        return {"outcome_type": "administrative", "outcome_text": "Lampu diganti",
                "public_note": "Sudah diperbaiki", "expected_version": version}
    return {"version": version, "subject": "Diubah"}


def _token(client, username):
    response = client.post("/api/v1/security/login", json={
        "username": username, "password": PASSWORD, "provider": "db"})
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


@pytest.mark.parametrize("role", ["liaison", "head"])
def test_the_api_refuses_and_changes_nothing(app, client, setting, role):
    targets, _ = setting(role)
    headers = _token(client, role)
    for pk in targets:
        before = _state(app, pk)
        for method, path in API_REQUESTS:
            url = path.format(pk=pk)
            if role == "head" and method == "GET" and "_info" not in url:
                continue  # the Kepala Desa reads every complaint
            response = client.open(url, method=method, headers=headers,
                                   json=_api_payload(url, before[4]))
            assert response.status_code in {403, 404, 405}, (method, url)
            body = response.get_data(as_text=True)
            assert "Siti Aminah" not in body and "Traceback" not in body
        assert _state(app, pk) == before
    listing = client.get("/api/v1/complaint/", headers=headers).get_json()
    if role == "liaison":
        assert listing["count"] == 0


def test_the_liaison_list_search_cannot_probe_hidden_rows(app, client, setting):
    """Filtering by name or phone does not reveal complaints outside the liaison's rows."""
    setting("liaison")
    for query in ("_flt_0_complainant_name=Siti", "_flt_0_complainant_phone=628",
                  "_flt_0_subject=Milik", "_oc_ComplaintModelView=complainant_name"):
        response = client.get(f"/complaint/list/?{query}")
        assert response.status_code in (200, 400)
        page = response.get_data(as_text=True)
        assert "Milik Kadus Dua" not in page and "Mengadukan saya" not in page
