"""Start the complaint register: ``python run.py [--demo]``.

Upgrades the database, syncs roles, makes sure an admin exists (printing a
generated password once when ADMIN_PASSWORD is not set), optionally loads demo
data, starts the background jobs (sending notifications, reminders) and serves on
HOST:PORT (default http://127.0.0.1:8080).
"""

import argparse
import os
import secrets

from app import background, create_app
from app.auth.security import ensure_admin
from app.cli import prepare_database


def main(argv=None):
    parser = argparse.ArgumentParser(description="Sistem Pengaduan Desa")
    parser.add_argument("--demo", action="store_true",
                        help="load demo officers, logins and complaints")
    parser.add_argument("--no-serve", action="store_true",
                        help="prepare the database and exit")
    args = parser.parse_args(argv)

    app = create_app()
    with app.app_context():
        prepare_database()
        username = os.environ.get("ADMIN_USERNAME", "admin")
        password = os.environ.get("ADMIN_PASSWORD")
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        if ensure_admin(username, password):
            shown = password if generated else "(ADMIN_PASSWORD)"
            print(f"Admin dibuat / admin created: {username} / {shown}")
        if args.demo:
            from app.demo import load_demo

            print(load_demo())
    if args.no_serve:
        return
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8080"))
    # Sending and reminders run in a thread of this process (BACKGROUND_JOBS=0: a timer does).
    background.start(app)
    print(f"Membuka / serving http://{host}:{port}")
    app.run(host=host, port=port, debug=False, threaded=True)


if __name__ == "__main__":
    main()
