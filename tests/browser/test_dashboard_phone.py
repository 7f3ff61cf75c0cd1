"""The Kepala Desa opens the dashboard on a 360 px phone: every chart loads and fits the screen."""

import datetime as dt

from tests.browser.conftest import no_horizontal_scroll, shot, ui_login
from tests.conftest import PASSWORD, make_complaint, make_user


def test_the_head_reads_every_chart_on_a_phone(app, live_server, new_page):
    from app.reporting.figures import CHARTS

    make_user(app, "kades", "Kepala Desa")
    for days in (1, 20, 45, 80):
        make_complaint(app, received_at=dt.datetime.now() - dt.timedelta(days=days))
    page = new_page(phone=True)
    ui_login(page, live_server, "kades", PASSWORD)
    page.goto(f"{live_server}/dashboard/?period=year&year={dt.date.today().year}")
    page.wait_for_load_state("networkidle")
    for chart in CHARTS:
        image = page.locator(f"#chart-{chart.name} img")
        image.scroll_into_view_if_needed()
        image.evaluate("img => img.complete || new Promise(r => img.onload = r)")
        size = image.evaluate("img => [img.naturalWidth, img.getBoundingClientRect().width]")
        assert size[0] > 300, chart.name          # a real PNG came back
        assert 300 <= size[1] <= 360, chart.name  # drawn across the phone's width
    assert no_horizontal_scroll(page)
    shot(page, "06-dashboard-phone")
