"""Telling the resident (SOP D.6): WhatsApp link, email through SMTP, letter, templates."""

import email
import email.policy
import io
import json
import socket
from urllib.parse import quote

import pytest
from pypdf import PdfReader

from app import informing, services
from app.extensions import db
from app.models import Complaint, ComplaintEvent, MessageTemplate
from tests.conftest import csrf_token, make_complaint, post_form
from tests.test_meetings import (  # noqa: F401  (desk is a fixture)
    advance, desk, minutes_form, schedule, the_meeting, took_place,
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self):
        return [email.message_from_bytes(e.original_content, policy=email.policy.default)
                for e in self.envelopes]


@pytest.fixture
def smtp_server(app, monkeypatch):
    """A real SMTP server on loopback, and the app configured to use it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    monkeypatch.setitem(app.config, "SMTP_USE_TLS", False)
    monkeypatch.setitem(app.config, "MAIL_FROM", "pengaduan@babakan.desa.id")
    yield inbox
    controller.stop()


def resolved_complaint(app, user_id, **fields):
    """A verified complaint resolved by the desk, as after a meeting."""
    pk = advance(app, user_id, make_complaint(app, **fields))
    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(user_id)
        services.apply_step(db.session.get(Complaint, pk), "resolve", {
            "outcome_type": "administrative", "outcome_text": "Surat diproses ulang.",
            "public_note": "Surat Anda sudah bisa diambil di kantor desa."}, user)
        db.session.remove()
    return pk


def inform_events(app, pk):
    with app.app_context():
        return [(json.loads(e.data)["channel"], e.note) for e in
                db.session.query(ComplaintEvent).filter_by(complaint_id=pk, step="inform")]


def status_of(app, pk):
    with app.app_context():
        return db.session.get(Complaint, pk).status


def press(client, pk, action, **fields):
    """Press a button of the inform page, with what the form holds (message as given)."""
    data = {"subject": "Hasil pengaduan", "message": "Pesan uji", "action": action, **fields}
    return post_form(client, f"/inform/{pk}", data)


def test_done_when_two_complaints_from_meeting_to_informed(app, client, desk, smtp_server):
    """Schedule for two, minutes with two outcomes, berita acara, inform by WhatsApp and email."""
    from tests.test_meetings import two_complaints

    first, second = two_complaints(app, desk["user_id"])
    schedule(app, client, [first, second])
    meeting_id = the_meeting(app)
    took_place(app, meeting_id)
    post_form(client, f"/meeting/minutes/{meeting_id}", minutes_form(first, second))
    assert [status_of(app, first), status_of(app, second)] == ["resolved", "resolved"]
    meeting_page = client.get(f"/meeting/show/{meeting_id}").get_data(as_text=True)
    assert f"/inform/{first}" in meeting_page and f"/inform/{second}" in meeting_page
    assert client.get(f"/meeting/berita-acara/{meeting_id}").status_code == 200

    # Second complaint: WhatsApp, message prefilled from the template.
    page = client.get(f"/inform/{second}").get_data(as_text=True)
    with app.app_context():
        number = db.session.get(Complaint, second).register_number
        subject, message = informing.draft(db.session.get(Complaint, second))
    assert number in message and "Penyelesaian administratif" in message
    assert "Nama Bapak masuk daftar penerima bulan depan." in message
    assert app.config["VILLAGE"]["phone"] in message and app.config["VILLAGE"]["email"] in message
    assert "https://wa.me/6285712345678?text=" + quote(message, safe="") in \
        page.replace("&amp;", "&")
    done = press(client, second, "whatsapp", message=message, subject=subject)
    assert "Tercatat: pengadu sudah diinformasikan." in done.get_data(as_text=True)
    assert status_of(app, second) == "informed"
    assert inform_events(app, second) == [("whatsapp", message)]

    # First complaint: email to the local SMTP server, edited before sending.
    typed = "Yth. Ibu Siti, lampu sudah menyala kembali. Terima kasih."
    done = press(client, first, "email", message=typed, subject="Hasil pengaduan Anda")
    assert "Email terkirim ke pengadu" in done.get_data(as_text=True)
    [mail] = smtp_server.messages()
    assert mail["To"] == "siti@example.test"
    assert mail["From"] == "pengaduan@babakan.desa.id"
    assert mail["Subject"] == "Hasil pengaduan Anda"
    assert mail.get_content().strip() == typed
    assert status_of(app, first) == "informed"
    assert inform_events(app, first) == [("email", typed)]


def test_whatsapp_link_follows_the_edited_message_and_changes_nothing(app, client, desk):
    pk = resolved_complaint(app, desk["user_id"])
    edited = "Pesan diubah: silakan ambil surat & KTP Anda, Rabu 08.00."
    page = press(client, pk, "whatsapp_link", message=edited).get_data(as_text=True)
    assert "https://wa.me/6281234567890?text=" + quote(edited, safe="") in \
        page.replace("&amp;", "&")
    assert status_of(app, pk) == "resolved"
    assert inform_events(app, pk) == []


def test_smtp_failure_keeps_the_message_and_does_not_mark_informed(app, client, desk,
                                                                   monkeypatch):
    pk = resolved_complaint(app, desk["user_id"], complainant_email="siti@example.test")
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())  # nothing listens there
    monkeypatch.setitem(app.config, "SMTP_USE_TLS", False)
    typed = "Pesan yang sudah diketik panjang-panjang oleh petugas."
    page = press(client, pk, "email", message=typed).get_data(as_text=True)
    assert "Email tidak terkirim: server email tidak dapat dihubungi" in page
    assert "pesan Anda tetap tersimpan" in page
    assert typed in page
    assert status_of(app, pk) == "resolved"
    assert inform_events(app, pk) == []


def test_a_refused_recipient_is_reported_and_nothing_is_recorded(app, client, desk,
                                                                  smtp_server):
    async def refuse(server, session, envelope, address, rcpt_options):
        return "550 No such user"

    smtp_server.handle_RCPT = refuse
    pk = resolved_complaint(app, desk["user_id"], complainant_email="tidakada@example.test")
    page = press(client, pk, "email", message="Halo").get_data(as_text=True)
    assert "server email menolak alamat penerima" in page
    assert status_of(app, pk) == "resolved"


def test_email_is_refused_when_smtp_is_not_set_up(app, client, desk, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "")
    pk = resolved_complaint(app, desk["user_id"], complainant_email="siti@example.test")
    page = client.get(f"/inform/{pk}").get_data(as_text=True)
    assert "Pengiriman email belum diatur (SMTP_HOST)" in page
    page = press(client, pk, "email").get_data(as_text=True)
    assert "Pengiriman email belum diatur (SMTP_HOST)" in page
    assert status_of(app, pk) == "resolved"


def test_printable_letter_then_confirmation(app, client, desk):
    pk = resolved_complaint(app, desk["user_id"])
    typed = "Surat Anda sudah bisa diambil di kantor desa pada jam kerja."
    response = press(client, pk, "letter_pdf", message=typed)
    assert response.headers["Content-Type"] == "application/pdf"
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data))
                             .pages).split())
    with app.app_context():
        number = db.session.get(Complaint, pk).register_number
    assert "PEMERINTAH DESA BABAKAN" in text
    assert f"Perihal: hasil penanganan pengaduan {number}" in text
    assert "Siti Aminah" in text and typed in text and "Dwi Lestari" in text
    assert status_of(app, pk) == "resolved"  # downloading is not sending
    press(client, pk, "letter", message=typed)
    assert status_of(app, pk) == "informed"
    assert inform_events(app, pk) == [("letter", typed)]


def test_an_empty_message_is_refused(app, client, desk):
    pk = resolved_complaint(app, desk["user_id"])
    page = press(client, pk, "whatsapp", message="   ").get_data(as_text=True)
    assert "Pesan tidak boleh kosong." in page
    assert status_of(app, pk) == "resolved"


def test_only_a_finished_complaint_can_be_reported(app, client, desk):
    pk = make_complaint(app)
    page = client.get(f"/inform/{pk}", follow_redirects=True).get_data(as_text=True)
    assert "Hanya pengaduan yang sudah selesai, ditolak atau dilimpahkan" in page
    token = csrf_token(client, "/resetmypassword/form")
    page = client.post(f"/inform/{pk}", data={"csrf_token": token, "action": "whatsapp",
                                              "subject": "x", "message": "x"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Hanya pengaduan yang sudah selesai" in page
    assert status_of(app, pk) == "received"
    assert inform_events(app, pk) == []


def test_templates_are_seeded_for_each_result_and_only_once(ctx):
    from app.reference_data import seed_reference_data

    seed_reference_data()
    keys = sorted(k for (k,) in db.session.query(MessageTemplate.key))
    assert keys == ["referred", "rejected", "resolved"]


def test_admin_edits_a_template_and_the_next_message_uses_it(app, client, login_as):
    admin_id = login_as("admin")
    pk = make_complaint(app)
    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(admin_id)
        services.apply_step(db.session.get(Complaint, pk), "reject",
                            {"reason": "Di luar kewenangan desa."}, user)
        template_id = db.session.query(MessageTemplate.id).filter_by(key="rejected").scalar()
        number = db.session.get(Complaint, pk).register_number
        db.session.remove()
    body = "Mohon maaf {name}, pengaduan {register_number} ditolak: {reason} {name.__class__}"
    post_form(client, f"/messagetemplate/edit/{template_id}",
              {"subject": "Pengaduan {register_number}", "body": body})
    page = client.get(f"/inform/{pk}").get_data(as_text=True)
    assert (f"Mohon maaf Siti Aminah, pengaduan {number} ditolak: Di luar kewenangan desa. "
            "{name.__class__}") in page
    assert f'value="Pengaduan {number}"' in page


def test_a_second_template_for_the_same_result_is_refused(app, client, login_as):
    login_as("admin")
    page = post_form(client, "/messagetemplate/add",
                     {"key": "resolved", "subject": "x", "body": "y"}).get_data(as_text=True)
    assert "Sudah ada templat untuk hasil ini" in page
    with app.app_context():
        assert db.session.query(MessageTemplate).filter_by(key="resolved").count() == 1


def test_referred_message_names_the_office(app, ctx):
    pk = make_complaint(app)
    complaint = db.session.get(Complaint, pk)
    complaint.status, complaint.referred_to = "referred", "Kecamatan Karangpucung"
    _, message = informing.draft(complaint)
    assert "telah kami limpahkan kepada Kecamatan Karangpucung" in message


def test_a_line_break_in_the_subject_stays_in_the_subject(app, client, desk, smtp_server):
    pk = resolved_complaint(app, desk["user_id"], complainant_email="siti@example.test")
    done = press(client, pk, "email", subject="Hasil pengaduan\r\nBcc: mata@evil.test\nX: y")
    assert done.status_code == 200
    assert "Email terkirim ke pengadu" in done.get_data(as_text=True)
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["siti@example.test"]
    [mail] = smtp_server.messages()
    assert mail["Subject"] == "Hasil pengaduan Bcc: mata@evil.test X: y"
    assert mail["Bcc"] is None and mail["X"] is None


def test_an_address_with_a_line_break_is_refused_not_sent(app, client, desk, smtp_server):
    pk = resolved_complaint(app, desk["user_id"],
                            complainant_email="siti@example.test\r\nBcc: mata@evil.test")
    done = press(client, pk, "email")
    assert done.status_code == 200
    assert "Alamat email pengadu tidak valid" in done.get_data(as_text=True)
    assert smtp_server.envelopes == []
    assert status_of(app, pk) == "resolved"
