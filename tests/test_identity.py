"""Graded identity protection (issue 10) and the identity view log (issue 7 point 8).

Each level (named, masked, anonymous, confidential) on each path (list, show,
search, staff API list/get/search, receipt) for each role (desk, liaison,
Kepala Desa); the level is chosen on every way in and only ever raised; every
identity shown is logged and the admin reads the log.
"""

import io
import re

import pytest
from pypdf import PdfReader

from app.extensions import db
from app.models import Complaint, ComplaintEvent, IdentityView
from tests.conftest import (
    PASSWORD, csrf_token, make_complaint, make_officer, make_user, post_form,
)

NAME, PHONE, SUBJECT = "Siti Aminah", "+6281234567890", "Lampu jalan mati"
LEVELS = ("named", "masked", "anonymous", "confidential")
ROLES = ("desk", "liaison", "head")

# What each role reads as the complainant's name, per level; None: the complaint is invisible.
SHOWN = {
    "desk": {"named": NAME, "masked": NAME, "anonymous": NAME, "confidential": NAME},
    "liaison": {"named": NAME, "masked": "S***h", "anonymous": "(anonim)", "confidential": None},
    "head": {"named": NAME, "masked": "S***h", "anonymous": "(anonim)",
             "confidential": "(dirahasiakan)"},
}


def api_login(client, username):
    response = client.post("/api/v1/security/login", json={
        "username": username, "password": PASSWORD, "provider": "db", "refresh": True})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def pdf_text(response):
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)


def name_filter_index(app, opr="ct"):
    """The URL index of FAB's "contains" filter on the complainant's name."""
    view = next(v for v in app.appbuilder.baseviews
                if type(v).__name__ == "ComplaintModelView")
    filters = view._filters._all_filters["complainant_name"]
    return next(i for i, f in enumerate(filters) if f.arg_name == opr)


def views_logged(app):
    with app.app_context():
        return [(v.user_name, v.complaint_id, v.path)
                for v in db.session.query(IdentityView).order_by(IdentityView.id)]


@pytest.fixture
def world(app, client, login_as):
    """A logged-in user of ``role`` and one complaint at ``level`` forwarded to the liaison."""

    def _make(role, level):
        user_id = login_as(role)
        officer = make_officer(app, name="Kadus Satu",
                               user_id=user_id if role == "liaison" else None)
        pk = make_complaint(app, assigned_officer_id=officer, status="forwarded",
                            identity_level=level)
        return pk

    return _make


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("role", ROLES)
def test_each_level_on_each_screen_path_for_each_role(app, client, world, role, level):
    pk = world(role, level)
    shown = SHOWN[role][level]
    show = client.get(f"/complaint/show/{pk}")
    listing = client.get("/complaint/list/").get_data(as_text=True)
    search = client.get(f"/complaint/list/?_flt_{name_filter_index(app)}_complainant_name=Siti")
    search = search.get_data(as_text=True)
    if shown is None:
        assert show.status_code == 404
        assert SUBJECT not in listing and SUBJECT not in search
        return
    page = show.get_data(as_text=True)
    assert show.status_code == 200 and shown in page and shown in listing
    full = shown == NAME
    for text in (page, listing):
        assert (NAME in text) is full
    assert (PHONE in page) is full
    # Searching by name finds the complaint only where the name may be read.
    assert (SUBJECT in search) is full
    # The receipt is the desk's (and prints what the desk may read).
    receipt = client.get(f"/complaint/receipt/{pk}/pdf")
    if role == "desk":
        assert NAME in pdf_text(receipt)
    else:
        assert receipt.status_code == 403


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("role", ROLES)
def test_each_level_in_the_staff_api_for_each_role(app, client, role, level):
    user_id = make_user(app, role, {"desk": "Petugas Pengelola", "liaison": "Petugas Penghubung",
                                    "head": "Kepala Desa"}[role])
    officer = make_officer(app, name="Kadus Satu", user_id=user_id if role == "liaison" else None)
    pk = make_complaint(app, assigned_officer_id=officer, status="forwarded",
                        identity_level=level)
    headers = api_login(client, role)
    shown = SHOWN[role][level]
    one = client.get(f"/api/v1/complaint/{pk}", headers=headers)
    rows = client.get("/api/v1/complaint/", headers=headers).get_json()["result"]
    if shown is None:
        assert one.status_code == 404 and rows == []
        return
    item = one.get_json()["result"]
    assert item["identity_level"] == level and item["complainant_display"] == shown
    full = shown == NAME
    assert (item["complainant_name"] == NAME) is full and (item["complainant_phone"] == PHONE) is full
    assert rows[0]["complainant_display"] == shown
    assert (NAME in str(rows)) is full
    # A name search in the API only finds the complaint where the name may be read.
    q = "(filters:!((col:complainant_name,opr:ct,value:Siti)))"
    found = client.get(f"/api/v1/complaint/?q={q}", headers=headers)
    assert found.status_code == 200 and found.get_json()["count"] == (1 if full else 0)


