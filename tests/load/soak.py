"""Load and soak (issue 7, point 11): the app under gunicorn, officers and residents at once.

    python tests/load/soak.py [--duration 120] [--users 50] [--workers 2] [--database-url URL]

Starts gunicorn on 127.0.0.1 (a free port) on a fresh temporary SQLite database, or on
``--database-url`` (it must be empty or disposable: the demo officers and complaints are
loaded into it), with the demo officers (``app.demo``). Then ``--users`` threads for
``--duration`` seconds, each a keep-alive ``http.client`` connection: a quarter are officers
(log in as the desk, list the register, open a complaint, take a "note" step), the others
residents (submit on ``/lapor`` or through the public API, then check the status through the
API). Public and login rate limits are lifted for the run (one address sends everything).

Reports requests, errors and p50/p95 per kind, and exits non-zero when any answer was a 5xx
or a connection failed, or when an accepted submission (its register number or tracking code)
is not in the register afterwards.
"""

import argparse
import http.client
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "soak-demo-password-2026"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
QUESTION_RE = re.compile(r"(\d+) \+ (\d+)")
TOKEN_RE = re.compile(r'name="question"[^>]*value="([^"]+)"')
SHOW_RE = re.compile(r'/complaint/show/(\d+)')
NUMBER_RE = re.compile(r"\d{3,}/[A-Z]+/[IVXL]+/\d{4}")
FORM = {"name": "Warga Uji Beban", "address": "RT 01/RW 02, Babakan", "phone": "081298765432",
        "kind": "pengaduan", "subject": "Uji beban", "description": "Pengaduan dari uji beban."}


class Stats:
    """Latencies and failures per kind of request, shared by all client threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        self.errors = defaultdict(int)
        self.statuses = defaultdict(int)
        self.accepted = []  # ("tracking_code" | "register_number", value)
        self.failures = []

    def record(self, kind, seconds, status):
        with self.lock:
            self.times[kind].append(seconds)
            self.statuses[status] += 1
            if status >= 500 or status == 0:
                self.errors[kind] += 1

    def fail(self, kind, message):
        with self.lock:
            self.errors[kind] += 1
            self.failures.append(f"{kind}: {message}")


class Client:
    """One user: a keep-alive connection with its own cookies."""

    def __init__(self, port, stats):
        self.port, self.stats = port, stats
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies = {}

    def request(self, kind, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.monotonic()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.stats.record(kind, time.monotonic() - started, 0)
            self.stats.failures.append(f"{kind}: {method} {path}: {exc!r}")
            return 0, {}, ""
        self.stats.record(kind, time.monotonic() - started, response.status)
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        if response.status >= 500:
            self.stats.failures.append(f"{kind}: {method} {path} -> {response.status}")
        return response.status, dict(response.getheaders()), data.decode("utf-8", "replace")

    def form(self, kind, path, fields):
        return self.request(kind, "POST", path, urlencode(fields),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def json(self, kind, path, payload):
        return self.request(kind, "POST", path, json.dumps(payload),
                            {"Content-Type": "application/json"})


def officer(port, stats, stop):
    """The desk at work: log in, list, open a complaint, write a progress note."""
    client = Client(port, stats)
    _, _, page = client.request("login_page", "GET", "/login/")
    token = CSRF_RE.search(page)
    status, _, _ = client.form("login", "/login/", {
        "username": "petugas", "password": PASSWORD, "csrf_token": token.group(1) if token else ""})
    if status != 302:
        stats.fail("login", f"login answered {status}")
        return
    rng = random.Random()
    while not stop.is_set():
        _, _, page = client.request("list", "GET", "/complaint/list/?psize_ComplaintModelView=25")
        ids = SHOW_RE.findall(page)
        if not ids:
            stats.fail("list", "no complaint in the list")
            time.sleep(1)
            continue
        pk = rng.choice(ids)
        client.request("show", "GET", f"/complaint/show/{pk}")
        status, _, page = client.request("note_form", "GET", f"/complaint/step/{pk}/note")
        token = CSRF_RE.search(page)
        if status == 200 and token:
            client.form("note", f"/complaint/step/{pk}/note", {
                "note": f"Catatan uji beban {time.time():.3f}", "csrf_token": token.group(1),
                **dict(re.findall(r'name="(expected_version)"[^>]*value="([^"]*)"', page))})


def resident(port, stats, stop):
    """A resident: submit (page or API), then look the complaint up through the API."""
    client = Client(port, stats)
    rng = random.Random()
    while not stop.is_set():
        code = None
        if rng.random() < 0.5:
            status, _, body = client.json("api_submit", "/api/v1/public/complaints", FORM)
            if status == 201:
                answer = json.loads(body)
                code = answer["tracking_code"]
                with stats.lock:
                    stats.accepted.append(("tracking_code", code))
                    stats.accepted.append(("register_number", answer["register_number"]))
        else:
            _, _, page = client.request("lapor_page", "GET", "/lapor")
            sum_ = QUESTION_RE.search(page)
            if not sum_:
                stats.fail("lapor_page", "no question on /lapor")
                continue
            # Each a new complaint: the same text again from one browser is the same one.
            status, headers, _ = client.form("lapor_submit", "/lapor", {
                **FORM, "description": f"{FORM['description']} #{rng.randrange(10 ** 9)}",
                "answer": str(int(sum_.group(1)) + int(sum_.group(2))),
                "question": TOKEN_RE.search(page).group(1),
                "csrf_token": CSRF_RE.search(page).group(1), "homepage": ""})
            if status == 303:
                _, _, receipt = client.request("receipt", "GET", "/lapor/tanda-terima")
                number = NUMBER_RE.search(receipt)
                if number:
                    with stats.lock:
                        stats.accepted.append(("register_number", number.group(0)))
                else:
                    stats.fail("receipt", "no register number on the receipt")
        if code:
            client.json("api_status", "/api/v1/public/status",
                        {"tracking_code": code, "phone_last4": FORM["phone"][-4:]})


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(database_url, instance):
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url, "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "soak-test-secret-key-long-enough-for-jwt-signing",
        "DEMO_PASSWORD": PASSWORD, "ADMIN_PASSWORD": PASSWORD,
        "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "LOGIN_RATE_LIMIT": "100000 per minute", "PUBLIC_SUBMIT_LIMIT": "1000000 per hour",
        "PUBLIC_STATUS_LIMIT": "1000000 per hour", "PUBLIC_CODE_LIMIT": "1000000 per hour",
        "PYTHONPATH": str(ROOT),
    })
    return env


def _wait_until_up(port, process, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped (exit {process.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def _in_register(database_url, accepted):
    """The accepted numbers and codes that are NOT in the register."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT register_number, tracking_code FROM complaint")).all()
    engine.dispose()
    stored = {"register_number": {r[0] for r in rows}, "tracking_code": {r[1] for r in rows}}
    return [f"{kind} {value}" for kind, value in accepted if value not in stored[kind]]


