"""FAB's pages and ours work under the Content-Security-Policy: no violation in a real browser."""

import pytest

from tests.browser.conftest import ui_login
from tests.conftest import PASSWORD, make_complaint, make_officer, make_user

# Records every CSP violation the page reports (init scripts are not subject to the policy).
WATCH_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' '
                    + (e.sourceFile || '') + ':' + e.lineNumber);
});
"""


@pytest.fixture
def watched_page(new_page):
    """A page that collects CSP violations from both the DOM event and the console."""

    def _new():
        page = new_page()
        page.add_init_script(WATCH_VIOLATIONS)
        page.console_errors = []
        page.on("console", lambda msg: page.console_errors.append(msg.text)
                if msg.type == "error" else None)
        return page

    return _new


def violations(page):
    found = page.evaluate("window.__csp || []")
    found += [text for text in page.console_errors if "Content Security Policy" in text]
    return found


def test_staff_and_public_pages_report_no_csp_violation(app, live_server, watched_page):
    desk_id = make_user(app, "petugas", "Petugas Pengelola")
    officer = make_officer(app, name="Dwi Lestari", position="petugas_pengelola", user_id=desk_id)
    pk = make_complaint(app, assigned_officer_id=officer)

    public = watched_page()
    for path in ("/lapor", "/status", "/login/"):
        response = public.goto(live_server + path)
        assert "nonce-" in response.headers["content-security-policy"]
        public.wait_for_load_state("networkidle")
        assert violations(public) == [], path

    desk = watched_page()
    ui_login(desk, live_server, "petugas", PASSWORD)
    for path in ("/complaint/list/", "/complaint/add", f"/complaint/edit/{pk}",
                 f"/complaint/show/{pk}", f"/complaint/receipt/{pk}", "/meeting/list/",
                 "/officer/list/", "/complaint/overdue/list/", "/users/userinfo/",
                 "/resetmypassword/form"):
        desk.goto(live_server + path)
        desk.wait_for_load_state("networkidle")
        assert violations(desk) == [], path
    # FAB's JavaScript really ran: the search widget's "add filter" menu and Select2 work.
    desk.goto(f"{live_server}/complaint/add")
    desk.wait_for_load_state("networkidle")
    assert desk.locator(".select2-container").count() > 0
    assert violations(desk) == []


def test_an_injected_inline_script_is_blocked(app, live_server, watched_page):
    page = watched_page()
    page.goto(f"{live_server}/login/")
    page.evaluate("""() => { const s = document.createElement('script');
        s.textContent = 'window.__ran = true'; document.body.appendChild(s); }""")
    assert page.evaluate("window.__ran === undefined")
    assert violations(page)


def test_swagger_ui_works_under_the_policy(app, live_server, watched_page):
    make_user(app, "admin", "Admin")
    page = watched_page()
    ui_login(page, live_server, "admin", PASSWORD)
    page.goto(f"{live_server}/swagger/v1")
    page.wait_for_selector(".opblock", timeout=15000)
    assert violations(page) == []
