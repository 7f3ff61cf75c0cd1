"""A real phone-sized browser (360 px) submits and tracks a complaint without scrolling sideways.

Uses Debian's Chromium through Playwright; skipped when either is missing.
"""

import re
import shutil
import threading

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Chromium is not installed")

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]


@pytest.fixture
def server(app):
    from werkzeug.serving import make_server

    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def _fits(page):
    """The page is no wider than the 360 px screen (no horizontal scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_360px_phone_submits_and_tracks_without_horizontal_scrolling(server):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 360, "height": 740})
        page.goto(server + "/lapor")
        assert _fits(page)
        page.fill("#name", "Siti Aminah")
        page.fill("#address", "Jalan Kenanga 7, Babakan")
        page.fill("#phone", "0812 3456 7890")
        page.fill("#subject", "Jalan berlubang")
        page.fill("#description", "Jalan di RT 02 berlubang besar sejak Oktober.")
        page.select_option("#dusun", "Dusun II")
        a, b = re.search(r"(\d+) \+ (\d+)", page.inner_text("label[for=answer]")).groups()
        page.fill("#answer", str(int(a) + int(b)))
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
        browser.close()
