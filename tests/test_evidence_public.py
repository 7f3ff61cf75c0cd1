"""The resident's files on /lapor: sent with the form (no JavaScript), refused with a message
naming the file and the rest of the form kept, saved with the complaint or not at all, listed
on the receipt."""

import io

import pytest
from PIL import Image

from app.services import storage
from app.extensions import db
from app.models import Attachment, Complaint
from tests import files
from tests.test_public import Resident, _count, _text_of

MB = 1024 * 1024


@pytest.fixture
def resident(app):
    return Resident(app)


def _stored_keys(app):
    with app.app_context():
        return set(storage.storage().keys())


def _attachments(app):
    with app.app_context():
        rows = db.session.scalars(db.select(Attachment).order_by(Attachment.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def test_a_resident_sends_a_photo_and_a_pdf_and_the_receipt_lists_them(app, resident):
    page = resident.get("/lapor").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and page.count('type="file"') == 3
    response = resident.submit_page(attachments=[
        (io.BytesIO(files.phone_photo(4000, 3000)), "jalan-rusak.jpg"),
        (io.BytesIO(files.pdf("Surat penolakan")), "surat.pdf")])
    assert response.status_code == 303
    receipt = resident.get(response.headers["Location"]).get_data(as_text=True)
    assert "jalan-rusak.jpg, surat.pdf" in receipt and "Lampiran" in receipt
    rows = _attachments(app)
    assert [(r.original_name, r.kind, r.uploaded_by_resident, r.is_public) for r in rows] == [
        ("jalan-rusak.jpg", "image", True, False), ("surat.pdf", "pdf", True, False)]
    with app.app_context():
        complaint = db.session.scalars(db.select(Complaint)).one()
        assert {r.complaint_id for r in rows} == {complaint.id}
        kept = storage.storage().get(rows[0].storage_key)
    image = Image.open(io.BytesIO(kept))
    assert not image.getexif() and max(image.size) == 2000
    assert "jalan-rusak.jpg, surat.pdf" in _text_of(resident.get("/lapor/tanda-terima.pdf"))


def test_a_refused_file_is_named_and_the_form_keeps_what_was_typed(app, resident):
    before = _stored_keys(app)
    response = resident.submit_page(subject="Saluran mampet di RT 04", attachments=[
        (io.BytesIO(files.phone_photo(400, 300)), "bagus.jpg"),
        (io.BytesIO(b"MZ\x90\x00 not a photo"), "foto-virus.jpg")])
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "foto-virus.jpg tidak diterima" in page
    assert "Saluran mampet di RT 04" in page  # what was typed stays
    assert "pilih lagi" in page.lower()  # the browser does not keep files: the page says so
    assert _count(app) == 0 and _stored_keys(app) == before


def test_more_than_three_files_are_refused(app, resident):
    response = resident.submit_page(attachments=[
        (io.BytesIO(files.png()), f"{n}.png") for n in range(4)])
    assert response.status_code == 400
    assert "Paling banyak 3 berkas" in response.get_data(as_text=True)
    assert _count(app) == 0


def test_a_bomb_is_refused_by_name_on_the_page(app, resident):
    response = resident.submit_page(attachments=[(io.BytesIO(files.bomb()), "bom.png")])
    assert response.status_code == 400
    assert "bom.png ditolak" in response.get_data(as_text=True)
    assert _count(app) == 0


def test_three_files_of_10_mb_are_taken_and_one_byte_more_is_refused(app, resident):
    padded = files.pdf() + b"%" * (10 * MB - len(files.pdf()))
    assert len(padded) == 10 * MB
    response = resident.submit_page(attachments=[
        (io.BytesIO(padded), f"dokumen-{n}.pdf") for n in range(3)])
    assert response.status_code == 303
    assert [r.size for r in _attachments(app)] == [10 * MB] * 3
    other = Resident(app, address="203.0.113.9")
    response = other.submit_page(subject="Yang lain", attachments=[
        (io.BytesIO(padded + b"%"), "terlalu-besar.pdf")])
    assert response.status_code == 400
    assert "terlalu-besar.pdf lebih besar dari 10 MB" in response.get_data(as_text=True)
    assert _count(app) == 1


def test_a_body_beyond_the_files_limit_is_refused_unread(app, resident):
    response = resident.submit_page(attachments=[
        (io.BytesIO(b"%PDF-" + b"0" * (16 * MB)), f"{n}.pdf") for n in range(2)])
    assert response.status_code == 413
    assert "paling banyak 31 MB" in response.get_data(as_text=True)
    assert _count(app) == 0


def test_a_failed_write_registers_nothing_and_keeps_the_form(app, resident, monkeypatch):
    before = _stored_keys(app)
    written = []

    def full_disk(self, key, data):
        if written:
            raise storage.StorageError("No space left on device")
        written.append(key)
        real_put(self, key, data)

    real_put = storage.DirectoryStorage.put
    monkeypatch.setattr(storage.DirectoryStorage, "put", full_disk)
    response = resident.submit_page(subject="Lampu padam", attachments=[
        (io.BytesIO(files.phone_photo(400, 300)), "a.jpg")])
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "Berkas tidak dapat disimpan" in page and "Lampu padam" in page
    monkeypatch.undo()
    assert _count(app) == 0 and _count(app, Attachment) == 0
    assert _stored_keys(app) == before  # the photo written before the failure is gone


def test_a_failed_commit_registers_nothing_and_removes_the_files(app, resident, monkeypatch):
    from app.services import complaints as services

    before = _stored_keys(app)
    real_register = services.register_complaint

    def register_then_fail(complaint, user=None, commit=True, at=None):
        real_register(complaint, user, commit, at)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "register_complaint", register_then_fail)
    with pytest.raises(RuntimeError):
        resident.client.application.config["PROPAGATE_EXCEPTIONS"] = True
        try:
            resident.submit_page(attachments=[(io.BytesIO(files.png()), "a.png")])
        finally:
            resident.client.application.config["PROPAGATE_EXCEPTIONS"] = None
    monkeypatch.undo()
    assert _count(app) == 0 and _stored_keys(app) == before


def test_the_form_without_files_works_as_before(app, resident):
    assert resident.submit_page().status_code == 303
    assert _count(app) == 1 and _count(app, Attachment) == 0


def test_the_resident_completes_with_a_photo_and_sees_it_on_the_status_page(app, client):
    from tests.conftest import CSRF_RE
    from tests.test_completion import waiting_for_completion
    from tests.test_feedback import look_up

    pk, code = waiting_for_completion(app)
    page = look_up(client, code).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    token = CSRF_RE.findall(page)[-1]
    refused = client.post("/status/lengkapi", data={
        "completion": "Lampu di RT 02/RW 03.", "csrf_token": token,
        "attachments": [(io.BytesIO(b"GIF89a..."), "animasi.gif")]},
        content_type="multipart/form-data")
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "animasi.gif tidak diterima" in text and "Lampu di RT 02/RW 03." in text
    assert _count(app, Attachment) == 0
    with app.app_context():
        assert db.session.get(Complaint, pk).status == "needs_completion"
    response = client.post("/status/lengkapi", data={
        "completion": "Lampu di RT 02/RW 03.", "csrf_token": token,
        "attachments": [(io.BytesIO(files.phone_photo(1200, 900)), "lokasi.jpg")]},
        content_type="multipart/form-data")
    assert response.status_code == 200
    (row,) = _attachments(app)
    assert (row.original_name, row.uploaded_by_resident) == ("lokasi.jpg", True)
    assert f"/status/lampiran/{row.id}/kecil" in response.get_data(as_text=True)
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        assert complaint.status == "received"
        assert [e.step for e in complaint.events][-2:] == ["complete", "attach"]
    served = client.get(f"/status/lampiran/{row.id}")
    assert served.status_code == 200 and not Image.open(io.BytesIO(served.data)).getexif()


def test_the_api_takes_the_same_complaint_as_a_multipart_form_with_files(app, resident):
    from tests.test_public import FORM

    response = resident.client.post("/api/v1/public/complaints", data={
        **FORM, "attachments": [(io.BytesIO(files.phone_photo(1600, 1200)), "wa-foto.jpg")]},
        content_type="multipart/form-data", environ_base=resident.environ)
    assert response.status_code == 201, response.get_json()
    (row,) = _attachments(app)
    assert (row.original_name, row.uploaded_by_resident) == ("wa-foto.jpg", True)
    refused = resident.client.post("/api/v1/public/complaints", data={
        **FORM, "attachments": [(io.BytesIO(b"#!/bin/sh"), "skrip.sh")]},
        content_type="multipart/form-data", environ_base=resident.environ)
    assert refused.status_code == 400
    assert refused.get_json()["message"]["attachments"][0].startswith("skrip.sh tidak diterima")
    missing = resident.client.post("/api/v1/public/complaints", data={"name": "Siti"},
                                   content_type="multipart/form-data",
                                   environ_base=resident.environ)
    assert missing.status_code == 400 and "subject" in missing.get_json()["message"]
    assert _count(app) == 1


def test_the_openapi_document_describes_the_multipart_form(app, client, login_as):
    login_as("admin")
    spec = client.get("/api/v1/_openapi").get_json()
    body = spec["paths"]["/api/v1/public/complaints"]["post"]["requestBody"]["content"]
    assert body["application/json"]["schema"] == {"$ref": "#/components/schemas/PublicComplaint"}
    files_schema = body["multipart/form-data"]["schema"]["allOf"][1]["properties"]["attachments"]
    assert files_schema["maxItems"] == 3 and files_schema["items"]["format"] == "binary"
    assert "subject" in spec["components"]["schemas"]["PublicComplaint"]["required"]


def test_the_api_completion_takes_files_as_a_multipart_form(app, client):
    from tests.test_completion import waiting_for_completion

    pk, code = waiting_for_completion(app)
    fields = {"tracking_code": code, "phone_last4": "7890", "completion": "RT 02/RW 03."}
    refused = client.post("/api/v1/public/completion", data={
        **fields, "attachments": [(io.BytesIO(b"bukan foto"), "x.jpg")]},
        content_type="multipart/form-data")
    assert refused.status_code == 400
    assert refused.get_json()["message"].startswith("x.jpg tidak diterima")
    with app.app_context():
        assert db.session.get(Complaint, pk).status == "needs_completion"
    response = client.post("/api/v1/public/completion", data={
        **fields, "attachments": [(io.BytesIO(files.png()), "denah.png")]},
        content_type="multipart/form-data")
    assert response.status_code == 200 and response.get_json()["status"] == "received"
    assert [r.original_name for r in _attachments(app)] == ["denah.png"]
