"""Two villages on one installation (issue 25): nothing of one is read, counted, listed,
exported, charted, downloaded or changed by the other's users, through any URL of the role
x URL matrix (tests/test_access.py), the staff API or the forms.

Village A is the test database's village (Babakan); village B, Karangsari, is added here with
its own officers, logins, complaints, a meeting and files. Every text of B carries the word
``Karangsari``, so a page, export or PDF of A that shows any of it is caught.
"""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select, text

from app.auth import security, villages
from app.core.timeutil import now_wib
from app.extensions import db
from app.models import Complaint, Meeting, Officer
from app.services import complaints as services
from app.services.deadlines import compute_deadlines
from tests.conftest import (
    COMPLAINT_FIELDS,
    PASSWORD,
    csrf_token,
    login,
    make_complaint,
    make_user,
)
from tests.test_access import API_MATRIX, MATRIX, POST_MATRIX, file_on

MARK = "Karangsari"
ROLE_POSITIONS = {"desk": "petugas_pengelola", "liaison": "kepala_dusun",
                  "head": "kepala_desa", "admin": "sekretaris_desa"}
# The kabupaten's list of villages names every village (and links to its pages) by design.
NAMES_EVERY_VILLAGE = {"/desa/"}
ROLE_NAMES = {"desk": security.DESK, "liaison": security.LIAISON, "head": security.HEAD,
              "admin": security.ADMIN}


def add_village(app, slug, name, kecamatan="Karangpucung"):
    """A second village in the installation (as the admin's village screen would add it)."""
    with app.app_context():
        db.session.execute(text(
            "INSERT INTO village (slug, name, kecamatan, kabupaten, register_code) "
            "VALUES (:slug, :name, :kecamatan, 'Cilacap', 'KRS')"),
            {"slug": slug, "name": name, "kecamatan": kecamatan})
        db.session.commit()
        village_id = db.session.execute(
            text("SELECT id FROM village WHERE slug = :slug"), {"slug": slug}).scalar()
        db.session.remove()
    villages.forget()
    return village_id


def village_user(app, village_id, role, username):
    """A login of ``role`` tied to the village by its officer record; the user's id. Village
    B's logins (``b_...``) carry its name, so a page listing them in village A shows it."""
    user_id = make_user(app, username, ROLE_NAMES[role],
                        last_name=MARK if username.startswith("b_") else "Pengguna")
    with app.app_context(), villages.acting_for(village_id):
        officer = Officer(name=f"{username.title()} {'Karangsari' if username.startswith('b_') else 'Babakan'}",
                          position=ROLE_POSITIONS[role], user_id=user_id, active=True)
        db.session.add(officer)
        db.session.commit()
        db.session.remove()
    return user_id


def b_complaint(app, village_id, seq, **fields):
    """A complaint of village B, numbered in B's own series (900+)."""
    with app.app_context(), villages.acting_for(village_id):
        now = now_wib()
        complaint = Complaint(**{
            **COMPLAINT_FIELDS, "subject": f"Sumur {MARK} kering {seq}",
            "description": f"Sumur warga {MARK} kering sejak kemarau.",
            "complainant_name": f"Warsini {MARK}", "complainant_address": f"RT 01 {MARK}",
            **fields})
        complaint.received_at = complaint.created_at = complaint.changed_at = now
        complaint.status = fields.get("status", "received")
        complaint.register_year, complaint.register_seq = now.year, 900 + seq
        complaint.register_number = f"{900 + seq}/KRS/{now.year}"
        complaint.tracking_code = services.unique_tracking_code()
        compute_deadlines(complaint)
        db.session.add(complaint)
        services.add_event(complaint, "register", None, None, complaint.status,
                           is_public=True, note=f"Dicatat di {MARK}", at=now)
        db.session.commit()
        complaint_id = complaint.id
        db.session.remove()
    return complaint_id


