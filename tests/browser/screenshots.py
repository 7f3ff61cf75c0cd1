"""Take the README's screenshots from the demo data: ``python tests/browser/screenshots.py``.

Builds a fresh SQLite database in a temporary folder, loads the demo data, serves the app on
127.0.0.1 in a thread and photographs, in Indonesian, with Debian's Chromium: the register list,
a complaint's timeline on a phone, the Kepala Desa's dashboard, the public status page and the
public statistics on a phone, the admin's officer form and the privacy page on a phone; and the
desk's verify-and-forward form, a Kepala Dusun's register cards
and the Bantuan page on a phone; the first page of the register book and of the annual report (PDFs, drawn to PNG with poppler's
pdftoppm). The pictures go to docs/.
"""

import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
DOCS = ROOT / "docs"
DESKTOP = {"width": 1280, "height": 900}


def main():
    folder = tempfile.mkdtemp(prefix="shots-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/demo.db"
    os.environ["INSTANCE_PATH"] = folder
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from app import create_app
    from app.cli import prepare_database
    from app.demo import DEMO_PASSWORD, load_demo
    from app.auth.security import ensure_admin
    from app.extensions import db
    from app.models import Complaint
    from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, PHONE, ui_login

    app = create_app()
    with app.app_context():
        prepare_database()
        print(load_demo())
        ensure_admin("admin", DEMO_PASSWORD)
        informed = db.session.query(Complaint).filter_by(status="informed").order_by(
            Complaint.id.desc()).first()
        pk, code, phone = informed.id, informed.tracking_code, informed.complainant_phone
        waiting = db.session.query(Complaint).filter(
            Complaint.status == "received", Complaint.identity_level != "confidential",
            Complaint.voided.is_(False)).order_by(Complaint.id.desc()).first()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    DOCS.mkdir(exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=LAUNCH_ARGS)

        def page_for(login, phone=False):
            options = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if phone \
                else {"viewport": DESKTOP}
            page = browser.new_context(locale="id-ID", **options).new_page()
            if login:
                ui_login(page, base, login, DEMO_PASSWORD)
            return page

        desk = page_for("petugas")
        desk.goto(f"{base}/complaint/list/")
        desk.screenshot(path=str(DOCS / "register-list.png"))
        desk.goto(f"{base}/complaint/verify-forward/{waiting.id}")
        desk.screenshot(path=str(DOCS / "verify-forward.png"))
        officer = page_for("kadus1", phone=True)
        officer.goto(f"{base}/complaint/list/")
        officer.screenshot(path=str(DOCS / "register-cards-phone.png"))
        helper = page_for("petugas", phone=True)
        helper.goto(f"{base}/bantuan/")
        helper.screenshot(path=str(DOCS / "help-phone.png"))
        kadus = page_for("petugas", phone=True)
        kadus.goto(f"{base}/complaint/show/{pk}")
        kadus.screenshot(path=str(DOCS / "complaint-timeline-phone.png"), full_page=True)
        head = page_for("kades")
        head.goto(f"{base}/dashboard/")
        for image in head.locator(".chart img").all():  # charts load lazily: draw them all
            image.scroll_into_view_if_needed()
            image.evaluate("img => img.decode()")
        head.screenshot(path=str(DOCS / "dashboard.png"), full_page=True)
        resident = page_for(None, phone=True)
        resident.goto(f"{base}/status")
        resident.fill("#tracking_code", code)
        resident.fill("#phone_last4", phone[-4:])
        with resident.expect_navigation():
            resident.click("button[type=submit]")
        resident.screenshot(path=str(DOCS / "public-status-phone.png"), full_page=True)
        visitor = page_for(None, phone=True)
        visitor.goto(f"{base}/statistik")
        visitor.screenshot(path=str(DOCS / "public-statistics-phone.png"), full_page=True)
        for name, path in (("register-book", "/register/book.pdf"),
                           ("annual-report", "/dashboard/annual.pdf")):
            pdf = head.request.get(f"{base}{path}").body()
            _first_page_png(pdf, DOCS / f"{name}.png")
        admin = page_for("admin")
        admin.goto(f"{base}/officer-account/new")
        admin.screenshot(path=str(DOCS / "officer-new.png"), full_page=True)
        reader = page_for(None, phone=True)
        reader.goto(f"{base}/privasi")
        reader.screenshot(path=str(DOCS / "privacy-phone.png"), full_page=True)
        browser.close()
    server.shutdown()
    print("docs/:", ", ".join(sorted(p.name for p in DOCS.glob("*.png"))))


def _first_page_png(pdf, target):
    """The PDF's first page as a PNG (poppler-utils' pdftoppm)."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "document.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                        str(source), str(Path(folder) / "page")], check=True)
        target.write_bytes((Path(folder) / "page.png").read_bytes())


if __name__ == "__main__":
    main()
