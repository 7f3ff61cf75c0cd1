"""How messages leave without loss: a real SMTP server (aiosmtpd), a local fake of the Telegram
bot API, an outage, two senders at once, quiet hours, the background thread and the CLI."""

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import update

from app import background
from app.core.timeutil import now_wib
from app.extensions import db
from app.models import Complaint, JobLease, NotificationSetting, OutboxMessage
from app.services import complaints as services, notifications, outbox
from tests.conftest import make_complaint, make_officer, make_user
from tests.test_informing import Inbox, free_port

# A working day, 10.00 WIB: not quiet.
DAY = dt.datetime(2026, 12, 2, 10, 0)


class SlowInbox(Inbox):
    """An inbox that takes a moment per message, so two senders overlap."""

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp(app, monkeypatch):
    """A real SMTP server on loopback (start/stop it to make an outage)."""
    from aiosmtpd.controller import Controller

    port = free_port()
    inbox = SlowInbox()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    monkeypatch.setitem(app.config, "SMTP_USE_TLS", False)
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 3)
    monkeypatch.setitem(app.config, "MAIL_FROM", "pengaduan@babakan.desa.id")

    class Server:
        def __init__(self):
            self.inbox = inbox
            self.controller = None

        def start(self):
            self.controller = Controller(inbox, hostname="127.0.0.1", port=port)
            self.controller.start()

        def stop(self):
            if self.controller is not None:
                self.controller.stop()
                self.controller = None

    server = Server()
    server.start()
    yield server
    server.stop()


