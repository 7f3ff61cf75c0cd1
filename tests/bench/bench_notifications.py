"""Benchmark: what notifications cost a step, and whether sending slows the pages.

    python tests/bench/bench_notifications.py                 # SQLite in a temporary folder
    python tests/bench/bench_notifications.py --database-url postgresql://.../t_bench

1. Step time: the same SOP walk (verify, forward, progress note, resolve) on ``--complaints``
   complaints, taken with the notification listeners and without them (``notify=False``),
   rounds interleaved; a mail server is configured, so every notice also writes its outbox
   rows, in ``--step-rounds`` rounds. Prints each round's medians and their ratio, and the
   median of the rounds' ratios (the goal: under 1.10). ``--cpu-time`` times the steps by the
   CPU time of their thread instead of the clock: on a busy shared machine the clock also
   counts the waits for the disk and for a CPU, on both sides of the ratio.
2. Pages while sending: the register list's p50 and p95 with no sender, then while a
   thread of the serving process (as in ``python run.py``) delivers 1,000 queued messages
   to a real SMTP server (aiosmtpd) running in another process; ``--rounds`` rounds.
"""

import argparse
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

STEPS = ("verify", "forward", "note", "resolve")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_app(database_url, smtp_port, pause=None):
    # Imported here: the app reads its config (instance folder, SECRET_KEY) at import.
    from app import create_app
    from app.cli import prepare_database

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "b" * 48,
        "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "RATELIMIT_ENABLED": False,
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_port, "SMTP_USE_TLS": False,
        "NOTIFY_QUIET_HOURS": "", "WTF_CSRF_ENABLED": False,
        **({"OUTBOX_SEND_PAUSE": pause} if pause is not None else {}),
    })
    with app.app_context():
        prepare_database()
    return app


def people(app):
    """Three desk users, a Kepala Desa, and officers with logins; returns (desk id, officer ids)."""
    from app.extensions import db
    from app.models import Officer

    if hasattr(app, "bench_people"):  # made once for all the measurements
        return app.bench_people
    sm = app.appbuilder.sm
    with app.app_context():
        users = {}
        for name, role in (("meja1", "Petugas Pengelola"), ("meja2", "Petugas Pengelola"),
                           ("meja3", "Petugas Pengelola"), ("kades", "Kepala Desa"),
                           ("kadus1", "Petugas Penghubung"), ("kadus2", "Petugas Penghubung")):
            users[name] = sm.add_user(name, "Uji", name, f"{name}@example.test",
                                      sm.find_role(role), password="kata-sandi-bench-1").id
        officers = []
        for name in ("kadus1", "kadus2"):
            officer = Officer(name=name, position="kepala_dusun", active=True,
                              user_id=users[name])
            db.session.add(officer)
            db.session.commit()
            officers.append(officer.id)
        app.bench_people = users["meja1"], officers
        return app.bench_people


def walk(app, desk_id, officer_id, notify, clock=time.perf_counter):
    """The SOP walk on one new complaint; returns the seconds (of ``clock``) each step took."""
    from app.extensions import db
    from app.models import Category, Complaint
    from app.services import complaints as services

    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(desk_id)
        complaint = Complaint(kind="pengaduan", channel="walk_in", complainant_name="Siti",
                              complainant_address="RT 1", complainant_phone="+6281234567890",
                              complainant_email="siti@example.test", subject="Lampu mati",
                              description="Lampu jalan mati.", urgency="normal")
        services.register_complaint(complaint, user, notify=notify)
        category = db.session.query(Category.id).first()[0]
        fields = {
            "verify": {"kind": "pengaduan", "category_id": category, "urgency": "normal"},
            "forward": {"officer_id": officer_id},
            "note": {"note": "Sudah dicek."},
            "resolve": {"outcome_type": "administrative", "outcome_text": "Diganti.",
                        "public_note": "Lampu sudah diganti."},
        }
        times = []
        for step in STEPS:
            start = clock()
            services.apply_step(complaint, step, fields[step], user, notify=notify)
            times.append(clock() - start)
        db.session.remove()
        return times