def test_a_confidential_complaint_is_never_shown_to_the_officer_it_names(app, client, login_as):
    head_id = login_as("head")
    me = make_officer(app, name="Kepala Desa", position="kepala_desa", user_id=head_id)
    pk = make_complaint(app, identity_level="confidential", reported_officer_id=me)
    other = make_complaint(app, identity_level="confidential", subject="Jalan rusak")
    assert client.get(f"/complaint/show/{pk}").status_code == 404
    listing = client.get("/complaint/list/").get_data(as_text=True)
    assert SUBJECT not in listing and "Jalan rusak" in listing
    assert client.get(f"/complaint/show/{other}").status_code == 200


def test_a_confidential_complaint_cannot_be_forwarded_to_a_liaison(app, client, login_as):
    login_as("desk")
    officer = make_officer(app, name="Kadus Satu")
    pk = make_complaint(app, identity_level="confidential", status="verified")
    page = post_form(client, f"/complaint/step/{pk}/forward",
                     {"officer_id": officer, "reported_to": "kepala_desa"})
    assert "tidak dapat diteruskan" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Complaint, pk).assigned_officer_id is None


def test_a_receipt_prints_the_name_as_its_viewer_may_read_it(app):
    from app.documents import receipts

    head_id = make_user(app, "kades", "Kepala Desa")
    pk = make_complaint(app, identity_level="masked")
    with app.app_context():
        head = app.appbuilder.sm.get_user_by_id(head_id)
        rows = dict(receipts.receipt_data(db.session.get(Complaint, pk), viewer=head))
        assert rows["Pengadu"] == "S***h"


# --- choosing the level, and only raising it -----------------------------------------------

def test_the_resident_chooses_the_level_on_the_form_and_in_the_api(app):
    from tests.test_public import Resident

    resident = Resident(app)
    page = resident.get("/lapor").get_data(as_text=True)
    assert "Perlindungan identitas" in page and "Disamarkan (hanya inisial)" in page
    assert resident.submit_page(identity_level="masked").status_code == 303
    assert resident.api_submit(identity_level="anonymous").status_code == 201
    assert resident.api_submit().status_code == 201
    bad = resident.api_submit(identity_level="terbuka")
    assert bad.status_code == 400 and "identity_level" in bad.get_json()["message"]
    with app.app_context():
        levels = [c.identity_level for c in db.session.query(Complaint).order_by(Complaint.id)]
    assert levels == ["masked", "anonymous", "named"]


def test_the_desk_chooses_it_on_the_add_form(app, client, login_as):
    login_as("desk")
    post_form(client, "/complaint/add", {
        "kind": "pengaduan", "channel": "walk_in", "complainant_name": NAME,
        "complainant_address": "RT 01", "complainant_phone": "0812 3456 7890",
        "subject": SUBJECT, "description": "Mati", "urgency": "normal",
        "identity_level": "confidential"})
    with app.app_context():
        assert db.session.query(Complaint.identity_level).scalar() == "confidential"


