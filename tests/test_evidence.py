"""Evidence files: type from the content, photos cleaned (EXIF and GPS gone, turned upright,
at most 2,000 px), bombs refused, PDFs kept, files and rows saved together, withdrawn files
kept."""

import io

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from app.services import evidence, storage
from app.extensions import db
from app.models import Attachment, Complaint, ComplaintEvent
from tests import files
from tests.conftest import make_complaint, make_user


def upload(name, data):
    return FileStorage(stream=io.BytesIO(data), filename=name)


def test_a_phone_photo_loses_its_exif_and_gps_and_is_turned_upright(app):
    sent = files.phone_photo(4000, 3000, orientation=6)
    assert Image.open(io.BytesIO(sent)).getexif().get_ifd(files.GPS_IFD)  # it had them
    with app.test_request_context():
        kept = evidence.prepare("IMG_20261201.jpg", sent)
    assert (kept.kind, kept.content_type, kept.extension) == ("image", "image/jpeg", "jpg")
    image = Image.open(io.BytesIO(kept.data))
    assert not image.getexif()
    assert b"Exif" not in kept.data and b"TelefonUji" not in kept.data
    # Orientation 6 (turn clockwise): 4000 x 3000 lying becomes 1500 x 2000 standing, and
    # the red left half comes to the top.
    assert image.size == (1500, 2000)
    assert image.getpixel((750, 200))[0] > 150 and image.getpixel((750, 1800))[2] > 150
    thumb = Image.open(io.BytesIO(kept.thumbnail))
    assert max(thumb.size) == 320 and not thumb.getexif()


@pytest.mark.parametrize("name, data, size", [
    ("layar.png", files.png(64, 48, "RGBA"), (64, 48)),
    ("foto.webp", files.webp(64, 48), (64, 48)),
    ("kecil.jpg", files.phone_photo(300, 200, orientation=1), (300, 200)),
])
def test_png_webp_and_small_photos_are_kept_as_jpeg_at_their_size(app, name, data, size):
    with app.test_request_context():
        kept = evidence.prepare(name, data)
    image = Image.open(io.BytesIO(kept.data))
    assert (image.format, image.size) == ("JPEG", size)


def test_the_type_comes_from_the_content_not_the_name(app):
    with app.test_request_context():
        as_pdf = evidence.prepare("foto.jpg", files.pdf())  # a PDF named .jpg is a PDF
        assert (as_pdf.kind, as_pdf.content_type) == ("pdf", "application/pdf")
        with pytest.raises(evidence.FileRefused) as refused:
            evidence.prepare("surat.pdf", b"<html><script>alert(1)</script></html>")
        assert "surat.pdf" in str(refused.value)
        assert "tidak diterima" in str(refused.value)  # Indonesian, naming the file
        with pytest.raises(evidence.FileRefused, match="gambar.gif"):
            buffer = io.BytesIO()
            Image.new("RGB", (10, 10)).save(buffer, "GIF")
            evidence.prepare("gambar.gif", buffer.getvalue())


def test_a_pdf_is_kept_byte_for_byte(app):
    sent = files.pdf("Berita acara rapat")
    with app.test_request_context():
        kept = evidence.prepare("berita-acara.pdf", sent)
    assert kept.data == sent and kept.thumbnail is None


@pytest.mark.parametrize("side", [30000, 8000])
def test_a_decompression_bomb_is_refused_naming_the_file(app, side):
    # 30000: beyond Pillow's own limit; 8000 (64 million pixels): below it, beyond ours.
    with app.test_request_context():
        with pytest.raises(evidence.FileRefused) as refused:
            evidence.prepare("bom.png", files.bomb(side))
    assert "bom.png" in str(refused.value) and "piksel" in str(refused.value)


def test_a_damaged_image_is_refused_naming_the_file(app):
    with app.test_request_context():
        with pytest.raises(evidence.FileRefused, match="rusak.jpg"):
            evidence.prepare("rusak.jpg", files.phone_photo(400, 300)[:2000])


def test_names_are_cleaned_of_folders_and_control_characters(app):
    with app.test_request_context():
        assert evidence.clean_name("C:\\Users\\siti\\foto\x00jalan.jpg") == "fotojalan.jpg"
        assert evidence.clean_name("../../etc/passwd") == "passwd"
        assert len(evidence.clean_name("a" * 300 + ".jpg")) <= 120


def test_too_many_or_too_large_files_are_refused(app):
    with app.test_request_context():
        app.config["ATTACHMENT_MAX_BYTES"], before = 1000, app.config["ATTACHMENT_MAX_BYTES"]
        try:
            with pytest.raises(evidence.FileRefused, match="besar.jpg"):
                evidence.read_uploads([upload("besar.jpg", b"x" * 1001)])
            assert evidence.read_uploads([upload("pas.jpg", b"x" * 1000),
                                          upload("", b"")]) == [("pas.jpg", b"x" * 1000)]
        finally:
            app.config["ATTACHMENT_MAX_BYTES"] = before
        with pytest.raises(evidence.FileRefused, match="3"):
            evidence.read_uploads([upload(f"{n}.jpg", b"x") for n in range(4)])
        with pytest.raises(evidence.FileRefused, match="20"):
            evidence.read_uploads([upload("a.jpg", b"x")], existing=20)


# --- Storage ----------------------------------------------------------------------------------

