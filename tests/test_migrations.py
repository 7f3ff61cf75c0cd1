"""The schema comes only from the migrations, and they match the models exactly."""

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_appbuilder import Model
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from app.extensions import db
from app.models import Complaint
from tests.conftest import make_complaint, make_user


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Model.metadata) == []


@pytest.mark.parametrize("statement", [
    "UPDATE complaint_event SET note = 'diubah'",
    "DELETE FROM complaint_event",
])
def test_the_database_refuses_to_change_the_timeline(app, statement):
    make_complaint(app)
    with app.app_context():
        with pytest.raises(DatabaseError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text(statement))
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*), max(note) FROM complaint_event")).one() \
                == (1, None)


def test_flask_db_loads_the_migration_commands_when_asked(tmp_path):
    # The web app does not load Flask-Migrate (tests/test_startup.py); ``flask db`` brings
    # it in on use, as a newcomer or an upgrade script types it.
    import os
    import sqlite3
    import subprocess
    import sys

    database = tmp_path / "fresh.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "x" * 40}
    subprocess.run([sys.executable, "-m", "flask", "--app", "run.py", "db", "upgrade"],
                   cwd=Path(__file__).resolve().parents[1], env=env, check=True,
                   capture_output=True)
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() \
            == ("0032_report_indexes",)


def test_the_audience_migration_gives_each_old_note_its_readers(app):
    """Down to 0011 (no audience), old rows written as before, up again: each note gets the
    readers it was meant for, no row or note is lost, and the timeline stays append-only."""

    from flask_migrate import downgrade, upgrade

    pk = make_complaint(app)
    # (step, is_public, note) -> the audience expected after the upgrade, set by hand from
    # what each reader was meant to read before: the public page printed the notes of a
    # fixed list of steps on public lines; messages to and from the resident are the desk's.
    rows = [
        ("verify", True, "Identitas lengkap", "staff"),
        ("request_completion", True, "Mohon lengkapi RT", "public"),
        ("note", True, "Sudah dicek ke lokasi", "public"),
        ("note", False, "Pelapor menelepon lagi", "staff"),
        ("resolve", True, "Teguran lisan kepada petugas", "staff"),
        ("inform", True, "Yth. Bapak/Ibu Siti Aminah, ...", "desk"),
        ("request_reopen", True, "Lampu mati lagi, tolong desk saja", "desk"),
        ("confirm_solved", True, "Terima kasih", "desk"),
        ("complete", False, "Alamat: RT 02/RW 03", "desk"),
        ("extend_deadline", True, "Menunggu material", "public"),
        ("reopen", True, "Ditinjau ulang", "public"),
        ("keep_closed", True, "Sudah sesuai", "public"),
        ("void", False, "Tercatat dua kali", "staff"),
    ]
    with app.app_context():
        directory = str(Path(app.root_path) / "migrations")
        db.session.remove()
        downgrade(directory=directory, revision="0011_dashboard_covering_indexes")
        with db.engine.begin() as conn:
            for step, public, note, _audience in rows:
                conn.execute(text(
                    "INSERT INTO complaint_event (complaint_id, occurred_at, step, note, "
                    "is_public) VALUES (:pk, CURRENT_TIMESTAMP, :step, :note, :public)"),
                    {"pk": pk, "step": step, "note": note, "public": public})
        upgrade(directory=directory)
        with db.engine.connect() as conn:
            found = conn.execute(text(
                "SELECT step, is_public, note, audience FROM complaint_event "
                "WHERE complaint_id = :pk AND step != 'register' ORDER BY id"),
                {"pk": pk}).all()
        assert [(s, bool(p), n, a) for s, p, n, a in found] == rows
        with pytest.raises(DatabaseError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text("UPDATE complaint_event SET audience = 'public'"))



TEMPLATES_REVISION = "0015_one_template_system"


def _before(directory, revision):
    """The revision a migration follows (read from the script, so a relinked chain holds)."""
    config = Config(str(Path(directory) / "alembic.ini"))
    config.set_main_option("script_location", directory)
    return ScriptDirectory.from_config(config).get_revision(revision).down_revision


