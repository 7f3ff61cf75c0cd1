"""The public pages per village (issue 25): ``/<desa>/lapor``, ``/<desa>/status``,
``/<desa>/statistik`` and the public API under ``/api/v1/public/<desa>/``; the kabupaten's
list of villages; the village an installation admin works in.

Village A is the test database's (Babakan, slug ``babakan``); Karangsari is added as in
tests/test_village_isolation.py.
"""

import re

import pytest
from sqlalchemy import select, text

from app.auth import security, villages
from app.extensions import db
from app.models import AuditEntry, Complaint
from app.core.timeutil import now_wib
from tests.conftest import CSRF_RE, login, make_complaint, make_user, set_fields
from tests.test_public import FORM, QUESTION_RE, SUBMISSION_RE, TOKEN_RE
from tests.test_village_isolation import (  # noqa: F401
    MARK, add_village, b_complaint, two_villages, village_user)

RESIDENT = {"REMOTE_ADDR": "203.0.113.7"}


def _submit(client, prefix, host=None, **overrides):
    """Fill the submit form at ``prefix + "/lapor"`` as a resident does (on ``host``)."""
    on_host = {"environ_overrides": {"HTTP_HOST": host}} if host else {}
    page = client.get(prefix + "/lapor", environ_base=RESIDENT, **on_host).get_data(
        as_text=True)
    a, b = QUESTION_RE.search(page).groups()
    data = {**FORM, "dusun": "", "answer": str(int(a) + int(b)),
            "question": TOKEN_RE.search(page).group(1), "homepage": "",
            "csrf_token": CSRF_RE.search(page).group(1),
            "submission_token": SUBMISSION_RE.search(page).group(1), **overrides}
    return page, client.post(prefix + "/lapor", data=data, environ_base=RESIDENT, **on_host)


def _track(client, prefix, code, last4, host=None):
    on_host = {"environ_overrides": {"HTTP_HOST": host}} if host else {}
    page = client.get(prefix + "/status", environ_base=RESIDENT, **on_host).get_data(
        as_text=True)
    return client.post(prefix + "/status", environ_base=RESIDENT, **on_host, data={
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


# --- A host name of the village's own ---------------------------------------------------------

HOST = "lapor.karangsari.desa.id"


def _give_host(app, village_id, host):
    with app.app_context():
        db.session.execute(text("UPDATE village SET host = :host WHERE id = :id"),
                           {"host": host, "id": village_id})
        db.session.commit()
        db.session.remove()
    villages.forget()


def test_a_village_with_its_own_host_name_has_todays_addresses_there(app):
    """On lapor.karangsari.desa.id, ``/lapor``, ``/status`` and ``/statistik`` are
    Karangsari's: the form's links stay without the slug, the report lands in Karangsari's
    register and the receipt's addresses name the host; the installation's own host still
    leads to the list of villages, and a code of Babakan is unknown on Karangsari's host."""
    a_id = villages_first(app)
    b_id = add_village(app, "karangsari", MARK)
    _give_host(app, b_id, HOST)
    client = app.test_client()
    on_host = {"environ_base": RESIDENT, "environ_overrides": {"HTTP_HOST": HOST}}
    page, response = _submit(client, "", host=HOST)
    assert 'action="/lapor"' in page and 'href="/status"' in page and "/karangsari/" not in page
    assert MARK in page  # the village's own name on its page
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert response.headers["Location"].endswith("/lapor/tanda-terima")
    text_ = client.get("/lapor/tanda-terima", **on_host).get_data(as_text=True)
    assert f"https://{HOST}/status" in text_
    with app.app_context(), villages.every_village():
        assert db.session.execute(select(Complaint.village_id)).scalars().all() == [b_id]
        db.session.remove()
    assert client.get("/statistik", **on_host).status_code == 200
    # Babakan's code is not Karangsari's: answered as an unknown one.
    a_code = _tracking_code(app, a_id, _a_complaint(app, a_id))
    assert _track(client, "", a_code, "7890", host=HOST).status_code == 404
    # The installation's own host: several villages, so the list of villages.
    other = app.test_client()
    assert other.get("/lapor", environ_base=RESIDENT).headers["Location"].endswith("/desa/")
    # The slug's address still works everywhere.
    assert other.get("/karangsari/lapor", environ_base=RESIDENT).status_code == 200


def test_the_admin_gives_a_village_a_host_name_and_bad_ones_are_refused(app, client, login_as):
    from tests.conftest import post_form

    b_id = add_village(app, "karangsari", MARK)
    _give_host(app, villages_first(app), "lapor.babakan.desa.id")
    login_as("admin")
    fields = {"name": "Karangsari", "slug": "karangsari", "kecamatan": "Karangpucung",
              "kabupaten": "Cilacap", "register_code": "KRS", "address": "", "phone": "",
              "email": "", "website": "", "head_name": ""}
    for host, message in [
            ("https://lapor.karangsari.desa.id/", "Nama host berupa nama"),
            ("lapor babakan", "Nama host berupa nama"),
            ("pengaduan.example.test", "alamat seluruh instalasi"),
            ("LAPOR.babakan.desa.id", "sudah dipakai oleh Babakan")]:
        page = post_form(client, f"/village/edit/{b_id}", {**fields, "host": host})
        text_ = page.get_data(as_text=True)
        assert page.status_code == 200 and message in text_, (host, text_[:300])
        assert f'value="{host}"' in text_  # what was typed stays in the form
    post_form(client, f"/village/edit/{b_id}", {**fields, "host": " Lapor.Karangsari.Desa.Id. "})
    with app.app_context():
        assert db.session.execute(text("SELECT host FROM village WHERE id = :id"),
                                  {"id": b_id}).scalar() == HOST
        db.session.remove()
    # Saved in this process: read again at once.
    assert app.test_client().get("/lapor", environ_base=RESIDENT, environ_overrides={
        "HTTP_HOST": HOST}).status_code == 200
