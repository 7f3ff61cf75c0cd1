"""Personal data (UU 27/2022): the privacy page and consent, retention, and its figures."""

import datetime as dt
import re

import pytest
from sqlalchemy import text

from app.services import retention
from app.extensions import db
from app.models import (Attachment, AuditEntry, AuditPersonalValue, Complaint, ComplaintEvent,
                        ResidentRequest, Setting)
from tests.conftest import make_complaint, post_form, set_fields

TODAY = dt.date(2031, 6, 15)


# --- what the resident reads -------------------------------------------------------------------

def test_the_privacy_page_says_what_why_who_how_long_and_how_to_ask(client):
    page = client.get("/privasi")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    for heading in ("Data yang kami kumpulkan", "Untuk apa", "Siapa yang melihatnya",
                    "Berapa lama", "Hak Anda dan cara memintanya"):
        assert heading in body, heading
    assert "5 tahun" in body and "0821 3345 4594" in body
    assert "foto yang Anda kirim" in body and "3 x 24 jam" in body


def test_the_form_links_the_privacy_page_with_a_one_sentence_consent(client):
    body = client.get("/lapor").get_data(as_text=True)
    assert 'href="/privasi"' in body
    assert "Dengan mengirim pengaduan ini Anda setuju" in body


def test_the_privacy_page_follows_the_setting(app, client):
    with app.app_context():
        db.session.add(Setting(key="retention_years", value="7"))
        db.session.commit()
    assert "7 tahun" in client.get("/privasi").get_data(as_text=True)


def test_the_receipt_repeats_it(app, client):
    from app.documents import receipts

    pk = make_complaint(app)
    with app.test_request_context():
        sentence = receipts.privacy_sentence()
        assert "5 tahun" in sentence and "https://pengaduan.example.test/privasi" in sentence
        pdf = receipts.receipt_pdf(db.session.get(Complaint, pk), public=True)
        assert pdf.startswith(b"%PDF")


# --- retention ----------------------------------------------------------------------------------------

def _closed(app, closed_at, **fields):
    pk = make_complaint(app, status="resolved", description="Kata-kata warga sendiri.",
                        complainant_email="siti@example.test", **fields)
    set_fields(app, pk, closed_at=closed_at, resolved_at=closed_at, outcome_type="corrective")
    return pk


@pytest.fixture
def register(app):
    """Closed 6 years ago, 5 years and a day ago, 4 years ago; one still open."""
    return {
        "old": _closed(app, dt.datetime(2025, 3, 1, 10, 0), complainant_name="Lama Sekali"),
        "just_due": _closed(app, dt.datetime(2026, 6, 14, 9, 0), complainant_name="Pas Waktunya"),
        "recent": _closed(app, dt.datetime(2027, 6, 15, 9, 0), complainant_name="Masih Baru"),
        "open": make_complaint(app, complainant_name="Belum Selesai"),
    }


def _figures(app):
    with app.app_context(), db.engine.connect() as conn:
        return conn.execute(text(
            "SELECT register_number, kind, channel, category_id, dusun_id, status, outcome_type, "
            "received_at, closed_at, subject FROM complaint ORDER BY id")).all()


def test_retention_anonymises_exactly_the_due_complaints(app, register):
    with app.app_context():
        due = [c.id for c in retention.due(TODAY)]
    assert due == [register["old"], register["just_due"]]
    figures = _figures(app)
    with app.test_request_context():
        numbers = retention.run(today=TODAY)
        assert len(numbers) == 2
        for key in ("old", "just_due"):
            complaint = db.session.get(Complaint, register[key])
            assert (complaint.complainant_name, complaint.complainant_address,
                    complaint.complainant_phone, complaint.complainant_email,
                    complaint.description) == ("(dianonimkan)", "(dianonimkan)", "-", None,
                                               "(dianonimkan)")
            assert complaint.anonymised_at is not None
        for key, name in (("recent", "Masih Baru"), ("open", "Belum Selesai")):
            assert db.session.get(Complaint, register[key]).complainant_name == name
        assert retention.due(TODAY) == []
    assert _figures(app) == figures  # the register line and every figure stay


