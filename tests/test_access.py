"""Roles as a matrix: who gets into which screen (SOP roles; UU 27/2022 for identities)."""

import pytest

from app.core.timeutil import now_wib
from app.extensions import db
from app.models import Complaint
from tests.conftest import PASSWORD, csrf_token, login, make_complaint, make_officer, set_fields

OK, FORBIDDEN, NOT_FOUND, LOGIN = 200, 403, 404, "login"

# path template -> expected answer per role. {mine}: a complaint forwarded to the
# liaison officer; {other}: one that was not.
MATRIX = {
    "/complaint/list/":              dict(anon=LOGIN, desk=OK, liaison=OK, head=OK, admin=OK),
    "/complaint/show/{mine}":        dict(anon=LOGIN, desk=OK, liaison=OK, head=OK, admin=OK),
    "/complaint/show/{other}":       dict(anon=LOGIN, desk=OK, liaison=NOT_FOUND, head=OK, admin=OK),
    "/complaint/add":                dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/complaint/edit/{mine}":        dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/complaint/receipt/{other}":    dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/complaint/receipt/{other}/pdf": dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/officer/list/":                dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=OK, admin=OK),
    "/officer/add":                  dict(anon=NOT_FOUND, desk=NOT_FOUND, liaison=NOT_FOUND, head=NOT_FOUND, admin=NOT_FOUND),
    "/officer-account/new":          dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/officer-account/{officer}/deactivate":
                                     dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/officer-account/{officer}/reassign":
                                     dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/lupa-sandi":                   dict(anon=OK, desk=OK, liaison=OK, head=OK, admin=OK),
    "/privasi":                      dict(anon=OK, desk=OK, liaison=OK, head=OK, admin=OK),
    "/retention/":                   dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/resident-request/":            dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/akun/sandi/tidak-ada":         dict(anon=410, desk=410, liaison=410, head=410, admin=410),
    "/category/list/":               dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=OK, admin=OK),
    "/category/add":                 dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/dusun/list/":                  dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=OK, admin=OK),
    "/dusun/add":                    dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/users/list/":                  dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/roles/list/":                  dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/users/userinfo/":              dict(anon=LOGIN, desk=OK, liaison=OK, head=OK, admin=OK),
    "/users/show/1":                 dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/roles/show/1":                 dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/groups/list/":                 dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/permissions/list/":            dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/viewmenus/list/":              dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/permissionviews/list/":        dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/userstatschartview/chart/":    dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/meeting/list/?_flt_0_place=B": dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=OK, admin=OK),
    "/meeting/show/{meeting}":       dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=OK, admin=OK),
    "/meeting/schedule":             dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    # Moving a meeting (the desk; this one was held, so the desk is sent back to its page).
    "/meeting/move/{meeting}":       dict(anon=LOGIN, desk=302, liaison=FORBIDDEN, head=FORBIDDEN, admin=302),
    "/meeting/minutes/{meeting}":    dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/meeting/berita-acara/{meeting}": dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=OK, admin=OK),
    "/meeting/ics/{meeting}":        dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=OK, admin=OK),
    "/duplicate/candidates?subject=Lampu+jalan": dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/inbox/list/":                  dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/inbox/show/999999":            dict(anon=LOGIN, desk=NOT_FOUND, liaison=FORBIDDEN, head=FORBIDDEN, admin=NOT_FOUND),
    "/inbox/register/999999":        dict(anon=LOGIN, desk=NOT_FOUND, liaison=FORBIDDEN, head=FORBIDDEN, admin=NOT_FOUND),
    "/inbox/file/999999":            dict(anon=LOGIN, desk=NOT_FOUND, liaison=FORBIDDEN, head=FORBIDDEN, admin=NOT_FOUND),
    "/inbox/file/999999/thumb":      dict(anon=LOGIN, desk=NOT_FOUND, liaison=FORBIDDEN, head=FORBIDDEN, admin=NOT_FOUND),
    "/inform/{done}":                dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/responsetemplate/edit/1":      dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/responsetemplate/show/1":      dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/messagetemplate/list/":        dict(anon=NOT_FOUND, desk=NOT_FOUND, liaison=NOT_FOUND, head=NOT_FOUND, admin=NOT_FOUND),
    "/dashboard/":                   dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=OK, admin=OK),
    "/dashboard/chart/status.png":   dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=OK, admin=OK),
    "/dashboard/annual.pdf?year=2025": dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=OK, admin=OK),
    "/dashboard/report.pdf":         dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=OK, admin=OK),
    "/register/export.csv":          dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=OK, admin=OK),
    "/register/export.xlsx":         dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=OK, admin=OK),
    "/register/book.pdf?year=2026":  dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=OK, admin=OK),
    "/register/book.pdf?year=2026&month=11":
                                     dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=OK, admin=OK),
    "/register/import":              dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/deadlinetier/list/":           dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/deadlinetier/add":             dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    # The villages of the installation: the admin only (no deletion: a village owns a register).
    "/village/list/":                dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/village/show/{village}":       dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/village/add":                  dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/village/edit/{village}":       dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/village/delete/{village}":     dict(anon=NOT_FOUND, desk=NOT_FOUND, liaison=NOT_FOUND, head=NOT_FOUND, admin=NOT_FOUND),
    "/holiday/list/":                dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/holiday/add":                  dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/responsetemplate/list/":       dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/responsetemplate/add":         dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/identityview/list/":           dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/auditlog/list/":               dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/auditlog/show/1":              dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/auditlog/export.csv":          dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/auditlog/list/?_oc_AuditLogModelView=old_value&_od_AuditLogModelView=asc":
                                     dict(anon=400, desk=400, liaison=400, head=400, admin=400),
    # Filters, sorting and paging (issue 17): the export takes the list's filters; a sort by an
    # undeclared or identity column and bad paging are a 400 for everyone, before the
    # permission check (a malformed list request, whoever sends it).
    "/register/export.csv?_flt_0_complainant_name=Siti":
                                     dict(anon=LOGIN, desk=OK, liaison=FORBIDDEN, head=OK, admin=OK),
    "/complaint/list/?_oc_ComplaintModelView=subject&_od_ComplaintModelView=asc":
                                     dict(anon=LOGIN, desk=OK, liaison=OK, head=OK, admin=OK),
    "/complaint/list/?_oc_ComplaintModelView=complainant_name&_od_ComplaintModelView=asc":
                                     dict(anon=400, desk=400, liaison=400, head=400, admin=400),
    "/complaint/overdue/list/?_oc_OverdueComplaintModelView=complainant_phone&_od_OverdueComplaintModelView=asc":
                                     dict(anon=400, desk=400, liaison=400, head=400, admin=400),
    "/complaint/list/?psize_ComplaintModelView=-1":
                                     dict(anon=400, desk=400, liaison=400, head=400, admin=400),
    "/complaint/list/?psize_ComplaintModelView=50":
                                     dict(anon=LOGIN, desk=OK, liaison=OK, head=OK, admin=OK),
    "/complaint/list/?page_ComplaintModelView=abc":
                                     dict(anon=400, desk=400, liaison=400, head=400, admin=400),
    "/meeting/list/?_oc_MeetingModelView=agenda&_od_MeetingModelView=asc":
                                     dict(anon=400, desk=400, liaison=400, head=400, admin=400),
    "/officer/list/?psize_OfficerModelView=100000":
                                     dict(anon=400, desk=400, liaison=400, head=400, admin=400),
    # Evidence files go with their complaint: a liaison reads only the files of complaints
    # forwarded to them; the public side serves none without a look-up.
    "/attachment/{mine_file}":       dict(anon=LOGIN, desk=OK, liaison=OK, head=OK, admin=OK),
    "/attachment/{mine_file}/thumb": dict(anon=LOGIN, desk=OK, liaison=OK, head=OK, admin=OK),
    "/attachment/{other_file}":      dict(anon=LOGIN, desk=OK, liaison=NOT_FOUND, head=OK, admin=OK),
    "/attachment/{other_file}/thumb": dict(anon=LOGIN, desk=OK, liaison=NOT_FOUND, head=OK, admin=OK),
    "/attachment/{other_pdf}":       dict(anon=LOGIN, desk=OK, liaison=NOT_FOUND, head=OK, admin=OK),
    "/attachment/{other_pdf}/thumb": dict(anon=LOGIN, desk=NOT_FOUND, liaison=NOT_FOUND, head=NOT_FOUND, admin=NOT_FOUND),
    "/attachment/999999":            dict(anon=LOGIN, desk=NOT_FOUND, liaison=NOT_FOUND, head=NOT_FOUND, admin=NOT_FOUND),
    # Adding, withdrawing, publishing and a meeting's papers are POST only (with CSRF;
    # tests/test_evidence_access.py checks who may): a GET is refused for everyone.
    "/attachment/add/{mine}":        dict(anon=405, desk=405, liaison=405, head=405, admin=405),
    "/attachment/withdraw/{mine_file}": dict(anon=405, desk=405, liaison=405, head=405, admin=405),
    "/attachment/publish/{mine_file}": dict(anon=405, desk=405, liaison=405, head=405, admin=405),
    "/attachment/meeting/{meeting}": dict(anon=405, desk=405, liaison=405, head=405, admin=405),
    "/attachment/public-list/{mine_file}": dict(anon=405, desk=405, liaison=405, head=405, admin=405),
    "/status/lampiran/{other_file}": dict(anon=NOT_FOUND, desk=NOT_FOUND, liaison=NOT_FOUND, head=NOT_FOUND, admin=NOT_FOUND),
    "/status/lampiran/{other_file}/kecil": dict(anon=NOT_FOUND, desk=NOT_FOUND, liaison=NOT_FOUND, head=NOT_FOUND, admin=NOT_FOUND),
    # The SOP's verification and first follow-up deadlines, each with its own list.
    "/complaint/late-verification/list/": dict(anon=LOGIN, desk=OK, liaison=OK, head=OK, admin=OK),
    "/complaint/late-followup/list/": dict(anon=LOGIN, desk=OK, liaison=OK, head=OK, admin=OK),
    # Notifications: "Tugas saya" and one's own channels for every staff role; the outbox
    # (addresses and message texts) for the admin only.
    "/tasks/":                       dict(anon=LOGIN, desk=OK, liaison=OK, head=OK, admin=OK, camat=OK, inspektorat=OK),
    "/bantuan/":                     dict(anon=LOGIN, desk=OK, liaison=OK, head=OK, admin=OK),
    "/bantuan/pdf":                  dict(anon=LOGIN, desk=OK, liaison=OK, head=OK, admin=OK),
    "/tasks/settings":               dict(anon=LOGIN, desk=OK, liaison=OK, head=OK, admin=OK, camat=OK, inspektorat=OK),
    "/tasks/open/999":               dict(anon=LOGIN, desk=NOT_FOUND, liaison=NOT_FOUND, head=NOT_FOUND, admin=NOT_FOUND, camat=NOT_FOUND, inspektorat=NOT_FOUND),
    "/outbox/":                      dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/outbox/?status=failed":        dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    # The quick search answers with a redirect (to the one complaint found, or the register).
    "/complaint/verify-forward/{other}": dict(anon=LOGIN, desk=OK, liaison=NOT_FOUND, head=FORBIDDEN, admin=OK),
    "/complaint/verify-forward/{mine}": dict(anon=LOGIN, desk=302, liaison=302, head=FORBIDDEN, admin=302),
    "/complaint/find?q=Lampu":       dict(anon=LOGIN, desk=302, liaison=302, head=302, admin=302),
    # The queue of what villages referred to a Camat or the Inspektorat (tests/test_referrals.py
    # walks those roles): no village role reads it; the admin has no area, so an empty queue
    # and no referred complaint.
    "/referral/":                    dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    "/referral/{mine}":              dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=NOT_FOUND),
    # The public pages: open to everyone, logged in or not.
    "/lapor":                        dict(anon=OK, desk=OK, liaison=OK, head=OK, admin=OK),
    "/status":                       dict(anon=OK, desk=OK, liaison=OK, head=OK, admin=OK),
    "/statistik":                    dict(anon=OK, desk=OK, liaison=OK, head=OK, admin=OK),
    "/api/v1/public/statistics":     dict(anon=OK, desk=OK, liaison=OK, head=OK, admin=OK),
    # The photo after the work on "Sudah ditangani": the one a published complaint names,
    # for everyone; a public photo of a complaint that is not published, for nobody.
    "/statistik/foto/{shown_photo}": dict(anon=OK, desk=OK, liaison=OK, head=OK, admin=OK),
    "/statistik/foto/{shown_photo}/kecil": dict(anon=OK, desk=OK, liaison=OK, head=OK, admin=OK),
    "/statistik/foto/{other_file}":  dict(anon=NOT_FOUND, desk=NOT_FOUND, liaison=NOT_FOUND, head=NOT_FOUND, admin=NOT_FOUND),
    "/statistik/foto/{other_file}/kecil": dict(anon=NOT_FOUND, desk=NOT_FOUND, liaison=NOT_FOUND, head=NOT_FOUND, admin=NOT_FOUND),
    # The same pages under the village's slug (app.web.village_urls); an unknown slug is a 404.
    "/babakan/lapor":                dict(anon=OK, desk=OK, liaison=OK, head=OK, admin=OK),
    "/babakan/status":               dict(anon=OK, desk=OK, liaison=OK, head=OK, admin=OK),
    "/babakan/statistik":            dict(anon=OK, desk=OK, liaison=OK, head=OK, admin=OK),
    "/babakan/privasi":              dict(anon=OK, desk=OK, liaison=OK, head=OK, admin=OK),
    "/babakan/lapor/tanda-terima":   dict(anon=302, desk=302, liaison=302, head=302, admin=302),
    "/api/v1/public/babakan/statistics": dict(anon=OK, desk=OK, liaison=OK, head=OK, admin=OK),
    "/babakan/statistik/foto/{shown_photo}": dict(anon=OK, desk=OK, liaison=OK, head=OK, admin=OK),
    "/babakan/statistik/foto/{other_file}": dict(anon=NOT_FOUND, desk=NOT_FOUND, liaison=NOT_FOUND, head=NOT_FOUND, admin=NOT_FOUND),
    "/babakan/status/lampiran/{other_file}": dict(anon=NOT_FOUND, desk=NOT_FOUND, liaison=NOT_FOUND, head=NOT_FOUND, admin=NOT_FOUND),
    "/tidakada/lapor":               dict(anon=NOT_FOUND, desk=NOT_FOUND, liaison=NOT_FOUND, head=NOT_FOUND, admin=NOT_FOUND),
    "/api/v1/public/tidakada/statistics": dict(anon=NOT_FOUND, desk=NOT_FOUND, liaison=NOT_FOUND, head=NOT_FOUND, admin=NOT_FOUND),
    # The kabupaten's list of villages (everyone); the village an admin works in (the admin).
    "/desa/":                        dict(anon=OK, desk=OK, liaison=OK, head=OK, admin=OK),
    "/desa-kerja/":                  dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    # Above the villages: the Camat and the Inspektorat (their own columns, on these rows
    # only) compare the villages of their area and open one; no village role may. {village}:
    # the installation's village, in their area.
    "/":                             dict(anon=OK, desk=OK, liaison=OK, head=OK, admin=OK, camat=OK, inspektorat=OK),
    "/perbandingan/":                dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK, camat=OK, inspektorat=OK),
    "/perbandingan/?period=month:2026-13&sort=nama&desc=x":
                                     dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK, camat=OK, inspektorat=OK),
    "/perbandingan/chart.png?period=year:2026":
                                     dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK, camat=OK, inspektorat=OK),
    "/perbandingan/desa/{village}?period=quarter:2026-4":
                                     dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK, camat=OK, inspektorat=OK),
    "/perbandingan/desa/{village}/chart/above_category.png":
                                     dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK, camat=OK, inspektorat=OK),
    "/perbandingan/desa/{village}/chart/status.png":
                                     dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=NOT_FOUND, camat=NOT_FOUND, inspektorat=NOT_FOUND),
    "/perbandingan/desa/999999":     dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=NOT_FOUND, camat=NOT_FOUND, inspektorat=NOT_FOUND),
}
ROLES = ("anon", "desk", "liaison", "head", "admin")
# The roles above the villages have columns only on the rows that name them; on every other
# row they are refused by FAB like any role without the permission (their own tests:
# tests/test_oversight.py, tests/test_village_isolation.py).
WATCHERS = {"camat": "kecamatan", "inspektorat": "kabupaten"}
def watcher(app, username, area, kecamatan="Karangpucung"):
    """A Camat of ``kecamatan`` (area "kecamatan") or the Inspektorat of Cilacap; the id."""
    from app.auth import security
    from app.models import Oversight
    from tests.conftest import make_user

    role = security.CAMAT if area == "kecamatan" else security.INSPEKTORAT
    user_id = make_user(app, username, role)
    with app.app_context():
        db.session.add(Oversight(user_id=user_id, area=area, kabupaten="Cilacap",
                                 kecamatan=kecamatan if area == "kecamatan" else None))
        db.session.commit()
        db.session.remove()
    return user_id