class TelegramFake(BaseHTTPRequestHandler):
    """The bot API's sendMessage: records what it is sent; chat "404" does not exist."""

    received = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append((self.path, body))
        if body["chat_id"] == "404":
            answer, code = {"ok": False, "description": "Bad Request: chat not found"}, 400
        else:
            answer, code = {"ok": True, "result": {"message_id": 1}}, 200
        data = json.dumps(answer).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def telegram(app, monkeypatch):
    TelegramFake.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), TelegramFake)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setitem(app.config, "TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setitem(app.config, "TELEGRAM_API_URL", f"http://127.0.0.1:{server.server_port}")
    yield TelegramFake
    server.shutdown()
    server.server_close()


def queue(app, count=1, urgent=False, at=DAY, address="warga{}@example.test"):
    """``count`` queued emails written at ``at`` (as a step would write them)."""
    with app.app_context():
        for i in range(count):
            db.session.add(OutboxMessage(
                channel="email", address=address.format(i), subject=f"Pengaduan {i}",
                body=f"Isi pesan {i}", urgent=urgent,
                next_attempt_at=notifications.release_time(at, urgent), created_at=at))
        db.session.commit()


def rows(app):
    with app.app_context():
        return [(m.address, m.status, m.attempts, m.next_attempt_at, m.last_error)
                for m in db.session.query(OutboxMessage).order_by(OutboxMessage.id)]


def send(app, now):
    with app.app_context():
        try:
            return outbox.send_due(now)
        finally:
            db.session.remove()


def test_queued_messages_are_delivered_over_smtp_and_marked_sent(app, smtp):
    queue(app, 3)
    assert send(app, DAY) == (3, 0)
    assert sorted(m["To"] for m in smtp.inbox.messages()) == [
        "warga0@example.test", "warga1@example.test", "warga2@example.test"]
    assert [r[1:3] for r in rows(app)] == [("sent", 1)] * 3
    assert send(app, DAY + dt.timedelta(hours=1)) == (0, 0)  # nothing twice
    assert len(smtp.inbox.messages()) == 3


def test_an_smtp_outage_delays_loses_nothing_and_never_fails_the_step(app, smtp):
    desk = make_user(app, "desk", "Petugas Pengelola")
    kadus_user = make_user(app, "kadus", "Petugas Penghubung")
    kadus = make_officer(app, name="Sutrisno", user_id=kadus_user)
    pk = make_complaint(app, desk)
    smtp.stop()  # the mail server is down from here
    with app.app_context():
        category = db.session.execute(db.text("SELECT min(id) FROM category")).scalar()
        user = app.appbuilder.sm.get_user_by_id(desk)
        complaint = db.session.get(Complaint, pk)
        services.apply_step(complaint, "verify", {"kind": "pengaduan", "category_id": category,
                                                  "urgency": "normal"}, user)
        services.apply_step(complaint, "forward", {"officer_id": kadus}, user)
        assert complaint.status == "forwarded"  # the step went through
        db.session.remove()
    [(address, status, attempts, now, error)] = rows(app)
    assert (address, status, attempts, error) == ("kadus@example.test", "queued", 0, None)

    assert send(app, now) == (0, 1)
    [(_a, status, attempts, next_attempt, error)] = rows(app)
    assert (status, attempts) == ("queued", 1)
    assert next_attempt == now + dt.timedelta(minutes=1) and "tidak dapat dihubungi" in error
    assert send(app, now + dt.timedelta(seconds=30)) == (0, 0)  # backing off

    smtp.start()
    assert send(app, now + dt.timedelta(minutes=1)) == (1, 0)
    [(_a, status, attempts, _n, _e)] = rows(app)
    assert (status, attempts) == ("sent", 2)
    [mail] = smtp.inbox.messages()
    assert mail["To"] == "kadus@example.test" and "diteruskan kepada Anda" in mail["Subject"]


def test_after_the_last_attempt_the_message_is_failed_and_the_admin_can_resend(
        app, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 3)
    queue(app)
    smtp.stop()
    now = DAY
    for expected_wait in (1, 5):
        assert send(app, now) == (0, 1)
        assert rows(app)[0][3] == now + dt.timedelta(minutes=expected_wait)
        now = rows(app)[0][3]
    assert send(app, now) == (0, 1)
    assert rows(app)[0][1:3] == ("failed", 3)
    assert send(app, now + dt.timedelta(days=1)) == (0, 0)  # failed stays failed

    smtp.start()
    with app.app_context():
        [message_id] = [m.id for m in db.session.query(OutboxMessage)]
        assert outbox.resend(message_id, now) is True
        assert outbox.resend(message_id, now) is False  # queued now, not failed
    assert send(app, now) == (1, 0)
    assert len(smtp.inbox.messages()) == 1


def test_two_senders_at_once_send_each_message_once(app, smtp):
    queue(app, 30)
    results, errors = [], []

    def sender():
        try:
            results.append(send(app, DAY))
        except Exception as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(sent for sent, _failed in results) == 30
    addresses = [m["To"] for m in smtp.inbox.messages()]
    assert len(addresses) == 30 and len(set(addresses)) == 30
    assert {r[1:3] for r in rows(app)} == {("sent", 1)}


@pytest.mark.parametrize("at, urgent, release", [
    (dt.datetime(2026, 12, 2, 20, 59), False, dt.datetime(2026, 12, 2, 20, 59)),
    (dt.datetime(2026, 12, 2, 21, 0), False, dt.datetime(2026, 12, 3, 6, 0)),
    (dt.datetime(2026, 12, 2, 23, 30), False, dt.datetime(2026, 12, 3, 6, 0)),
    (dt.datetime(2026, 12, 3, 2, 15), False, dt.datetime(2026, 12, 3, 6, 0)),
    (dt.datetime(2026, 12, 3, 6, 0), False, dt.datetime(2026, 12, 3, 6, 0)),
    (dt.datetime(2026, 12, 2, 23, 30), True, dt.datetime(2026, 12, 2, 23, 30)),
])
def test_quiet_hours_hold_what_is_not_urgent(app, at, urgent, release):
    with app.app_context():
        assert notifications.release_time(at, urgent) == release


def test_at_night_only_the_urgent_message_leaves(app, smtp):
    night = dt.datetime(2026, 12, 2, 22, 0)
    queue(app, 1, urgent=False, at=night, address="biasa@example.test")
    queue(app, 1, urgent=True, at=night, address="darurat@example.test")
    assert send(app, night) == (1, 0)
    assert [m["To"] for m in smtp.inbox.messages()] == ["darurat@example.test"]
    assert send(app, dt.datetime(2026, 12, 3, 6, 0)) == (1, 0)
    assert [m["To"] for m in smtp.inbox.messages()] == ["darurat@example.test",
                                                        "biasa@example.test"]


def test_quiet_hours_can_be_switched_off(app, monkeypatch):
    monkeypatch.setitem(app.config, "NOTIFY_QUIET_HOURS", "")
    with app.app_context():
        night = dt.datetime(2026, 12, 2, 23, 0)
        assert notifications.release_time(night, False) == night


def test_telegram_messages_go_to_the_bot_api_and_a_refusal_is_kept(app, telegram):
    desk = make_user(app, "desk", "Petugas Pengelola")
    with app.app_context():
        for user_id, chat in ((desk, "555"),):
            db.session.add(NotificationSetting(user_id=user_id, email=False, telegram=True,
                                               telegram_chat_id=chat))
        db.session.add(OutboxMessage(channel="telegram", address="404", subject="x", body="y",
                                     urgent=False, next_attempt_at=DAY, created_at=DAY))
        db.session.commit()
    make_complaint(app, subject="Jembatan putus")  # from the website: the desk is told
    assert send(app, DAY + dt.timedelta(days=400)) == (1, 1)
    paths = {path for path, _body in telegram.received}
    assert paths == {"/bot123:abc/sendMessage"}
    [good] = [body for _p, body in telegram.received if body["chat_id"] == "555"]
    assert "Pengaduan baru" in good["text"] and "Jembatan putus" in good["text"]
    failed = [r for r in rows(app) if r[0] == "404"][0]
    assert failed[1] == "queued" and "chat not found" in failed[4]


def test_the_lease_lets_one_process_run_a_job_at_a_time(app):
    with app.app_context():
        assert background.acquire("send", 60, DAY, holder="a") is True
        assert background.acquire("send", 60, DAY, holder="b") is False
        assert background.acquire("send", 60, DAY + dt.timedelta(seconds=30), holder="b") \
            is False
        assert background.acquire("send", 60, DAY + dt.timedelta(seconds=61), holder="b") \
            is True  # a's lease ran out (a died)
        background.release("send", DAY + dt.timedelta(seconds=62), holder="b")
        assert background.acquire("send", 60, DAY + dt.timedelta(seconds=63), holder="a") \
            is True
        assert db.session.get(JobLease, "send").last_run_at == DAY + dt.timedelta(seconds=62)


def test_a_job_held_elsewhere_is_not_run(app, smtp):
    queue(app, 1, at=dt.datetime(2020, 1, 1, 10))
    with app.app_context():
        background.acquire("send", 3600, holder="another-process")
        assert background.run_job("send") is None
        db.session.remove()
    assert rows(app)[0][1] == "queued"


def test_the_thread_inside_run_py_sends_by_itself(app, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "NOTIFY_SEND_INTERVAL", 0.1)
    monkeypatch.setattr(background, "TICK_SECONDS", 0.1)
    queue(app, 2, at=dt.datetime(2020, 1, 1, 10))
    scheduler = background.start(app)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(smtp.inbox.messages()) < 2:
            time.sleep(0.1)
    finally:
        scheduler.stop()
    assert len(smtp.inbox.messages()) == 2
    assert {r[1] for r in rows(app)} == {"sent"}


def test_a_long_job_does_not_hold_up_the_outbox(app, smtp, monkeypatch):
    """Each job has its thread: while a job takes long (a mail round through many villages'
    mailboxes), the emails queued meanwhile still go out at the outbox's interval."""
    monkeypatch.setitem(app.config, "NOTIFY_SEND_INTERVAL", 0.1)
    monkeypatch.setattr(background, "TICK_SECONDS", 0.1)
    started, finish = threading.Event(), threading.Event()

    def long_round(now):
        started.set()
        finish.wait(30)

    monkeypatch.setitem(background._JOBS, "long-round",
                        background.Job("long-round", 3600, long_round))
    scheduler = background.start(app)
    try:
        assert started.wait(20)
        queue(app, 2, at=dt.datetime(2020, 1, 1, 10))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(smtp.inbox.messages()) < 2:
            time.sleep(0.1)
        assert not finish.is_set()  # the long job is still running
    finally:
        finish.set()
        scheduler.stop()
    assert len(smtp.inbox.messages()) == 2


def test_a_round_through_the_villages_survives_one_villages_failure_and_keeps_its_lease(
        app, monkeypatch):
    """A job of each village: the first village's failure is logged and the next village
    still has its turn; after each village the job's lease is renewed (a long round is not
    taken over by another process when its first ten minutes are up), and a round whose
    lease went to another process stops rather than run a village twice."""
    from app.auth import villages
    from tests.test_village_isolation import add_village

    with app.app_context():
        a_id = villages.first_village_id()
        db.session.remove()
    b_id = add_village(app, "karangsari", "Karangsari")
    start = dt.datetime(2020, 1, 1, 10)

    def failing_first(now):
        village = villages.current_village().id
        if village == a_id:
            raise RuntimeError("one village's fault")
        return village, db.session.get(JobLease, "probe").expires_at

    monkeypatch.setitem(background._JOBS, "probe", background.Job("probe", 60, failing_first))
    with app.app_context():
        first, second = background.run_job("probe", now=start, lease_seconds=600)
        db.session.remove()
    assert first is None and second[0] == b_id
    assert second[1] > start + dt.timedelta(seconds=600)  # renewed after Babakan's turn

    def taken_over(now):
        db.session.execute(update(JobLease).where(JobLease.name == "taken")
                           .values(holder="another-host", expires_at=now_wib()
                                   + dt.timedelta(hours=1)))
        db.session.commit()
        return villages.current_village().id

    monkeypatch.setitem(background._JOBS, "taken", background.Job("taken", 60, taken_over))
    with app.app_context():
        assert background.run_job("taken") == a_id  # Karangsari's turn never came
        db.session.remove()


def test_no_thread_when_a_timer_does_the_work(app, monkeypatch):
    monkeypatch.setitem(app.config, "BACKGROUND_JOBS", False)
    assert background.start(app) is None


def test_the_cli_sends_and_reminds(app, smtp):
    queue(app, 1, at=dt.datetime(2020, 1, 1, 10))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["notifications", "send"])
    assert result.exit_code == 0 and "send: (1, 0)" in result.output
    assert len(smtp.inbox.messages()) == 1
    result = runner.invoke(args=["notifications", "remind"])
    assert result.exit_code == 0 and "remind: 0" in result.output


