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
from app.services.reference_data import seed_reference_data

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
        if db.engine.dialect.name == "sqlite":
            db.engine.dispose()
            path = db.engine.url.database
            shutil.copyfile(path, path + ".template")
    return app


# Tables emptied between tests on PostgreSQL (roles and permissions stay).
_DATA_TABLES = (
    "attachment", "outbox", "notification", "notification_setting", "job_lease",
    "inbox_attachment", "inbox_message", "inbox_fetch",
    "meeting_complaint", "meeting_officer", "meeting_guest", "meeting",
    "identity_view", "response_template", "referral",
    "complaint_event", "complaint", "officer", "register_counter", "ab_user_role",
    "ab_user_group", "ab_user", "category", "dusun", "public_lookup_failure",
    "deadline_tier", "holiday", "user_session_generation",
    "audit_personal_value", "audit_log", "app_setting", "account_link", "resident_request",
)


# What the reference tables hold right after seeding (rows and id sequence), by table: a test
# that left them so does not make the next one truncate and seed them again.
_SEEDED_PRINTS = {}


def _fingerprint(conn, table):
    return conn.execute(text(
        f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t"
    )).scalar(), conn.execute(text(
        f"SELECT pg_sequence_last_value(pg_get_serial_sequence('{table}', 'id'))")).scalar()


def _holding_rows(conn):
    """The data tables that hold at least one row (one statement)."""
    return [name for (name,) in conn.execute(text(" UNION ALL ".join(
        f"SELECT '{table}' WHERE EXISTS (SELECT 1 FROM {table})" for table in _DATA_TABLES)))]


def reset_database():
    """Bring the database back to freshly migrated (in an app context).

    SQLite: copy the template file back. PostgreSQL: truncate the data tables that hold
    rows (TRUNCATE costs per table, about 10 ms each, so only those), except the reference
    tables and the audit lines seeding wrote while they are all exactly as seeded; then seed
    what was emptied. Each test starts from what SQLite's template holds.
    """
    db.session.remove()
    villages.forget()  # the village's row is back as migrated: read it again
    if db.engine.dialect.name == "sqlite":
        db.engine.dispose()
        path = db.engine.url.database
        shutil.copyfile(path + ".template", path)
        return
    with db.engine.begin() as conn:
        holding = _holding_rows(conn)
        # The reference tables and what seeding them wrote (the audit log's lines) go together:
        # when one of them is not as seeded, all are truncated and seeded again.
        group_changed = not _SEEDED_PRINTS or any(
            table not in holding or _fingerprint(conn, table) != prints
            for table, prints in _SEEDED_PRINTS.items())
        changed = sorted(set(holding) | set(_SEEDED_PRINTS)) if group_changed else \
            [table for table in holding if table not in _SEEDED_PRINTS]
        if changed:
            conn.execute(text(f"TRUNCATE {', '.join(changed)} RESTART IDENTITY CASCADE"))
        # The village the migration made stays (every data row points to it); a village a
        # test added goes, and seeding gives the first its values from the settings again
        # (as migrated: not edited in the village screen).
        conn.execute(text("DELETE FROM village WHERE id > (SELECT min(id) FROM village)"))
        conn.execute(text("UPDATE village SET edited_in_app = false"))
    seed_reference_data()
    db.session.remove()
    if group_changed:
        with db.engine.begin() as conn:
            seeded = _holding_rows(conn)
            _SEEDED_PRINTS.clear()
            _SEEDED_PRINTS.update((table, _fingerprint(conn, table)) for table in seeded)


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