def _edit(client, pk, level, version=1):
    return post_form(client, f"/complaint/edit/{pk}", {
        "kind": "pengaduan", "channel": "walk_in", "complainant_name": NAME,
        "complainant_address": "RT 01", "complainant_phone": "0812 3456 7890",
        "subject": "Subjek yang diketik", "description": "Mati", "identity_level": level,
        "expected_version": version})


def test_the_desk_may_raise_the_level_but_never_lower_it(app, client, login_as):
    login_as("desk")
    pk = make_complaint(app, identity_level="masked")
    lowered = _edit(client, pk, "named").get_data(as_text=True)
    assert "hanya dapat dinaikkan" in lowered and "Subjek yang diketik" in lowered
    with app.app_context():
        assert db.session.get(Complaint, pk).identity_level == "masked"
    _edit(client, pk, "anonymous")
    with app.app_context():
        assert db.session.get(Complaint, pk).identity_level == "anonymous"
        steps = [e.step for e in db.session.query(ComplaintEvent).filter_by(complaint_id=pk)]
    assert "identity_level" in steps
    # The edit form offers only the levels not below the current one.
    form = client.get(f"/complaint/edit/{pk}").get_data(as_text=True)
    assert 'value="confidential"' in form and 'value="masked"' not in form


def test_the_verify_step_and_the_api_may_raise_but_not_lower(app, client):
    from tests.test_steps import category_id

    make_user(app, "desk", "Petugas Pengelola")
    headers = api_login(client, "desk")
    pk = make_complaint(app, identity_level="anonymous")
    refused = client.post(f"/api/v1/complaint/{pk}/steps/verify", headers=headers, json={
        "kind": "pengaduan", "category_id": category_id(app), "urgency": "normal",
        "identity_level": "named"})
    assert refused.status_code == 400 and "dinaikkan" in refused.get_json()["message"]
    put = client.put(f"/api/v1/complaint/{pk}", headers=headers,
                     json={"version": 1, "identity_level": "masked"})
    assert put.status_code == 400 and "dinaikkan" in str(put.get_json())
    put = client.put(f"/api/v1/complaint/{pk}", headers=headers,
                     json={"version": 1, "identity_level": "confidential"})
    assert put.status_code == 200
    with app.app_context():
        assert db.session.get(Complaint, pk).identity_level == "confidential"
    old_style = make_complaint(app)
    ok = client.post(f"/api/v1/complaint/{old_style}/steps/verify", headers=headers, json={
        "kind": "pengaduan", "category_id": category_id(app), "urgency": "normal",
        "is_confidential": True})
    assert ok.status_code == 200 and ok.get_json()["identity_level"] == "confidential"


