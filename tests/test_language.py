"""Every screen reads in Indonesian: no English word of FAB's or ours left showing."""

import re

import pytest

from tests.conftest import make_complaint, make_officer

# Words that only an untranslated screen shows (whole words, case-sensitive).
ENGLISH = ["Search", "Add Filter", "Record Count", "Actions", "Cancel", "Save", "Back",
           "Edit", "Delete", "Login", "Logout", "List", "Add", "User confirmation", "Previous",
           "Next", "Starts with", "Ends with", "Equal to", "Not Equal", "Contains",
           "Greater than", "Smaller than", "Relation", "Yes", "No", "None", "Received",
           "Complaint", "Officer", "Subject", "Due date", "Verify", "Forward",
           "Resolve", "Reject", "Timeline", "Print", "Reset Password", "Page size"]
# "No." (nomor) and "Status" are Indonesian too, hence the guard against a following dot.
PATTERN = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in ENGLISH) + r")(?![\w.-])")


def visible_text(html):
    """The text a user reads (no scripts, styles, attributes or tags)."""
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    html = re.sub(r"(?s)<!--.*?-->", " ", html)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)


PAGES = {
    "desk": ["/", "/complaint/list/", "/complaint/show/{pk}", "/complaint/add",
             "/complaint/edit/{pk}", "/complaint/step/{pk}/verify", "/complaint/receipt/{pk}",
             "/complaint/overdue/list/", "/officer/list/", "/category/list/", "/dusun/list/",
             "/meeting/list/?_flt_0_place=B", "/meeting/schedule", "/users/userinfo/", "/resetmypassword/form",
             "/resident-request/", "/officer-account/1/reassign"],
    "head": ["/", "/complaint/list/", "/complaint/show/{pk}"],
    # (/roles/list/ shows FAB's technical permission names; it is an admin's tool.)
    "admin": ["/officer-account/new", "/officer/list/", "/officer/show/1", "/category/add",
              "/dusun/add", "/users/list/", "/auditlog/list/",
              "/officer-account/1/deactivate", "/officer-account/1/reassign", "/retention/"],
}


@pytest.mark.parametrize("role, path", [(r, p) for r, paths in PAGES.items() for p in paths])
def test_screens_show_no_english(app, client, login_as, role, path):
    login_as(role)
    make_officer(app, name="Sutrisno")
    pk = make_complaint(app)
    response = client.get(path.format(pk=pk))
    assert response.status_code == 200
    found = sorted(set(PATTERN.findall(visible_text(response.get_data(as_text=True)))))
    assert found == [], f"English left on {path}: {found}"


@pytest.mark.parametrize("path", ["/login/", "/lupa-sandi", "/akun/sandi/tidak-ada", "/privasi"])
def test_anonymous_login_page_shows_no_english(client, path):
    found = PATTERN.findall(visible_text(client.get(path).get_data(as_text=True)))
    assert found == []


def test_english_is_the_second_language(app, client, login_as):
    login_as("desk")
    client.get("/lang/en", follow_redirects=True)
    page = visible_text(client.get("/complaint/list/").get_data(as_text=True))
    assert "Complaint register" in page and "Search" in page
    client.get("/lang/id", follow_redirects=True)
    assert "Register pengaduan" in visible_text(client.get("/complaint/list/").get_data(as_text=True))


def test_templates_follow_a_language_forced_within_a_request(app):
    """A language forced within a request shows in templates, and the request's after it."""
    from flask import render_template_string
    from flask_babel import force_locale

    page = "{{ _('Check status') }}"
    with app.test_request_context():
        assert render_template_string(page) == "Cek status"
        with force_locale("en"):
            assert render_template_string(page) == "Check status"
        assert render_template_string(page) == "Cek status"


def test_template_messages_follow_the_language_and_keep_escaping_and_formatting(app):
    """Templates' ``_()`` follows the language, escapes and always formats, as Jinja's
    new-style gettext does."""
    from flask import render_template_string
    from flask_babel import force_locale

    page = "{{ _('Village of %(name)s', name=name) }}|{{ _('Received') }}"
    with app.test_request_context("/?_l_=en"):
        assert render_template_string(page, name="<b>") == "Village of &lt;b&gt;|Received"
    with app.test_request_context():
        for _ in range(2):  # the same again
            assert render_template_string(page, name="Suka") == "Desa Suka|Diterima"
            with force_locale("en"):
                assert render_template_string(page, name="Suka") == "Village of Suka|Received"


def test_labels_follow_the_language_and_a_forced_one(app):
    """Labels follow the request's language and a forced one, read again and again."""
    from flask_babel import force_locale

    from app.core.vocabularies import STATUSES, label

    with app.test_request_context():
        for _ in range(2):
            assert label(STATUSES, "received") == "Diterima"
            with force_locale("en"):
                assert label(STATUSES, "received") == "Received"
            assert label(STATUSES, "received") == "Diterima"
    with app.test_request_context("/?_l_=en"):
        assert label(STATUSES, "received") == "Received"
        with force_locale("id"):
            assert label(STATUSES, "received") == "Diterima"
    assert label(STATUSES, "unknown") == "unknown"
    with app.app_context():
        assert label(STATUSES, "received") is STATUSES["received"]  # lazy outside a request


def test_pages_translate_with_flask_babel_and_the_language_of_fab(app, monkeypatch):
    """No layer of our own between templates and Flask-Babel (nothing kept from an earlier
    call), and the language is chosen by FAB's own selector."""
    import flask_babel
    from flask import render_template_string

    class Shouting:
        def ugettext(self, message):
            return message.upper()

    assert app.extensions["babel"].locale_selector == app.appbuilder.bm.get_locale
    with app.test_request_context():
        assert render_template_string("{{ _('Received') }}") == "Diterima"
        monkeypatch.setattr(flask_babel, "get_translations", Shouting)
        assert render_template_string("{{ _('Received') }}") == "RECEIVED"


def test_numbers_use_indonesian_separators_and_english_ones_in_english(app):
    from flask_babel import force_locale

    from app.web.template_helpers import number, percent

    with app.test_request_context():
        assert (number(1234567), number(1234.5, 1), percent(0.875), number(None)) == \
            ("1.234.567", "1.234,5", "87,5%", "-")
        with force_locale("en"):
            assert (number(1234.5, 1), percent(0.875)) == ("1,234.5", "87.5%")
