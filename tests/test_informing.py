"""Telling the resident (SOP D.6): WhatsApp link, email through SMTP, letter, templates."""

import email
import email.policy
import io
import json
import socket
from urllib.parse import quote

import pytest
from pypdf import PdfReader

from app.extensions import db
from app.models import Complaint, ComplaintEvent, ResponseTemplate
from app.services import complaints as services, response_templates
from tests.conftest import csrf_token, make_complaint, make_user, post_form
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
        subject, message = response_templates.draft(
            db.session.get(Complaint, second), app.appbuilder.sm.get_user_by_id(desk["user_id"]))
    assert number in message and "Pelayanan diperbaiki, dijelaskan" in message
    assert "Penyelesaian administratif" not in message  # the office term, not for residents
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
    # Sent from the installation's address in the village's name; answers go to the
    # village's own address.
    assert mail["From"] == "Pemerintah Desa Babakan <pengaduan@babakan.desa.id>"
    assert mail["Reply-To"] == "desababakan0401@gmail.com"
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


def inform_templates():
    """(result, title) of every inform template, in id order."""
    return [(t.result, t.title) for t in db.session.query(ResponseTemplate)
            .filter_by(step="inform").order_by(ResponseTemplate.id)]


def test_templates_are_seeded_for_each_result_and_only_once(ctx):
    from app.services.reference_data import seed_reference_data

    seed_reference_data()
    assert inform_templates() == [
        (None, "Pemberitahuan hasil"),
        ("resolved", "Pemberitahuan: selesai ditindaklanjuti"),
        ("rejected", "Pemberitahuan: tidak dapat ditindaklanjuti"),
        ("referred", "Pemberitahuan: dilimpahkan"),
    ]


def template_form(**fields):
    """The fields of the template screen's form, as a browser sends them."""
    return {"title": "Templat uji", "step": "inform", "result": "", "subject": "",
            "body": "Teks", "active": "y", **fields}


def test_admin_edits_a_template_and_the_next_message_uses_it(app, client, login_as):
    admin_id = login_as("admin")
    pk = make_complaint(app)
    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(admin_id)
        services.apply_step(db.session.get(Complaint, pk), "reject",
                            {"reason": "Di luar kewenangan desa."}, user)
        template_id = db.session.query(ResponseTemplate.id).filter_by(
            step="inform", result="rejected").scalar()
        number = db.session.get(Complaint, pk).register_number
        db.session.remove()
    body = "Mohon maaf {nama}, pengaduan {nomor_register} ditolak: {alasan} {{kurung}}"
    post_form(client, f"/responsetemplate/edit/{template_id}", template_form(
        title="Ditolak", result="rejected", subject="Pengaduan {nomor_register}", body=body))
    page = client.get(f"/inform/{pk}").get_data(as_text=True)
    assert (f"Mohon maaf Siti Aminah, pengaduan {number} ditolak: Di luar kewenangan desa. "
            "{kurung}") in page
    assert f'value="Pengaduan {number}"' in page


@pytest.mark.parametrize("fields, message", [
    ({"body": "Yth. {name}, pengaduan {register_number}"}, "Isian {name} tidak dikenal"),
    ({"subject": "Pengaduan {nomor}"}, "Isian {nomor} tidak dikenal"),
    ({"body": "Yth. {nama.__class__}"}, "Isian {nama.__class__} tidak dikenal"),
    ({"step": "note", "result": "resolved"}, "hanya untuk templat pemberitahuan"),
    ({"step": "note", "subject": "Hasil"}, "hanya untuk templat pemberitahuan"),
])
def test_a_template_that_would_not_fill_is_refused_when_saved(app, client, login_as, fields,
                                                              message):
    login_as("admin")
    with app.app_context():
        before = db.session.query(ResponseTemplate).count()
    page = post_form(client, "/responsetemplate/add", template_form(**fields))
    assert page.status_code == 200
    assert message in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(ResponseTemplate).count() == before


def test_the_template_of_the_result_drafts_the_message_and_the_picker_offers_it(
        app, client, desk):
    pk = resolved_complaint(app, desk["user_id"])
    with app.app_context():
        db.session.add_all([
            ResponseTemplate(title="Khusus ditolak", step="inform", result="rejected",
                             subject="Ditolak {nomor_register}", body="Ditolak.", active=True),
            ResponseTemplate(title="Khusus selesai", step="inform", result="resolved",
                             subject="Selesai {nomor_register}", body="Selesai: {hasil}.",
                             active=True),
        ])
        db.session.query(ResponseTemplate).filter_by(
            step="inform", result="resolved", title="Pemberitahuan: selesai ditindaklanjuti"
        ).update({"active": False})
        db.session.commit()
        number = db.session.get(Complaint, pk).register_number
        ids = dict(db.session.query(ResponseTemplate.title, ResponseTemplate.id))
    page = client.get(f"/inform/{pk}").get_data(as_text=True)
    assert "Selesai: Pelayanan diperbaiki, dijelaskan, atau disertai permintaan maaf." in page
    assert f'value="Selesai {number}"' in page
    assert "Khusus ditolak" not in page and "Pemberitahuan hasil" in page
    picked = client.get(f"/inform/{pk}?template={ids['Pemberitahuan hasil']}").get_data(
        as_text=True)
    assert f"Pemberitahuan pengaduan {number}" in picked and \
        "kini berstatus: Sudah ditangani, hasilnya akan disampaikan kepada Anda" in picked


def test_referred_message_names_the_office(app, ctx):
    desk_id = make_user(app, "desk", "Petugas Pengelola")
    pk = make_complaint(app)
    complaint = db.session.get(Complaint, pk)
    complaint.status, complaint.referred_to = "referred", "Kecamatan Karangpucung"
    _, message = response_templates.draft(complaint, app.appbuilder.sm.get_user_by_id(desk_id))
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


def test_the_draft_shows_what_its_reader_may_read(app, ctx):
    """One fill function: the draft gives the tracking code to the desk only and the name as
    the reader may see it (a masked complaint read by the Kepala Desa shows no name)."""
    desk_id = make_user(app, "desk", "Petugas Pengelola")
    head_id = make_user(app, "kades", "Kepala Desa")
    pk = make_complaint(app, status="resolved", identity_level="masked")
    complaint = db.session.get(Complaint, pk)
    code = complaint.tracking_code
    sm = app.appbuilder.sm
    _, for_desk = response_templates.draft(complaint, sm.get_user_by_id(desk_id))
    assert "Yth. Bapak/Ibu Siti Aminah," in for_desk and code in for_desk
    _, for_head = response_templates.draft(complaint, sm.get_user_by_id(head_id))
    assert "Siti Aminah" not in for_head and code not in for_head
    assert "Yth. Bapak/Ibu S" in for_head
