"""Take the Bantuan guide's small screenshots: ``python tests/browser/help_screenshots.py``.

A fresh SQLite database in a temporary folder with a small demo set, the app on 127.0.0.1 in a
thread, Debian's Chromium on a 360 px phone in Indonesian: the screens the guide walks through.
Each picture is the phone's first screen, halved and reduced to 64 colours (Pillow), so the
guide stays light; they go to app/static/help/ (named in app/documents/guide.py).
"""

import io
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
TARGET = ROOT / "app" / "static" / "help"


def _save(page, name):
    from PIL import Image

    image = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    image = image.resize((image.width // 2, image.height // 2), Image.LANCZOS)
    image.quantize(colors=64).save(TARGET / name, optimize=True)


def main():
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from app import create_app
    from app.cli import prepare_database
    from app.core import workflow
    from app.demo import DEMO_PASSWORD
    from app.documents import guide
    from app.extensions import db
    from app.models import Complaint
    from tests.bench.page_weight import seed
    from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, PHONE, ui_login

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/help.db",
                          "SECRET_KEY": "help-screenshots-secret-key-long-enough-for-jwt",
                          "RATELIMIT_ENABLED": False, "ATTACHMENT_DIR": f"{tmp}/files"})
        with app.app_context():
            prepare_database()
        forwarded = seed(app)["complaint"]
        with app.app_context():
            received = db.session.query(Complaint.id).filter_by(
                status=workflow.RECEIVED).first()[0]
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        pictures = {item.picture: item for item in guide.items() if item.picture}
        shots = {
            "petugas": [(f"/complaint/step/{received}/verify", "verifikasi.png"),
                        (f"/complaint/step/{forwarded}/forward", "teruskan.png")],
            "kadus1": [("/complaint/list/", "tugas.png"),
                       (f"/complaint/step/{forwarded}/note", "catatan.png"),
                       (f"/complaint/step/{forwarded}/resolve", "selesaikan.png")],
            "kades": [("/dashboard/", "dasbor.png")],
        }
        TARGET.mkdir(exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=LAUNCH_ARGS)
            for login, pages in shots.items():
                page = browser.new_context(locale="id-ID", viewport=PHONE, is_mobile=True,
                                           has_touch=True).new_page()
                ui_login(page, base, login, DEMO_PASSWORD)
                for path, name in pages:
                    assert name in pictures, f"{name} is not named in app/documents/guide.py"
                    page.goto(f"{base}{path}")
                    _save(page, name)
            browser.close()
        server.shutdown()
    print("app/static/help/:", ", ".join(sorted(p.name for p in TARGET.glob("*.png"))))


if __name__ == "__main__":
    main()