# Old message templates (English placeholders, filled by a regex that left anything it did
# not know, and lone braces, as typed) -> the same texts in the new syntax, written by hand.
OLD_MESSAGES = [
    ("resolved", "Hasil {register_number} {unknown}",
     "Yth. {name} ({tracking_code}), {subject}: {result}, {outcome}. {public_note}|{reason}|"
     "{office}|{village}|{phone}|{email}|{status_url} {name.__class__} { a } {{name}}"),
    ("rejected", "Ditolak", "Alasan: {reason}"),
    ("referred", "Dilimpahkan {register_number}", "Kepada {office}"),
]
NEW_TEMPLATES = [
    ("Pemberitahuan hasil: selesai", "resolved", "Hasil {nomor_register} {{unknown}}",
     "Yth. {nama} ({kode_pelacakan}), {perihal}: {status}, {hasil}. {catatan_publik}|{alasan}|"
     "{instansi_tujuan}|{desa}|{telepon_desa}|{email_desa}|{alamat_status} "
     "{{name.__class__}} {{ a }} {{{nama}}}"),
    ("Pemberitahuan hasil: ditolak", "rejected", "Ditolak", "Alasan: {alasan}"),
    ("Pemberitahuan hasil: dilimpahkan", "referred", "Dilimpahkan {nomor_register}",
     "Kepada {instansi_tujuan}"),
]


def test_the_template_migration_carries_every_message_template_over_and_back(app):
    """Down before 0015 (two template tables), old rows written as before, up again: each
    message template is an inform template in the new syntax that reads as it did; down
    again gives the old rows back unchanged."""
    from flask_migrate import downgrade, upgrade

    from app.models import Complaint
    from app.services import response_templates
    from tests.conftest import make_user

    desk_id = make_user(app, "desk", "Petugas Pengelola")
    pk = make_complaint(app, status="resolved", outcome_type="administrative",
                        public_note="Sudah diperbaiki.")
    with app.app_context():
        directory = str(Path(app.root_path) / "migrations")
        before = _before(directory, TEMPLATES_REVISION)
        db.session.remove()
        try:
            downgrade(directory=directory, revision=before)
            with db.engine.begin() as conn:
                # The seeded inform template of each result went back to the old table.
                assert conn.execute(text(
                    "SELECT subject FROM message_template WHERE key = 'resolved'")).scalar() \
                    == "Hasil penanganan pengaduan {register_number}"
                conn.execute(text("DELETE FROM message_template"))
                conn.execute(text("DELETE FROM response_template WHERE step = 'inform'"))
                for key, subject, body in OLD_MESSAGES:
                    conn.execute(text("INSERT INTO message_template (key, subject, body) "
                                      "VALUES (:key, :subject, :body)"),
                                 {"key": key, "subject": subject, "body": body})
                notes = conn.execute(text(
                    "SELECT id, title, step, body FROM response_template ORDER BY id")).all()
            upgrade(directory=directory)
            with db.engine.connect() as conn:
                assert conn.execute(text(
                    "SELECT title, result, subject, body FROM response_template "
                    "WHERE step = 'inform' ORDER BY id")).all() == NEW_TEMPLATES
                assert conn.execute(text(
                    "SELECT id, title, step, body FROM response_template WHERE step != 'inform' "
                    "ORDER BY id")).all() == notes
                assert "message_template" not in db.inspect(conn).get_table_names()

            complaint = db.session.get(Complaint, pk)
            subject, message = response_templates.draft(
                complaint, app.appbuilder.sm.get_user_by_id(desk_id))
            code, number = complaint.tracking_code, complaint.register_number
            assert subject == f"Hasil {number} {{unknown}}"
            assert message == (
                f"Yth. Siti Aminah ({code}), Lampu jalan mati: Sudah ditangani, hasilnya akan "
                "disampaikan kepada Anda, Pelayanan diperbaiki, dijelaskan, atau disertai "
                "permintaan maaf. Sudah diperbaiki.|Sudah diperbaiki.|-|Babakan|0821 3345 4594|"
                "desababakan0401@gmail.com|https://pengaduan.example.test/status "
                "{name.__class__} { a } {Siti Aminah}")
            db.session.remove()

            downgrade(directory=directory, revision=before)
            with db.engine.connect() as conn:
                assert conn.execute(text(
                    "SELECT key, subject, body FROM message_template ORDER BY id")).all() \
                    == OLD_MESSAGES
                assert conn.execute(text(
                    "SELECT id, title, step, body FROM response_template ORDER BY id")).all() \
                    == notes
        finally:
            db.session.remove()
            upgrade(directory=directory)


