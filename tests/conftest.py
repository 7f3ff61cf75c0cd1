"""Fixtures: one app per test session, a clean database for every test.

The database is SQLite in a temporary folder, or the PostgreSQL database named
by TEST_DATABASE_URL (CI runs the suite on both). Each test starts from the
migrated schema with roles, permissions and reference lists, and no users
or complaints. Tests log in through the real /login/ form, CSRF included.
"""

import os
import re
import shutil

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.auth import security, villages
from app.cli import prepare_database
from app.extensions import db
from app.models import Complaint, Officer
from app.services import complaints as services

PASSWORD = "kata-sandi-uji-panjang"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# The suite drops the whole schema of TEST_DATABASE_URL's database: it runs only on a
# database whose name says it is for tests (.ci/run creates ci_pengaduan_<pid>).
TEST_DATABASE_PREFIXES = ("test", "ci_", "t_")


def refuse_unless_test_database(url):
    """Stop the run when ``url`` names a database not marked (by its name) as a test one."""
    name = make_url(url).database or ""
    if not name.startswith(TEST_DATABASE_PREFIXES):
        pytest.exit(f"TEST_DATABASE_URL names the database {name!r}: the tests drop its whole "
                    f"schema, so they run only on a database whose name starts with one of "
                    f"{', '.join(TEST_DATABASE_PREFIXES)} (create one for the tests).",
                    returncode=4)


def _database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        refuse_unless_test_database(url)
        return _worker_database(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def _worker_database(url):
    """With ``pytest -n`` (pytest-xdist) each worker gets its own PostgreSQL database next to
    TEST_DATABASE_URL's, ``<name>_gw0``, ``<name>_gw1``..., made here when missing; without
    workers, TEST_DATABASE_URL's own. (SQLite: each worker has its own temporary folder.)"""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    url = make_url(url)
    name = f"{url.database}_{worker}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                            {"name": name}).scalar():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-jwt",
        "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "PUBLIC_BASE_URL": "https://pengaduan.example.test",
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "PUBLIC_LOOKUP_MIN_SECONDS": 0.05,
        "ATTACHMENT_DIR": str(tmp_path_factory.mktemp("lampiran")),
    })
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        prepare_database()
        db.session.remove()
        if db.engine.dialect.name == "postgresql":
            _remember_seeded()
        if db.engine.dialect.name == "sqlite":
            db.engine.dispose()
            path = db.engine.url.database
            shutil.copyfile(path, path + ".template")
    return app


# What a test never changes on PostgreSQL: the schema's version and FAB's roles and
# permissions (synced from app.auth.security at start).
_KEPT_TABLES = ("alembic_version", "ab_permission", "ab_view_menu", "ab_permission_view",
                "ab_role", "ab_permission_view_role")
# The database as migrated and seeded, read once per process (``_remember_seeded``): each
# table's rows as JSON, and where each table's id sequence stood.
_SEEDED_ROWS = {}
_SEEDED_SEQUENCES = {}


def _data_tables(conn):
    return [name for (name,) in conn.execute(text(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
        "AND table_type = 'BASE TABLE' ORDER BY table_name")) if name not in _KEPT_TABLES]


def _remember_seeded():
    """Keep what the freshly migrated and seeded database holds (PostgreSQL)."""
    with db.engine.begin() as conn:
        for table in _data_tables(conn):
            rows = conn.execute(text(
                f"SELECT coalesce(json_agg(t), '[]')::text FROM {table} t")).scalar()
            if rows != "[]":
                _SEEDED_ROWS[table] = rows
        for table, sequence in conn.execute(text(
                "SELECT table_name, pg_get_serial_sequence(table_name, column_name) "
                "FROM information_schema.columns WHERE table_schema = 'public' "
                "AND column_default LIKE 'nextval(%'")):
            if table not in _KEPT_TABLES:
                _SEEDED_SEQUENCES[table] = (sequence, conn.execute(text(
                    "SELECT pg_sequence_last_value(:s)"), {"s": sequence}).scalar())


def _holding_rows(conn, tables):
    """Those of ``tables`` that hold at least one row (one statement)."""
    return [name for (name,) in conn.execute(text(" UNION ALL ".join(
        f"SELECT '{table}' WHERE EXISTS (SELECT 1 FROM {table})" for table in tables)))]


