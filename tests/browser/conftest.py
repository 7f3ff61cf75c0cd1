"""Browser tests: the app served on 127.0.0.1 in a thread, driven by Debian's Chromium.

Playwright's own browser download does not work here; .ci/run installs the
Debian package. Screenshots go to tests/artifacts/ (and docs/ for the README).
"""

import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.components import missing

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PHONE = {"width": 360, "height": 740}
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        missing(f"no Chromium at {CHROMIUM} (.ci/run installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """``new_page(phone=True)``: a fresh browser context (own cookies), desktop or phone-sized."""
    contexts = []

    def _new(phone=False):
        options = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if phone else \
            {"viewport": {"width": 1280, "height": 900}}
        context = browser.new_context(locale="id-ID", accept_downloads=True, **options)
        contexts.append(context)
        return context.new_page()

    yield _new
    for context in contexts:
        context.close()


def shot(page, name):
    """Save a full-page screenshot as a test artifact."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def no_horizontal_scroll(page):
    """The page itself does not scroll sideways (tables may scroll inside their box)."""
    # Against the viewport set, not window.innerWidth: a phone browser widens its layout
    # viewport to fit content that overflows, which would hide the very fault looked for.
    return page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def click_and_wait(page, selector):
    """Click something that loads a new page and wait until it has loaded."""
    with page.expect_navigation():
        page.click(selector)
    page.wait_for_load_state()


def fill_report(page, subject, description):
    """Fill the open /lapor form as a resident would (name, address, phone, what and where)
    and answer its sum question; the caller adds what else it needs and sends it."""
    page.fill("#name", "Siti Aminah")
    page.fill("#address", "Jalan Kenanga 7, Babakan")
    page.fill("#phone", "0812 3456 7890")
    page.fill("#subject", subject)
    page.fill("#description", description)
    a, b = re.search(r"(\d+) \+ (\d+)", page.inner_text("label[for=answer]")).groups()
    page.fill("#answer", str(int(a) + int(b)))


def ui_login(page, base, username, password):
    page.goto(f"{base}/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    click_and_wait(page, "input[type=submit], button[type=submit]")
