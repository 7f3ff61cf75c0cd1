"""Benchmark: the register at a kabupaten's scale, side by side with its baselines.

    python tests/bench/bench.py                      # 100,000 complaints on SQLite
    python tests/bench/bench.py --rows 10000,100000 --database-url postgresql://.../bench_pg
    python tests/bench/bench.py --rows 10000000 --villages 270 --database-url postgresql://...

For each number of rows: seed the database in bulk (``seed.py``), serve the app
under gunicorn on 127.0.0.1 with SQL counting on (``bench_app.py``), drive each
scenario with a small keep-alive client for ``--duration`` seconds at
``--concurrency`` connections, and report requests per second, p50 and p95
latency and SQL statements per request. Prints one table, writes the JSON and
draws latency against rows (PNG). Scenarios whose URL answers 404 on this build
are skipped with a note. With ``--villages N`` the complaints spread over N villages and
the staff scenarios run as the desk of the busiest one.
"""

import argparse
import csv
import html
import http.client
import io
import itertools
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
QUESTION_RE = re.compile(r'name="question"[^>]*value="([^"]+)"')
SUM_RE = re.compile(r"(\d)\s*\+\s*(\d)")
# Where another branch's screens live; the first URL that does not answer 404 is used.
DASHBOARD_URLS = ["/dashboard/", "/dashboard", "/dasbor/"]
EXPORT_URLS = ["/register/export.{fmt}", "/complaint/export/{fmt}", "/export/{fmt}"]
IMG_RE = re.compile(r'<img src="([^"]+\.png[^"]*)"')
EXPORT_ROWS = 10_000
SERVER_ENV = {
    "BENCH_WSGI": "1",
    "SQL_QUERY_COUNT": "1",
    "RATELIMIT_ENABLED": "0",
    "PUBLIC_LOOKUP_MIN_SECONDS": "0",
    "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "SECRET_KEY": "bench-secret-key-long-enough-for-jwt-signing-0123456789",
}


# --- Seeding (in a child process: one Flask-AppBuilder app per process) -------------------

def seed_main(args):
    """``--seed-only``: migrate, reset, seed, and print the samples the client needs as JSON."""
    os.environ.update(SERVER_ENV)
    os.environ["DATABASE_URL"] = args.database_url
    from sqlalchemy import func, select

    from app.auth import security
    from app.auth.villages import every_village
    from app.cli import prepare_database
    from app.extensions import db
    from app.models import Complaint, Village
    from tests.bench import seed
    from tests.bench.bench_app import grant_plain_view, make_bench_app

    app = make_bench_app()
    log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    # The seed and its samples read and write every village (a command chooses none).
    with app.app_context(), every_village():
        existing = None
        try:
            existing = db.session.scalar(select(func.count(Complaint.id)))
        except Exception:
            db.session.rollback()
        facts = {"seeded": False}
        villages = None if existing is None else db.session.scalar(select(func.count(Village.id)))
        # Reuse a database of this size (the submit scenario adds a few hundred rows).
        if (not args.reuse or existing is None or villages != args.villages
                or not args.rows <= existing < args.rows * 1.05):
            db.session.remove()
            seed.reset_database(db.engine)
            prepare_database()
            grant_plain_view(security.DESK)
            db.session.commit()
            log(f"seeding {args.rows:,} complaints in {args.villages} villages ...")
            facts = {"seeded": True, **seed.seed(args.rows, args.villages, log=log)}
        else:
            prepare_database()  # upgrades to new indexes; sync_roles drops the bench's grant
            grant_plain_view(security.DESK)
            db.session.commit()
            log(f"reusing {existing:,} complaints")
        village_id = _busiest_village(db, Complaint) if args.villages > 1 else 1
        facts["desk"] = seed.add_desk(village_id)
        if args.villages > 1:
            facts["inspektorat"] = seed.add_inspektorat()
        db.session.commit()
        facts.update(_samples(db, Complaint, village_id, several=args.villages > 1))
    print(json.dumps(facts, default=str))


def _busiest_village(db, Complaint):
    """The village with the most complaints: its desk is the benchmark's staff user."""
    from sqlalchemy import func, select

    return db.session.execute(select(Complaint.village_id).group_by(Complaint.village_id)
                              .order_by(func.count().desc()).limit(1)).scalar()


