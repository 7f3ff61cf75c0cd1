"""Every way of filtering, sorting and paging complaints keeps hidden identities hidden.

Searching a name letter by letter, sorting by a hidden column or asking for every
row at once must not reveal who filed an anonymous complaint, on any list, the
export or the staff API; the tracking code (the resident's credential) is the
desk's alone; every identity a file or form shows is logged.
"""

import csv
import datetime as dt
import io
from urllib.parse import quote

import pytest

from app.core.numbering import group_tracking_code
from app.extensions import db
from app.models import IdentityView
from tests.conftest import PASSWORD, login, make_complaint, make_officer, make_user, set_fields

HIDDEN_NAME, HIDDEN_SUBJECT = "Wulandari Anonim", "Aduan tanpa nama"
NAMED_NAME, NAMED_SUBJECT = "Budi Santoso", "Aduan dengan nama"
CODE = "QWERTY234567"
PAST = dt.date(2026, 1, 5)

# FAB's operators on a text column, with a value that matches the hidden name (and, for
# the negative ones, does not match the named one): each would single the hidden row out.
OPERATORS = {
    "sw": "Wulan", "ew": "Anonim", "ct": "ndari", "eq": HIDDEN_NAME,
    "nsw": "Budi", "new": "Santoso", "nct": "Budi", "neq": NAMED_NAME,
    "in": HIDDEN_NAME, "not_in": NAMED_NAME,
}
ROLE_NAMES = {"desk": "Petugas Pengelola", "liaison": "Petugas Penghubung", "head": "Kepala Desa",
              "admin": "Admin"}


def _filter_index(app, column, opr):
    """The URL index FAB gives operator ``opr`` on ``column`` of the register list."""
    view = next(v for v in app.appbuilder.baseviews
                if type(v).__name__ == "ComplaintModelView")
    filters = view._filters._all_filters[column]
    return next(i for i, f in enumerate(filters) if f.arg_name == opr)


@pytest.fixture
def two_complaints(app):
    """An anonymous complaint and a named one, both open and overdue (for the overdue list)."""
    hidden = make_complaint(app, complainant_name=HIDDEN_NAME, subject=HIDDEN_SUBJECT,
                            identity_level="anonymous", status="verified")
    named = make_complaint(app, complainant_name=NAMED_NAME, subject=NAMED_SUBJECT,
                           status="verified")
    set_fields(app, hidden, due_date=PAST, tracking_code=CODE)
    set_fields(app, named, due_date=PAST)
    return hidden, named


def _fix_code(app, pk, code):
    set_fields(app, pk, tracking_code=code)


def _csv(response):
    assert response.status_code == 200, response.status_code
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _api_headers(client, username):
    response = client.post("/api/v1/security/login", json={
        "username": username, "password": PASSWORD, "provider": "db"})
    assert response.status_code == 200
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def _rison_filter(column, opr, value):
    value = f"!('{value}')" if opr in ("in", "not_in") else f"'{value}'"
    return quote(f"(filters:!((col:{column},opr:{opr},value:{value})))")


# --- Point 1: one guard for every filter -----------------------------------------------------


@pytest.mark.parametrize("opr, value", OPERATORS.items())
@pytest.mark.parametrize("path", ["/register/export.csv", "/complaint/list/",
                                  "/complaint/overdue/list/"])
def test_a_name_filter_never_singles_out_an_anonymous_complaint_for_the_head(
        app, client, login_as, two_complaints, path, opr, value):
    login_as("head")
    url = f"{path}?_flt_{_filter_index(app, 'complainant_name', opr)}_complainant_name={value}"
    response = client.get(url)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert HIDDEN_SUBJECT not in body
    if path.startswith("/register"):  # (a list echoes the typed filter value back)
        assert HIDDEN_NAME not in body


@pytest.mark.parametrize("opr, value", OPERATORS.items())
def test_the_same_filters_find_the_complaint_for_the_desk(app, client, login_as, two_complaints,
                                                          opr, value):
    """The filters above do match the hidden name: only the guard keeps it out."""
    login_as("desk")
    index = _filter_index(app, "complainant_name", opr)
    rows = _csv(client.get(f"/register/export.csv?_flt_{index}_complainant_name={value}"))
    assert HIDDEN_SUBJECT in [cell for row in rows for cell in row]


