"""A busy database: another writer holds its lock longer than ``DATABASE_LOCK_TIMEOUT``.

That is not a fault: ``retry_when_busy`` tries a write again, and whatever still fails is
``DatabaseBusy``, which the web layer answers with 503 "send again".
"""

import logging
import time

from flask import current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from app.extensions import db

log = logging.getLogger(__name__)


# PostgreSQL's "try again" errors: lock_not_available (a lock_timeout ran out),
# serialization_failure, deadlock_detected.
_BUSY_SQLSTATES = frozenset({"55P03", "40001", "40P01"})


class DatabaseBusy(Exception):
    """The database stayed busy through every try (``retry_when_busy``)."""


def is_database_busy(error):
    """Whether a database error means "busy now, the same request may pass in a moment":
    SQLite waited ``DATABASE_LOCK_TIMEOUT`` for another writer in vain, or PostgreSQL gave up on
    a lock, found a deadlock or a serialization conflict."""
    if not isinstance(error, OperationalError):
        return False
    original = error.orig
    state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    return state in _BUSY_SQLSTATES or "database is locked" in str(original) \
        or "database table is locked" in str(original)


def retry_when_busy(action):
    """``action()``, tried again (after a rollback and a short pause) while the database is
    busy, ``DATABASE_BUSY_ATTEMPTS`` times in all; then ``DatabaseBusy``. ``action`` must
    start its own transaction (it is repeated whole)."""
    attempts = max(1, int(current_app.config.get("DATABASE_BUSY_ATTEMPTS", 2)))
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except OperationalError as exc:
            db.session.rollback()
            if not is_database_busy(exc):
                raise
            log.warning("Database busy on %s (try %s of %s)",
                        request.path if has_request_context() else "-", attempt, attempts)
            if attempt == attempts:
                raise DatabaseBusy() from exc
            time.sleep(0.2 * attempt)


def init_lock_timeout(app):
    """How long a statement waits for another writer's lock before giving up
    (``DATABASE_LOCK_TIMEOUT`` seconds: SQLite's busy timeout, PostgreSQL's ``lock_timeout``),
    so that a busy database is answered with "send again" instead of a request that hangs or
    fails. The register import commits a batch at a time, so a resident's submission waits for
    one batch, not the whole file. Read when each connection is made, so a test can shorten it
    and renew the pool.

    PostgreSQL's JIT compiler is turned off for the same connections: the reports' counts
    over a kabupaten's millions of rows crossed its cost threshold, and compiling took 1.9 s
    of a 2.3 s query that runs in 0.4 s without it (docs/performance.md); the app's queries
    are short, none gains from it."""
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def set_lock_timeout(dbapi_connection, connection_record):
        milliseconds = int(float(app.config.get("DATABASE_LOCK_TIMEOUT", 5)) * 1000)
        if engine.dialect.name == "sqlite":
            dbapi_connection.execute(f"PRAGMA busy_timeout = {milliseconds}")
        elif engine.dialect.name == "postgresql":
            cursor = dbapi_connection.cursor()
            cursor.execute(f"SET lock_timeout = {milliseconds}")
            cursor.execute("SET jit = off")
            cursor.close()
            dbapi_connection.commit()