def test_retention_erases_the_audit_logs_copies_and_logs_the_run(app, register):
    from app.services import complaints as services

    with app.test_request_context():
        services.edit_complaint(db.session.get(Complaint, register["old"]),
                                {"complainant_phone": "+6281999999999"}, None)
        services.edit_complaint(db.session.get(Complaint, register["recent"]),
                                {"complainant_phone": "+6281888888888"}, None)
        retention.run(today=TODAY)
        kept = {row.complaint_id for row in db.session.query(AuditPersonalValue)}
        assert kept == {register["recent"]}
        values = " ".join(str(v) for row in db.session.query(AuditEntry)
                          for v in (row.old_value, row.new_value))
        assert "Lama Sekali" not in values and "6281999999999" not in values
        run = db.session.query(AuditEntry).filter_by(entity="retention").one()
        assert run.new_value == "2" and run.actor_name == "Sistem"
        anonymised = db.session.query(AuditEntry).filter_by(
            complaint_id=register["old"], action="anonymise").all()
        assert {row.field for row in anonymised} >= {"complainant_name", "description"}
        event = db.session.query(ComplaintEvent).filter_by(complaint_id=register["old"],
                                                           step="anonymise").one()
        assert event.audience == "desk"


def test_the_setting_moves_the_cutoff(app, register):
    with app.app_context():
        db.session.add(Setting(key="retention_years", value="3"))
        db.session.commit()
        assert len(retention.due(TODAY)) == 3


def test_the_admin_sees_the_next_run_before_it_runs_and_runs_it(app, client, login_as,
                                                                  register):
    # The screen asks about today: closings far enough back for any today.
    for key in ("old", "just_due", "recent"):
        set_fields(app, register[key], closed_at=dt.datetime(2015, 1, 1))
    set_fields(app, register["recent"], anonymised_at=dt.datetime(2020, 1, 1))
    login_as("admin")
    page = client.get("/retention/").get_data(as_text=True)
    with app.app_context():
        numbers = {key: db.session.get(Complaint, pk).register_number
                   for key, pk in register.items()}
    assert numbers["old"] in page and numbers["just_due"] in page
    assert numbers["open"] not in page and numbers["recent"] not in page  # done already
    from tests.conftest import csrf_token

    token = csrf_token(client, "/retention/")
    answer = client.post("/retention/run", data={"csrf_token": token}, follow_redirects=True)
    assert answer.status_code == 200
    with app.app_context():
        assert db.session.get(Complaint, register["old"]).complainant_name == "(dianonimkan)"
        assert db.session.get(Complaint, register["recent"]).complainant_name == "Masih Baru"
        assert db.session.get(Complaint, register["open"]).anonymised_at is None


def test_the_admin_changes_the_setting_and_it_is_audited(app, client, login_as):
    login_as("admin")
    from tests.conftest import csrf_token

    token = csrf_token(client, "/retention/")
    client.post("/retention/setting", data={"csrf_token": token, "years": "8"})
    bad = client.post("/retention/setting", data={"csrf_token": token, "years": "0"},
                      follow_redirects=True)
    assert "1 sampai 30" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Setting, "retention_years").value == "8"
        row = db.session.query(AuditEntry).filter_by(entity="setting").one()
        assert (row.action, row.entity_label) == ("create", "retention_years")


def test_the_cli_previews_and_runs(app, register):
    runner = app.test_cli_runner()
    preview = runner.invoke(args=["retention", "preview"])
    assert preview.exit_code == 0
    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0 and "complaints anonymised" in result.output


def test_the_cli_previews_and_anonymises_in_every_village(app):
    """With several villages ``flask retention`` goes through each (as the daily job does),
    the preview naming each complaint's village."""
    from app.auth import villages
    from tests.test_village_isolation import add_village, b_complaint

    closed = dt.datetime(2019, 3, 1, 10, 0)
    a_pk = _closed(app, closed, complainant_name="Lama Babakan")
    b_id = add_village(app, "karangsari", "Karangsari")
    b_pk = b_complaint(app, b_id, 1, status="resolved", closed_at=closed, resolved_at=closed,
                       outcome_type="corrective")
    runner = app.test_cli_runner()
    preview = runner.invoke(args=["retention", "preview"]).output
    assert "Babakan\t" in preview and "Karangsari\t901/KRS" in preview
    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0 and "2 complaints anonymised." in result.output
    with app.app_context(), villages.every_village():
        assert {db.session.get(Complaint, pk).complainant_name for pk in (a_pk, b_pk)} == {
            "(dianonimkan)"}
        db.session.remove()