@pytest.mark.parametrize("opr, value", OPERATORS.items())
def test_a_name_filter_in_the_staff_api_never_counts_an_anonymous_complaint(
        app, client, two_complaints, opr, value):
    make_user(app, "kades", ROLE_NAMES["head"])
    headers = _api_headers(client, "kades")
    response = client.get(f"/api/v1/complaint/?q={_rison_filter('complainant_name', opr, value)}",
                          headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert HIDDEN_SUBJECT not in [row["subject"] for row in body["result"]]
    assert body["count"] == 0  # each value matches the hidden name and not the named one


@pytest.mark.parametrize("opr, value", OPERATORS.items())
def test_the_desk_finds_the_anonymous_complaint_by_name_in_the_api(app, client, two_complaints,
                                                                   opr, value):
    make_user(app, "petugas", ROLE_NAMES["desk"])
    headers = _api_headers(client, "petugas")
    body = client.get(f"/api/v1/complaint/?q={_rison_filter('complainant_name', opr, value)}",
                      headers=headers).get_json()
    assert body["count"] == 1 and body["result"][0]["subject"] == HIDDEN_SUBJECT


def test_every_complaint_list_export_and_api_filters_through_access(app):
    """Each registered view or API over complaints builds its filters with access."""
    from app.auth import access
    from app.models import Complaint

    over_complaints = [view for view in app.appbuilder.baseviews
                       if getattr(getattr(view, "datamodel", None), "obj", None) is Complaint]
    assert {type(v).__name__ for v in over_complaints} >= {
        "ComplaintModelView", "OverdueComplaintModelView", "ComplaintApi"}
    for view in over_complaints:
        assert isinstance(view._filters, access.GuardedFilters), type(view).__name__


def test_a_filter_index_beyond_the_column_filters_is_ignored_not_a_500(app, client, login_as,
                                                                       two_complaints):
    login_as("head")
    for path in ("/complaint/list/", "/register/export.csv"):
        response = client.get(f"{path}?_flt_9_received_at=2026-01-01")
        assert response.status_code == 200, path


# --- Point 2: sorting and paging -------------------------------------------------------------


@pytest.mark.parametrize("role", ["head", "desk"])
@pytest.mark.parametrize("column", ["complainant_name", "complainant_phone", "tracking_code",
                                    "description"])
def test_a_list_cannot_be_sorted_by_an_undeclared_column(app, client, login_as, two_complaints,
                                                         role, column):
    login_as(role)
    for view, path in (("ComplaintModelView", "/complaint/list/"),
                       ("OverdueComplaintModelView", "/complaint/overdue/list/")):
        response = client.get(f"{path}?_oc_{view}={column}&_od_{view}=asc")
        assert response.status_code == 400
        assert "tidak dapat diurutkan" in response.get_data(as_text=True)
        assert HIDDEN_SUBJECT not in response.get_data(as_text=True)


def test_a_declared_column_still_sorts(app, client, login_as, two_complaints):
    login_as("head")
    response = client.get("/complaint/list/?_oc_ComplaintModelView=subject"
                          "&_od_ComplaintModelView=asc")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.index(NAMED_SUBJECT) < page.index(HIDDEN_SUBJECT)  # "dengan" < "tanpa"


BAD_PAGING = [
    ("psize", "-1"), ("psize", "0"), ("psize", "7"), ("psize", "1000"),
    ("psize", "9" * 20), ("psize", "abc"), ("page", "abc"), ("page", "-1"),
    ("page", "9" * 20), ("page", "1.5"), ("page", "\u00b2"), ("psize", "\u00b2"),
]


def _list_views(app):
    """(class name, list URL) of every list screen of the app, FAB's own included."""
    from flask_appbuilder.baseviews import BaseModelView

    with app.test_request_context():
        from flask import url_for

        return [(type(view).__name__, url_for(f"{view.endpoint}.list"))
                for view in app.appbuilder.baseviews
                if isinstance(view, BaseModelView) and f"{view.endpoint}.list"
                in app.view_functions]


def test_every_list_refuses_bad_paging_and_undeclared_sorting_without_a_500(app, client,
                                                                           login_as):
    login_as("admin")
    make_complaint(app)
    views = _list_views(app)
    assert len(views) >= 12
    for name, url in views:
        assert client.get(url, follow_redirects=True).status_code == 200, url
        assert client.get(f"{url}?psize_{name}=25&page_{name}=0").status_code == 200, url
        for arg, value in BAD_PAGING:
            response = client.get(f"{url}?{arg}_{name}={value}")
            assert response.status_code == 400, (url, arg, value, response.status_code)
            assert "Traceback" not in response.get_data(as_text=True)
        undeclared = client.get(f"{url}?_oc_{name}=no_such_column&_od_{name}=asc")
        assert undeclared.status_code == 400, url
        declared = (getattr(next(v for v in app.appbuilder.baseviews
                                 if type(v).__name__ == name), "order_columns") or [None])[0]
        if declared:
            ok = client.get(f"{url}?_oc_{name}={declared}&_od_{name}=desc")
            assert ok.status_code == 200, (url, declared)


def test_psize_minus_one_no_longer_returns_every_row(app, client, login_as):
    login_as("desk")
    for number in range(12):
        make_complaint(app, subject=f"Aduan nomor {number:02d}")
    response = client.get("/complaint/list/?psize_ComplaintModelView=-1")
    assert response.status_code == 400
    page = client.get("/complaint/list/?psize_ComplaintModelView=10").get_data(as_text=True)
    assert sum(f"Aduan nomor {n:02d}" in page for n in range(12)) == 10


@pytest.mark.parametrize("rison, status", [
    ("(order_column:complainant_name,order_direction:asc)", 400),
    ("(order_column:tracking_code,order_direction:asc)", 400),
    ("(order_column:subject,order_direction:asc)", 400),
    ("(order_column:received_at,order_direction:asc)", 200),
    ("(page:-1)", 400), ("(page:99999999999999999999)", 400), ("(page:0)", 200),
    ("(page_size:-1)", 400), ("(page_size:0)", 400), ("(page_size:101)", 400),
    ("(page_size:100)", 200),
])
def test_the_api_refuses_bad_paging_and_sorting_with_a_clear_400(app, client, two_complaints,
                                                                rison, status):
    make_user(app, "kades", ROLE_NAMES["head"])
    response = client.get(f"/api/v1/complaint/?q={quote(rison)}",
                          headers=_api_headers(client, "kades"))
    assert response.status_code == status, response.get_json()
    if status == 400:
        message = response.get_json()["message"]
        assert any(word in message for word in ("halaman", "diurutkan", "baris")), message


# --- Point 7: the tracking code is the desk's ------------------------------------------------


@pytest.mark.parametrize("role", ["liaison", "head"])
def test_liaison_and_head_never_receive_the_tracking_code(app, client, role):
    user_id = make_user(app, role, ROLE_NAMES[role])
    officer = make_officer(app, name="Kadus Satu", user_id=user_id if role == "liaison" else None)
    pk = make_complaint(app, assigned_officer_id=officer, status="forwarded")
    _fix_code(app, pk, CODE)
    login(client, role)
    show = client.get(f"/complaint/show/{pk}")
    shown = show.get_data(as_text=True)
    assert show.status_code == 200 and CODE not in shown
    assert group_tracking_code(CODE) not in shown  # nor as the desk reads it, in fours
    index = _filter_index(app, "tracking_code", "eq")
    search = client.get(f"/complaint/list/?_flt_{index}_tracking_code={CODE}")
    assert search.status_code == 200
    assert "Lampu jalan mati" not in search.get_data(as_text=True)
    assert "Lampu jalan mati" in client.get("/complaint/list/").get_data(as_text=True)
    headers = _api_headers(client, role)
    one = client.get(f"/api/v1/complaint/{pk}", headers=headers)
    assert one.status_code == 200 and one.get_json()["result"]["tracking_code"] is None
    listing = client.get("/api/v1/complaint/", headers=headers)
    assert listing.status_code == 200
    assert [row["tracking_code"] for row in listing.get_json()["result"]] == [None]
    found = client.get(f"/api/v1/complaint/?q={_rison_filter('tracking_code', 'eq', CODE)}",
                       headers=headers)
    assert found.status_code == 200 and found.get_json()["count"] == 0
    for path in (f"/api/v1/complaint/{pk}", "/api/v1/complaint/"):
        assert CODE not in client.get(path, headers=headers).get_data(as_text=True)
    if role == "head":
        rows = _csv(client.get("/register/export.csv"))
        column = rows[0].index("Kode lacak")
        assert [row[column] for row in rows[1:]] == [""]
        assert CODE not in client.get("/register/export.xlsx").get_data(as_text=False).decode(
            "latin-1")


def test_the_desk_reads_and_finds_the_tracking_code(app, client, login_as):
    login_as("desk")
    pk = make_complaint(app)
    _fix_code(app, pk, CODE)
    assert group_tracking_code(CODE) in client.get(f"/complaint/show/{pk}").get_data(as_text=True)
    index = _filter_index(app, "tracking_code", "eq")
    search = client.get(f"/complaint/list/?_flt_{index}_tracking_code={CODE}")
    assert "Lampu jalan mati" in search.get_data(as_text=True)
    rows = _csv(client.get("/register/export.csv"))
    assert rows[1][rows[0].index("Kode lacak")] == CODE


def test_a_liaison_filling_a_template_does_not_get_the_tracking_code(app, ctx):
    from app.models import Complaint
    from app.services import response_templates

    liaison = make_user(app, "kadus", ROLE_NAMES["liaison"])
    desk = make_user(app, "petugas", ROLE_NAMES["desk"])
    officer = make_officer(app, name="Kadus Satu", user_id=liaison)
    pk = make_complaint(app, assigned_officer_id=officer, status="forwarded")
    _fix_code(app, pk, CODE)
    complaint = db.session.get(Complaint, pk)
    sm = app.appbuilder.sm
    assert response_templates.values_for(complaint, sm.get_user_by_id(desk))[
        "kode_pelacakan"] == CODE
    assert CODE not in response_templates.values_for(complaint, sm.get_user_by_id(liaison))[
        "kode_pelacakan"]


# --- Point 9: identities shown on the edit form and in exports are logged --------------------


def _logged(app, path):
    with app.app_context():
        return sorted((v.user_id, v.complaint_id) for v in
                      db.session.query(IdentityView).filter_by(path=path))


def test_the_edit_form_logs_the_identity_it_shows(app, client, login_as):
    user_id = login_as("desk")
    pk = make_complaint(app)
    response = client.get(f"/complaint/edit/{pk}")
    assert response.status_code == 200 and "Siti Aminah" in response.get_data(as_text=True)
    assert _logged(app, "edit") == [(user_id, pk)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_logs_one_view_per_identity_it_shows(app, client, login_as, fmt):
    named = make_complaint(app)
    masked = make_complaint(app, identity_level="masked")
    anonymous = make_complaint(app, identity_level="anonymous")
    confidential = make_complaint(app, identity_level="confidential")
    desk = login_as("desk")
    assert client.get(f"/register/export.{fmt}").status_code == 200
    assert _logged(app, "export") == [(desk, pk) for pk in
                                      sorted([named, masked, anonymous, confidential])]
    client.get("/logout/")
    head = login_as("head")
    assert client.get(f"/register/export.{fmt}").status_code == 200
    logged = _logged(app, "export")
    assert [(user, pk) for user, pk in logged if user == head] == [(head, named)]


def test_a_large_export_is_logged_in_one_transaction(app, ctx):
    from app.auth import identity

    user = app.appbuilder.sm.get_user_by_id(make_user(app, "petugas", ROLE_NAMES["desk"]))
    ids = [make_complaint(app) for _ in range(5)]
    identity.record_views(user, ids, "export", batch=2)
    assert _logged(app, "export") == [(user.id, pk) for pk in ids]


def test_the_new_log_paths_have_indonesian_labels(app):
    from flask_babel import force_locale

    from app.auth.identity import VIEW_PATHS

    with app.test_request_context(), force_locale("id"):
        assert str(VIEW_PATHS["edit"]) != "Edit form"
        assert str(VIEW_PATHS["export"]) != "Register export"


@pytest.mark.parametrize("role, offered", [("desk", True), ("head", False), ("liaison", False)])
def test_the_search_form_offers_the_tracking_code_to_the_desk_only(app, client, login_as, role,
                                                                   offered):
    login_as(role)
    response = client.get("/complaint/list/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert ("Kode pelacakan" in page) is offered
    assert "Pengadu" in page  # the name search stays (it only looks among readable names)