def step_time(app, complaints, rounds=5, clock=time.perf_counter):
    """The walk with and without notices, alternating walk by walk (which goes first swaps
    each time), in ``rounds`` rounds; each round's ratio is its two medians' ratio, and the
    result is the median of the rounds' ratios (the machine is shared: a busy moment then
    weighs on both sides of one ratio, and on one round only)."""
    desk_id, officers = people(app)
    per_round = max(1, complaints // rounds)
    ratios, with_all, without_all = [], [], []
    for number in range(rounds):
        with_n, without = [], []
        for i in range(per_round):
            for notify, bucket in ((True, with_n), (False, without)) if i % 2 else \
                    ((False, without), (True, with_n)):
                bucket.append(sum(walk(app, desk_id, officers[i % 2], notify, clock)))
        on, off = statistics.median(with_n), statistics.median(without)
        ratios.append(on / off)
        with_all += with_n
        without_all += without
        print(f"  round {number + 1}: {per_round} walks each, with notifications "
              f"{on / len(STEPS) * 1000:.2f} ms a step, without {off / len(STEPS) * 1000:.2f} ms,"
              f" ratio {on / off:.3f}; load average {os.getloadavg()[0]:.1f}")
    on, off = statistics.median(with_all), statistics.median(without_all)
    ratio = statistics.median(ratios)
    print(f"step time, {rounds} rounds of {per_round} walks of {len(STEPS)} steps: with "
          f"notifications {on / len(STEPS) * 1000:.2f} ms a step, without "
          f"{off / len(STEPS) * 1000:.2f} ms (medians of all walks); median ratio of the "
          f"rounds {ratio:.3f} (range {min(ratios):.3f} to {max(ratios):.3f}; goal < 1.10)")
    return ratio


def request_step_time(app, complaints, rounds=5):
    """The same walk as an officer takes it: each step a POST of its form to
    ``/complaint/step/<pk>/<step>`` by the desk, logged in (the page's own work: the login,
    the complaint, the form, the checks, the redirect). Without notices the listeners are
    left out for the run of a walk (``complaints.listeners``), as ``notify=False`` does.
    Returns the median of the rounds' ratios."""
    from unittest import mock

    from app.extensions import db
    from app.models import Category, Complaint
    from app.services import complaints as services

    desk_id, officers = people(app)
    client = app.test_client()
    client.post("/login/", data={"username": "meja1", "password": "kata-sandi-bench-1"})
    with app.app_context():
        category = db.session.query(Category.id).first()[0]

    def one(officer_id, notify):
        with app.app_context():
            complaint = Complaint(kind="pengaduan", channel="walk_in", complainant_name="Siti",
                                  complainant_address="RT 1", complainant_phone="+6281234567890",
                                  complainant_email="siti@example.test", subject="Lampu mati",
                                  description="Lampu jalan mati.", urgency="normal")
            services.register_complaint(complaint, app.appbuilder.sm.get_user_by_id(desk_id),
                                        notify=notify)
            pk = complaint.id
            db.session.remove()
        fields = {
            "verify": {"kind": "pengaduan", "category_id": category, "urgency": "normal"},
            "forward": {"officer_id": officer_id, "reported_to": "kepala_desa"},
            "note": {"note": "Sudah dicek."},
            "resolve": {"outcome_type": "administrative", "outcome_text": "Diganti.",
                        "public_note": "Lampu sudah diganti."},
        }
        total = 0.0
        for step in STEPS:
            start = time.perf_counter()
            response = client.post(f"/complaint/step/{pk}/{step}", data=fields[step])
            total += time.perf_counter() - start
            assert response.status_code == 302, (step, response.status_code)
        with app.app_context():  # a refused step redirects too: the walk must have ended
            assert db.session.get(Complaint, pk).status == "resolved"
            db.session.remove()
        return total

    def walk_as_officer(officer_id, notify):
        if notify:
            return one(officer_id, True)
        with mock.patch.object(services, "listeners", lambda kind: []):
            return one(officer_id, True)

    per_round = max(1, complaints // rounds)
    ratios, with_all, without_all = [], [], []
    for number in range(rounds):
        with_n, without = [], []
        for i in range(per_round):
            for notify, bucket in ((True, with_n), (False, without)) if i % 2 else \
                    ((False, without), (True, with_n)):
                bucket.append(walk_as_officer(officers[i % 2], notify))
        on, off = statistics.median(with_n), statistics.median(without)
        ratios.append(on / off)
        with_all += with_n
        without_all += without
        print(f"  round {number + 1}: {per_round} walks each, with notifications "
              f"{on / len(STEPS) * 1000:.2f} ms a step, without {off / len(STEPS) * 1000:.2f} ms,"
              f" ratio {on / off:.3f}; load average {os.getloadavg()[0]:.1f}")
    with app.app_context():
        from app.models import Notification
        assert db.session.query(Notification).count() > 0
    on, off = statistics.median(with_all), statistics.median(without_all)
    ratio = statistics.median(ratios)
    print(f"step request time, {rounds} rounds of {per_round} walks of {len(STEPS)} steps: with "
          f"notifications {on / len(STEPS) * 1000:.2f} ms a step, without "
          f"{off / len(STEPS) * 1000:.2f} ms; median ratio of the rounds {ratio:.3f} "
          f"(range {min(ratios):.3f} to {max(ratios):.3f}; goal < 1.10)")
    return ratio


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def pages_while_sending(app, messages, rounds=3):
    """The register list's latency with no sender and while the sender drains ``messages``
    queued emails to the SMTP server in another process, ``rounds`` times interleaved.

    The sender runs as ``python run.py`` runs it: a thread in the process that serves the
    pages (the one place it could slow them; ``flask notifications send`` from a timer is
    another process, sharing only the database). Returns {"quiet": [...], "busy": [...]}
    (seconds per page) and the sending times."""
    from app.extensions import db
    from app.models import OutboxMessage
    from app.models.notifications import SENT
    from app.services import outbox

    client = app.test_client()
    client.post("/login/", data={"username": "meja1", "password": "kata-sandi-bench-1"})
    now = dt.datetime(2026, 12, 2, 10)

    def page_times(stop=None, count=40):
        times = []
        while len(times) < count or (stop is not None and not stop.is_set()):
            start = time.perf_counter()
            assert client.get("/complaint/list/").status_code == 200
            times.append(time.perf_counter() - start)
        return times

    quiet, busy, sending = [], [], []
    for _ in range(rounds):
        quiet += page_times()
        with app.app_context():
            db.session.query(OutboxMessage).delete()
            db.session.bulk_insert_mappings(OutboxMessage, [
                {"channel": "email", "address": f"warga{i}@example.test",
                 "subject": f"Pengaduan {i}", "body": "Isi pesan " * 40, "urgent": False,
                 "status": "queued", "attempts": 0, "next_attempt_at": now, "created_at": now}
                for i in range(messages)])
            db.session.commit()
        done = threading.Event()

        def sender():
            with app.app_context():
                while outbox.send_due(now + dt.timedelta(minutes=1), limit=200)[0]:
                    pass
                db.session.remove()
            done.set()

        thread = threading.Thread(target=sender)
        started = time.perf_counter()
        thread.start()
        busy += page_times(stop=done)
        thread.join()
        sending.append(time.perf_counter() - started)
        with app.app_context():
            delivered = db.session.query(OutboxMessage).filter_by(status=SENT).count()
        assert delivered == messages, f"only {delivered} of {messages} sent"
    for name, times in (("no sender", quiet), (f"sender draining {messages}", busy)):
        print(f"register list, {name}: {len(times)} pages, p50 {percentile(times, .5) * 1000:.1f}"
              f" ms, p95 {percentile(times, .95) * 1000:.1f} ms")
    print(f"{messages} emails sent in {statistics.median(sending):.1f} s (median of {rounds}); "
          f"p50 ratio {percentile(busy, .5) / percentile(quiet, .5):.2f}")
    return {"quiet": quiet, "busy": busy, "sending": sending}


def smtp_process(port):
    """A real SMTP server (aiosmtpd, discarding what it gets) in its own process."""
    process = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-c",
                                "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{port}"])
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the SMTP server did not start")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--complaints", type=int, default=200)
    parser.add_argument("--step-rounds", type=int, default=5)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pause", type=float, default=None,
                        help="OUTBOX_SEND_PAUSE for the sender (default: the app's)")
    parser.add_argument("--only", choices=("steps", "requests", "pages"), default=None)
    parser.add_argument("--cpu-time", action="store_true",
                        help="time the service calls by their thread's CPU time")
    args = parser.parse_args(argv)

    port = free_port()
    server = smtp_process(port)
    folder = tempfile.mkdtemp()
    os.environ.setdefault("INSTANCE_PATH", folder)
    url = args.database_url or f"sqlite:///{folder}/bench.db"
    try:
        app = make_app(url, port, args.pause)
        if args.only in (None, "steps"):
            step_time(app, args.complaints, args.step_rounds,
                      time.thread_time if args.cpu_time else time.perf_counter)
        if args.only in (None, "requests"):
            request_step_time(app, args.complaints, args.step_rounds)
        if args.only in (None, "pages"):
            people(app)
            pages_while_sending(app, args.messages, args.rounds)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