def test_one_villages_storage_failure_leaves_the_other_villages_run_standing(app, monkeypatch):
    """The resident's files of a Babakan complaint cannot be deleted: its run is refused and
    told, Karangsari's still anonymises (as the daily job goes on after a failing village)."""
    from app.auth import villages
    from app.services import storage
    from tests.test_access import file_on
    from tests.test_village_isolation import add_village, b_complaint

    closed = dt.datetime(2019, 3, 1, 10, 0)
    a_pk = _closed(app, closed, complainant_name="Lama Babakan")
    file_on(app, a_pk, resident=True)
    b_id = add_village(app, "karangsari", "Karangsari")
    b_pk = b_complaint(app, b_id, 1, status="resolved", closed_at=closed, resolved_at=closed,
                       outcome_type="corrective")

    def refuse(self, key):
        raise storage.StorageError("disk gone")

    monkeypatch.setattr(storage.DirectoryStorage, "delete", refuse)
    result = app.test_cli_runner().invoke(args=["retention", "run"])
    assert result.exit_code == 1
    assert "1 complaints anonymised." in result.output
    assert "Babakan: " in result.output and "tidak dapat dihapus" in result.output
    with app.app_context(), villages.every_village():
        assert db.session.get(Complaint, a_pk).anonymised_at is None
        assert db.session.get(Complaint, b_pk).complainant_name == "(dianonimkan)"
        db.session.remove()


# --- files readable by the app's user only ---------------------------------------------------------

def test_the_database_file_and_backups_are_readable_by_the_apps_user_only(tmp_path):
    import os
    import stat
    import subprocess
    import sys
    from pathlib import Path

    from app.backup import backup_database

    database = tmp_path / "pengaduan.db"
    database.touch(mode=0o644)
    os.chmod(database, 0o644)  # as left by an older version, under a loose umask
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "x" * 40,
           "ADMIN_PASSWORD": "kata-sandi-admin-panjang"}
    subprocess.run([sys.executable, "run.py", "--no-serve"],
                   cwd=Path(__file__).resolve().parents[1], env=env, check=True,
                   capture_output=True)
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    old = os.umask(0o022)
    try:
        target = backup_database(f"sqlite:///{database}", tmp_path / "cadangan" / "b.db")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def _mode(path):
    import os
    import stat

    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_evidence_files_and_their_folders_are_the_apps_users_only(tmp_path):
    """Under gunicorn or a ``flask`` command no umask is set for us (022 below): the folders
    are still 0700 and the files 0600, a folder left loose by an older version too."""
    import os

    from app.services import storage

    root = tmp_path / "lampiran"
    old = os.umask(0o022)
    try:
        store = storage.DirectoryStorage(root)
        key = storage.new_key("jpg")
        store.put(key, b"foto warga")
        (root / "ab").mkdir(mode=0o755)
        os.chmod(root / "ab", 0o755)
        second = "ab/" + storage.new_key("jpg").split("/")[1]
        store.put(second, b"foto lain")
    finally:
        os.umask(old)
    assert _mode(root) == 0o700
    for stored in (key, second):
        assert _mode(root / stored) == 0o600
        assert _mode((root / stored).parent) == 0o700
    assert not [p for p in root.rglob("*") if _mode(p) & 0o077]


def test_a_backup_in_a_new_folder_and_its_files_archive_are_the_apps_users_only(tmp_path):
    import os

    from app.backup import backup_database, backup_files
    from app.services import storage

    database = tmp_path / "pengaduan.db"
    import sqlite3

    sqlite3.connect(database).close()
    store = storage.DirectoryStorage(tmp_path / "lampiran")
    store.put(storage.new_key("jpg"), b"foto warga")
    old = os.umask(0o022)
    try:
        target = backup_database(f"sqlite:///{database}", tmp_path / "cadangan" / "b.db")
        archive, count = backup_files(store, target)
    finally:
        os.umask(old)
    assert count == 1
    assert _mode(tmp_path / "cadangan") == 0o700
    assert _mode(target) == 0o600 and _mode(archive) == 0o600


