"""The S3 storage against a real S3 API: moto's server in its own process, reached over HTTP
by boto3 exactly as a deployment reaches its object store."""

import io
import socket
import subprocess
import sys
import time

import pytest
from PIL import Image

from app.extensions import db
from app.models import Attachment
from app.services import storage
from tests import files
from tests.conftest import make_complaint
from tests.test_access import file_on
from tests.test_public import Resident

boto3 = pytest.importorskip("boto3")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p",
                                str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("moto's S3 server did not start")
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture
def s3_config(s3_server, app):
    """The app's storage switched to a new bucket on the S3 server for one test."""
    bucket = f"lampiran-{time.monotonic_ns()}"
    config = {"ATTACHMENT_STORAGE": "s3", "S3_BUCKET": bucket, "S3_ENDPOINT_URL": s3_server,
              "S3_REGION": "us-east-1", "S3_ACCESS_KEY_ID": "uji",
              "S3_SECRET_ACCESS_KEY": "uji-rahasia"}
    store = storage.storage_from_config(config)
    store.client.create_bucket(Bucket=bucket)
    before = app.extensions.pop("evidence_storage", None)
    app.extensions["evidence_storage"] = store
    yield store
    app.extensions.pop("evidence_storage", None)
    if before is not None:
        app.extensions["evidence_storage"] = before


def test_the_s3_storage_writes_reads_lists_and_removes(s3_config):
    key = storage.new_key("jpg")
    s3_config.put(key, b"isi foto")
    assert s3_config.get(key) == b"isi foto" and s3_config.keys() == [key]
    s3_config.delete(key)
    assert s3_config.keys() == []
    with pytest.raises(storage.StorageError):
        s3_config.get(key)
    with pytest.raises(storage.StorageError):
        s3_config.put("../luar", b"x")


def test_a_resident_photo_goes_to_the_bucket_and_is_served_from_it(app, s3_config, client,
                                                                   login_as):
    resident = Resident(app)
    response = resident.submit_page(attachments=[
        (io.BytesIO(files.phone_photo(2400, 1800)), "jalan.jpg")])
    assert response.status_code == 303
    with app.app_context():
        row = db.session.scalars(db.select(Attachment)).one()
        key, thumb = row.storage_key, row.thumbnail_key
        file_id = row.id
    assert sorted(s3_config.keys()) == sorted([key, thumb])
    login_as("desk")
    served = client.get(f"/attachment/{file_id}")
    assert served.status_code == 200
    assert not Image.open(io.BytesIO(served.data)).getexif()


def test_a_store_that_is_down_registers_nothing(app, s3_config):
    resident = Resident(app)
    s3_config.client.delete_bucket(Bucket=s3_config.bucket)  # every write now fails
    response = resident.submit_page(subject="Tidak tersimpan", attachments=[
        (io.BytesIO(files.png()), "a.png")])
    assert response.status_code == 503
    assert "Tidak tersimpan" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Attachment.id))) == 0
        from app.models import Complaint

        assert db.session.scalar(db.select(db.func.count(Complaint.id))) == 0


def test_a_backup_of_the_bucket_restores_into_a_directory(app, s3_config, tmp_path):
    from app.backup import backup_files, restore_files

    pk = make_complaint(app)
    file_on(app, pk)
    with app.app_context():
        path, count = backup_files(s3_config, tmp_path / "b.backup")
    assert count == 2
    directory = storage.DirectoryStorage(tmp_path / "lampiran")
    assert restore_files(directory, tmp_path / "b.backup") == 2
    assert directory.keys() == s3_config.keys()
    for key in directory.keys():
        assert directory.get(key) == s3_config.get(key)


def test_anonymisation_deletes_the_residents_photo_from_the_bucket(app, s3_config):
    import datetime as dt

    from app.models import Complaint
    from app.services import retention
    from tests.test_privacy import TODAY, _closed

    pk = _closed(app, dt.datetime(2025, 3, 1, 10, 0))
    file_on(app, pk, resident=True)
    staff = file_on(app, pk)
    with app.app_context():
        row = db.session.get(Attachment, staff)
        kept = sorted([row.storage_key, row.thumbnail_key])
    assert len(s3_config.keys()) == 4
    with app.test_request_context():
        assert retention.run(today=TODAY) == [db.session.get(Complaint, pk).register_number]
    assert s3_config.keys() == kept