def test_the_migration_keeps_confidential_complaints_confidential(app):
    """Down to the revision before ours (is_confidential back) and up again."""
    import importlib.util
    from pathlib import Path

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    path = Path(__file__).parents[1] / "app/migrations/versions/0008_identity.py"
    spec = importlib.util.spec_from_file_location("m0008", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    secret = make_complaint(app, identity_level="confidential")
    plain = make_complaint(app)
    with app.app_context():
        directory = str(Path(app.root_path) / "migrations")
        db.session.remove()
        downgrade(directory=directory, revision=module.down_revision)
        with db.engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT id, is_confidential FROM complaint")).all())
        assert bool(rows[secret]) and not bool(rows[plain])
        upgrade(directory=directory)
        with db.engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT id, identity_level FROM complaint")).all())
        assert rows == {secret: "confidential", plain: "named"}


# --- the identity view log -----------------------------------------------------------------

def test_every_identity_shown_is_logged_and_lists_are_not(app, client, login_as):
    login_as("desk")
    pk = make_complaint(app)
    client.get("/complaint/list/")
    assert views_logged(app) == []
    client.get(f"/complaint/show/{pk}")
    client.get(f"/complaint/receipt/{pk}/pdf")
    client.get(f"/complaint/receipt/{pk}")
    assert [(c, p) for _, c, p in views_logged(app)] == [
        (pk, "show"), (pk, "receipt_pdf"), (pk, "receipt")]


def test_an_api_get_is_logged_and_a_hidden_identity_is_not(app, client):
    liaison_id = make_user(app, "kadus", "Petugas Penghubung")
    officer = make_officer(app, name="Kadus Satu", user_id=liaison_id)
    named = make_complaint(app, assigned_officer_id=officer)
    masked = make_complaint(app, assigned_officer_id=officer, identity_level="masked")
    headers = api_login(client, "kadus")
    client.get(f"/api/v1/complaint/{named}", headers=headers)
    client.get(f"/api/v1/complaint/{masked}", headers=headers)
    client.get("/api/v1/complaint/", headers=headers)
    assert views_logged(app) == [("Kadus Satu", named, "api")]


def test_the_admin_reads_the_log_and_nobody_changes_it(app, client, login_as):
    desk = app.test_client()
    make_user(app, "petugas", "Petugas Pengelola", first_name="Wati", last_name="Petugas")
    from tests.conftest import login

    login(desk, "petugas")
    pk = make_complaint(app)
    desk.get(f"/complaint/show/{pk}")
    login_as("admin")
    page = client.get("/identityview/list/").get_data(as_text=True)
    assert "Log akses identitas" in page and "Ditampilkan di" in page
    assert "Wati Petugas" in page and "Halaman pengaduan" in page
    assert client.get("/identityview/add").status_code == 404
    assert client.get("/identityview/edit/1").status_code == 404
    assert client.get("/identityview/delete/1").status_code == 404
    assert len(views_logged(app)) == 1


@pytest.mark.parametrize("statement", [
    "UPDATE identity_view SET user_name = 'orang lain'",
    "DELETE FROM identity_view",
])
def test_the_database_refuses_to_change_the_log(app, client, login_as, statement):
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    login_as("desk")
    pk = make_complaint(app)
    client.get(f"/complaint/show/{pk}")
    with app.app_context():
        with pytest.raises(DatabaseError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text(statement))
    assert len(views_logged(app)) == 1


# --- response templates --------------------------------------------------------------------

def _template_id(app, title):
    from app.models import ResponseTemplate

    with app.app_context():
        return db.session.query(ResponseTemplate.id).filter_by(title=title).scalar()


def test_templates_are_seeded_in_indonesian_per_step_and_category(app):
    from app.models import Category
    from app.services import response_templates

    with app.app_context():
        complaint = Complaint(category_id=db.session.query(Category.id).filter_by(
            name="Infrastruktur dan lingkungan").scalar())
        titles = [t.title for t in response_templates.templates_for("note", complaint)]
    assert titles[0] == "Peninjauan lokasi" and "Sedang dikoordinasikan" in titles
    assert response_templates.templates_for("verify", complaint) == []


def test_the_desk_fills_a_note_from_a_template_without_javascript(app, client, login_as):
    login_as("desk")
    pk = make_complaint(app, status="forwarded")
    template = _template_id(app, "Sedang dikoordinasikan")
    page = client.get(f"/complaint/step/{pk}/note").get_data(as_text=True)
    assert "Templat jawaban" in page and 'name="template"' in page
    with app.app_context():
        number = db.session.get(Complaint, pk).register_number
    page = client.get(f"/complaint/step/{pk}/note?template={template}").get_data(as_text=True)
    note = re.search(r'<textarea[^>]*name="note"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert number in note and "Lampu jalan mati" in note and "{" not in note
    post_form(client, f"/complaint/step/{pk}/note", {"note": note.strip()})
    with app.app_context():
        assert number in db.session.query(ComplaintEvent.note).filter_by(step="note").scalar()


def test_a_resolve_template_fills_the_public_note(app, client, login_as):
    login_as("desk")
    pk = make_complaint(app, status="forwarded")
    template = _template_id(app, "Selesai ditindaklanjuti")
    page = client.get(f"/complaint/step/{pk}/resolve?template={template}").get_data(as_text=True)
    public_note = re.search(r'name="public_note"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert "telah selesai ditindaklanjuti oleh Pemerintah Desa Babakan" in public_note


def test_the_inform_page_fills_the_message_with_the_name(app, client, login_as):
    login_as("desk")
    pk = make_complaint(app, status="resolved")
    template = _template_id(app, "Pemberitahuan hasil")
    page = client.get(f"/inform/{pk}?template={template}").get_data(as_text=True)
    message = re.search(r'name="message"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert f"Yth. Bapak/Ibu {NAME}" in message and "Sudah ditangani" in message


def test_a_broken_template_gives_an_indonesian_message_not_a_500(app, client, login_as):
    from app.models import ResponseTemplate

    with app.app_context():
        db.session.add(ResponseTemplate(title="Rusak", step="note", active=True,
                                        body="Halo {nama_lengkap.__class__}"))
        db.session.commit()
    login_as("desk")
    pk = make_complaint(app, status="forwarded")
    response = client.get(f"/complaint/step/{pk}/note?template={_template_id(app, 'Rusak')}")
    assert response.status_code == 200
    assert "tidak dikenal" in response.get_data(as_text=True)
    other = client.get(f"/complaint/step/{pk}/note?template=99999")
    assert other.status_code == 200 and "tidak dapat dipakai" in other.get_data(as_text=True)


@pytest.mark.parametrize("body, message", [
    ("Nomor {nomor}", "tidak dikenal"),
    ("Nomor {nomor_register!r}", "tidak dikenal"),
    ("Nomor {nomor_register:>99999}", "tidak dikenal"),
    ("Kurung { terbuka", "tidak berpasangan"),
    ("Yth. {nama}", "hanya boleh dipakai pada templat pemberitahuan"),
])
def test_the_admin_cannot_save_a_template_that_would_not_fill(app, client, login_as, body,
                                                               message):
    from app.models import ResponseTemplate

    login_as("admin")
    before = _count_templates(app)
    page = post_form(client, "/responsetemplate/add", {
        "title": "Baru", "step": "note", "body": body, "active": "y"}).get_data(as_text=True)
    assert message in page and "Baru" in page
    assert _count_templates(app) == before
    ok = post_form(client, "/responsetemplate/add", {
        "title": "Baru", "step": "note", "body": "Nomor {nomor_register}, {{ok}}",
        "active": "y"})
    assert ok.status_code == 200 and _count_templates(app) == before + 1
    with app.app_context():
        assert db.session.query(ResponseTemplate).filter_by(title="Baru").one().body \
            == "Nomor {nomor_register}, {{ok}}"


def _count_templates(app):
    from app.models import ResponseTemplate

    with app.app_context():
        return db.session.query(ResponseTemplate).count()


def test_the_api_lists_filled_templates_and_a_step_can_use_one(app, client):
    liaison_id = make_user(app, "kadus", "Petugas Penghubung")
    officer = make_officer(app, name="Kadus Satu", user_id=liaison_id)
    pk = make_complaint(app, assigned_officer_id=officer, status="forwarded")
    headers = api_login(client, "kadus")
    listed = client.get(f"/api/v1/complaint/{pk}/templates/note", headers=headers)
    assert listed.status_code == 200
    result = listed.get_json()["result"]
    assert {r["title"] for r in result} >= {"Sedang dikoordinasikan"}
    assert all(r["text"] and "{" not in r["text"] and r["field"] == "note" for r in result)
    template = _template_id(app, "Sedang dikoordinasikan")
    done = client.post(f"/api/v1/complaint/{pk}/steps/note", headers=headers,
                       json={"template_id": template})
    assert done.status_code == 200, done.get_json()
    with app.app_context():
        note = db.session.query(ComplaintEvent.note).filter_by(step="note").scalar()
    assert "sedang dikoordinasikan" in note
    bad = client.post(f"/api/v1/complaint/{pk}/steps/note", headers=headers,
                      json={"template_id": 99999})
    assert bad.status_code == 400 and "tidak dapat dipakai" in bad.get_json()["message"]
    assert client.get(f"/api/v1/complaint/{pk}/templates/verify",
                      headers=headers).status_code == 404