def _the_village(app):
    from sqlalchemy import text

    with app.app_context():
        village_id = db.session.execute(text("SELECT min(id) FROM village")).scalar()
        db.session.remove()
    return village_id


MATRIX_ROLES = sorted({role for expected in MATRIX.values() for role in expected})


@pytest.mark.parametrize("role", MATRIX_ROLES)
def test_role_matrix(app, client, login_as, role):
    """One login of ``role`` opens every URL of the matrix that has a column for it, in one
    village with the same complaints, meeting and files; every answer that differs from the
    matrix is listed (a walk per role: the same world built once, not once per URL)."""
    other = make_complaint(app)
    user_id = None
    if role in WATCHERS:
        watcher(app, role, WATCHERS[role])
        login(client, role)
    elif role != "anon":
        user_id = login_as(role)
    officer = make_officer(app, name="Kadus Satu", user_id=user_id if role == "liaison" else None)
    mine = make_complaint(app, assigned_officer_id=officer, status="forwarded")
    done, meeting = _resolved_at_a_held_meeting(app)
    names = {"mine_file": file_on(app, mine), "other_file": file_on(app, other, public=True),
             "other_pdf": file_on(app, other, pdf=True), "shown_photo": file_on(app, done,
                                                                                 public=True)}
    set_fields(app, done, publishable=True, resolved_at=now_wib(),
               public_summary="Lampu sudah diganti.", public_photo_id=names["shown_photo"])
    values = dict(mine=mine, other=other, done=done, meeting=meeting, officer=officer,
                  village=_the_village(app), **names)
    wrong = []
    for path, expected in MATRIX.items():
        if role not in expected:
            continue
        app.appbuilder.sm.limiter.reset()  # each URL as if opened on its own
        response = client.get(path.format(**values))
        got = response.status_code
        if got == 302 and "/login/" in response.headers.get("Location", ""):
            got = LOGIN
        if got != expected[role]:
            wrong.append(f"{path}: {got}, expected {expected[role]}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


def file_on(app, pk, public=False, pdf=False, resident=False):
    """A photo (or a PDF) stored on complaint ``pk`` as the desk would add it; its id."""
    from app.services import evidence
    from tests import files

    with app.test_request_context():
        complaint = db.session.get(Complaint, pk)
        prepared = evidence.prepare("bukti.pdf" if pdf else "bukti.png",
                                    files.pdf() if pdf else files.png())
        with evidence.saved_together([prepared]) as staged:
            (row,) = evidence.record(staged, None, complaint, is_public=public,
                                     resident=resident)
            db.session.commit()
        row_id = row.id
        db.session.remove()
    return row_id


# The forms that change data (POST with the form's CSRF token): who may send them. DONE: the
# request was taken (a redirect back to the complaint, its outcome flashed there).
DONE = 302
POST_MATRIX = {
    "/duplicate/{mine}/link":   dict(anon=LOGIN, desk=DONE, liaison=FORBIDDEN, head=FORBIDDEN, admin=DONE),
    "/resident-request/999999/answer": dict(anon=LOGIN, desk=NOT_FOUND, liaison=FORBIDDEN, head=FORBIDDEN, admin=NOT_FOUND),
    "/inbox/link/999999":         dict(anon=LOGIN, desk=NOT_FOUND, liaison=FORBIDDEN, head=FORBIDDEN, admin=NOT_FOUND),
    "/inbox/not-complaint/999999": dict(anon=LOGIN, desk=NOT_FOUND, liaison=FORBIDDEN, head=FORBIDDEN, admin=NOT_FOUND),
    "/duplicate/{mine}/unlink": dict(anon=LOGIN, desk=DONE, liaison=FORBIDDEN, head=FORBIDDEN, admin=DONE),
    "/referral/{mine}/answer":  dict(anon=LOGIN, desk=FORBIDDEN, liaison=FORBIDDEN, head=FORBIDDEN, admin=NOT_FOUND),
}
POST_CASES = [(path, role, expected[role]) for path, expected in POST_MATRIX.items()
              for role in ROLES]


@pytest.mark.parametrize("path, role, expected", POST_CASES)
def test_role_matrix_of_forms(app, client, login_as, path, role, expected):
    other = make_complaint(app)
    user_id = login_as(role) if role != "anon" else None
    officer = make_officer(app, name="Kadus Satu", user_id=user_id if role == "liaison" else None)
    mine = make_complaint(app, assigned_officer_id=officer, status="forwarded")
    token = csrf_token(client, "/login/" if role == "anon" else "/users/userinfo/")
    response = client.post(path.format(mine=mine), data={
        "csrf_token": token, "main_id": other, "reason": "Bukan duplikat"})
    if expected == LOGIN:
        assert response.status_code == 302
        assert "/login/" in response.headers["Location"]
    else:
        assert response.status_code == expected
        if expected == DONE:
            assert response.headers["Location"].endswith(f"/complaint/show/{mine}")


# The staff API's duplicates operations, with each role's login token (no token: 401).
API_MATRIX = {
    ("GET", "/api/v1/complaint/{mine}/duplicates"):
        dict(anon=401, desk=OK, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    ("POST", "/api/v1/complaint/{mine}/duplicate-of"):
        dict(anon=401, desk=OK, liaison=FORBIDDEN, head=FORBIDDEN, admin=OK),
    ("POST", "/api/v1/complaint/{mine}/unlink"):
        dict(anon=401, desk=409, liaison=FORBIDDEN, head=FORBIDDEN, admin=409),
}
API_CASES = [(method, path, role, expected[role])
             for (method, path), expected in API_MATRIX.items() for role in ROLES]


@pytest.mark.parametrize("method, path, role, expected", API_CASES)
def test_role_matrix_of_the_staff_api(app, client, login_as, method, path, role, expected):
    other = make_complaint(app)
    headers = {}
    if role != "anon":
        login_as(role)
        token = client.post("/api/v1/security/login", json={
            "username": role, "password": PASSWORD, "provider": "db"}).get_json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
    mine = make_complaint(app)
    response = client.open(path.format(mine=mine), method=method, headers=headers,
                           json={"main_id": other, "reason": "Bukan duplikat"})
    assert response.status_code == expected, response.get_json()


def _resolved_at_a_held_meeting(app):
    """A complaint resolved at a meeting held yesterday (set directly: a fixture shortcut)."""
    import datetime as dt

    from app.models import Meeting

    done = make_complaint(app, subject="Sudah selesai")
    with app.app_context():
        complaint = db.session.get(Complaint, done)
        complaint.status = "resolved"
        meeting = Meeting(starts_at=now_wib() - dt.timedelta(days=1), place="Balai Desa",
                          agenda="Pembahasan", status="held", complaints=[complaint],
                          findings="Data benar", recommendations="Perbaiki lampu")
        db.session.add(meeting)
        db.session.commit()
        meeting_id = meeting.id
        db.session.remove()
    return done, meeting_id


def test_liaison_list_shows_only_complaints_forwarded_to_them(app, client, login_as):
    user_id = login_as("liaison")
    mine = make_officer(app, name="Kadus Satu", user_id=user_id)
    someone = make_officer(app, name="Kadus Dua")
    make_complaint(app, subject="Punyaku", assigned_officer_id=mine)
    make_complaint(app, subject="Punya orang lain", assigned_officer_id=someone)
    make_complaint(app, subject="Belum diteruskan")
    page = client.get("/complaint/list/").get_data(as_text=True)
    assert "Punyaku" in page
    assert "Punya orang lain" not in page
    assert "Belum diteruskan" not in page


def test_officer_named_in_a_complaint_cannot_see_it_even_if_assigned(app, client, login_as):
    user_id = login_as("liaison")
    me = make_officer(app, name="Kaur Umum", position="kaur", user_id=user_id)
    pk = make_complaint(app, assigned_officer_id=me, reported_officer_id=me, is_confidential=True)
    assert client.get(f"/complaint/show/{pk}").status_code == 404
    assert "Lampu jalan mati" not in client.get("/complaint/list/").get_data(as_text=True)


def test_confidential_identity_is_hidden_from_head_but_not_from_desk(app, client, login_as):
    pk = make_complaint(app, is_confidential=True, complainant_name="Rahasia Sekali")
    login_as("head")
    for path in (f"/complaint/show/{pk}", "/complaint/list/"):
        page = client.get(path).get_data(as_text=True)
        assert "Rahasia Sekali" not in page
        assert "+6281234567890" not in page
    client.get("/logout/")
    login_as("desk")
    assert "Rahasia Sekali" in client.get(f"/complaint/show/{pk}").get_data(as_text=True)


def test_liaison_cannot_void_or_edit_through_a_post(app, client, login_as):
    from tests.conftest import csrf_token

    user_id = login_as("liaison")
    me = make_officer(app, name="Kadus Satu", user_id=user_id)
    pk = make_complaint(app, assigned_officer_id=me)
    token = csrf_token(client, "/resetmypassword/form")
    response = client.post(f"/complaint/void/{pk}", data={"reason": "x", "csrf_token": token})
    assert response.status_code == 403
    with app.app_context():
        assert not db.session.get(Complaint, pk).voided