@pytest.fixture
def two_villages(app):
    """Village A's complaint and village B with everything a URL of the matrix can name."""
    with app.app_context():
        a_id = db.session.execute(text("SELECT min(id) FROM village")).scalar()
    b_id = add_village(app, "karangsari", MARK)
    b_liaison = village_user(app, b_id, "liaison", "b_kadus")
    village_user(app, b_id, "desk", "b_petugas")
    with app.app_context(), villages.acting_for(b_id):
        b_officer = db.session.scalar(select(Officer.id).where(Officer.user_id == b_liaison))
    mine = b_complaint(app, b_id, 1, status="forwarded", assigned_officer_id=b_officer)
    other = b_complaint(app, b_id, 2)
    done = b_complaint(app, b_id, 3, status="resolved", publishable=True,
                       public_summary=f"Sumur {MARK} sudah diperdalam.")
    with app.app_context(), villages.acting_for(b_id):
        meeting = Meeting(starts_at=now_wib() - dt.timedelta(days=1), place=f"Balai {MARK}",
                          agenda=f"Rapat {MARK}", status="held",
                          complaints=[db.session.get(Complaint, done)],
                          findings=f"Temuan {MARK}", recommendations=f"Saran {MARK}")
        db.session.add(meeting)
        db.session.commit()
        meeting_id = meeting.id
        db.session.remove()
    with villages.acting_for(b_id):
        names = {"mine_file": file_on(app, mine), "other_file": file_on(app, other, public=True),
                 "other_pdf": file_on(app, other, pdf=True),
                 "shown_photo": file_on(app, done, public=True)}
    with app.app_context(), villages.acting_for(b_id):
        db.session.get(Complaint, done).public_photo_id = names["shown_photo"]
        db.session.commit()
        db.session.remove()
    with villages.acting_for(a_id):
        a_complaint = make_complaint(app, subject="Lampu jalan Babakan mati")
    return dict(a=a_id, b=b_id, mine=mine, other=other, done=done, meeting=meeting_id,
                officer=b_officer, a_complaint=a_complaint, village=b_id, **names)


def readable(response):
    """The response's text, PDFs and workbooks included (what a person would read in it)."""
    kind = response.headers.get("Content-Type", "")
    body = response.get_data()
    if "pdf" in kind:
        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)
    if "spreadsheetml" in kind:
        book = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(str(cell) for sheet in book.worksheets
                         for row in sheet.iter_rows(values_only=True) for cell in row)
    if kind.startswith("image/"):
        return ""
    return body.decode("utf-8", "replace")


def shows_village_b(path, response):
    """Whether the answer to ``path`` shows anything of village B (the kabupaten's list of
    villages may name it and link to its pages, nothing more)."""
    text = readable(response)
    if path in NAMES_EVERY_VILLAGE:
        text = text.replace(f">{MARK}<", "><", 1).replace("karangsari", "")
    return MARK in text


@pytest.mark.parametrize("role", ["desk", "liaison", "head", "admin"])
def test_nothing_of_another_village_through_any_url(app, client, two_villages, role):
    """Logged in to village A, every URL of the matrix filled with village B's ids answers
    without a server error and shows nothing of B (not found, refused, or A's own data)."""
    user_id = village_user(app, two_villages["a"], role, f"a_{role}")
    with app.app_context(), villages.acting_for(two_villages["a"]):
        own = db.session.scalar(select(Officer.id).where(Officer.user_id == user_id))
        db.session.remove()
    login(client, f"a_{role}")
    seen = []
    # And A's own forms that list logins (village B's are named after B).
    for path in [*MATRIX, f"/officer/edit/{own}", f"/officer/show/{own}"]:
        response = client.get(path.format(**two_villages))
        assert response.status_code < 500, (path, response.status_code)
        if shows_village_b(path, response):
            seen.append(path)
    assert seen == []


