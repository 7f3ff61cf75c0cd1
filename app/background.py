"""Background jobs: daemon threads inside ``python run.py``, and the same jobs as CLI verbs.

A job is a plain function of ``now`` (a naive WIB time), registered with a name and an
interval in seconds (``register_job``). Each job has its thread, which wakes every few
seconds and runs it when its interval has passed: sending the outbox, the reminders,
reading the village mailboxes (``IMAP_FETCH_INTERVAL``) and the daily retention run.
``flask notifications send`` / ``remind``, ``flask fetch-mail`` and ``flask retention run``
run one job once, for a systemd timer or cron in production (then set
``BACKGROUND_JOBS=0``).

With several app processes (gunicorn workers, a timer beside the app) a job runs in one
of them at a time: ``run_job`` first takes the job's lease, a ``job_lease`` row that one
conditional UPDATE (or the INSERT of a new row) gives to one holder until it expires. This
works the same on SQLite and PostgreSQL; the sender also claims every message on its own
(``app.services.outbox``), so even two senders past a lease's expiry send nothing twice.

Threads and not a separate worker: the embedded default (SQLite, one process) then needs
nothing else running, as the village server has nobody to watch a second service.
"""

import datetime as dt
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from app.auth import villages
from app.core.timeutil import now_wib
from app.extensions import db
from app.models import JobLease
from app.services import inbox, outbox, reminders, retention

log = logging.getLogger(__name__)

# How often the thread looks whether a job is due, in seconds.
TICK_SECONDS = 5


# For which villages a job runs (app.auth.villages): once in each village (its reminders, its
# retention, its mailbox) or once for the whole installation (the outbox: its messages are
# written already).
EACH, INSTALLATION = "each", "installation"


@dataclass
class Job:
    name: str
    interval: float  # seconds, or a config key naming them
    function: object  # function(now) -> anything printable
    villages: str = EACH


_JOBS = {}


def register_job(name, interval, function, villages=EACH):
    """Run ``function(now)`` every ``interval`` seconds (or the config value named so), in
    each village (``EACH``) or once for the installation (``INSTALLATION``)."""
    _JOBS[name] = Job(name, interval, function, villages)


def jobs():
    return dict(_JOBS)


def anonymise_due(now):
    """The daily retention run; nothing (not even an audit row) when nothing is due (no
    complaint, and no old email of the inbox)."""
    due = retention.due(now.date()) or inbox.to_forget(retention.cutoff(now.date()))
    return retention.run(today=now.date()) if due else []


register_job("send", "NOTIFY_SEND_INTERVAL", outbox.send_due, villages=INSTALLATION)
register_job("remind", "NOTIFY_REMIND_INTERVAL", reminders.remind)
register_job("fetch-mail", "IMAP_FETCH_INTERVAL", lambda now: inbox.fetch_mail())
register_job("retention", "RETENTION_INTERVAL", anonymise_due)


def holder_id():
    """Who holds a lease: host, process and thread."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:80]


def acquire(name, seconds, now=None, holder=None):
    """Take job ``name``'s lease for ``seconds``; True when this holder has it now."""
    now = now or now_wib()
    holder = holder or holder_id()
    until = now + dt.timedelta(seconds=seconds)
    result = db.session.execute(
        update(JobLease)
        .where(JobLease.name == name,
               or_(JobLease.expires_at.is_(None), JobLease.expires_at <= now,
                   JobLease.holder == holder))
        .values(holder=holder, expires_at=until)
        .execution_options(synchronize_session=False))
    if result.rowcount == 1:
        db.session.commit()
        return True
    db.session.rollback()
    if db.session.get(JobLease, name) is not None:
        return False  # someone else holds it
    db.session.add(JobLease(name=name, holder=holder, expires_at=until))
    try:
        db.session.commit()
    except IntegrityError:  # another process made the row first: theirs
        db.session.rollback()
        return False
    return True


def release(name, now=None, holder=None):
    """Give the lease back and note when the job last ran."""
    now = now or now_wib()
    db.session.execute(
        update(JobLease).where(JobLease.name == name, JobLease.holder == (holder or holder_id()))
        .values(expires_at=now, last_run_at=now)
        .execution_options(synchronize_session=False))
    db.session.commit()


def _in_its_villages(job, now, renew=lambda: True):
    """``job.function(now)`` in the villages it is for; with one village, its one result.

    One village's failure (its mailbox's bad setting, a row it cannot write) is logged and
    its result None: the villages after it still have theirs. ``renew()`` after each village
    keeps the job's lease while a round of many villages lasts; when it fails (the lease
    went to another process) the round stops there rather than run twice.
    """
    if job.villages == INSTALLATION:
        with villages.every_village():
            return job.function(now)
    results = []
    for village_id in [village.id for village in villages.all_villages()]:
        with villages.acting_for(village_id):
            try:
                results.append(job.function(now))
            except Exception:
                db.session.rollback()
                log.exception("Background job %s failed in village %s", job.name, village_id)
                results.append(None)
        if not renew():
            log.warning("Background job %s lost its lease after village %s: the round stops",
                        job.name, village_id)
            break
    return results[0] if len(results) == 1 else results


def _renew(name, seconds):
    """Keep job ``name``'s lease ``seconds`` longer; False when it went to another holder or
    the database would not say (then the round stops: the next one goes on)."""
    try:
        return acquire(name, seconds)
    except Exception:
        db.session.rollback()
        log.exception("Background job %s could not renew its lease", name)
        return False


def run_job(name, now=None, lease_seconds=600):
    """Run job ``name`` once if its lease can be had; returns its result or None.

    Needs an app context. The job's own failure is logged and its lease given back, so the
    next turn tries again.
    """
    job = _JOBS[name]
    now = now or now_wib()
    if not acquire(name, lease_seconds, now):
        return None
    try:
        return _in_its_villages(job, now, renew=lambda: _renew(name, lease_seconds))
    except Exception:
        db.session.rollback()
        log.exception("Background job %s failed", name)
        return None
    finally:
        release(name, now_wib())


class Scheduler:
    """The daemon threads, one per registered job, each running its job at its interval
    until stopped: a mail round through many villages' mailboxes does not hold up the
    outbox or the reminders."""

    def __init__(self, app):
        self.app = app
        self.stopped = threading.Event()
        self.threads = [threading.Thread(target=self._loop, args=(name,), daemon=True,
                                         name=f"background-{name}") for name in _JOBS]

    def start(self):
        for thread in self.threads:
            thread.start()
        return self

    def stop(self, timeout=10):
        self.stopped.set()
        until = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, until - time.monotonic()))

    def interval(self, job):
        value = job.interval
        if isinstance(value, str):
            value = self.app.config.get(value, 60)
        return float(value)

    def run_once(self, name):
        # A fresh app context per run: the per-request caches (g) start empty.
        with self.app.app_context():
            try:
                run_job(name)
            finally:
                db.session.remove()

    def _loop(self, name):
        last = None
        while not self.stopped.is_set():
            try:
                if last is None or time.monotonic() - last >= self.interval(_JOBS[name]):
                    last = time.monotonic()
                    self.run_once(name)
            except Exception:  # the database away for a moment, a bad interval: next turn
                log.exception("Background job %s failed", name)
            self.stopped.wait(TICK_SECONDS)


def start(app):
    """Start the scheduler's threads for ``app`` (``run.py``) unless ``BACKGROUND_JOBS`` is off."""
    if not app.config.get("BACKGROUND_JOBS", True):
        return None
    return Scheduler(app).start()
