"""The admin narrows the audit log to one kind of record by choosing it from a dropdown, with
FAB's own search widget in a real browser."""

from tests.browser.conftest import click_and_wait, ui_login
from tests.conftest import PASSWORD, make_officer, make_user


def test_the_admin_picks_the_kind_of_record_from_a_list(app, live_server, new_page):
    make_user(app, "admin", "Admin")
    make_officer(app, name="Sutrisno")
    page = new_page()
    ui_login(page, live_server, "admin", PASSWORD)
    page.goto(f"{live_server}/auditlog/list/")
    page.get_by_text("Cari", exact=True).first.click()  # the search panel opens
    page.locator("#filter_form button.dropdown-toggle").first.click()
    page.locator('#filter_form a.filter[name="entity"]').click()
    value = page.locator('#filter_form table.filters select[name="_flt_0_entity"]')
    assert value.count() == 1  # a list to choose from, not a box to type into
    options = value.locator("option").all_inner_texts()
    assert "Petugas" in options and "Pengaduan" in options
    value.select_option("officer")
    click_and_wait(page, "#filter_form button[type=submit]")
    assert "_flt_0_entity=officer" in page.url
    kinds = set(page.locator("td.col-entity").all_inner_texts())
    assert kinds == {"Petugas"}