def test_the_other_village_sees_its_own_register_only(app, client, two_villages):
    """Village B's desk sees B's complaints in its register, its export and its API, and
    nothing of A's."""
    login(client, "b_petugas")
    page = client.get("/complaint/list/?psize_ComplaintModelView=50").get_data(as_text=True)
    assert f"Sumur {MARK} kering 1" in page and "Lampu jalan Babakan" not in page
    export = client.get("/register/export.csv").get_data(as_text=True)
    assert f"Sumur {MARK} kering 2" in export and "Lampu jalan Babakan" not in export
    assert client.get(f"/complaint/show/{two_villages['a_complaint']}").status_code == 404
    token = client.post("/api/v1/security/login", json={
        "username": "b_petugas", "password": PASSWORD, "provider": "db"}).get_json()
    listed = client.get("/api/v1/complaint/", headers={
        "Authorization": f"Bearer {token['access_token']}"}).get_json()
    subjects = {row["subject"] for row in listed["result"]}
    assert f"Sumur {MARK} kering 1" in subjects and "Lampu jalan Babakan mati" not in subjects


@pytest.mark.parametrize("role", ["desk", "admin"])
def test_no_form_or_api_call_changes_another_village(app, client, two_villages, role):
    """The forms and the staff API of the matrix, aimed at village B's complaints by a user
    of A: refused or not found, and B's complaints are exactly as they were."""
    def state():
        with app.app_context(), villages.every_village():
            rows = db.session.execute(select(Complaint.id, Complaint.version, Complaint.status,
                                             Complaint.duplicate_of_id)
                                      .where(Complaint.village_id == two_villages["b"])).all()
            db.session.remove()
            return sorted(map(tuple, rows))

    before = state()
    village_user(app, two_villages["a"], role, f"a_{role}")
    login(client, f"a_{role}")
    token = csrf_token(client, "/users/userinfo/")
    for path in POST_MATRIX:
        response = client.post(path.format(**two_villages), data={
            "csrf_token": token, "main_id": two_villages["other"], "reason": "Bukan duplikat"})
        assert response.status_code in (403, 404), path
    for step in ("verify", "forward", "progress", "resolve", "void"):
        response = client.post(f"/complaint/step/{two_villages['mine']}/{step}",
                               data={"csrf_token": token, "note": "Dicoba dari desa lain"})
        assert response.status_code in (403, 404), step
    api = client.post("/api/v1/security/login", json={
        "username": f"a_{role}", "password": PASSWORD, "provider": "db"}).get_json()
    headers = {"Authorization": f"Bearer {api['access_token']}"}
    for method, path in API_MATRIX:
        response = client.open(path.format(**two_villages), method=method, headers=headers,
                               json={"main_id": two_villages["other"], "reason": "Bukan"})
        assert response.status_code in (403, 404), path
    response = client.get(f"/api/v1/complaint/{two_villages['mine']}", headers=headers)
    assert response.status_code == 404
    assert state() == before


def test_figures_and_their_cache_are_per_village(app, client, two_villages):
    """The same dashboard and public statistics, asked by A and then by B: each village's own
    counts, never the other's cached ones."""
    from app.reporting import public_statistics

    def received(village_id):
        with app.test_request_context(), villages.acting_for(village_id):
            answer = public_statistics.statistics()
        return answer["periods"][1]["received"]

    assert received(two_villages["a"]) == 1
    assert received(two_villages["b"]) == 3
    village_user(app, two_villages["a"], "head", "a_head")
    login(client, "a_head")
    page_a = client.get("/dashboard/").get_data(as_text=True)
    client.get("/logout/")
    login(client, "b_petugas")
    page_b = client.get("/dashboard/").get_data(as_text=True)
    assert page_a != page_b