PUBLISHABLE_REVISION = "0019_publishable"


def test_the_publishable_migration_goes_down_and_up_keeping_every_row(app):
    """Down before 0019 (no publishable flag, no public texts), then up again: every
    complaint and meeting is still there, unpublished and without a public text."""
    from flask_migrate import downgrade, upgrade

    pk = make_complaint(app, subject="Tetap ada")
    with app.app_context():
        directory = str(Path(app.root_path) / "migrations")
        before = _before(directory, PUBLISHABLE_REVISION)
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE complaint SET publishable = :yes, public_summary = 'x'"),
                         {"yes": True})
            conn.execute(text("INSERT INTO meeting (starts_at, place, agenda, status, "
                              "public_recommendations, created_at, village_id) VALUES "
                              "('2026-11-02 09:00:00', 'Balai', 'Rapat', 'held', 'Untuk publik',"
                              " '2026-11-01 09:00:00', (SELECT id FROM village))"))
        db.session.remove()
        try:
            downgrade(directory=directory, revision=before)
            with db.engine.connect() as conn:
                columns = {c["name"] for c in db.inspect(conn).get_columns("complaint")}
                assert not {"publishable", "public_summary"} & columns
                assert "public_recommendations" not in {
                    c["name"] for c in db.inspect(conn).get_columns("meeting")}
                assert conn.execute(text("SELECT subject FROM complaint WHERE id = :pk"),
                                    {"pk": pk}).scalar() == "Tetap ada"
                assert conn.execute(text("SELECT count(*) FROM meeting")).scalar() == 1
            upgrade(directory=directory)
            with db.engine.connect() as conn:
                assert conn.execute(text(
                    "SELECT subject, publishable, public_summary FROM complaint WHERE id = :pk"),
                    {"pk": pk}).one() == ("Tetap ada", False, None)
                assert conn.execute(text(
                    "SELECT public_recommendations FROM meeting")).scalar() is None
        finally:
            db.session.remove()
            upgrade(directory=directory)


def test_the_notifications_migration_goes_down_and_up_losing_nothing_else(app):
    """Down before 0017 drops only its four tables (the register stays whole), up again makes
    them empty and usable."""
    from flask_migrate import downgrade, upgrade

    from app.models import Notification

    pk = make_complaint(app, subject="Lampu jalan mati")
    with app.app_context():
        db.session.add(Notification(kind="assigned", complaint_id=pk, text="x",
                                    email="siti@example.test"))
        db.session.commit()
        directory = str(Path(app.root_path) / "migrations")
        before = _before(directory, "0017_notifications")
        db.session.remove()
        try:
            downgrade(directory=directory, revision=before)
            with db.engine.connect() as conn:
                tables = set(db.inspect(conn).get_table_names())
                assert not tables & {"notification", "outbox", "notification_setting",
                                     "job_lease"}
                assert conn.execute(text("SELECT subject FROM complaint")).all() == \
                    [("Lampu jalan mati",)]
        finally:
            upgrade(directory=directory)
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM notification")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM complaint_event")).scalar() == 1


AUDIT_REVISION = "0018_audit_accounts"


def test_the_audit_migration_goes_down_and_up_and_the_register_stays(app):
    """Down before 0018 (no audit tables, no anonymised_at), up again: every complaint and
    timeline line is there as before, and the audit log is append-only again."""
    from flask_migrate import downgrade, upgrade

    from tests.conftest import set_fields

    pk = make_complaint(app, complainant_name="Tetap Ada")
    set_fields(app, pk, subject="Sesudah diubah")
    with app.app_context():
        directory = str(Path(app.root_path) / "migrations")
        before = _before(directory, AUDIT_REVISION)
        with db.engine.connect() as conn:
            register = conn.execute(text(
                "SELECT id, register_number, complainant_name, subject FROM complaint")).all()
            events = conn.execute(text("SELECT count(*) FROM complaint_event")).scalar()
        db.session.remove()
        try:
            downgrade(directory=directory, revision=before)
            with db.engine.connect() as conn:
                tables = db.inspect(conn).get_table_names()
                assert "audit_log" not in tables and "account_link" not in tables
                assert "anonymised_at" not in {
                    c["name"] for c in db.inspect(conn).get_columns("complaint")}
                assert conn.execute(text(
                    "SELECT id, register_number, complainant_name, subject FROM complaint")
                ).all() == register
            upgrade(directory=directory)
            with db.engine.connect() as conn:
                assert conn.execute(text(
                    "SELECT id, register_number, complainant_name, subject FROM complaint")
                ).all() == register
                assert conn.execute(text("SELECT count(*) FROM complaint_event")).scalar() \
                    == events
            with db.engine.begin() as conn:
                conn.execute(text(
                    "INSERT INTO audit_log (occurred_at, actor_name, entity, action, personal) "
                    "VALUES (CURRENT_TIMESTAMP, 'Uji', 'complaint', 'update', false)"))
            with pytest.raises(DatabaseError, match="append-only"):
                with db.engine.begin() as conn:
                    conn.execute(text("DELETE FROM audit_log"))
        finally:
            db.session.remove()
            upgrade(directory=directory)


