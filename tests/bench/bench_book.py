"""Benchmark: the buku register pengaduan PDF of one year of 10,000 entries.

    python tests/bench/bench_book.py                       # 10,000 rows on SQLite
    python tests/bench/bench_book.py --rows 2000,10000 --database-url postgresql://.../t_bench

For each number of rows: a fresh database, one year of that many entries written in
bulk (a tenth voided, half resolved and informed), then the year's book made as the
complaint desk (``register_book.book_pdf`` into a temporary file). Prints one line per
size: rows, seconds, pages, the file's size (with ``--memory``, Python's peak memory
while drawing a second book under tracemalloc), and fails when a book takes longer than ``--limit`` seconds.
"""

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

YEAR = 2025
CHUNK = 2000


def seed_year(db, rows):
    """``rows`` entries received in ``YEAR`` (register numbers in order), with their inform
    events; written with executemany, as ``tests/bench/seed.py`` does for the big run."""
    from sqlalchemy import insert

    from app.auth.villages import current_village
    from app.models import Complaint, ComplaintEvent

    village_id = current_village().id
    start = dt.datetime(YEAR, 1, 2, 8, 0)
    step = (dt.datetime(YEAR, 12, 30, 15, 0) - start) / rows
    complaints, events = [], []
    for seq in range(1, rows + 1):
        received = start + step * (seq - 1)
        resolved = seq % 2 == 0
        complaints.append({
            "id": seq, "village_id": village_id,
            "register_number": f"{seq:03d}/PGD/I/{YEAR}", "register_year": YEAR,
            "register_seq": seq, "tracking_code": f"B{seq:011d}", "kind": "pengaduan",
            "channel": ("walk_in", "phone", "website")[seq % 3], "received_at": received,
            "complainant_name": f"Warga Nomor {seq}", "complainant_address": f"RT {seq % 9:02d}/RW 0{seq % 5}",
            "complainant_phone": "+6281234567890", "subject": "Lampu jalan mati di depan mushola",
            "description": "Uraian", "urgency": "normal",
            "status": "informed" if resolved else "forwarded",
            "identity_level": ("named", "masked", "anonymous", "named")[seq % 4],
            "outcome_type": "administrative" if resolved else None,
            "outcome_text": "Lampu sudah diganti oleh petugas dan menyala kembali." if resolved else None,
            "resolved_at": received + dt.timedelta(days=3) if resolved else None,
            "voided": seq % 10 == 0, "void_reason": "Tercatat dua kali" if seq % 10 == 0 else None,
            "paused_days": 0, "extension_days": 0, "version": 1, "created_at": received,
            "changed_at": received, "publishable": False,
        })
        if resolved:
            events.append({"complaint_id": seq, "occurred_at": received + dt.timedelta(days=4),
                           "step": "inform", "from_status": "resolved", "to_status": "informed",
                           "audience": "desk", "is_public": True})
    for part in range(0, rows, CHUNK):
        db.session.execute(insert(Complaint), complaints[part:part + CHUNK])
    for part in range(0, len(events), CHUNK):
        db.session.execute(insert(ComplaintEvent), events[part:part + CHUNK])
    db.session.commit()


def run(rows, database_url, memory=False):
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-long-enough-for-jwt-signing-0123")
    from app import create_app
    from app.auth import security
    from app.documents import register_book
    from app.cli import prepare_database
    from app.extensions import db
    from tests.bench.seed import reset_database

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        reset_database(db.engine)  # a database named bench*: emptied, then migrated
        prepare_database()
        seed_year(db, rows)
        sm = app.appbuilder.sm
        desk = sm.find_user(username="bench-desk") or sm.add_user(
            "bench-desk", "Meja", "Pengaduan", "meja@example.test", sm.find_role(security.DESK),
            password="bench-password-long-enough")
        with app.test_request_context(), tempfile.TemporaryFile() as output:
            started = time.perf_counter()
            register_book.book_pdf(desk, YEAR, output=output)
            seconds = time.perf_counter() - started
            peak = None
            if memory:  # a second book under tracemalloc, which slows drawing several times
                tracemalloc.start()
                register_book.book_pdf(desk, YEAR, output=tempfile.TemporaryFile())
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
            size = output.tell()
            output.seek(0)
            from pypdf import PdfReader

            pages = len(PdfReader(output).pages)
        db.session.remove()
    return seconds, pages, size, peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", default="10000")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--limit", type=float, default=20.0, help="seconds a book may take")
    parser.add_argument("--memory", action="store_true",
                        help="also Python's peak memory while drawing (a second, slower book)")
    args = parser.parse_args()
    sizes = [int(r) for r in args.rows.split(",")]
    if len(sizes) > 1:  # one Flask-AppBuilder app per process: a child process per size
        failed = False
        for rows in sizes:
            command = [sys.executable, __file__, "--rows", str(rows), "--limit", str(args.limit)]
            command += ["--memory"] if args.memory else []
            if args.database_url:
                command += ["--database-url", args.database_url]
            failed = subprocess.run(command, check=False).returncode != 0 or failed
        sys.exit(1 if failed else 0)
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench_book.db"
    seconds, pages, size, peak = run(sizes[0], url, args.memory)
    memory = f", Python peak {peak / 1e6:.1f} MB" if peak is not None else ""
    print(f"register book PDF, {sizes[0]:,} rows: {seconds:.1f} s, {pages} pages, "
          f"{size / 1e6:.1f} MB{memory}", flush=True)
    sys.exit(1 if seconds > args.limit else 0)


if __name__ == "__main__":
    main()