def test_cached_figures_are_keyed_by_village(app, two_villages):
    """Two villages whose data happen to give the same data stamp still never share a
    cached figure, chart or statistics page: the village is part of every key."""
    from app.reporting import figures

    def key(village_id):
        with app.test_request_context(), villages.acting_for(village_id):
            scope = figures.Scope(figures.Period.last_12_months(now_wib().date()))
            return figures.cache_key(figures.KEY_FIGURES[0], None, scope, stamp=("same",))

    assert key(two_villages["a"]) != key(two_villages["b"])


@pytest.mark.parametrize("area, expected", [("kecamatan", {"a", "b"}),
                                            ("kabupaten", {"a", "b", "c"})])
def test_a_camat_and_the_inspektorat_read_across_their_villages_only(
        app, client, two_villages, area, expected):
    """A Camat's login covers the villages of their kecamatan, the Inspektorat's the whole
    kabupaten's; neither opens a village's register (their pages are the figures and what
    is referred to them), and a village page answers with a message, not an error."""
    from app.models import Oversight

    ids = dict(two_villages, c=add_village(app, "majenang", "Majenang", kecamatan="Majenang"))
    role = security.CAMAT if area == "kecamatan" else security.INSPEKTORAT
    user_id = make_user(app, "pengawas", role)
    with app.app_context():
        db.session.add(Oversight(user_id=user_id, area=area, kabupaten="Cilacap",
                                 kecamatan="Karangpucung" if area == "kecamatan" else None))
        db.session.commit()
        user = app.appbuilder.sm.get_user_by_id(user_id)
        assert villages.oversight_of(user) == {ids[key] for key in expected}
        db.session.remove()
    login(client, "pengawas")
    assert client.get("/complaint/list/").status_code == 403
    assert client.get(f"/complaint/show/{two_villages['mine']}").status_code == 403
    home = client.get("/")
    assert home.status_code in (200, 403) and MARK not in home.get_data(as_text=True)


def test_a_camat_of_another_kecamatan_sees_nothing_of_the_village(app, client, two_villages):
    """A Camat of Majenang (a third village) walks every URL of the matrix with village B's
    ids: nothing of B, not in the comparison, not in a drill-down (404), never a 500."""
    from tests.test_access import watcher

    add_village(app, "majenang", "Majenang", kecamatan="Majenang")
    watcher(app, "camat_majenang", "kecamatan", kecamatan="Majenang")
    login(client, "camat_majenang")
    seen = []
    for path in MATRIX:
        response = client.get(path.format(**two_villages))
        assert response.status_code < 500, (path, response.status_code)
        if shows_village_b(path, response):
            seen.append(path)
    assert seen == []
    assert client.get(f"/perbandingan/desa/{two_villages['b']}").status_code == 404
    assert ">Majenang</a>" in client.get("/perbandingan/").get_data(as_text=True)


def test_a_village_admin_manages_their_own_village_only(app, client, two_villages):
    """With several villages, a village's admin lists and opens only their village's logins
    and cannot reach the installation-wide screens (roles, permissions, a login outside the
    officer accounts); the installation's own admin (no officer record) can."""
    with app.app_context():
        b_user = db.session.execute(text("SELECT id FROM ab_user WHERE username = 'b_kadus'")) \
            .scalar()
    village_user(app, two_villages["a"], "admin", "a_admin")
    login(client, "a_admin")
    assert "b_kadus" not in client.get("/users/list/?psize_UserDBModelView=100") \
        .get_data(as_text=True)
    assert client.get(f"/users/show/{b_user}").status_code == 404
    assert client.get(f"/users/edit/{b_user}").status_code == 404
    for path in ("/roles/list/", "/permissions/list/", "/users/add"):
        assert client.get(path).status_code == 403, path
    client.get("/logout/")

    make_user(app, "pemilik", security.ADMIN)  # the installation's admin: no officer record
    login(client, "pemilik")
    assert "b_kadus" in client.get("/users/list/?psize_UserDBModelView=100") \
        .get_data(as_text=True)
    assert client.get("/roles/list/").status_code == 200
