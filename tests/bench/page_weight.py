"""Page weight on a cheap phone over a slow line: bytes and time of a first and a repeat load.

Drives Debian's Chromium (Playwright) with a 360 px phone viewport and DevTools network
throttling at "Fast 3G" (1.6 Mbps down, 750 kbps up, 150 ms round trip), logged in as a Kepala
Dusun (the officer who works on a phone) and as the desk, over the demo data. For each page it
measures a **first load** (browser cache emptied) and a **repeat load** (the same page again,
static files kept): bytes over the wire (headers included, after compression), requests sent,
and the time until the page is usable (its ``load`` event). Prints a Markdown table for
docs/performance.md.

    python tests/bench/page_weight.py [--chromium /usr/bin/chromium]

Targets (issue "speed and weight on a phone"): first load at most 350 KiB and usable within
4 s, repeat load under 40 KiB and within 1.5 s. tests/browser/test_page_weight.py asserts the
byte targets (bytes do not depend on the machine; times do, and are only reported here).
"""

import argparse
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FAST_3G = {"offline": False, "latency": 150,
           "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 750e3 / 8}
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
TARGETS = {"first": (350 * 1024, 4.0), "repeat": (40 * 1024, 1.5)}
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]


def seed(app):
    """Demo data plus an admin; returns ``{"complaint": id}``, a complaint forwarded to kadus1
    (the pages measured are that complaint's page and its progress-note form)."""
    from app.auth.security import ensure_admin
    from app.core import workflow
    from app.demo import DEMO_PASSWORD, load_demo
    from app.extensions import db
    from app.models import Complaint, Officer

    with app.app_context():
        load_demo(count=40, seed=5)
        ensure_admin("admin", DEMO_PASSWORD)
        kadus = db.session.query(Officer).join(Officer.user).filter_by(username="kadus1").one()
        complaint = db.session.query(Complaint).filter_by(
            assigned_officer_id=kadus.id, status=workflow.FORWARDED).first()
        if complaint is None:
            complaint = db.session.query(Complaint).filter_by(status=workflow.FORWARDED).first()
            complaint.assigned_officer_id = kadus.id
            db.session.commit()
        found = {"complaint": complaint.id}
        db.session.remove()
    return found


def pages(ids):
    """(who, page name, path): what is measured."""
    return [
        ("kadus1", "register list", "/complaint/list/"),
        ("kadus1", "complaint page", f"/complaint/show/{ids['complaint']}"),
        ("kadus1", "step form (progress note)", f"/complaint/step/{ids['complaint']}/note"),
        ("petugas", "register list", "/complaint/list/"),
    ]


def _load(page, cdp, url):
    """Navigate to ``url``; return (bytes over the wire, requests, seconds to usable)."""
    received = {}
    started = set()

    def on_request(event):
        started.add(event["requestId"])

    def on_finished(event):
        received[event["requestId"]] = event["encodedDataLength"]

    cdp.on("Network.requestWillBeSent", on_request)
    cdp.on("Network.loadingFinished", on_finished)
    page.goto(url, wait_until="load")
    page.wait_for_timeout(300)  # late font and image requests
    seconds = page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0];"
        " return (n.loadEventEnd - n.startTime) / 1000; }")
    cdp.remove_listener("Network.requestWillBeSent", on_request)
    cdp.remove_listener("Network.loadingFinished", on_finished)
    fetched = sum(1 for request_id in started if received.get(request_id, 0) > 0)
    return sum(received.values()), fetched, seconds


def measure(browser, base, ids, password):
    """Each page's first and repeat load: a list of dicts, one per page."""
    rows = []
    for login, name, path in pages(ids):
        context = browser.new_context(locale="id-ID", **PHONE)
        page = context.new_page()
        page.goto(f"{base}/login/")
        page.fill("#username", login)
        page.fill("#password", password)
        with page.expect_navigation():
            page.click("input[type=submit], button[type=submit]")
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.clearBrowserCache")
        cdp.send("Network.emulateNetworkConditions", FAST_3G)
        row = {"who": login, "page": name, "path": path}
        for load in ("first", "repeat"):
            row[load] = _load(page, cdp, f"{base}{path}")
        rows.append(row)
        context.close()
    return rows


def table(rows):
    """The Markdown table of ``rows`` with the targets."""
    lines = ["| who | page | first load: KiB · requests · s | repeat load: KiB · requests · s |",
             "|---|---|---:|---:|"]
    for row in rows:
        cells = []
        for load in ("first", "repeat"):
            size, count, seconds = row[load]
            limit, limit_s = TARGETS[load]
            mark = "" if size <= limit and seconds <= limit_s else " ✗"
            cells.append(f"{size / 1024:.1f} · {count} · {seconds:.2f}{mark}")
        lines.append(f"| {row['who']} | {row['page']} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from app import create_app
    from app.cli import prepare_database
    from app.demo import DEMO_PASSWORD

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/weight.db",
                          "SECRET_KEY": "page-weight-benchmark-secret-key-long-enough",
                          "RATELIMIT_ENABLED": False, "ATTACHMENT_DIR": f"{tmp}/files"})
        with app.app_context():
            prepare_database()
        ids = seed(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=args.chromium,
                                                     headless=True, args=LAUNCH_ARGS)
                rows = measure(browser, f"http://127.0.0.1:{server.server_port}", ids,
                               DEMO_PASSWORD)
                browser.close()
        finally:
            server.shutdown()
    print(table(rows))


if __name__ == "__main__":
    main()
