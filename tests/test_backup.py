"""Backup and restore: a backup restored into an empty database holds every row of every
table (issue 7, point 12). Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL."""

import uuid

import pytest
from sqlalchemy import MetaData, create_engine, select, text
from sqlalchemy.engine import make_url

from app.backup import restore_database
from app.extensions import db
from tests.conftest import make_complaint, make_officer, make_user
from tests.test_access import _resolved_at_a_held_meeting


def _all_rows(url):
    """Every table's rows, in a stable order: {table: [row, ...]}."""
    engine = create_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as conn:
            return {name: [tuple(map(str, row)) for row in conn.execute(
                        select(table).order_by(*table.columns))]
                    for name, table in metadata.tables.items()}
    finally:
        engine.dispose()


@pytest.fixture
def empty_database(app, tmp_path):
    """The URL of a new, empty database of the same kind as the test database."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"{url.database}_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _some_data(app):
    desk = make_user(app, "petugas", "Petugas Pengelola")
    officer = make_officer(app, name="Kadus Satu", user_id=desk)
    for i in range(3):
        make_complaint(app, user_id=desk, subject=f"Aduan {i}", assigned_officer_id=officer,
                       complainant_name="Siti ' \" ; DROP", description="Baris\nkedua ✓")
    _resolved_at_a_held_meeting(app)


def test_a_backup_restored_into_an_empty_database_has_every_row(app, tmp_path, empty_database):
    _some_data(app)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "babakan.backup")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "babakan.backup").stat().st_mode & 0o077 == 0  # owner only

    restore_database(empty_database, tmp_path / "babakan.backup")
    original, restored = _all_rows(url), _all_rows(empty_database)
    assert set(original) == set(restored)
    assert len(original) >= 15
    for table in original:
        assert restored[table] == original[table], table
    assert len(restored["complaint"]) == 4 and len(restored["complaint_event"]) >= 4


def test_restore_command_brings_the_database_back(app, tmp_path):
    _some_data(app)
    runner = app.test_cli_runner()
    with app.app_context():
        db.session.remove()
    assert runner.invoke(args=["backup", str(tmp_path / "b.backup")]).exit_code == 0
    before = _all_rows(app.config["SQLALCHEMY_DATABASE_URI"])
    make_complaint(app, subject="Dicatat setelah cadangan")
    with app.app_context():
        db.session.remove()
    refused = runner.invoke(args=["restore", str(tmp_path / "b.backup")], input="n\n")
    assert refused.exit_code != 0
    result = runner.invoke(args=["restore", "--yes", str(tmp_path / "b.backup")])
    assert result.exit_code == 0, result.output
    assert _all_rows(app.config["SQLALCHEMY_DATABASE_URI"]) == before
    # The app works on the restored database, timeline triggers included.
    client = app.test_client()
    assert client.get("/login/").status_code == 200
    with app.app_context():
        with pytest.raises(Exception):
            with db.engine.begin() as conn:
                conn.execute(text("DELETE FROM complaint_event"))


def test_a_missing_backup_file_is_a_clear_error(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(tmp_path / "none")])
    assert result.exit_code != 0
    assert "does not exist" in result.output or "No backup" in result.output


def test_a_backup_holds_the_evidence_files_and_restore_puts_them_back(app, tmp_path):
    """Round trip with files: the rows and the stored photos and documents come back; a file
    lost after the backup is there again and serves the same bytes."""
    from app.services import evidence, storage
    from tests.test_access import file_on

    pk = make_complaint(app)
    photo, document = file_on(app, pk), file_on(app, pk, pdf=True)
    runner = app.test_cli_runner()
    with app.app_context():
        db.session.remove()
    result = runner.invoke(args=["backup", str(tmp_path / "b.backup")])
    assert result.exit_code == 0, result.output
    assert "3 evidence files" in result.output  # the photo, its thumbnail, the PDF
    archive = tmp_path / "b.backup.lampiran.tar"
    assert archive.stat().st_mode & 0o077 == 0
    with app.app_context():
        from app.models import Attachment

        rows = {row.id: row for row in db.session.scalars(db.select(Attachment))}
        before = {pk_: evidence.content(row) for pk_, row in rows.items()}
        keys = [rows[photo].storage_key, rows[photo].thumbnail_key, rows[document].storage_key]
        for key in keys:
            storage.storage().delete(key)
        db.session.remove()
    result = runner.invoke(args=["restore", "--yes", str(tmp_path / "b.backup")])
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = {row.id: row for row in db.session.scalars(db.select(Attachment))}
        assert {pk_: evidence.content(row) for pk_, row in rows.items()} == before
        assert evidence.content(rows[photo], thumbnail=True)