def _samples(db, Complaint, village_id, several=False):
    """Codes to look up (any village, each on its village's public pages: ``/<slug>`` in
    front with several villages), and the desk's village's pages to open and filter values
    that match something."""
    from sqlalchemy import func, select

    from app.models import Village

    def prefix(slug):
        return f"/{slug}" if several else ""

    mine = Complaint.village_id == village_id
    rows = db.session.execute(
        select(Complaint.tracking_code, Complaint.complainant_phone, Village.slug)
        .join(Village, Village.id == Complaint.village_id)
        .where(Complaint.voided.is_(False)).order_by(Complaint.id.desc()).limit(300)).all()
    shown = list(db.session.scalars(
        select(Complaint.id).where(mine, Complaint.status == "informed")
        .order_by(Complaint.id.desc()).limit(200)))
    combo = db.session.execute(
        select(Complaint.status, Complaint.category_id, Complaint.dusun_id, func.count())
        .where(mine, Complaint.status == "forwarded", Complaint.category_id.is_not(None),
               Complaint.dusun_id.is_not(None))
        .group_by(Complaint.status, Complaint.category_id, Complaint.dusun_id)
        .order_by(func.count().desc()).limit(1)).first()
    # The export's filter: received after the 10,001st newest entry, i.e. the newest 10,000.
    since = db.session.scalar(select(Complaint.received_at).where(mine).order_by(
        Complaint.received_at.desc()).offset(EXPORT_ROWS).limit(1))
    return {
        "village_id": village_id,
        "village_complaints": db.session.scalar(select(func.count()).where(mine)),
        "export_since": since.strftime("%Y-%m-%d %H:%M:%S") if since else None,
        "codes": [[code, phone[-4:], prefix(slug)] for code, phone, slug in rows],
        "public_prefix": prefix(db.session.get(Village, village_id).slug),
        "show_ids": shown,
        "filter": {"status": combo[0], "category": combo[1], "dusun": combo[2], "name": "Siti"}
        if combo else None,
    }


COMPARISON_URL = "/perbandingan/"


def kabupaten_page(args, server, facts):
    """The Inspektorat's villages compared (``/perbandingan/``, the last 12 months): cold, the
    first view on a freshly started server (nothing cached; the median and the slowest of 3),
    then warm on the run's server (cached per data stamp) for ``--duration`` seconds."""
    from tests.bench.seed import BENCH_PASSWORD

    cold = []
    for _ in range(3):
        fresh = Server(server.database_url, args.workers, args.threads)
        try:
            client = Client(fresh.port)
            client.login(facts["inspektorat"], BENCH_PASSWORD)
            started = time.perf_counter()
            status, _, _ = client.request("GET", COMPARISON_URL)
            cold.append(time.perf_counter() - started)
            if status != 200:
                return {"skipped": f"GET {COMPARISON_URL} answers {status}"}
        finally:
            fresh.stop()

    def make(client, slot):
        client.login(facts["inspektorat"], BENCH_PASSWORD)
        return lambda: ("GET", COMPARISON_URL, None, {200})

    # One connection per worker, each worker's first (cold) view inside the warm-up.
    samples, errors = run_load(server.port, make, args.duration, args.concurrency,
                               workers=args.workers)
    entry = {"url": COMPARISON_URL, **(summarize(samples, args.duration) or {}),
             "cold_ms": round(statistics.median(cold) * 1000, 1),
             "cold_max_ms": round(max(cold) * 1000, 1)}
    if errors:
        entry["errors"] = errors[:5]
    return entry


def seed_database(args, rows):
    cmd = [sys.executable, str(Path(__file__).resolve()), "--seed-only", "--rows", str(rows),
           "--villages", str(args.villages), "--database-url", args.database_url_for(rows)]
    if args.reuse:
        cmd.append("--reuse")
    out = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, check=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- The server -----------------------------------------------------------------------------

def rss_mb(pid):
    """Resident memory of process ``pid``, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving ``tests.bench.bench_app:app`` on 127.0.0.1."""

    def __init__(self, database_url, workers, threads):
        self.port = free_port()
        self.database_url = database_url
        env = {**os.environ, **SERVER_ENV, "DATABASE_URL": database_url}
        started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "gthread",
             "--threads", str(threads), "--keep-alive", "30", "-b", f"127.0.0.1:{self.port}",
             "--log-level", "warning", "tests.bench.bench_app:app"],
            cwd=ROOT, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/status")
                conn.getresponse().read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError("gunicorn did not start")
        self.start_seconds = time.monotonic() - started

    def worker_pids(self):
        children = []
        task_dir = Path(f"/proc/{self.proc.pid}/task")
        for task in task_dir.iterdir():
            children += (task / "children").read_text().split()
        return children

    def worker_rss_mb(self):
        """Resident memory of each worker process, in MB."""
        return [rss_mb(pid) for pid in self.worker_pids()]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# --- The client -----------------------------------------------------------------------------

