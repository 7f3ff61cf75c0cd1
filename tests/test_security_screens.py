"""FAB's login, role and permission screens: the admin's alone, in Indonesian, yes/no as
"Ya" / "Tidak" on every list and detail page, and the audit log filtered by kind of record."""

import re

import pytest
from flask_appbuilder import ModelView

from app.extensions import db
from app.models import AuditEntry
from app.services import audit
from app.web.views.base import yes_no
from tests.conftest import make_officer, make_user

SECURITY_SCREENS = ("/users/list/", "/users/show/{me}", "/users/edit/{me}", "/users/add",
                    "/roles/list/", "/roles/show/{role}", "/groups/list/",
                    "/permissions/list/", "/viewmenus/list/", "/permissionviews/list/",
                    "/userstatschartview/chart/")
# FAB's English words for these screens' columns, menus and help texts.
ENGLISH = ("Groups", "Users", "Roles", "Role", "Permissions", "Login Count", "Login count",
           "Failed login count", "Is Active?", "Created on", "Changed on", "Last login",
           "First Name", "Last Name", "User Name", "Description", "List Users",
           "List Roles", "Security", "User's Statistics", "The user role on the application")


def _visible_text(body):
    """What a person reads: the page without scripts, tags and the language switch."""
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    return {line.strip() for line in re.sub(r"<[^>]+>", "\n", body).splitlines()
            if line.strip()}


def _paths(app, me):
    with app.app_context():
        role = app.appbuilder.sm.find_role("Petugas Pengelola").id
    return [path.format(me=me, role=role) for path in SECURITY_SCREENS]


def test_the_security_screens_speak_indonesian_and_never_say_true_or_false(app, client,
                                                                            login_as):
    me = login_as("admin")
    make_user(app, "kadus", "Petugas Penghubung")
    for path in _paths(app, me):
        page = client.get(path)
        assert page.status_code == 200, path
        text = _visible_text(page.get_data(as_text=True))
        for word in ENGLISH:
            assert word not in text, (path, word)
        for word in ("True", "False", "None", "[]"):
            assert word not in text, (path, word)
        assert not [line for line in text if line.startswith("[") and line.endswith("]")], \
            path  # no Python lists of roles or permissions
    users = _visible_text(client.get("/users/list/").get_data(as_text=True))
    assert {"Ya", "Aktif?", "Peran", "Petugas Penghubung"} <= users
    shown = _visible_text(client.get(f"/users/show/{me}").get_data(as_text=True))
    assert any(re.fullmatch(r"\d{1,2} \w+ \d{4}, \d{2}\.\d{2} WIB", line) for line in shown)


def test_only_the_admin_sees_the_security_menu(app, client, login_as):
    login_as("desk")
    page = client.get("/").get_data(as_text=True)
    assert "Keamanan" not in page and "/users/list/" not in page
    assert "/roles/list/" not in page and "/permissions/list/" not in page
    client.get("/logout/")
    login_as("admin")
    page = client.get("/").get_data(as_text=True)
    assert "Keamanan" in page and "/users/list/" in page and "/permissions/list/" in page


def test_every_yes_no_column_of_every_screen_reads_ya_or_tidak(app):
    """One formatter for all: each model screen's yes/no columns, ours and FAB's."""
    checked = 0
    for view in app.appbuilder.baseviews:
        if not isinstance(view, ModelView):
            continue
        for column in set(view.list_columns) | set(view.show_columns):
            if view.datamodel.is_boolean(column):
                assert view.formatters_columns.get(column) is yes_no, (type(view), column)
                checked += 1
    assert checked >= 4  # officers, categories, dusun, logins at least
    with app.test_request_context():
        assert (str(yes_no(True)), str(yes_no(False)), yes_no(None)) == ("Ya", "Tidak", "-")


@pytest.mark.parametrize("path", ["/officer/list/", "/officer/show/{officer}",
                                  "/category/list/", "/dusun/list/"])
def test_master_data_says_ya_not_true(app, client, login_as, path):
    officer = make_officer(app)
    login_as("admin")
    page = client.get(path.format(officer=officer))
    assert page.status_code == 200
    text = _visible_text(page.get_data(as_text=True))
    assert "Ya" in text and "True" not in text and "False" not in text


def test_the_audit_log_is_filtered_by_kind_of_record_from_a_list(app, client, login_as):
    make_officer(app, name="Sutrisno")  # an officer row in the log
    with app.app_context():
        kinds = {row.entity for row in db.session.query(AuditEntry)}
    assert "officer" in kinds and len(kinds) > 1
    login_as("admin")
    body = client.get("/auditlog/list/").get_data(as_text=True)
    choices = re.search(r'<select[^>]*name=\\"entity\\"[^>]*>(.*?)</select>',
                        body.replace("\\u003c", "<").replace("\\u003e", ">"), re.S)
    assert choices, "the kind of record is a dropdown"
    options = dict(re.findall(r'<option value=\\"(\w+)\\">([^<]+)</option>', choices.group(1)))
    with app.test_request_context():
        expected = {name: str(label) for name, (_m, label) in audit.ENTITIES.items()}
        expected.update({name: str(label) for name, label in audit.OTHER_ENTITIES.items()})
    assert options == expected
    assert options["officer"] == "Petugas" and options["complaint"] == "Pengaduan"
    filtered = client.get("/auditlog/list/?_flt_3_entity=officer").get_data(as_text=True)
    cells = re.findall(r'<td class="col-entity" data-label="Data">([^<]*)</td>', filtered)
    assert cells and set(cells) == {"Petugas"}
