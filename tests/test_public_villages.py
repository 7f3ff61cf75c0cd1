"""The public pages per village (issue 25): ``/<desa>/lapor``, ``/<desa>/status``,
``/<desa>/statistik`` and the public API under ``/api/v1/public/<desa>/``; the kabupaten's
list of villages; the village an installation admin works in.

Village A is the test database's (Babakan, slug ``babakan``); Karangsari is added as in
tests/test_village_isolation.py.
"""

import re

import pytest
from sqlalchemy import select

from app.auth import security, villages
from app.extensions import db
from app.models import AuditEntry, Complaint
from app.core.timeutil import now_wib
from tests.conftest import CSRF_RE, login, make_complaint, make_user, set_fields
from tests.test_public import FORM, QUESTION_RE, SUBMISSION_RE, TOKEN_RE
from tests.test_village_isolation import (  # noqa: F401
    MARK, add_village, b_complaint, two_villages, village_user)

RESIDENT = {"REMOTE_ADDR": "203.0.113.7"}


def _submit(client, prefix, **overrides):
    """Fill the submit form at ``prefix + "/lapor"`` as a resident does."""
    page = client.get(prefix + "/lapor", environ_base=RESIDENT).get_data(as_text=True)
    a, b = QUESTION_RE.search(page).groups()
    data = {**FORM, "dusun": "", "answer": str(int(a) + int(b)),
            "question": TOKEN_RE.search(page).group(1), "homepage": "",
            "csrf_token": CSRF_RE.search(page).group(1),
            "submission_token": SUBMISSION_RE.search(page).group(1), **overrides}
    return page, client.post(prefix + "/lapor", data=data, environ_base=RESIDENT)


def _track(client, prefix, code, last4):
    page = client.get(prefix + "/status", environ_base=RESIDENT).get_data(as_text=True)
    return client.post(prefix + "/status", environ_base=RESIDENT, data={
        "tracking_code": code, "phone_last4": last4,
        "csrf_token": CSRF_RE.search(page).group(1)})


def _tracking_code(app, village_id, pk):
    with app.app_context(), villages.acting_for(village_id):
        code = db.session.get(Complaint, pk).tracking_code
        db.session.remove()
    return code


# --- A single village: today's addresses, and the village's own work too ------------------

def test_a_single_village_keeps_its_addresses_and_answers_under_its_slug(app, client):
    page = client.get("/babakan/lapor", environ_base=RESIDENT)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    # Links and the form stay on today's addresses: no prefix with one village.
    assert 'href="/status"' in text and 'href="/statistik"' in text
    assert "/babakan/" not in text
    assert client.get("/lapor").status_code == 200
    assert client.get("/babakan/statistik").status_code == 200
    assert client.get("/api/v1/public/babakan/statistics").status_code == 200


def test_an_unknown_village_is_a_404_in_indonesian(app, client):
    response = client.get("/tidakada/lapor")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.get_data(as_text=True)
    assert client.get("/api/v1/public/tidakada/statistics").status_code == 404


# --- Several villages ------------------------------------------------------------------------