class Client:
    """One keep-alive connection with its own cookies (one simulated user)."""

    desk = "bench_desk"

    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies = {}

    def request(self, method, path, form=None):
        """Send one request; returns (status, body bytes, headers)."""
        headers = {"Connection": "keep-alive"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if isinstance(form, Multipart):
            body, headers["Content-Type"] = form.encode()
        elif form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data, response.headers

    def pin(self, claimed, lock, per_worker, tries=200):
        """Reconnect until this connection lands on a worker that holds fewer than
        ``per_worker`` of the run's connections. Workers accept connections at random, and
        two keep-alive connections on one worker share its GIL while the other worker
        idles: a round's throughput then halved or not by chance."""
        for _ in range(tries):
            _, _, headers = self.request("GET", "/bench/routes")
            worker = headers.get("X-Worker")
            if worker is None:
                return
            with lock:
                if claimed.get(worker, 0) < per_worker:
                    claimed[worker] = claimed.get(worker, 0) + 1
                    return
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def csrf(self, path):
        status, body, _ = self.request("GET", path)
        match = CSRF_RE.search(body.decode())
        if not match:
            raise RuntimeError(f"no CSRF token on {path} ({status})")
        return match.group(1), body.decode()

    def login_desk(self):
        """Log in as the desk user of the village the run measures (``run_size`` sets it)."""
        from tests.bench.seed import BENCH_PASSWORD

        self.login(Client.desk, BENCH_PASSWORD)

    def login(self, username, password):
        token, _ = self.csrf("/login/")
        status, _, _ = self.request("POST", "/login/", {"username": username,
                                                         "password": password,
                                                         "csrf_token": token})
        if status != 302:
            raise RuntimeError(f"login failed ({status})")


class Multipart:
    """A multipart/form-data body: text fields and ``(name, filename, bytes)`` files."""

    def __init__(self, fields, files):
        self.fields, self.files = fields, files

    def encode(self):
        boundary = "bench" + uuid.uuid4().hex
        parts = []
        for name, value in self.fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'
                         f"\r\n\r\n{value}\r\n".encode())
        for name, filename, data in self.files:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                         f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
                         + data + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def peak_rss_mb(pid):
    """The most resident memory process ``pid`` held since ``reset_peak_rss``, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def reset_peak_rss(pid):
    """Start counting a process's peak memory again (Linux: ``clear_refs`` 5)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        pass