def test_the_instance_folder_and_its_secret_key_are_the_apps_users_only(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    instance = tmp_path / "instance"
    env = {key: value for key, value in os.environ.items()
           if key not in ("SECRET_KEY", "DATABASE_URL")}
    env["INSTANCE_PATH"] = str(instance)
    old = os.umask(0o022)
    try:
        subprocess.run([sys.executable, "-c", "import config"], env=env, check=True,
                       cwd=Path(__file__).resolve().parents[1])
    finally:
        os.umask(old)
    assert _mode(instance) == 0o700 and _mode(instance / "secret_key") == 0o600


# --- residents' requests ----------------------------------------------------------------------------

def _request(client, kind, phone="0812 3456 7890", reason="", checked=True, follow=True):
    from tests.conftest import csrf_token

    data = {"csrf_token": csrf_token(client, "/resident-request/"), "kind": kind,
            "phone": phone, "reason": reason}
    if checked:
        data["identity_checked"] = "1"
    return client.post("/resident-request/", data=data, follow_redirects=follow)


def test_the_copy_holds_everything_about_the_resident_and_nothing_of_anyone_else(
        app, client, login_as):
    from tests.test_meetings import pdf_text

    mine = [make_complaint(app, subject="Lampu jalan mati", complainant_email="siti@example.test"),
            make_complaint(app, subject="Selokan mampet", description="Air meluap ke rumah.")]
    other = make_complaint(app, complainant_name="Budi Santoso",
                           complainant_phone="+6281299998888", subject="Jalan berlubang")
    login_as("desk")
    answer = _request(client, "copy", follow=False)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/pdf"
    content = " ".join(pdf_text(answer.get_data()).split())
    with app.app_context():
        for pk in mine:
            complaint = db.session.get(Complaint, pk)
            for value in (complaint.register_number, complaint.tracking_code, complaint.subject,
                          "Siti Aminah", "RT 02/RW 03, Dusun I", "+6281234567890"):
                assert value in content, value
        assert "siti@example.test" in content and "Air meluap ke rumah." in content
        stranger = db.session.get(Complaint, other)
        for value in (stranger.register_number, "Budi Santoso", "Jalan berlubang",
                      "6281299998888"):
            assert value not in content
        row = db.session.query(ResidentRequest).one()
        assert row.kind == "copy" and row.answered_at is not None
        assert row.register_numbers == ", ".join(
            db.session.get(Complaint, pk).register_number for pk in mine)
        assert db.session.query(AuditEntry).filter_by(entity="resident_request").count() == 1


def test_a_request_needs_the_identity_checked(app, client, login_as):
    make_complaint(app)
    login_as("desk")
    page = _request(client, "copy", checked=False)
    assert "Periksa identitas warga" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(ResidentRequest).count() == 0


def test_erasure_anonymises_closed_complaints_with_the_reason(app, client, login_as):
    closed = _closed(app, dt.datetime(2026, 1, 5, 9, 0))
    login_as("desk")
    page = _request(client, "erasure", reason="Warga meminta penghapusan data.")
    assert "dihapus" in page.get_data(as_text=True)
    with app.app_context():
        complaint = db.session.get(Complaint, closed)
        assert complaint.complainant_name == "(dianonimkan)"
        event = db.session.query(ComplaintEvent).filter_by(complaint_id=closed,
                                                           step="anonymise").one()
        assert event.note == "Warga meminta penghapusan data."
        assert db.session.query(ResidentRequest).one().kind == "erasure"


def test_erasure_of_an_open_complaint_is_refused_whole(app, client, login_as):
    closed = _closed(app, dt.datetime(2026, 1, 5, 9, 0))
    make_complaint(app, status="forwarded")
    login_as("desk")
    page = _request(client, "erasure", reason="Hapus semua.")
    assert "masih ditangani" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Complaint, closed).complainant_name == "Siti Aminah"
        assert db.session.query(ResidentRequest).count() == 0