def test_a_batch_goes_over_one_smtp_connection(app, smtp, monkeypatch):
    from app.services import informing

    opened = []
    real = informing._open_smtp

    def counting():
        opened.append(1)
        return real()

    monkeypatch.setattr(informing, "_open_smtp", counting)
    queue(app, 5)
    assert send(app, DAY) == (5, 0)
    assert len(opened) == 1 and len(smtp.inbox.messages()) == 5


def test_each_villages_email_speaks_for_it_and_answers_go_to_its_own_address(app, smtp):
    """One mail server for the installation: a resident of Karangsari gets their receipt
    from MAIL_FROM in the name of Pemerintah Desa Karangsari, with Karangsari's own address
    to answer to; a message about no complaint (a password link) is the installation's."""
    from sqlalchemy import text

    from app.auth import villages
    from tests.test_public_villages import RESIDENT
    from tests.test_public import FORM
    from tests.test_village_isolation import add_village

    b_id = add_village(app, "karangsari", "Karangsari")
    with app.app_context():
        db.session.execute(text("UPDATE village SET email = 'pemdes@karangsari.desa.id' "
                                "WHERE id = :id"), {"id": b_id})
        db.session.commit()
        db.session.remove()
    response = app.test_client().post("/api/v1/public/karangsari/complaints", json={
        **FORM, "dusun": "", "email": "warsini@contoh.co.id"},
        environ_base=RESIDENT)
    assert response.status_code == 201, response.get_json()
    queue(app, 1, address="petugas@example.test")
    with app.app_context(), villages.every_village():  # as the background job sends
        assert outbox.send_due(dt.datetime.now() + dt.timedelta(days=1)) == (2, 0)
        db.session.remove()
    by_address = {mail["To"]: mail for mail in smtp.inbox.messages()}
    receipt = by_address["warsini@contoh.co.id"]
    assert receipt["From"] == "Pemerintah Desa Karangsari <pengaduan@babakan.desa.id>"
    assert receipt["Reply-To"] == "pemdes@karangsari.desa.id"
    plain = by_address["petugas@example.test"]
    assert plain["From"] == "pengaduan@babakan.desa.id" and plain["Reply-To"] is None