def run_load(port, make_requester, duration, concurrency, warmup=1.0, workers=None):
    """Closed loop: ``concurrency`` clients send back to back for ``duration`` seconds,
    their connections spread evenly over the server's ``workers`` when given."""
    results = [[] for _ in range(concurrency)]
    errors = []
    barrier = threading.Barrier(concurrency + 1)
    stop_at = [0.0]
    claimed, lock = {}, threading.Lock()

    def worker(slot):
        client = Client(port)
        try:
            if workers:
                client.pin(claimed, lock, -(-concurrency // workers))
            next_request = make_requester(client, slot)
        except Exception as exc:  # set-up failed (login, form): report, do not hang
            errors.append(repr(exc))
            barrier.wait()
            return
        barrier.wait()
        warm_until = time.monotonic() + warmup
        while time.monotonic() < warm_until:
            method, path, form, ok = next_request()
            client.request(method, path, form)
        while time.monotonic() < stop_at[0] or stop_at[0] == 0.0:
            method, path, form, ok = next_request()
            started = time.perf_counter()
            status, body, headers = client.request(method, path, form)
            elapsed = time.perf_counter() - started
            queries = headers.get("X-SQL-Queries")
            results[slot].append((elapsed, status, int(queries) if queries else None))
            if status not in ok:
                errors.append(f"{status} {path}")
                if len(errors) > 20:
                    break

    threads = [threading.Thread(target=worker, args=(i,), daemon=True)
               for i in range(concurrency)]
    for thread in threads:
        thread.start()
    barrier.wait()
    stop_at[0] = time.monotonic() + warmup + duration
    for thread in threads:
        thread.join(duration + warmup + 120)
    samples = [s for slot in results for s in slot]
    return samples, errors


def summarize(samples, duration):
    if not samples:
        return None
    latencies = sorted(s[0] for s in samples)
    queries = [s[2] for s in samples if s[2] is not None]

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "requests": len(samples),
        "rps": round(len(samples) / duration, 1),
        "p50_ms": round(pct(0.50), 1),
        "p95_ms": round(pct(0.95), 1),
        "queries": round(statistics.mean(queries), 1) if queries else None,
    }


# --- Scenarios ------------------------------------------------------------------------------

def cycle(items, slot):
    index = [slot * 7]

    def take():
        index[0] += 1
        return items[index[0] % len(items)]

    return take


def scenarios(facts):
    """name -> (description, login?, make_requester(client, slot)); in table order."""
    codes, show_ids, flt = facts["codes"], facts["show_ids"], facts["filter"]
    OK = {200}

    def staff(client):
        client.login_desk()

    def get(paths, ok=OK, login=True):
        def make(client, slot):
            if login:
                staff(client)
            take = cycle(paths, slot)
            return lambda: ("GET", take(), None, ok)
        return make

    def status_page(client, slot):
        token, _ = client.csrf(codes[0][2] + "/status")
        take = cycle(codes, slot)

        def next_request():
            code, last4, prefix = take()
            return ("POST", prefix + "/status", {"csrf_token": token, "tracking_code": code,
                                                 "phone_last4": last4}, OK)
        return next_request

    def submit_page(client, slot):
        token, page = client.csrf(facts["public_prefix"] + "/lapor")
        question = QUESTION_RE.search(page).group(1)
        a, b = SUM_RE.search(page[page.find("question"):] or page).groups()
        form = {"csrf_token": token, "question": question, "answer": str(int(a) + int(b)),
                "name": "Warga Bench", "address": "RT 01/RW 02", "phone": "081234567890",
                "kind": "pengaduan", "subject": "Lampu jalan mati",
                "description": "Lampu jalan di depan mushola mati sejak seminggu.",
                "homepage": ""}
        numbers = itertools.count()  # each a new complaint, not the same one sent again
        return lambda: ("POST", facts["public_prefix"] + "/lapor", {**form, "description": f"{form['description']} "
                                                                  f"#{next(numbers)}"}, {303})

    photo = []

    def submit_photo(client, slot):
        """The same form with a 5 MB phone photo (4000 x 3000, EXIF and GPS), sent as a
        browser sends it; each a new complaint."""
        if not photo:
            from tests.files import five_mb_photo

            photo.append(five_mb_photo())
        make = submit_page(client, slot)

        def next_request():
            method, path, form, ok = make()
            return method, path, Multipart(form, [("attachments", "IMG_0001.jpg",
                                                   photo[0])]), ok
        return next_request

    filtered = ""
    if flt:
        filtered = urllib.parse.urlencode({
            "_flt_3_status": flt["status"], "_flt_0_category": flt["category"],
            "_flt_0_dusun": flt["dusun"], "_flt_2_complainant_name": flt["name"]})
    bare = [f"/bench/bare-status/{code}/{last4}" for code, last4, _ in codes]
    return {
        "status_bare": ("baseline: bare Flask, one indexed look-up", get(bare, login=False)),
        "status": ("public status look-up (POST /status)", status_page),
        "submit": ("public submit (POST /lapor)", submit_page),
        # Run on its own (not in the rounds), so its peak memory is its own.
        "submit_photo": ("public submit with a 5 MB photo (POST /lapor)",
                         ("photo", submit_photo)),
        "list_plain": ("baseline: FAB plain ModelView, first page", get(["/bench/plain/list/"])),
        # The register opens on open complaints only; state=all is the whole register, the
        # plain baseline's rows.
        "list": ("admin list, first page of all states", get(["/complaint/list/?state=all"])),
        "list_open": ("admin list as it opens (still to do)", get(["/complaint/list/"])),
        "list_filtered_plain": ("baseline: FAB plain ModelView, filtered + name",
                                get([f"/bench/plain/list/?{filtered}"])),
        "list_filtered": ("admin list, status+category+dusun + name",
                          get([f"/complaint/list/?{filtered}"])),
        "show": ("complaint page with timeline", get([f"/complaint/show/{i}" for i in show_ids])),
        "receipt_pdf": ("receipt PDF", get([f"/complaint/receipt/{i}/pdf" for i in show_ids])),
        "dashboard_warm": ("dashboard, warm (cached)", "dashboard"),
        "dashboard_cold": ("dashboard, cold (first view after start)", "dashboard"),
        # Several villages only: the kabupaten's view (its page when this build has one).
        "kabupaten": ("kabupaten: villages compared (/perbandingan/), warm; cold_ms: first view",
                      "kabupaten"),
        "export": ("register export, 10,000 rows (CSV)", "export"),
        "export_xlsx": ("register export, 10,000 rows (XLSX)", "export"),
    }


def public_pages_missing(server, chosen, prefix):
    """{scenario: why} for the public scenarios whose page does not answer 200 here (with
    several villages a build without ``/<desa>/`` pages has no village to show)."""
    missing = {}
    for name, page in (("status", prefix + "/status"), ("submit", prefix + "/lapor"),
                       ("submit_photo", prefix + "/lapor")):
        if name in [c[0] for c in chosen]:
            status, _, _ = Client(server.port).request("GET", page)
            if status != 200:
                missing[name] = f"GET {page} answers {status} on this build"
    return missing


def discovered_urls(server, kind):
    """URLs of this build whose endpoint names ``kind`` (``/bench/routes``)."""
    status, body, _ = Client(server.port).request("GET", "/bench/routes")
    return json.loads(body)[kind] if status == 200 else []


def first_live_url(port, candidates):
    """The first of ``candidates`` that is not 404 for a logged-in desk user, or None."""
    client = Client(port)
    client.login_desk()
    for path in candidates:
        status, _, _ = client.request("GET", path)
        if status != 404:
            return path
    return None


def run_size(args, rows):
    """Seed ``rows`` complaints, serve, run the chosen scenarios; return the results."""
    print(f"== {rows:,} complaints on {args.dialect}", flush=True)
    facts = seed_database(args, rows)
    Client.desk = facts["desk"]
    if facts.get("seeded"):
        print(f"   seeded in {facts['seconds']} s ({facts['events']:,} timeline events)",
              flush=True)
    server = Server(args.database_url_for(rows), args.workers, args.threads)
    results = {"rows": rows, "seed_seconds": facts.get("seconds"), "scenarios": {}}
    chosen = [(name, title, make) for name, (title, make) in scenarios(facts).items()
              if not args.scenarios or name in args.scenarios]
    try:
        # Closed-loop scenarios run in rounds, interleaved, so that a busy neighbour on a
        # shared machine slows every scenario alike rather than whichever ran at the time.
        samples = {name: [] for name, _, _ in chosen}
        errors = {name: [] for name, _, _ in chosen}
        rounds = []  # per round: name -> its samples in that round
        share = args.duration / args.rounds
        unavailable = public_pages_missing(server, chosen, facts["public_prefix"])
        for _ in range(args.rounds):
            rounds.append({})
            for name, _, make in chosen:
                if callable(make) and name not in unavailable and not (
                        name.startswith("list_filtered")
                                           and not facts["filter"]):
                    got, failed = run_load(server.port, make, share, args.concurrency,
                                           warmup=0.5, workers=args.workers)
                    samples[name] += got
                    errors[name] += failed
                    rounds[-1][name] = got
        results["ratios"] = paired_ratios(rounds, share)
        for name, title, make in chosen:
            entry = {"title": title}
            if name in unavailable:
                entry["skipped"] = unavailable[name]
            elif make == "kabupaten":
                entry.update(kabupaten_page(args, server, facts) if args.villages > 1
                             else {"skipped": "one village"})
            elif make in ("dashboard", "export"):
                entry.update(run_optional(args, server, name, make, facts))
            elif isinstance(make, tuple) and make[0] == "photo":
                entry.update(photo_run(args, server, make[1]))
            elif name.startswith("list_filtered") and not facts["filter"]:
                entry["skipped"] = "no forwarded complaint with category and dusun"
            else:
                entry.update(summarize(samples[name], args.duration) or {})
                if errors[name]:
                    entry["errors"] = errors[name][:5]
            results["scenarios"][name] = entry
            print("   " + format_row(name, entry), flush=True)
        if not args.scenarios or "dashboard_cold" in args.scenarios:
            draw_charts_everywhere(server)  # every worker has drawn charts, as in use
        results["worker_rss_mb"] = [round(x, 1) for x in server.worker_rss_mb()]
        results["workers_with_charts"] = workers_with_charts(server)
        results["targets"] = targets(results)
    finally:
        server.stop()
    return results


# The comparisons: ours against its baseline, by requests per second or by p50.
RATIOS = {
    "status/status_bare req/s": ("status", "status_bare", "rps"),
    "list/list_plain p50": ("list", "list_plain", "p50_ms"),
    "list_filtered/list_filtered_plain p50": ("list_filtered", "list_filtered_plain", "p50_ms"),
}


def paired_ratios(rounds, share):
    """Each comparison as the median over rounds of the ratio within a round: the two
    scenarios of a round ran seconds apart, so a neighbour's burst that slows one round
    does not decide the figure (whole-run ratios varied from 0.3 to 0.75 on one machine)."""
    found = {}
    for label, (ours, base, measure) in RATIOS.items():
        values = []
        for got in rounds:
            a, b = summarize(got.get(ours, []), share), summarize(got.get(base, []), share)
            if a and b and b[measure]:
                values.append(a[measure] / b[measure])
        if values:
            found[label] = {"median": round(statistics.median(values), 2),
                            "min": round(min(values), 2), "max": round(max(values), 2)}
    return found


# Limits for a village server with one or two workers (docs/performance.md).
WORKER_RSS_LIMIT_MB = 180
DASHBOARD_COLD_LIMIT_MS = 2000


def targets(results):
    """Each limit with what was measured and whether it held (left out if not measured)."""
    found = {}
    rss = results.get("worker_rss_mb")
    if rss and results.get("workers_with_charts"):
        found[f"worker RSS after drawing every chart < {WORKER_RSS_LIMIT_MB} MB"] = (
            f"{max(rss)} MB: {'met' if max(rss) < WORKER_RSS_LIMIT_MB else 'MISSED'}")
    cold = results["scenarios"].get("dashboard_cold", {})
    if cold.get("p95_ms") is not None:
        found[f"dashboard cold, page + every chart < {DASHBOARD_COLD_LIMIT_MS / 1000:g} s"] = (
            f"slowest {cold['p95_ms']} ms: "
            f"{'met' if cold['p95_ms'] < DASHBOARD_COLD_LIMIT_MS else 'MISSED'}")
    return found


def draw_charts_everywhere(server, months=4, connections=4):
    """Fetch every chart image of the dashboard for several months over several connections
    at once, so that each worker has drawn charts (and holds matplotlib and what drawing
    leaves in it) before memory is read."""
    path = first_live_url(server.port, DASHBOARD_URLS + discovered_urls(server, "dashboard"))
    if path is None:
        return
    clients = logged_in_clients(server.port, connections)
    today = time.localtime()
    images = []
    for back in range(months):
        year, month = today.tm_year, today.tm_mon - back
        if month < 1:
            year, month = year - 1, month + 12
        _, body, _ = clients[0].request("GET", f"{path}?period=month&month={year}-{month:02d}")
        images += image_urls(body)
    fetch_spread(clients, images)


def logged_in_clients(port, count):
    """``count`` connections, each logged in as the benchmark's desk user."""
    clients = [Client(port) for _ in range(count)]
    for client in clients:
        client.login_desk()
    return clients


def image_urls(body):
    """The PNG images a page shows, as their addresses."""
    return [html.unescape(src) for src in IMG_RE.findall(body.decode())]


def fetch_spread(clients, paths):
    """GET ``paths`` spread over ``clients``, all connections at once (as a browser does)."""
    from concurrent.futures import ThreadPoolExecutor

    shares = [paths[i::len(clients)] for i in range(len(clients))]
    with ThreadPoolExecutor(len(clients)) as pool:
        list(pool.map(lambda pair: [pair[0].request("GET", path) for path in pair[1]],
                      zip(clients, shares)))


def workers_with_charts(server):
    """How many workers have the chart library (matplotlib's Agg renderer) loaded."""
    count = 0
    for pid in server.worker_pids():
        try:
            count += "_backend_agg" in Path(f"/proc/{pid}/maps").read_text()
        except OSError:
            pass
    return count


def export_path(template, fmt, facts):
    """The export URL for ``fmt``, narrowed to the newest 10,000 entries (the list's filter)."""
    path = template.format(fmt=fmt)
    if facts.get("export_since") and "?" not in path:
        path += "?" + urllib.parse.urlencode({"_flt_1_received_at": facts["export_since"]})
    return path


def dashboard_cold(args, server, path, browser_connections=6):
    """A cold view: a new server (empty caches, no chart library loaded yet), then time
    the page and every chart it shows, fetched as a browser does (the page, then the images
    over up to 6 connections at once); 3 times. ``page_ms``: the page alone, which computes
    every chart's figures; ``serial_ms``: the same with the images one after another."""
    times, pages, serial, charts = [], [], [], 0
    for parallel in (True, False, True, False, True, False):
        fresh = Server(server.database_url, args.workers, args.threads)
        try:
            clients = logged_in_clients(fresh.port, browser_connections)
            started = time.perf_counter()
            status, body, _ = clients[0].request("GET", path)
            page = time.perf_counter() - started
            images = image_urls(body)
            if parallel:
                fetch_spread(clients, images)
            else:
                for src in images:
                    clients[0].request("GET", src)
            (times if parallel else serial).append(time.perf_counter() - started)
            if parallel:
                pages.append(page)
            charts = len(images)
        finally:
            fresh.stop()
    return {"url": path, "requests": len(times), "charts": charts,
            "page_ms": round(statistics.median(pages) * 1000, 1),
            "serial_ms": round(statistics.median(serial) * 1000, 1),
            "p50_ms": round(statistics.median(times) * 1000, 1),
            "p95_ms": round(max(times) * 1000, 1), "rps": None, "queries": None}


def export_run(server, path, name, times=3):
    """The export, ``times`` downloads one after another (each can take seconds): latency,
    the rows in the file, and the workers' peak memory above their level before (streamed
    means flat), sampled every 20 ms while downloading."""
    client = Client(server.port)
    client.login_desk()
    client.request("GET", path)  # warm-up: the first download loads openpyxl and friends
    before = max(server.worker_rss_mb(), default=0)
    peak, done = [before], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], max(server.worker_rss_mb(), default=0))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    latencies, body, errors = [], b"", []
    for _ in range(times):
        started = time.perf_counter()
        status, body, headers = client.request("GET", path)
        latencies.append(time.perf_counter() - started)
        if status != 200:
            errors.append(f"{status} {path}")
    done.set()
    sampler.join()
    entry = {"url": path, "requests": times, "rps": None,
             "p50_ms": round(statistics.median(latencies) * 1000, 1),
             "p95_ms": round(max(latencies) * 1000, 1),
             "queries": int(headers["X-SQL-Queries"]) if headers.get("X-SQL-Queries") else None,
             "rss_growth_mb": round(peak[0] - before, 1), "bytes": len(body)}
    if name == "export":  # the rows the file holds (a check that the filter took)
        entry["rows"] = len(list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))) - 1
    if errors:
        entry["errors"] = errors
    return entry