def _reset_postgresql():
    """Empty every table a test may have written, put the seeded rows back and each id
    sequence where seeding left it, in one transaction. DELETE, not TRUNCATE: TRUNCATE
    makes new files for each table and its indexes, which cost more than the whole test on
    small tables; the replica role switches off the triggers meanwhile (the append-only
    logs' and the foreign keys', so the order does not matter)."""
    with db.engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        emptied = sorted(set(_holding_rows(conn, _data_tables(conn))) | set(_SEEDED_ROWS))
        conn.execute(text("; ".join(f"DELETE FROM {table}" for table in emptied)))
        for table, rows in _SEEDED_ROWS.items():
            conn.execute(text(f"INSERT INTO {table} SELECT * FROM "
                              f"json_populate_recordset(NULL::{table}, :rows)"), {"rows": rows})
        sequences = [_SEEDED_SEQUENCES[table] for table in emptied
                     if table in _SEEDED_SEQUENCES]
        if sequences:
            conn.execute(text("SELECT " + ", ".join(
                f"setval('{name}', {last or 1}, {'true' if last else 'false'})"
                for name, last in sequences)))


def reset_database():
    """Bring the database back to freshly migrated (in an app context).

    SQLite: copy the template file back. PostgreSQL: ``_reset_postgresql``. Each test starts
    from what SQLite's template holds.
    """
    db.session.remove()
    villages.forget()  # the village's row is back as migrated: read it again
    if db.engine.dialect.name == "sqlite":
        db.engine.dispose()
        path = db.engine.url.database
        shutil.copyfile(path + ".template", path)
        return
    _reset_postgresql()


@pytest.fixture(autouse=True)
def clean_db(app):
    """Give every test the freshly migrated database and empty rate-limit counters."""
    with app.app_context():
        reset_database()
    app.appbuilder.sm.limiter.reset()
    shutil.rmtree(app.config["ATTACHMENT_DIR"], ignore_errors=True)  # no files without rows
    yield


@pytest.fixture
def ctx(app):
    """An app context for tests that call services directly."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(client, path):
    """Open ``path`` and return the CSRF token of its form."""
    response = client.get(path)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({response.status_code})"
    return match.group(1)


def post_form(client, path, data, follow=True):
    """Submit the form at ``path`` the way a browser does, with its CSRF token."""
    data = dict(data)
    data["csrf_token"] = csrf_token(client, path)
    return client.post(path, data=data, follow_redirects=follow)


def make_user(app, username, role_name, first_name="Uji", last_name="Pengguna"):
    """A login with exactly one role."""
    with app.app_context():
        sm = app.appbuilder.sm
        user = sm.add_user(username=username, first_name=first_name, last_name=last_name,
                           email=f"{username}@example.test", role=sm.find_role(role_name),
                           password=PASSWORD)
        assert user, username
        user_id = user.id
        db.session.remove()
        return user_id


def login(client, username, password=PASSWORD):
    """Log in through the real login form."""
    token = csrf_token(client, "/login/")
    response = client.post("/login/", data={"username": username, "password": password,
                                            "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


ROLE_USERS = {
    "admin": security.ADMIN,
    "desk": security.DESK,
    "liaison": security.LIAISON,
    "head": security.HEAD,
}


@pytest.fixture
def login_as(app, client):
    """``login_as("desk")``: make a user with that role, log in, return the user's id."""

    def _login(kind, username=None):
        username = username or kind
        user_id = make_user(app, username, ROLE_USERS[kind])
        login(client, username)
        return user_id

    return _login


def make_officer(app, name="Sutrisno", position="kepala_dusun", user_id=None, **fields):
    with app.app_context():
        officer = Officer(name=name, position=position, user_id=user_id, active=True, **fields)
        db.session.add(officer)
        db.session.commit()
        officer_id = officer.id
        db.session.remove()
        return officer_id


COMPLAINT_FIELDS = {
    "kind": "pengaduan",
    "channel": "walk_in",
    "complainant_name": "Siti Aminah",
    "complainant_address": "RT 02/RW 03, Dusun I",
    "complainant_phone": "+6281234567890",
    "subject": "Lampu jalan mati",
    "description": "Lampu jalan di depan mushola mati sejak seminggu.",
    "urgency": "normal",
}


def make_complaint(app, user_id=None, **fields):
    """Register a complaint through the service (as the desk would); return its id.

    ``status=`` puts it straight into that status, for tests of later steps.
    """
    with app.app_context():
        data = {**COMPLAINT_FIELDS, **fields}
        status = data.pop("status", None)
        complaint = Complaint(**data)
        user = app.appbuilder.sm.get_user_by_id(user_id) if user_id else None
        services.register_complaint(complaint, user)
        if status:  # test set-up: start from a given status
            complaint.status = status
            db.session.commit()
        complaint_id = complaint.id
        db.session.remove()
        return complaint_id


def set_fields(app, pk, **fields):
    """Test set-up: give a registered complaint these values directly (no service, no event)."""
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        for name, value in fields.items():
            setattr(complaint, name, value)
        db.session.commit()
        db.session.remove()