def test_a_correction_is_recorded_and_leads_to_the_edit_screen(app, client, login_as):
    pk = make_complaint(app)
    login_as("desk")
    answer = _request(client, "correction", reason="Alamat salah: RT 03/RW 03.", follow=False)
    assert answer.status_code == 302 and answer.headers["Location"].endswith(
        f"/complaint/edit/{pk}")
    with app.app_context():
        row = db.session.query(ResidentRequest).one()
        assert (row.kind, row.reason) == ("correction", "Alamat salah: RT 03/RW 03.")


def test_the_desks_printed_receipt_repeats_it_too(app, client, login_as):
    login_as("desk")
    pk = make_complaint(app)
    page = client.get(f"/complaint/receipt/{pk}").get_data(as_text=True)
    assert "Data Anda hanya dipakai untuk menangani pengaduan ini" in page
    assert "https://pengaduan.example.test/privasi" in page


def test_the_background_thread_runs_retention_daily_and_writes_nothing_when_nothing_is_due(
        app, register):
    """``python run.py`` anonymises without anyone running a command; a day with nothing due
    leaves no trace in the audit log."""
    from app import background

    now = dt.datetime.combine(TODAY, dt.time(2, 0))
    with app.test_request_context():
        assert background.run_job("retention", now=now) == [
            db.session.get(Complaint, register[key]).register_number
            for key in ("old", "just_due")]
        assert db.session.get(Complaint, register["old"]).complainant_name == "(dianonimkan)"
        assert background.run_job("retention", now=now + dt.timedelta(days=1)) == []
        assert db.session.query(AuditEntry).filter_by(entity="retention").count() == 1


# --- retention: the resident's files and the messages about the complaint -------------------------

def _messages_about(app, pk, name, phone, email):
    """A staff notification quoting the resident, its email, and an email to the resident
    still waiting in the outbox: the texts a retention run must not leave behind."""
    from app.models import Notification, OutboxMessage

    with app.app_context():
        words = f"Pengaduan dari {name} ({phone}, {email}): Kata-kata warga sendiri."
        staff = Notification(user_id=None, kind="new_complaint", complaint_id=pk, text=words)
        resident = Notification(email=email, kind="resolved", complaint_id=pk, text=words)
        db.session.add_all([staff, resident])
        db.session.flush()
        db.session.add_all([
            OutboxMessage(notification_id=staff.id, channel="email",
                          address="petugas@example.test", subject=words[:200], body=words,
                          status="sent"),
            OutboxMessage(notification_id=resident.id, channel="email", address=email,
                          subject=words[:200], body=words, status="queued")])
        db.session.commit()