def photo_run(args, server, make):
    """Residents sending a 5 MB photo with the form, back to back: the time to accept it
    and each worker's peak memory while they do (counted from the run's start)."""
    for pid in server.worker_pids():
        reset_peak_rss(pid)
    samples, errors = run_load(server.port, make, args.duration, args.concurrency,
                               workers=args.workers)
    entry = summarize(samples, args.duration) or {}
    entry["worker_peak_rss_mb"] = [round(peak_rss_mb(pid), 1) for pid in server.worker_pids()]
    if errors:
        entry["errors"] = errors[:5]
    return entry


def run_optional(args, server, name, kind, facts):
    """Dashboard and export: only when this build has them (another branch adds them)."""
    if kind == "dashboard":
        candidates = [args.dashboard_url] if args.dashboard_url else (
            DASHBOARD_URLS + discovered_urls(server, kind))
    else:
        fmt = "xlsx" if name.endswith("xlsx") else "csv"
        templates = [args.export_url] if args.export_url else EXPORT_URLS
        candidates = [export_path(t, fmt, facts) for t in templates]
    path = first_live_url(server.port, candidates)
    if path is None:
        return {"skipped": f"no {kind} on this build ({', '.join(candidates)} answer 404)"}
    if name == "dashboard_cold":
        return dashboard_cold(args, server, path)

    def make(client, slot):
        client.login_desk()
        return lambda: ("GET", path, None, {200})

    if kind == "export":
        return export_run(server, path, name)
    samples, errors = run_load(server.port, make, args.duration, args.concurrency)
    entry = {"url": path, **(summarize(samples, args.duration) or {})}
    if errors:
        entry["errors"] = errors[:5]
    return entry


