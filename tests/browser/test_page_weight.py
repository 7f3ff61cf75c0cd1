"""Weight of the pages an officer opens on a phone (tests/bench/page_weight.py measures them):
the bytes are asserted here, the times only reported by the script (they depend on the machine).

And the JavaScript a page loads is the JavaScript it uses: Select2 and the date picker only on
the pages with forms or search filters that use them, and those still work.
"""

import pytest

from app.demo import DEMO_PASSWORD
from tests.bench.page_weight import TARGETS, measure, seed, table
from tests.browser.conftest import ui_login

KIB = 1024


def test_first_and_repeat_loads_stay_within_the_byte_targets(app, live_server, browser):
    rows = measure(browser, live_server, seed(app), DEMO_PASSWORD)
    print("\n" + table(rows))
    for row in rows:
        first, repeat = row["first"][0], row["repeat"][0]
        assert first <= TARGETS["first"][0], f"{row['path']}: first load {first / KIB:.1f} KiB"
        assert repeat < TARGETS["repeat"][0], f"{row['path']}: repeat load {repeat / KIB:.1f} KiB"
        assert repeat < first / 10, row  # the static files came from the cache


@pytest.fixture
def errors_of(new_page):
    """A desktop page whose script errors are collected in ``page.script_errors``."""
    page = new_page()
    page.script_errors = []
    page.on("pageerror", lambda error: page.script_errors.append(str(error)))
    return page


def _scripts(page):
    return page.evaluate("() => [...document.scripts].map(s => s.src).filter(Boolean).join(' ')")


def test_select2_and_the_date_picker_load_only_where_a_form_uses_them(app, live_server,
                                                                    errors_of):
    page = errors_of
    ids = seed(app)
    ui_login(page, live_server, "petugas", DEMO_PASSWORD)
    for path in ("/", f"/complaint/show/{ids['complaint']}",
                 f"/complaint/step/{ids['complaint']}/note"):
        assert page.goto(f"{live_server}{path}").status == 200
        scripts = _scripts(page)
        assert "select2" not in scripts and "datepicker" not in scripts, path
        # FAB's ab.js ran to its end: its confirmation handler is bound.
        assert page.evaluate("typeof ab_alert") == "function", path
    assert page.goto(f"{live_server}/complaint/add").status == 200
    assert "select2.min.js" in _scripts(page) and "datepicker" in _scripts(page)
    # The real widgets are set up on the form: Select2 boxes, and a calendar on the date field.
    assert page.locator(".select2-container").count() > 0
    page.click("#incident_date")
    assert page.locator(".datepicker-dropdown").first.is_visible()
    assert page.goto(f"{live_server}/complaint/list/").status == 200
    assert "select2.min.js" in _scripts(page)  # the search filters use it
    assert page.script_errors == []
