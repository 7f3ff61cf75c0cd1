"""Start the complaint register: ``python run.py [--demo]``.

Upgrades the database, syncs roles, makes sure an admin exists (printing a
generated password once when ADMIN_PASSWORD is not set), optionally loads demo
data (printing its progress), starts the background jobs (sending notifications,
reminders, fetching the email inbox, retention) and serves on HOST:PORT (default
http://127.0.0.1:8080). The login to use is printed last, framed, so it is not
lost among the migration lines above it.
"""

import argparse
import os
import secrets

from app import background, create_app
from app.auth.security import ensure_admin
from app.cli import prepare_database
from app.demo import DEMO_PASSWORD, load_demo, progress_line


def print_progress(done, total):
    """Print the demo load's progress at each tenth (it runs over a minute on a small machine)."""
    line = progress_line(done, total)
    if line:
        print(line, flush=True)


def login_banner(url, username, password, demo_password=None):
    """The framed block printed last: where to open the app and which login to use."""
    lines = [f"Buka / open: {url}",
             f"Admin: {username} / {password}"]
    if demo_password:
        lines.append(f"Login demo (petugas, kades, sekdes, kadus1...): kata sandi {demo_password}")
    width = max(len(line) for line in lines) + 4
    frame = "=" * width
    return "\n".join(["", frame, *(f"  {line}" for line in lines), frame, ""])


def main(argv=None):
    parser = argparse.ArgumentParser(description="Sistem Pengaduan Desa")
    parser.add_argument("--demo", action="store_true",
                        help="load demo officers, logins and complaints")
    parser.add_argument("--no-serve", action="store_true",
                        help="prepare the database and exit")
    args = parser.parse_args(argv)

    # Everything the server writes (the SQLite file and its journal, backups, exports kept
    # for an import) holds residents' personal data: readable by this user only.
    os.umask(0o077)
    app = create_app()
    demo_password = None
    with app.app_context():
        print("Menyiapkan basis data / preparing the database...", flush=True)
        prepare_database()
        username = os.environ.get("ADMIN_USERNAME", "admin")
        password = os.environ.get("ADMIN_PASSWORD")
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        if ensure_admin(username, password):
            shown = password if generated else "(ADMIN_PASSWORD)"
        else:
            shown = "(kata sandi yang sudah ada / the existing password)"
        if args.demo:
            print(load_demo(progress=print_progress), flush=True)
            demo_password = DEMO_PASSWORD
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8080"))
    print(login_banner(f"http://{host}:{port}/login/", username, shown, demo_password),
          flush=True)
    if args.no_serve:
        return
    # Sending, reminders, the inbox and retention run in a thread of this process
    # (BACKGROUND_JOBS=0: a timer does).
    background.start(app)
    app.run(host=host, port=port, debug=False, threaded=True)


if __name__ == "__main__":
    main()