# --- Output ---------------------------------------------------------------------------------

def format_row(name, entry):
    if "skipped" in entry:
        return f"{name:<20} skipped: {entry['skipped']}"

    def cell(value, width):
        return f"{'-' if value is None else value:>{width}}"

    peak = entry.get("worker_peak_rss_mb")
    return (f"{name:<20}{cell(entry.get('rps'), 9)}{cell(entry.get('p50_ms'), 9)}"
            f"{cell(entry.get('p95_ms'), 9)}{cell(entry.get('queries'), 8)}"
            + (f"  worker peak MB {peak}" if peak else "")
            + (f"  cold {entry['cold_ms']} ms (slowest {entry['cold_max_ms']})"
               if "cold_ms" in entry else ""))


def print_table(report):
    print()
    print(f"Machine: {report['machine']}")
    for size in report["sizes"]:
        print(f"\n{size['rows']:,} complaints ({report['dialect']}); worker RSS MB: "
              f"{size.get('worker_rss_mb')} ({size.get('workers_with_charts')} with the chart "
              f"library); seeding {size.get('seed_seconds')} s")
        print(f"{'scenario':<20}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'SQL/req':>8}")
        for name, entry in size["scenarios"].items():
            print(format_row(name, entry))
        for label, ratio in size.get("ratios", {}).items():
            print(f"{label}: median {ratio['median']} over rounds "
                  f"({ratio['min']} to {ratio['max']})")
        for label, verdict in size.get("targets", {}).items():
            print(f"{label}: {verdict}")
    print(f"\napp import + create_app: {report['startup']['seconds']} s; "
          f"heavy modules loaded at start: {report['startup']['heavy_modules'] or 'none'}")