def test_entries_without_identity_and_duplicate_links_survive_a_round_trip(app):
    """Down before 0020 and up again: the entries recorded without identity and the
    duplicates' links come back (from the register's text and the timelines)."""
    from flask_migrate import downgrade, upgrade

    from app.services import duplicates

    desk_id = make_user(app, "desk", "Petugas Pengelola")
    box = make_complaint(app, channel="complaint_box", without_identity=True)
    main = make_complaint(app, subject="Jembatan rusak")
    linked = make_complaint(app, subject="Jembatan rusak parah")
    unlinked = make_complaint(app, subject="Jembatan retak")
    with app.app_context():
        get = lambda pk: db.session.get(Complaint, pk)  # noqa: E731
        desk = app.appbuilder.sm.get_user_by_id(desk_id)
        duplicates.link(get(linked), get(main), desk)
        duplicates.link(get(unlinked), get(main), desk)
        duplicates.unlink(get(unlinked), "Jembatan lain", desk)
        directory = str(Path(app.root_path) / "migrations")
        db.session.remove()
        downgrade(directory=directory, revision=_before(directory, "0020_duplicates_inbox"))
        upgrade(directory=directory)
        assert get(box).without_identity is True
        assert [get(pk).without_identity for pk in (main, linked, unlinked)] == [False] * 3
        assert (get(linked).duplicate_of_id, get(unlinked).duplicate_of_id) == (main, None)
        db.session.remove()


def test_the_files_of_inbox_emails_survive_a_downgrade_and_upgrade(app):
    """Down to 0020 (no inbox_attachment): each file's row waits on its email; up again it
    comes back whole, and the email shows its file names as before."""
    from flask_migrate import downgrade, upgrade

    from app.models import InboxAttachment, InboxMessage

    fields = ("original_name", "kind", "content_type", "size", "sha256", "storage_key",
              "thumbnail_key", "refused", "attachment_id")
    with app.app_context():
        message = InboxMessage(message_id="<m@example.test>", sender="siti@contoh.co.id",
                               subject="Foto", body="Lihat", attachments="foto.jpg\nx.xlsx",
                               state="new")
        message.files = [
            InboxAttachment(original_name="foto.jpg", kind="image", content_type="image/jpeg",
                            size=1234, sha256="ab" * 32, storage_key="3f/" + "a" * 32 + ".jpg",
                            thumbnail_key="3f/" + "a" * 32 + ".jpg-thumb.jpg"),
            InboxAttachment(original_name="x.xlsx", size=9, refused="x.xlsx tidak diterima")]
        db.session.add(message)
        db.session.commit()
        before = [tuple(getattr(f, name) for name in fields) for f in message.files]
        pk = message.id
        directory = str(Path(app.root_path) / "migrations")
        db.session.remove()
        downgrade(directory=directory, revision=_before(directory, "0021_inbox_files"))
        kept = db.session.execute(db.text("SELECT attachments FROM inbox_message")).scalar()
        assert [line.split("\t")[0] for line in kept.splitlines()] == ["foto.jpg", "x.xlsx"]
        db.session.remove()
        upgrade(directory=directory)
        message = db.session.get(InboxMessage, pk)
        assert message.attachments == "foto.jpg\nx.xlsx"
        assert [tuple(getattr(f, name) for name in fields) for f in message.files] == before
        db.session.remove()