def test_retention_withdraws_the_residents_files_erases_their_bytes_and_clears_messages(
        app, register, client, login_as):
    from app.models import InboxMessage, Notification, OutboxMessage
    from app.services import storage
    from tests.test_access import file_on

    old = register["old"]
    photo = file_on(app, old, public=True, resident=True)
    staff_file = file_on(app, old, pdf=True)
    kept_photo = file_on(app, register["recent"], resident=True)
    _messages_about(app, old, "Lama Sekali", "+6281234567890", "siti@example.test")
    _messages_about(app, register["recent"], "Masih Baru", "+6281234567890",
                    "siti@example.test")
    with app.app_context():
        db.session.add(InboxMessage(message_id="<m1@example.test>", sender="siti@example.test",
                                    sender_name="Lama Sekali", subject="Lampu mati",
                                    body="Saya Lama Sekali, 0812 3456 7890.",
                                    attachments="ktp-lama-sekali.jpg", state="registered",
                                    complaint_id=old))
        db.session.commit()
        store = storage.storage()
        rows = {pk: db.session.get(Attachment, pk) for pk in (photo, staff_file, kept_photo)}
        keys = {pk: [k for k in (row.storage_key, row.thumbnail_key) if k]
                for pk, row in rows.items()}
        assert all(store.get(key) for ks in keys.values() for key in ks)
    figures = _figures(app)
    with app.test_request_context():
        retention.run(today=TODAY)
    assert _figures(app) == figures
    with app.app_context():
        store = storage.storage()
        for key in keys[photo]:  # the bytes are gone from the storage
            with pytest.raises(storage.StorageError):
                store.get(key)
        for key in keys[staff_file] + keys[kept_photo]:  # the officers' file and the recent
            assert store.get(key)
        row = db.session.get(Attachment, photo)
        assert row.withdrawn and row.erased and not row.is_public
        assert row.original_name == "(dianonimkan)"
        assert row.withdraw_reason.startswith("Masa simpan")
        assert not db.session.get(Attachment, staff_file).withdrawn
        assert not db.session.get(Attachment, kept_photo).withdrawn
        left = " ".join(
            [n.text + str(n.email) for n in db.session.query(Notification).filter_by(
                complaint_id=old)]
            + [m.address + m.subject + m.body for m in db.session.query(OutboxMessage).join(
                Notification).filter(Notification.complaint_id == old)]
            + [" ".join(str(v) for v in (e.sender, e.sender_name, e.subject, e.body,
                                         e.attachments))
               for e in db.session.query(InboxMessage)])
        for personal in ("Lama Sekali", "6281234567890", "0812 3456 7890", "siti@example.test",
                         "Kata-kata warga"):
            assert personal not in left, personal
        assert "petugas@example.test" in left  # the officer's own address stays
        waiting = db.session.query(OutboxMessage).filter_by(address="(dianonimkan)").one()
        assert waiting.status == "failed"  # never sent with its text gone
        recent = db.session.query(Notification).filter_by(complaint_id=register["recent"])
        assert all("Masih Baru" in n.text for n in recent)
    login_as("desk")
    assert client.get(f"/attachment/{photo}").status_code == 404
    assert client.get(f"/attachment/{photo}/thumb").status_code == 404
    page = client.get(f"/complaint/show/{old}").get_data(as_text=True)
    assert f'href="/attachment/{photo}"' not in page and f"/attachment/{photo}/thumb" not in page
    assert f'href="/attachment/{staff_file}"' in page and "dihapus" in page


def test_erasure_withdraws_the_residents_files_too(app, client, login_as):
    from app.services import storage
    from tests.test_access import file_on

    closed = _closed(app, dt.datetime(2026, 1, 5, 9, 0))
    photo = file_on(app, closed, resident=True)
    with app.app_context():
        key = db.session.get(Attachment, photo).storage_key
    login_as("desk")
    _request(client, "erasure", reason="Warga meminta penghapusan data.")
    with app.app_context():
        assert db.session.get(Attachment, photo).erased
        with pytest.raises(storage.StorageError):
            storage.storage().get(key)


def test_a_storage_that_is_down_anonymises_nothing(app, register, monkeypatch):
    from app.core.errors import ServiceError
    from app.services import storage
    from tests.test_access import file_on

    file_on(app, register["old"], resident=True)

    def refuse(self, key):
        raise storage.StorageError("disk gone")

    monkeypatch.setattr(storage.DirectoryStorage, "delete", refuse)
    with app.test_request_context():
        with pytest.raises(ServiceError):
            retention.run(today=TODAY)
        db.session.rollback()
        assert db.session.get(Complaint, register["old"]).complainant_name == "Lama Sekali"
        assert len(retention.due(TODAY)) == 2


def test_a_storage_that_is_down_is_told_on_the_screen_and_by_the_cli(app, client, login_as,
                                                                     register, monkeypatch):
    from app.services import storage
    from tests.conftest import csrf_token
    from tests.test_access import file_on

    set_fields(app, register["old"], closed_at=dt.datetime(2015, 1, 1))
    file_on(app, register["old"], resident=True)

    def refuse(self, key):
        raise storage.StorageError("disk gone")

    monkeypatch.setattr(storage.DirectoryStorage, "delete", refuse)
    result = app.test_cli_runner().invoke(args=["retention", "run"])
    assert result.exit_code == 1 and "tidak dapat dihapus" in result.output
    login_as("admin")
    page = client.post("/retention/run", data={"csrf_token": csrf_token(client, "/retention/")},
                       follow_redirects=True)
    assert page.status_code == 200
    assert "tidak dapat dihapus" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Complaint, register["old"]).anonymised_at is None


# --- residents' requests: answered within 3 x 24 hours ---------------------------------------------

def _stored_request(app, received_at, answered_at=None, kind="correction", numbers="X"):
    with app.app_context():
        row = ResidentRequest(received_at=received_at, kind=kind, register_numbers=numbers,
                              due_date=received_at.date(), answered_at=answered_at,
                              handled_by_name="Petugas")
        db.session.add(row)
        db.session.commit()
        return row.id


