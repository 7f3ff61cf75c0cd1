"""A real phone-sized browser (360 px) submits and tracks a complaint without scrolling sideways."""


from tests.browser.conftest import fill_report, shot


def _fits(page):
    """The page is no wider than the 360 px screen (no horizontal scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_360px_phone_submits_and_tracks_without_horizontal_scrolling(live_server, new_page):
    server = live_server
    page = new_page(phone=True)
    page.goto(server + "/lapor")
    assert _fits(page)
    fill_report(page, "Jalan berlubang", "Jalan di RT 02 berlubang besar sejak Oktober.")
    page.select_option("#dusun", "Dusun II")
    page.click("button[type=submit]")
    page.wait_for_url("**/lapor/tanda-terima")
    assert _fits(page)
    code = page.inner_text("table").split("Kode pelacakan")[1].split()[0]

    page.click("text=Cek status")
    assert _fits(page)
    page.fill("#tracking_code", code)
    page.fill("#phone_last4", "7890")
    page.click("button[type=submit]")
    assert "Diterima" in page.inner_text(".summary")
    assert _fits(page)
    shot(page, "04-public-status-phone")


def test_a_360px_phone_reads_the_statistics_without_horizontal_scrolling(app, live_server,
                                                                         new_page):
    """The demo register's /statistik, followed from the status page's menu: tables fit the
    screen, the bars are drawn by the browser, no image and no script."""
    from app.demo import load_demo
    from app.extensions import db

    with app.app_context():
        load_demo(count=60, seed=5)
        db.session.remove()
    page = new_page(phone=True)
    page.goto(live_server + "/status")
    page.click("text=Statistik")
    page.wait_for_url("**/statistik")
    assert "Bagaimana desa menangani pengaduan" in page.inner_text("h1")
    assert page.locator("table.stats").count() >= 7
    assert page.locator("progress").count() > 0
    assert page.locator("img, script").count() == 0
    assert _fits(page)
    shot(page, "05-public-statistics-phone")