def markdown_table(report):
    """The table in docs/performance.md (one column group per size)."""
    sizes = report["sizes"]
    head = "| scenario | " + " | ".join(
        f"{s['rows']:,}: req/s, p50, p95 ms, SQL" for s in sizes) + " |"
    lines = [head, "|---|" + "---|" * len(sizes)]
    for name in sizes[0]["scenarios"]:
        cells = []
        for size in sizes:
            e = size["scenarios"].get(name, {})
            cells.append("skipped" if "skipped" in e or not e else
                         f"{e.get('rps')}, {e.get('p50_ms')}, {e.get('p95_ms')}, "
                         f"{e.get('queries')}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def draw_chart(report, path):
    """p95 latency against rows, one line per scenario (log axes: milliseconds and seconds
    side by side; a line style per group of ten, as the colours repeat)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    sizes = report["sizes"]
    figure = Figure(figsize=(8, 5), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    xs = [s["rows"] for s in sizes]
    for index, name in enumerate(sizes[0]["scenarios"]):
        ys = [s["scenarios"].get(name, {}).get("p95_ms") for s in sizes]
        if all(y is not None for y in ys):
            axes.plot(xs, ys, marker="os^"[index // 10], linestyle=("-", "--", ":")[index // 10],
                      label=name)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("Jumlah pengaduan / complaints")
    axes.set_ylabel("p95 (ms)")
    axes.set_title(f"Latensi p95 terhadap jumlah data ({report['dialect']})")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=7, ncol=2, loc="upper left")
    figure.tight_layout()
    figure.savefig(path)


def measure_startup():
    """Seconds to import the app and run create_app, and which heavy modules got loaded."""
    code = ("import sys, time; t = time.perf_counter(); from app import create_app; "
            "create_app(); print(round(time.perf_counter() - t, 2)); "
            "print(','.join(m for m in ('matplotlib', 'reportlab', 'qrcode', 'PIL') "
            "if m in sys.modules))")
    env = {**os.environ, **SERVER_ENV, "DATABASE_URL": "sqlite://", "BENCH_WSGI": ""}
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                             stdout=subprocess.PIPE, text=True).stdout.split("\n")
        runs.append((float(out[0]), out[1].strip()))
    return {"seconds": statistics.median(r[0] for r in runs), "heavy_modules": runs[0][1]}


def machine():
    cpus = os.cpu_count()
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        mem = f"{int(mem) // 1024 // 1024} GB RAM"
    except OSError:
        mem = ""
    return (f"{model or platform.processor()}, {cpus} CPUs, {mem}, "
            f"Python {platform.python_version()}")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", default="100000",
                        help="complaints to seed; several comma separated (default 100000)")
    parser.add_argument("--villages", type=int, default=1,
                        help="villages the complaints spread over (default 1)")
    parser.add_argument("--database-url", default=None,
                        help="a database named bench* (default: SQLite in instance/bench/)")
    parser.add_argument("--json", default=str(ROOT / "docs" / "bench" / "bench.json"),
                        help="where to write the results")
    parser.add_argument("--png", default=str(ROOT / "docs" / "bench" / "latency.png"))
    parser.add_argument("--scenarios", default="",
                        help="comma-separated subset (default: all)")
    parser.add_argument("--duration", type=float, default=6.0, help="seconds per scenario")
    parser.add_argument("--rounds", type=int, default=6,
                        help="the duration is split into this many interleaved rounds")
    parser.add_argument("--concurrency", type=int, default=2,
                        help="connections at once (2: one per core; more only queue)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dashboard-url", default=None,
                        help="the dashboard's URL (default: found on this build, if any)")
    parser.add_argument("--export-url", default=None,
                        help="an export URL giving 10,000 rows (default: found, if any)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep an already seeded database of the same size")
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.seed_only:
        args.rows = int(args.rows)
        return seed_main(args)
    sizes = [int(r.replace("_", "")) for r in args.rows.split(",")]
    if args.database_url:
        args.dialect = args.database_url.split(":", 1)[0].split("+")[0]
        args.database_url_for = lambda rows: args.database_url
    else:
        args.dialect = "sqlite"
        folder = ROOT / "instance" / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        args.database_url_for = lambda rows: f"sqlite:///{folder / f'bench_{rows}.db'}"
    report = {"machine": machine(), "dialect": args.dialect, "duration": args.duration,
              "concurrency": args.concurrency, "workers": args.workers,
              "threads": args.threads, "startup": measure_startup(), "sizes": []}
    for rows in sizes:
        report["sizes"].append(run_size(args, rows))
    print_table(report)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(report, indent=2))
    report_md = Path(args.json).with_suffix(".md")
    report_md.write_text(markdown_table(report) + "\n")
    if len(sizes) > 1:
        Path(args.png).parent.mkdir(parents=True, exist_ok=True)
        draw_chart(report, args.png)
        print(f"chart: {args.png}")
    print(f"results: {args.json}, {report_md}")


if __name__ == "__main__":
    main()
