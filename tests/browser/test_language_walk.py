"""A real browser walks the main screens in Indonesian: what the page shows after its
scripts ran (FAB's filter widgets, menus, pagination) has no English word left."""

import pytest

from tests.browser.conftest import ui_login
from tests.conftest import PASSWORD, make_complaint, make_officer, make_user
from tests.test_language import PATTERN

SCREENS = ["/", "/complaint/list/", "/complaint/show/{pk}", "/complaint/add",
           "/complaint/edit/{pk}", "/complaint/step/{pk}/verify", "/complaint/overdue/list/",
           "/meeting/list/", "/meeting/schedule", "/officer/list/", "/category/list/",
           "/dusun/list/", "/users/userinfo/"]


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_the_desk_reads_every_main_screen_in_indonesian(app, live_server, new_page, phone):
    make_user(app, "petugas", "Petugas Pengelola", first_name="Dwi", last_name="Lestari")
    make_officer(app, name="Sutrisno")
    pk = make_complaint(app)
    page = new_page(phone=phone)
    ui_login(page, live_server, "petugas", PASSWORD)
    left = {}
    for path in SCREENS:
        page.goto(live_server + path.format(pk=pk))
        toggle = page.locator("#filter_form button.dropdown-toggle")
        if toggle.count() and toggle.first.is_visible():
            toggle.first.click()  # FAB's search: open "add filter" and add one
            page.locator("#filter_form a.filter").first.click()
            page.wait_for_selector("#filter_form table.filters select")
        found = sorted(set(PATTERN.findall(page.inner_text("body"))))
        if found:
            left[path] = found
    assert left == {}