def _percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(stats, seconds):
    """The table of requests, errors and p50/p95 per kind; returns the total of errors."""
    total = sum(len(v) for v in stats.times.values())
    print(f"\n{total} requests in {seconds:.0f} s ({total / seconds:.1f}/s)")
    print(f"{'kind':14} {'requests':>8} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8}")
    for kind in sorted(stats.times):
        times = stats.times[kind]
        print(f"{kind:14} {len(times):8} {stats.errors[kind]:6} "
              f"{statistics.median(times) * 1000:8.0f} {_percentile(times, 0.95) * 1000:8.0f}")
    print("status codes:", dict(sorted(stats.statuses.items())))
    return sum(stats.errors.values())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=120)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker")
    parser.add_argument("--database-url", default=None,
                        help="an empty or disposable database (default: a new SQLite file)")
    parser.add_argument("--demo-complaints", type=int, default=60)
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="soak-"))
    database_url = args.database_url or f"sqlite:///{workdir / 'soak.db'}"
    env = _environment(database_url, workdir)
    python = sys.executable
    subprocess.run([python, "-m", "flask", "--app", "run.py", "demo-data", "--complaints",
                    str(args.demo_complaints)], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    port = _free_port()
    gunicorn = subprocess.Popen(
        [python, "-m", "gunicorn", "-w", str(args.workers), "-k", "gthread", "--threads",
         str(args.threads), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         "app:create_app()"], cwd=ROOT, env=env, stderr=open(workdir / "gunicorn.log", "w"))
    stats = Stats()
    try:
        _wait_until_up(port, gunicorn)
        stop = threading.Event()
        officers = max(1, args.users // 4)
        threads = [threading.Thread(target=officer if i < officers else resident,
                                    args=(port, stats, stop), daemon=True)
                   for i in range(args.users)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(args.duration)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        elapsed = time.monotonic() - started
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
    errors = report(stats, elapsed)
    missing = _in_register(database_url, stats.accepted)
    print(f"accepted submissions: {len(stats.accepted) // 1} numbers/codes, "
          f"missing from the register: {len(missing)}")
    for line in (stats.failures + missing)[:20]:
        print("  ", line)
    log = (workdir / "gunicorn.log").read_text()
    if errors or missing or "Traceback" in log:
        print(log[-3000:])
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