def test_the_directory_storage_writes_reads_and_removes(tmp_path):
    store = storage.DirectoryStorage(tmp_path)
    key = storage.new_key("jpg")
    store.put(key, b"isi")
    assert store.get(key) == b"isi" and store.keys() == [key]
    assert oct((tmp_path / key).stat().st_mode & 0o777) == "0o600"
    store.delete(key)
    assert store.keys() == []
    with pytest.raises(storage.StorageError):
        store.get("../secret_key")


def _desk(app):
    user_id = make_user(app, "desk", "Petugas Pengelola")
    return app.appbuilder.sm.get_user_by_id(user_id)


def test_staff_files_are_stored_with_a_timeline_line(app):
    pk = make_complaint(app)
    with app.test_request_context():
        desk = _desk(app)
        complaint = db.session.get(Complaint, pk)
        rows = evidence.attach(complaint, [upload("sesudah.jpg", files.phone_photo(800, 600)),
                                           upload("surat.pdf", files.pdf())], desk,
                               is_public=True, note="Foto sesudah perbaikan")
        assert [r.original_name for r in rows] == ["sesudah.jpg", "surat.pdf"]
        event = db.session.scalars(db.select(ComplaintEvent).where(
            ComplaintEvent.step == "attach")).one()
        assert event.actor_name and event.note == "Foto sesudah perbaikan"
        assert {r.event_id for r in rows} == {event.id}
        assert all(r.is_public and r.uploaded_by_id == desk.id for r in rows)
        assert evidence.content(rows[1]) == files.pdf()
            # 800 x 600 lying, orientation 6: a standing thumbnail.
        assert Image.open(io.BytesIO(evidence.content(rows[0], thumbnail=True))).size \
            == (240, 320)


def test_a_failed_write_keeps_nothing(app, monkeypatch):
    pk = make_complaint(app)
    with app.test_request_context():
        desk = _desk(app)
        store = storage.storage()
        written = []
        real_put = store.put

        def put(key, data):
            if len(written) == 2:  # the second file's write: the disk is full
                raise storage.StorageError("No space left on device")
            written.append(key)
            real_put(key, data)

        monkeypatch.setattr(store, "put", put)
        complaint = db.session.get(Complaint, pk)
        with pytest.raises(evidence.StorageFailed) as failed:
            evidence.attach(complaint, [upload("a.jpg", files.phone_photo(400, 300)),
                                        upload("b.jpg", files.phone_photo(400, 300))], desk)
        assert "tidak dapat disimpan" in str(failed.value)
        monkeypatch.undo()
        assert db.session.scalar(db.select(db.func.count(Attachment.id))) == 0
        assert not any(key in store.keys() for key in written)
        assert db.session.scalars(db.select(ComplaintEvent.step)).all() == ["register"]


def test_a_failed_commit_removes_the_files_written(app, monkeypatch):
    pk = make_complaint(app)
    with app.test_request_context():
        desk = _desk(app)
        before = set(storage.storage().keys())

        def fail():
            raise RuntimeError("database went away")

        complaint = db.session.get(Complaint, pk)
        monkeypatch.setattr(db.session, "commit", fail)
        with pytest.raises(RuntimeError):
            evidence.attach(complaint, [upload("a.jpg", files.phone_photo(400, 300))], desk)
        monkeypatch.undo()
        assert set(storage.storage().keys()) == before
        assert db.session.scalar(db.select(db.func.count(Attachment.id))) == 0


def test_withdrawing_keeps_the_file_hides_it_and_says_why(app):
    pk = make_complaint(app)
    with app.test_request_context():
        desk = _desk(app)
        complaint = db.session.get(Complaint, pk)
        (row,) = evidence.attach(complaint, [upload("salah.jpg", files.phone_photo(400, 300))],
                                 desk, is_public=True)
        with pytest.raises(evidence.ServiceError, match="alasan"):
            evidence.withdraw(row, "  ", desk)
        evidence.withdraw(row, "Foto pengaduan lain", desk)
        assert row.withdrawn and row.withdraw_reason == "Foto pengaduan lain"
        assert evidence.content(row)  # kept
        assert evidence.shown_to_resident(complaint) == []
        assert evidence.shown_to(desk, complaint) == [row]  # the desk still reads it
        steps = db.session.scalars(db.select(ComplaintEvent.step).order_by(
            ComplaintEvent.id)).all()
        assert steps == ["register", "attach", "withdraw_attachment"]
        with pytest.raises(evidence.ServiceError):
            evidence.withdraw(row, "lagi", desk)


def test_the_evidence_migration_goes_down_and_up_keeping_the_register(app):
    """Down before 0016 (no attachment table), the register untouched; up again, files can be
    recorded. The files themselves stay in the storage either way."""
    from pathlib import Path

    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect, text

    from tests.test_migrations import _before

    pk = make_complaint(app)
    with app.app_context():
        directory = str(Path(app.root_path) / "migrations")
        db.session.remove()
        downgrade(directory=directory, revision=_before(directory, "0016_evidence"))
        assert "attachment" not in inspect(db.engine).get_table_names()
        upgrade(directory=directory)
        assert "attachment" in inspect(db.engine).get_table_names()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT subject FROM complaint WHERE id = :pk"),
                                {"pk": pk}).scalar() == "Lampu jalan mati"
    with app.test_request_context():
        complaint = db.session.get(Complaint, pk)
        evidence.attach(complaint, [upload("a.jpg", files.phone_photo(400, 300))], _desk(app))
        assert evidence.on_complaint(complaint)[0].original_name == "a.jpg"