def test_without_a_village_the_public_pages_lead_to_the_list_of_villages(app, client):
    add_village(app, "karangsari", MARK)
    for path in ("/lapor", "/status", "/statistik", "/privasi", "/lapor/tanda-terima"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].endswith("/desa/"), path
    page = client.get("/desa/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Pilih desa Anda" in text and "Babakan" in text and MARK in text
    for slug in ("babakan", "karangsari"):
        for path in ("lapor", "status", "statistik"):
            assert f'href="/{slug}/{path}"' in text
    # The API cannot redirect: it says where to send the request.
    response = client.post("/api/v1/public/complaints", json=FORM)
    assert response.status_code == 404
    assert "/api/v1/public/{desa}/complaints" in response.get_json()["message"]
    assert client.get("/api/v1/public/statistics").status_code == 404
    with app.app_context(), villages.every_village():
        assert db.session.scalar(select(Complaint.id)) is None


def test_a_report_on_karangsari_lands_in_karangsari_register(app):
    b_id = add_village(app, "karangsari", MARK)
    client = app.test_client()
    page, response = _submit(client, "/karangsari")
    # The page's links and form stay in the village.
    for path in ('action="/karangsari/lapor"', 'href="/karangsari/status"',
                 'href="/karangsari/statistik"', 'href="/karangsari/privasi"'):
        assert path in page
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert response.headers["Location"].endswith("/karangsari/lapor/tanda-terima")
    receipt = client.get("/karangsari/lapor/tanda-terima", environ_base=RESIDENT)
    text = receipt.get_data(as_text=True)
    assert receipt.status_code == 200
    # The receipt's "check status" address and its QR code name the village's page.
    assert "https://pengaduan.example.test/karangsari/status" in text
    assert 'href="/karangsari/lapor/tanda-terima.pdf"' in text
    with app.app_context(), villages.every_village():
        rows = db.session.execute(select(Complaint.village_id, Complaint.subject)).all()
        db.session.remove()
    assert rows == [(b_id, FORM["subject"])]


def test_a_report_through_the_api_of_karangsari_lands_there(app, client):
    b_id = add_village(app, "karangsari", MARK)
    response = client.post("/api/v1/public/karangsari/complaints",
                           json={**FORM, "dusun": ""}, environ_base=RESIDENT)
    assert response.status_code == 201, response.get_json()
    with app.app_context(), villages.every_village():
        assert db.session.scalars(select(Complaint.village_id)).all() == [b_id]


def test_a_tracking_code_of_another_village_is_answered_as_an_unknown_code(app, client):
    a_id = villages_first(app)
    b_id = add_village(app, "karangsari", MARK)
    b_pk = b_complaint(app, b_id, 1)
    b_code = _tracking_code(app, b_id, b_pk)
    a_pk = _a_complaint(app, a_id)
    a_code = _tracking_code(app, a_id, a_pk)

    other = _track(client, "/karangsari", a_code, "7890")
    unknown = _track(app.test_client(), "/karangsari", "ZZZZZZZZZZZZ", "7890")
    assert other.status_code == unknown.status_code == 404
    assert CSRF_RE.sub("", other.get_data(as_text=True)) == \
        CSRF_RE.sub("", unknown.get_data(as_text=True))
    # The API alike, and each village finds its own code.
    other = client.post("/api/v1/public/karangsari/status", environ_base=RESIDENT,
                        json={"tracking_code": a_code, "phone_last4": "7890"})
    unknown = client.post("/api/v1/public/karangsari/status", environ_base=RESIDENT,
                          json={"tracking_code": "ZZZZZZZZZZZZ", "phone_last4": "7890"})
    assert other.status_code == unknown.status_code == 404 and other.data == unknown.data
    found = _track(app.test_client(), "/karangsari", b_code, "7890")
    assert found.status_code == 200, found.get_data(as_text=True)
    assert "901/KRS/" in found.get_data(as_text=True)
    assert _track(app.test_client(), "/babakan", a_code, "7890").status_code == 200


def villages_first(app):
    with app.app_context():
        return villages.all_villages()[0].id


def _a_complaint(app, a_id):
    """A complaint of Babakan (its register numbers its own series)."""
    with villages.acting_for(a_id):
        return make_complaint(app, subject="Lampu jalan Babakan mati")


def test_each_village_statistics_count_its_own(app, client, two_villages):  # noqa: F811
    with villages.acting_for(two_villages["b"]):
        set_fields(app, two_villages["done"], resolved_at=now_wib())
    b = client.get("/karangsari/statistik").get_data(as_text=True)
    a = client.get("/babakan/statistik").get_data(as_text=True)
    assert f"Sumur {MARK} sudah diperdalam." in b
    assert MARK not in a
    a_json = client.get("/api/v1/public/babakan/statistics").get_json()
    b_json = client.get("/api/v1/public/karangsari/statistics").get_json()
    assert [p["received"] for p in a_json["periods"]] == [1, 1]
    assert [p["received"] for p in b_json["periods"]] == [3, 3]
    # A photo of Karangsari is Karangsari's: not found under Babakan's address.
    photo = two_villages["shown_photo"]
    assert client.get(f"/karangsari/statistik/foto/{photo}").status_code == 200
    assert client.get(f"/babakan/statistik/foto/{photo}").status_code == 404
    assert b_json["resolved_publicly"][0]["photo_url"].endswith(
        f"/karangsari/statistik/foto/{photo}")


def test_status_addresses_sent_out_carry_the_village(app, two_villages):  # noqa: F811
    from app.services import informing

    with app.test_request_context(), villages.acting_for(two_villages["b"]):
        assert informing.status_url().endswith("/karangsari/status")
        assert "/karangsari/status#kode=" in informing.status_url_with_code("ABCDEFGHJKLM")
    villages.forget()


# --- The installation admin's village --------------------------------------------------------

def test_an_admin_without_a_village_chooses_one_and_the_choice_is_audited(app, client):
    b_id = add_village(app, "karangsari", MARK)
    make_user(app, "pemasang", security.ADMIN)
    login(client, "pemasang")
    # A staff page of one village's data answers with the chooser, not an empty register.
    response = client.get("/complaint/list/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/desa-kerja/")
    page = client.get("/desa-kerja/")
    assert page.status_code == 200 and MARK in page.get_data(as_text=True)
    # The logins are the installation's: no village needed. The menu leads to the chooser.
    users = client.get("/users/list/")
    assert users.status_code == 200 and 'href="/desa-kerja/"' in users.get_data(as_text=True)
    token = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    assert client.post("/desa-kerja/", data={"csrf_token": token, "village_id": "x"}
                       ).status_code == 400
    response = client.post("/desa-kerja/", data={"csrf_token": token, "village_id": b_id})
    assert response.status_code == 302
    b_pk = b_complaint(app, b_id, 1)
    listed = client.get("/complaint/list/")
    assert listed.status_code == 200 and f"Sumur {MARK} kering 1" in listed.get_data(as_text=True)
    assert client.get(f"/complaint/show/{b_pk}").status_code == 200
    with app.app_context(), villages.every_village():
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "choose_village")).one()
        assert (entry.village_id, entry.new_value) == (b_id, MARK)
        db.session.remove()


def test_the_chooser_is_the_admins_alone(app, client, login_as):
    b_id = add_village(app, "karangsari", MARK)
    village_user(app, b_id, "admin", "b_sekdes")
    login(client, "b_sekdes")
    # A village's own admin (an officer record) sees their village, and cannot choose.
    page = client.get("/desa-kerja/").get_data(as_text=True)
    assert 'name="village_id"' not in page and f"Desa {MARK}" in page
    token = CSRF_RE.search(client.get("/users/userinfo/").get_data(as_text=True)).group(1)
    response = client.post("/desa-kerja/", data={"csrf_token": token, "village_id": "1"})
    assert response.status_code == 403
    client.get("/logout/")
    login_as("desk")
    assert client.get("/desa-kerja/").status_code == 403