def test_a_request_is_due_72_hours_after_it_was_received_weekends_too(app):
    from app.services import resident_requests

    friday = dt.datetime(2031, 6, 6, 9, 0)
    assert resident_requests.due_at(friday) == dt.datetime(2031, 6, 9, 9, 0)  # Monday 09:00
    row = ResidentRequest(received_at=friday, answered_at=None)
    assert not resident_requests.overdue(row, now=dt.datetime(2031, 6, 9, 8, 59))
    assert resident_requests.overdue(row, now=dt.datetime(2031, 6, 9, 9, 1))
    row.answered_at = dt.datetime(2031, 6, 9, 8, 0)  # in time: never overdue afterwards
    assert not resident_requests.overdue(row, now=dt.datetime(2031, 7, 1))
    row.answered_at = dt.datetime(2031, 6, 10, 8, 0)  # answered, but late
    assert resident_requests.overdue(row, now=dt.datetime(2031, 7, 1))


def test_the_list_shows_the_due_time_flags_overdue_requests_and_filters_them(
        app, client, login_as):
    from app.core.timeutil import now_wib

    now = now_wib().replace(microsecond=0)
    late = _stored_request(app, now - dt.timedelta(hours=73), numbers="001/LAMBAT")
    waiting = _stored_request(app, now - dt.timedelta(hours=71), numbers="002/MENUNGGU")
    in_time = _stored_request(app, now - dt.timedelta(days=10), kind="copy",
                              answered_at=now - dt.timedelta(days=10), numbers="003/TEPAT")
    answered_late = _stored_request(app, now - dt.timedelta(days=9),
                                    answered_at=now - dt.timedelta(days=5),
                                    numbers="004/TELAT")
    login_as("desk")

    def rows(show=None):
        page = client.get("/resident-request/" + (f"?show={show}" if show else ""))
        assert page.status_code == 200
        body = page.get_data(as_text=True)
        return body, {pk for pk in (late, waiting, in_time, answered_late)
                      if f'id="request-{pk}"' in body}

    body, shown = rows()
    assert shown == {late, waiting, in_time, answered_late}
    flagged = {pk for pk in shown
               if re.search(rf'id="request-{pk}" class="danger overdue"', body)}
    assert flagged == {late, answered_late}
    assert "dijawab terlambat" in body and ">terlambat<" in body
    assert "Tidak dijawab tepat waktu" in body  # the filter's choice
    assert rows("overdue")[1] == {late, answered_late}
    assert rows("open")[1] == {late, waiting}
    assert rows("nonsense")[1] == shown  # an unknown filter shows everything


def test_a_correction_waits_for_its_answer_and_the_desk_marks_it(app, client, login_as):
    from app.core.timeutil import now_wib
    from tests.conftest import csrf_token

    make_complaint(app)
    login_as("desk")
    before = now_wib()
    _request(client, "correction", reason="Alamat salah: RT 03/RW 03.", follow=False)
    with app.app_context():
        row = db.session.query(ResidentRequest).one()
        assert row.answered_at is None
        assert before <= row.received_at <= now_wib()
        pk = row.id
    body = client.get("/resident-request/?show=open").get_data(as_text=True)
    assert f'id="request-{pk}"' in body and "Tandai sudah dijawab" in body
    token = csrf_token(client, "/resident-request/")
    answer = client.post(f"/resident-request/{pk}/answer", data={"csrf_token": token},
                         follow_redirects=True)
    assert "ditandai sudah dijawab" in answer.get_data(as_text=True)
    again = client.post(f"/resident-request/{pk}/answer", data={"csrf_token": token},
                        follow_redirects=True)
    assert "sudah dijawab" in again.get_data(as_text=True)
    with app.app_context():
        row = db.session.get(ResidentRequest, pk)
        assert row.answered_at is not None
        assert db.session.query(AuditEntry).filter_by(
            entity="resident_request", entity_id=pk, field="answered_at").count() == 1
    assert f'id="request-{pk}"' not in client.get(
        "/resident-request/?show=open").get_data(as_text=True)
