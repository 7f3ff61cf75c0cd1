"""The email inbox: a real IMAP server (Debian's dovecot) on loopback, real RFC 5322 messages.

Each message is kept once (by Message-ID, also after a restart), the mailbox is only read and
flagged, and the desk registers it (the add form prefilled), adds it to a complaint, or sets it
aside with a reason. An unreachable server is tried again and the failure shown. Photos and
PDFs are checked as uploads and passed to the complaint; answers go as replies (aiosmtpd);
TLS with a self-signed certificate made here; retention erases old messages.
"""

import datetime
import grp
import imaplib
import io
import ipaddress
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import text

from app.core.timeutil import now_wib
from app.extensions import db
from app.models import (Attachment, Complaint, ComplaintEvent, InboxAttachment, InboxFetch,
                        InboxMessage)
from app.services import (complaints as services, evidence, inbox, informing, outbox,
                          retention, storage)
from tests.components import missing
from tests.files import pdf, phone_photo, png
from tests.test_informing import smtp_server  # noqa: F401  (a fixture)
from tests.test_meetings import advance
from tests.conftest import COMPLAINT_FIELDS, csrf_token, login, make_complaint, post_form

DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "desa", "kata-sandi-kotak"
# A second village's mailbox on the same server (a kabupaten's mail host, one box a village).
B_USER, B_PASSWORD = "karangsari", "kata-sandi-karangsari"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def imap_server(app, monkeypatch):
    """dovecot on a loopback port with a temporary maildir, run as a non-root user (``nobody``
    when the tests run as root), and the app's IMAP settings pointing at it."""
    yield from _dovecot(app, monkeypatch)


def _dovecot(app, monkeypatch, certificate=None):
    """Run dovecot for a test; ``certificate``: (cert PEM, key PEM) for TLS, then the plain
    port offers STARTTLS and a second port speaks IMAP over TLS (the app set to "ssl")."""
    if not os.path.exists(DOVECOT):
        missing("dovecot-imapd is not installed (apt-get install dovecot-imapd)")
    account = pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
    group = grp.getgrgid(account.pw_gid).gr_name
    # Its own folder under /tmp (pytest's are private to the user running the tests).
    root = Path(tempfile.mkdtemp(prefix="dovecot-"))
    for folder in ("run", "state", "mail", "home"):
        (root / folder).mkdir(parents=True)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n"
                                 f"{B_USER}:{{PLAIN}}{B_PASSWORD}\n")
    port, tls_port = _free_port(), 0
    ssl_conf = "ssl = no"
    if certificate is not None:
        tls_port = _free_port()
        (root / "cert.pem").write_bytes(certificate[0])
        (root / "key.pem").write_bytes(certificate[1])
        ssl_conf = (f"ssl = yes\nssl_cert = <{root}/cert.pem\nssl_key = <{root}/key.pem\n"
                    "ssl_dh = </usr/share/dovecot/dh.pem")
    (root / "dovecot.conf").write_text(f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
{ssl_conf}
disable_plaintext_auth = no
auth_mechanisms = plain
default_internal_user = {account.pw_name}
default_internal_group = {group}
default_login_user = {account.pw_name}
passdb {{
  driver = passwd-file
  args = {root}/passwd
}}
userdb {{
  driver = static
  args = uid={account.pw_uid} gid={account.pw_gid} home={root}/home/%u
}}
mail_location = maildir:{root}/mail/%u
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
""")
    command = [DOVECOT, "-F", "-c", str(root / "dovecot.conf")]
    if os.geteuid() == 0:
        shutil.chown(root, account.pw_uid, account.pw_gid)
        for path in root.rglob("*"):
            shutil.chown(path, account.pw_uid, account.pw_gid)
        command = ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}",
                   "--clear-groups", *command]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail("dovecot did not start: " + process.stdout.read().decode())
            time.sleep(0.1)
    for key, value in {"IMAP_HOST": "127.0.0.1", "IMAP_PORT": port, "IMAP_USER": USER,
                       "IMAP_PASSWORD": PASSWORD, "IMAP_FOLDER": "INBOX", "IMAP_TLS": False,
                       "IMAP_ATTEMPTS": 2, "IMAP_RETRY_SECONDS": 0}.items():
        monkeypatch.setitem(app.config, key, value)
    try:
        yield (port, tls_port) if certificate is not None else port
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


def _deliver(port, message, user=USER, password=PASSWORD):
    with imaplib.IMAP4("127.0.0.1", port) as imap:
        imap.login(user, password)
        imap.append("INBOX", None, None, message.as_bytes())


def _flags(port):
    with imaplib.IMAP4("127.0.0.1", port) as imap:
        imap.login(USER, PASSWORD)
        imap.select("INBOX", readonly=True)
        _, data = imap.fetch("1:*", "(FLAGS)")
        return [line.decode() for line in data]


def _mail(subject, body, message_id, html=None, attachments=()):
    message = EmailMessage()
    message["From"] = "Siti Aminah <siti@contoh.co.id>"
    message["To"] = "desababakan0401@gmail.com"
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = message_id
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    for name, maintype, subtype, data in attachments:
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message


def _html_only(subject, markup, message_id):
    message = EmailMessage()
    message["From"] = "warga@example.test"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content(markup, subtype="html")
    return message


def _messages(app):
    with app.app_context():
        rows = db.session.query(InboxMessage).order_by(InboxMessage.id).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def test_each_message_is_kept_once_read_and_flagged_never_deleted(app, imap_server):
    _deliver(imap_server, _mail(
        "Jalan rusak di Dusun Ⅱ — mohon perbaikan", "Jalan di depan SD rusak parah.",
        "<jalan-1@example.test>",
        html="<p>Jalan di depan <b>SD</b> rusak parah.</p>",
        attachments=[("foto.jpg", "image", "jpeg", b"\xff\xd8\xff\xe0 foto"),
                     ("surat.pdf", "application", "pdf", b"%PDF-1.4 surat")]))
    _deliver(imap_server, _html_only(
        "Lampu mati", "<html><head><style>p{}</style></head><body><p>Lampu &amp; jalan"
        "</p><script>alert(1)</script><div>gelap</div></body></html>", "<lampu@example.test>"))
    with app.app_context():
        first = inbox.fetch_mail()
        assert (first.ok, first.fetched) == (True, 2)
        db.session.remove()
    rows = _messages(app)
    assert [r.subject for r in rows] == ["Jalan rusak di Dusun Ⅱ — mohon perbaikan",
                                         "Lampu mati"]
    assert rows[0].body == "Jalan di depan SD rusak parah."  # the plain part, preferred
    assert rows[0].sender == "siti@contoh.co.id" and rows[0].sender_name == "Siti Aminah"
    assert rows[0].attachments.splitlines() == ["foto.jpg", "surat.pdf"]
    assert rows[1].body == "Lampu & jalan\n\ngelap"  # no style, no script
    assert all(r.state == "new" for r in rows)

    # Read again (as after a restart), with one more message: only the new one is kept.
    _deliver(imap_server, _mail("Air PDAM keruh", "Sudah tiga hari.", "<air@example.test>"))
    with app.app_context():
        again = inbox.fetch_mail()
        assert (again.ok, again.fetched) == (True, 1)
        assert db.session.query(InboxMessage).count() == 3
        db.session.remove()
    flags = _flags(imap_server)
    assert len(flags) == 3 and all("\\Seen" in line for line in flags)
    assert not any("\\Deleted" in line for line in flags)


def test_the_background_thread_reads_the_mailbox_by_itself(app, imap_server, monkeypatch):
    """``python run.py`` reads the mailbox at its interval: no cron entry needed."""
    from app import background

    monkeypatch.setitem(app.config, "IMAP_FETCH_INTERVAL", 0.1)
    monkeypatch.setattr(background, "TICK_SECONDS", 0.1)
    _deliver(imap_server, _mail("Sampah menumpuk", "Di pasar desa.", "<sampah@example.test>"))
    scheduler = background.start(app)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not _messages(app):
            time.sleep(0.2)
    finally:
        scheduler.stop()
    assert [r.subject for r in _messages(app)] == ["Sampah menumpuk"]


def test_each_village_reads_its_own_mailbox_into_its_own_inbox(app, client, monkeypatch,
                                                               imap_server):
    """Several villages: the plain IMAP_USER is the first village's mailbox, IMAP_USER_<SLUG>
    another's; each email lands in the inbox of the village whose mailbox it came to (one
    sent to both is kept by both), a village without a mailbox reads nothing (not the first
    village's mail), and each desk sees its own village's last reading, failed or not."""
    from app import background
    from app.auth import villages
    from tests.test_village_isolation import add_village, village_user

    with app.app_context():
        a_id = db.session.execute(text("SELECT min(id) FROM village")).scalar()
    b_id = add_village(app, "karang-sari", "Karangsari")
    c_id = add_village(app, "cipari", "Cipari")
    village_user(app, b_id, "desk", "b_petugas")
    village_user(app, a_id, "desk", "a_petugas")
    monkeypatch.setitem(app.config, "IMAP_USER_KARANG_SARI", B_USER)
    monkeypatch.setitem(app.config, "IMAP_PASSWORD_KARANG_SARI", B_PASSWORD)
    _deliver(imap_server, _mail("Lampu jalan Babakan mati", "Di RT 02.", "<a@example.test>"))
    _deliver(imap_server, _mail("Sumur Karangsari kering", "Sejak kemarau.", "<b@example.test>"),
             B_USER, B_PASSWORD)
    both = _mail("Jembatan antar desa rusak", "Jembatan perbatasan.", "<both@example.test>")
    _deliver(imap_server, both)
    _deliver(imap_server, both, B_USER, B_PASSWORD)

    with app.app_context():
        background.run_job("fetch-mail")  # as python run.py's thread runs it: every village
        db.session.remove()
    with app.app_context(), villages.every_village():
        kept = {(m.village_id, m.subject) for m in db.session.query(InboxMessage)}
        readings = {(f.village_id, f.ok, f.fetched) for f in db.session.query(InboxFetch)}
        db.session.remove()
    assert kept == {(a_id, "Lampu jalan Babakan mati"), (a_id, "Jembatan antar desa rusak"),
                    (b_id, "Sumur Karangsari kering"), (b_id, "Jembatan antar desa rusak")}
    assert readings == {(a_id, True, 2), (b_id, True, 2)}  # Cipari has no mailbox: no reading
    assert c_id not in {village for village, _, _ in readings}

    # Karangsari's password changes on the mail server but not here: its reading fails, and
    # only its desk is told; Babakan's desk still reads that its mailbox was read.
    monkeypatch.setitem(app.config, "IMAP_PASSWORD_KARANG_SARI", "sandi-lama")
    result = app.test_cli_runner().invoke(args=["fetch-mail"])
    assert result.exit_code != 0
    assert "Babakan: 0 new message(s)." in result.output
    assert "Karangsari: the mailbox could not be read after 2 attempts" in result.output
    login(client, "b_petugas")
    page = client.get("/inbox/list/").get_data(as_text=True)
    assert "Kotak surat tidak dapat dibaca" in page and "Sumur Karangsari kering" in page
    assert "Lampu jalan Babakan mati" not in page
    client.get("/logout/")
    login(client, "a_petugas")
    page = client.get("/inbox/list/").get_data(as_text=True)
    assert "Kotak surat tidak dapat dibaca" not in page and "Lampu jalan Babakan mati" in page
    assert "Kotak surat terakhir dibaca" in page
    assert "Sumur Karangsari kering" not in page


def test_an_unreachable_server_is_tried_again_and_shown(app, client, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "IMAP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "IMAP_PORT", _free_port())  # nobody listens there
    monkeypatch.setitem(app.config, "IMAP_TLS", False)
    monkeypatch.setitem(app.config, "IMAP_ATTEMPTS", 3)
    monkeypatch.setitem(app.config, "IMAP_RETRY_SECONDS", 0)
    monkeypatch.setitem(app.config, "IMAP_USER", USER)
    monkeypatch.setitem(app.config, "IMAP_PASSWORD", PASSWORD)
    pauses = []
    with app.app_context():
        now = now_wib()
        for hours in (49, 12):  # earlier readings: a day's are kept, older ones go
            db.session.add(InboxFetch(started_at=now - datetime.timedelta(hours=hours), ok=True,
                                      fetched=0, attempts=1))
        db.session.commit()
        record = inbox.fetch_mail(sleep=pauses.append)
        assert (record.ok, record.attempts, len(pauses)) == (False, 3, 2)
        assert "ConnectionRefused" in record.error
        assert [round((now - f.started_at).total_seconds() / 3600) for f in
                db.session.query(InboxFetch).order_by(InboxFetch.id)] == [12, 0]
        db.session.remove()
    login_as("desk")
    page = client.get("/inbox/list/").get_data(as_text=True)
    assert "Kotak surat tidak dapat dibaca" in page and "3 kali" in page


def test_the_desk_registers_a_message_with_the_form_prefilled(app, client, login_as,
                                                               imap_server):
    _deliver(imap_server, _mail("Bantuan BLT belum cair", "Nama saya tidak ada di daftar.",
                                "<blt@example.test>"))
    with app.app_context():
        inbox.fetch_mail()
        db.session.remove()
    message = _messages(app)[0]
    login_as("desk")
    shown = client.get(f"/inbox/show/{message.id}").get_data(as_text=True)
    assert "Nama saya tidak ada di daftar." in shown
    form = client.get(f"/inbox/register/{message.id}", follow_redirects=True)
    page = form.get_data(as_text=True)
    assert 'value="siti@contoh.co.id"' in page and 'value="Bantuan BLT belum cair"' in page
    assert "Nama saya tidak ada di daftar." in page
    data = {**COMPLAINT_FIELDS, "channel": "email", "complainant_email": "siti@contoh.co.id",
            "subject": "Bantuan BLT belum cair", "description": "Nama saya tidak ada di daftar.",
            "complainant_phone": "0812-3456-7890", "dusun": "", "category": "", "rt_rw": "",
            "location": "", "incident_date": "", "received_at": "", "identity_level": "named",
            "inbox_message": str(message.id)}
    response = post_form(client, f"/complaint/add?inbox={message.id}", data)
    assert response.status_code == 200
    with app.app_context():
        complaint = db.session.query(Complaint).one()
        stored = db.session.get(InboxMessage, message.id)
        assert (stored.state, stored.complaint_id) == ("registered", complaint.id)
        assert complaint.channel == "email"
        assert "email_message" in [e.step for e in complaint.events]
        db.session.remove()
    # The same message cannot become a second complaint.
    again = post_form(client, "/complaint/add", data)
    assert "sudah ditangani" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Complaint).count() == 1


def test_a_message_joins_an_existing_complaint_or_is_set_aside_with_a_reason(
        app, client, login_as, imap_server):
    pk = make_complaint(app)
    _deliver(imap_server, _mail("Re: lampu", "Lampunya masih mati, Pak.", "<lagi@example.test>"))
    _deliver(imap_server, _mail("Promo pulsa", "Beli pulsa murah!", "<promo@example.test>"))
    with app.app_context():
        inbox.fetch_mail()
        number = db.session.get(Complaint, pk).register_number
        db.session.remove()
    further, spam = _messages(app)
    login_as("desk")
    token = csrf_token(client, f"/inbox/show/{further.id}")
    client.post(f"/inbox/link/{further.id}", data={"register_number": number,
                                                   "csrf_token": token})
    with app.app_context():
        event = db.session.query(ComplaintEvent).filter_by(complaint_id=pk,
                                                           step="email_message").one()
        assert "Lampunya masih mati" in event.note and event.audience == "desk"
        assert db.session.get(InboxMessage, further.id).state == "linked"
        db.session.remove()
    refused = client.post(f"/inbox/not-complaint/{spam.id}", data={
        "reason": " ", "csrf_token": csrf_token(client, f"/inbox/show/{spam.id}")},
        follow_redirects=True)
    assert "Tuliskan mengapa" in refused.get_data(as_text=True)
    client.post(f"/inbox/not-complaint/{spam.id}", data={
        "reason": "Iklan", "csrf_token": csrf_token(client, f"/inbox/show/{spam.id}")})
    with app.app_context():
        stored = db.session.get(InboxMessage, spam.id)
        assert (stored.state, stored.reason) == ("not_complaint", "Iklan")
        assert db.session.query(InboxFetch).count() == 1


# --- The files of an email -------------------------------------------------------------------

def _files(app, message_id):
    with app.app_context():
        rows = db.session.query(InboxAttachment).filter_by(message_id=message_id).order_by(
            InboxAttachment.id).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def test_an_emails_photo_and_pdf_are_checked_kept_and_passed_to_the_complaint(
        app, client, login_as, imap_server):
    """A phone photo (EXIF with GPS) and a PDF are checked as uploads are and stored; a file
    of another type is refused and named on the page; registering the email gives the
    complaint its files (the resident's own), without a copy."""
    photo, paper = phone_photo(800, 600), pdf("Surat keterangan")
    _deliver(imap_server, _mail(
        "Sampah di sungai — Dusun Ⅲ", "Lihat foto terlampir.", "<sungai@example.test>",
        attachments=[("IMG_2031.jpg", "image", "jpeg", photo),
                     ("surat.pdf", "application", "pdf", paper),
                     ("data.xlsx", "application", "octet-stream", b"PK\x03\x04 bukan foto")]))
    with app.app_context():
        assert inbox.fetch_mail().ok
        db.session.remove()
    message = _messages(app)[0]
    assert message.subject == "Sampah di sungai — Dusun Ⅲ"
    kept_photo, kept_pdf, refused = _files(app, message.id)
    assert (kept_photo.kind, kept_photo.content_type) == ("image", "image/jpeg")
    assert (kept_pdf.kind, kept_pdf.size) == ("pdf", len(paper))
    assert kept_photo.storage_key and kept_pdf.storage_key and kept_photo.refused is None
    assert refused.storage_key is None and "data.xlsx" in refused.refused

    login_as("desk")
    page = client.get(f"/inbox/show/{message.id}").get_data(as_text=True)
    assert "data.xlsx tidak diterima" in page  # named, with why
    assert f"/inbox/file/{kept_photo.id}" in page and f"/inbox/file/{refused.id}" not in page
    served = client.get(f"/inbox/file/{kept_photo.id}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(served.data))
    assert image.size == (600, 800)  # turned as the phone said (orientation 6)
    assert not image.getexif() and b"TelefonUji" not in served.data  # no EXIF, no GPS
    download = client.get(f"/inbox/file/{kept_pdf.id}")
    assert download.data == paper and "attachment" in download.headers["Content-Disposition"]
    assert client.get(f"/inbox/file/{refused.id}").status_code == 404
    form = client.get(f"/inbox/register/{message.id}", follow_redirects=True)
    assert "IMG_2031.jpg, surat.pdf" in form.get_data(as_text=True)  # named on the form

    data = {**COMPLAINT_FIELDS, "channel": "email", "complainant_email": "siti@contoh.co.id",
            "subject": message.subject, "description": message.body,
            "complainant_phone": "0812-3456-7890", "dusun": "", "category": "", "rt_rw": "",
            "location": "", "incident_date": "", "received_at": "", "identity_level": "named",
            "inbox_message": str(message.id)}
    assert post_form(client, f"/complaint/add?inbox={message.id}", data).status_code == 200
    with app.app_context():
        complaint = db.session.query(Complaint).one()
        attached = db.session.query(Attachment).filter_by(complaint_id=complaint.id).order_by(
            Attachment.id).all()
        assert [a.original_name for a in attached] == ["IMG_2031.jpg", "surat.pdf"]
        assert all(a.uploaded_by_resident for a in attached)
        assert attached[0].storage_key == kept_photo.storage_key  # passed on, not copied
        assert evidence.content(attached[1]) == paper
        files = db.session.query(InboxAttachment).order_by(InboxAttachment.id).all()
        assert [f.attachment_id for f in files] == [attached[0].id, attached[1].id, None]
        assert files[0].storage_key is None
        db.session.remove()
    # Now the complaint's: served by /attachment under the complaint's rules, not here.
    assert client.get(f"/inbox/file/{kept_photo.id}").status_code == 404
    assert client.get(f"/attachment/{attached[0].id}").status_code == 200


def test_a_linked_email_brings_its_files_and_too_many_are_named_not_a_500(
        app, client, login_as, imap_server, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_PER_REQUEST", 2)
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 200_000)
    pk = make_complaint(app)
    big = os.urandom(300_000)  # random bytes: larger than the limit
    _deliver(imap_server, _mail(
        "Re: lampu", "Ini fotonya.", "<foto-lagi@example.test>",
        attachments=[("besar.pdf", "application", "pdf", b"%PDF-1.4 " + big),
                     ("satu.png", "image", "png", png()),
                     ("dua.jpg", "image", "jpeg", phone_photo(64, 48)),
                     ("tiga.jpg", "image", "jpeg", phone_photo(64, 48))]))
    with app.app_context():
        inbox.fetch_mail()
        number = db.session.get(Complaint, pk).register_number
        db.session.remove()
    message = _messages(app)[0]
    large, one, two, three = _files(app, message.id)
    assert "lebih besar dari" in large.refused and large.storage_key is None
    assert one.storage_key and two.storage_key and three.storage_key is None
    assert "tiga.jpg" in three.refused
    login_as("desk")
    client.post(f"/inbox/link/{message.id}", data={
        "register_number": number, "csrf_token": csrf_token(client, f"/inbox/show/{message.id}")})
    with app.app_context():
        names = [a.original_name for a in
                 db.session.query(Attachment).filter_by(complaint_id=pk).order_by(Attachment.id)]
        assert names == ["satu.png", "dua.jpg"]
        steps = [e.step for e in db.session.get(Complaint, pk).events]
        assert "email_message" in steps and "attach" in steps
        db.session.remove()
    page = client.get(f"/inbox/show/{message.id}")
    assert page.status_code == 200 and "tiga.jpg" in page.get_data(as_text=True)


def test_only_the_desk_reads_an_emails_files(app, client, login_as, imap_server):
    _deliver(imap_server, _mail("Foto jalan", "Foto.", "<foto-jalan@example.test>",
                                attachments=[("jalan.png", "image", "png", png())]))
    with app.app_context():
        inbox.fetch_mail()
        db.session.remove()
    [file] = _files(app, _messages(app)[0].id)
    for role, expected in (("liaison", 403), ("head", 403), ("desk", 200)):
        login_as(role)
        assert client.get(f"/inbox/file/{file.id}").status_code == expected, role
        assert client.get(f"/inbox/file/{file.id}/thumb").status_code == expected, role
        client.get("/logout/")


# --- Answers as replies ----------------------------------------------------------------------

def _resolve(app, user_id, pk):
    advance(app, user_id, pk)
    with app.app_context():
        services.apply_step(db.session.get(Complaint, pk), "resolve", {
            "outcome_type": "administrative", "outcome_text": "Data diperbaiki.",
            "public_note": "Nama sudah masuk daftar."}, app.appbuilder.sm.get_user_by_id(user_id))
        db.session.remove()
    return pk


def test_the_answer_goes_as_a_reply_to_the_residents_email(app, client, login_as, imap_server,
                                                            smtp_server):
    """Registered from an email, resolved, informed by email as a reply: In-Reply-To and
    References name the resident's Message-ID and the subject is "Re: ..."; the receipt the
    outbox sends joins the same conversation."""
    original_id = "<blt-2026@contoh.co.id>"
    subject = "Bantuan BLT belum cair — mohon dicek 🙏"
    _deliver(imap_server, _mail(subject, "Nama saya tidak ada di daftar.", original_id))
    with app.app_context():
        inbox.fetch_mail()
        db.session.remove()
    message = _messages(app)[0]
    desk = login_as("desk")
    data = {**COMPLAINT_FIELDS, "channel": "email", "complainant_email": "siti@contoh.co.id",
            "subject": "Bantuan BLT belum cair", "description": message.body,
            "complainant_phone": "0812-3456-7890", "dusun": "", "category": "", "rt_rw": "",
            "location": "", "incident_date": "", "received_at": "", "identity_level": "named",
            "inbox_message": str(message.id)}
    post_form(client, f"/complaint/add?inbox={message.id}", data)
    with app.app_context():
        pk = db.session.query(Complaint).one().id
        # The receipt is not urgent: quiet hours (21.00-06.00 WIB) would hold it at night, so
        # the outbox is run as a day later, whatever the hour the suite runs at.
        tomorrow = now_wib() + datetime.timedelta(days=1)
        assert outbox.send_due(now=tomorrow)[0] == 1  # the resident's receipt
        db.session.remove()
    [receipt] = smtp_server.messages()
    assert receipt["In-Reply-To"] == original_id and receipt["References"] == original_id
    _resolve(app, desk, pk)
    page = client.get(f"/inform/{pk}").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="as_reply"[^>]*>', page)
    assert box and "checked" in box.group(0)  # offered, and ticked
    response = post_form(client, f"/inform/{pk}", {
        "subject": "Hasil pengaduan", "message": "Nama Ibu sudah masuk daftar.",
        "action": "email", "as_reply": "y"})
    assert "Email terkirim ke pengadu" in response.get_data(as_text=True)
    answer = smtp_server.messages()[-1]
    assert answer["In-Reply-To"] == original_id and answer["References"] == original_id
    assert answer["Subject"] == "Re: " + subject
    assert answer.get_content().strip() == "Nama Ibu sudah masuk daftar."
    with app.app_context():
        assert db.session.get(Complaint, pk).status == "informed"


def test_an_answer_without_the_reply_box_or_without_an_email_is_a_plain_email(
        app, client, login_as, smtp_server):
    desk = login_as("desk")
    pk = _resolve(app, desk, make_complaint(app, complainant_email="budi@example.test"))
    page = client.get(f"/inform/{pk}").get_data(as_text=True)
    assert 'name="as_reply"' not in page  # no email to reply to
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        assert inbox.original_of(complaint) is None
        elsewhere = InboxMessage(message_id="<x@example.test>", sender="x@example.test",
                                 subject="Lain", body="", state="registered")
        with pytest.raises(services.ServiceError):  # an email of another complaint
            informing.send_by_email(complaint, "Hasil", "Pesan", app.appbuilder.sm.get_user_by_id(
                desk), reply_to=elsewhere)
        db.session.remove()
    post_form(client, f"/inform/{pk}", {"subject": "Hasil pengaduan", "message": "Selesai.",
                                        "action": "email"})
    [mail] = smtp_server.messages()
    assert mail["In-Reply-To"] is None and mail["Subject"] == "Hasil pengaduan"


# --- TLS ---------------------------------------------------------------------------------------

def _self_signed():
    """A certificate for 127.0.0.1 signed by itself, as a village server might have."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mail.babakan.desa.test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
    return (certificate.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


@pytest.fixture
def tls_server(app, monkeypatch):
    """dovecot with a self-signed certificate: (plain port with STARTTLS, TLS port, CA file)."""
    certificate = _self_signed()
    ca_file = Path(tempfile.mkdtemp(prefix="ca-")) / "desa-ca.pem"
    ca_file.write_bytes(certificate[0])
    for port, tls_port in _dovecot(app, monkeypatch, certificate):
        yield port, tls_port, str(ca_file)
    shutil.rmtree(ca_file.parent, ignore_errors=True)


@pytest.mark.parametrize("mode", ["ssl", "starttls"])
def test_the_mailbox_is_read_over_tls_trusting_the_village_servers_own_certificate(
        app, tls_server, monkeypatch, mode):
    port, tls_port, ca_file = tls_server
    _deliver(port, _mail("Lampu mati", "Gelap.", f"<tls-{mode}@example.test>"))
    monkeypatch.setitem(app.config, "IMAP_TLS", mode)
    monkeypatch.setitem(app.config, "IMAP_PORT", tls_port if mode == "ssl" else port)
    monkeypatch.setitem(app.config, "IMAP_ATTEMPTS", 1)
    with app.app_context():
        # The system's authorities do not know the village's certificate: refused, reported.
        refused = inbox.fetch_mail()
        assert not refused.ok and "CERTIFICATE_VERIFY_FAILED" in refused.error
        monkeypatch.setitem(app.config, "IMAP_CA_FILE", ca_file)
        read = inbox.fetch_mail()
        assert (read.ok, read.fetched) == (True, 1), read.error
        db.session.remove()
    assert [m.subject for m in _messages(app)] == ["Lampu mati"]


def test_an_unknown_tls_mode_is_reported_not_guessed(app, imap_server, monkeypatch):
    monkeypatch.setitem(app.config, "IMAP_TLS", "kadang")
    with app.app_context():
        record = inbox.fetch_mail(sleep=lambda seconds: None)
        assert not record.ok and "IMAP_TLS" in record.error


# --- Retention ---------------------------------------------------------------------------------

def test_old_emails_never_handled_or_set_aside_and_those_of_anonymised_complaints_are_erased(
        app, imap_server):
    """Retention: an email never handled or set aside as not a complaint keeps its sender's
    data for the retention years, then loses it with its stored files; the emails of a
    complaint go when the complaint is anonymised. Each keeps its Message-ID: never read in
    again."""
    for key in ("lama", "iklan", "baru", "terdaftar"):
        _deliver(imap_server, _mail(f"Pesan {key}", f"Isi {key}", f"<{key}@example.test>",
                                    attachments=[(f"{key}.png", "image", "png", png())]))
    with app.app_context():
        inbox.fetch_mail()
        rows = {m.message_id.strip("<>").split("@")[0]: m
                for m in db.session.query(InboxMessage)}
        old_day = datetime.datetime(2015, 3, 2, 9, 0)
        rows["lama"].fetched_at = old_day
        rows["iklan"].fetched_at = rows["iklan"].handled_at = old_day
        rows["iklan"].state = "not_complaint"
        complaint = db.session.get(Complaint, make_complaint(app, status="resolved"))
        complaint.closed_at = old_day
        rows["terdaftar"].fetched_at = old_day
        inbox.mark_registered(rows["terdaftar"], complaint, None)
        db.session.commit()
        keys = {k: rows[k].files[0].storage_key for k in ("lama", "iklan", "baru")}
        db.session.remove()

        retention.run(today=datetime.date(2026, 12, 1))
        rows = {m.message_id.strip("<>").split("@")[0]: m
                for m in db.session.query(InboxMessage)}
        for key in ("lama", "iklan", "terdaftar"):
            message = rows[key]
            assert (message.sender, message.subject, message.body, message.attachments) == (
                "(dianonimkan)", "(dianonimkan)", "(dianonimkan)", None), key
            assert [f.original_name for f in message.files] == ["(dianonimkan)"]
        assert rows["baru"].body == "Isi baru" and rows["baru"].files[0].storage_key
        store = storage.storage()
        for key in ("lama", "iklan"):
            with pytest.raises(storage.StorageError):
                store.get(keys[key])
        assert store.get(keys["baru"])
        db.session.remove()
        # Read again: nothing comes back.
        assert inbox.fetch_mail().fetched == 0


def test_a_villages_mailbox_is_set_in_the_environment_by_its_slug():
    """IMAP_USER_<SLUG> and the rest, as a deployment sets them (config.py reads them from
    the environment at start; IMAP_TLS_<SLUG> takes the same values as IMAP_TLS)."""
    env = {**os.environ, "IMAP_USER_KARANG_SARI": "karangsari", "IMAP_PASSWORD_KARANG_SARI":
           "rahasia", "IMAP_TLS_KARANG_SARI": "yes", "IMAP_FOLDER_CIPARI": "Pengaduan",
           # Empty: as if not set (an empty TLS setting must not turn TLS off).
           "IMAP_TLS_CIPARI": "", "IMAP_FOLDER_KARANG_SARI": " "}
    out = subprocess.run(
        [sys.executable, "-c", "import config; print(config.IMAP_USER_KARANG_SARI, "
         "config.IMAP_PASSWORD_KARANG_SARI, config.IMAP_TLS_KARANG_SARI, "
         "config.IMAP_FOLDER_CIPARI, hasattr(config, 'IMAP_USER_BABAKAN'), "
         "hasattr(config, 'IMAP_TLS_CIPARI'), hasattr(config, 'IMAP_FOLDER_KARANG_SARI'))"],
        cwd=Path(__file__).resolve().parents[1], env=env, capture_output=True, text=True,
        check=True)
    assert out.stdout.split() == ["karangsari", "rahasia", "ssl", "Pengaduan", "False",
                                  "False", "False"]


def test_one_villages_unusable_mailbox_settings_do_not_stop_the_others(app, client,
                                                                         monkeypatch,
                                                                         imap_server):
    """A port that is no number, a user without a password, a password imaplib cannot send
    and an empty setting: each such village's reading fails and is shown to its desk, and the
    villages after it are read all the same (by the background round and by the CLI)."""
    from app import background
    from app.auth import villages
    from tests.test_village_isolation import add_village, village_user

    with app.app_context():
        a_id = db.session.execute(text("SELECT min(id) FROM village")).scalar()
    bad_port = add_village(app, "cipari", "Cipari")
    no_password = add_village(app, "gandrungmangu", "Gandrungmangu")
    not_ascii = add_village(app, "majenang", "Majenang")
    b_id = add_village(app, "karang-sari", "Karangsari")  # read last: after every bad one
    village_user(app, bad_port, "desk", "c_petugas")
    for key, value in {"IMAP_USER_CIPARI": B_USER, "IMAP_PASSWORD_CIPARI": B_PASSWORD,
                       "IMAP_PORT_CIPARI": "sembilan",
                       "IMAP_USER_GANDRUNGMANGU": B_USER,
                       "IMAP_USER_MAJENANG": B_USER, "IMAP_PASSWORD_MAJENANG": "kata-sandi-é",
                       "IMAP_USER_KARANG_SARI": B_USER, "IMAP_PASSWORD_KARANG_SARI": B_PASSWORD,
                       "IMAP_FOLDER_KARANG_SARI": ""}.items():  # empty: the plain INBOX
        monkeypatch.setitem(app.config, key, value)
    monkeypatch.setitem(app.config, "IMAP_ATTEMPTS", 2)
    monkeypatch.setitem(app.config, "IMAP_RETRY_SECONDS", 0)
    _deliver(imap_server, _mail("Sumur Karangsari kering", "Sejak kemarau.", "<b@example.test>"),
             B_USER, B_PASSWORD)
    _deliver(imap_server, _mail("Lampu jalan Babakan mati", "Di RT 02.", "<a@example.test>"))

    with app.app_context():
        background.run_job("fetch-mail")
        db.session.remove()
    with app.app_context(), villages.every_village():
        kept = {(m.village_id, m.subject) for m in db.session.query(InboxMessage)}
        readings = {f.village_id: (f.ok, f.error or "") for f in db.session.query(InboxFetch)}
        tries = {f.village_id: f.attempts for f in db.session.query(InboxFetch)}
        db.session.remove()
    assert kept == {(a_id, "Lampu jalan Babakan mati"), (b_id, "Sumur Karangsari kering")}
    assert readings[a_id] == (True, "") and readings[b_id] == (True, "")
    assert "IMAP_PORT must be a number" in readings[bad_port][1]
    assert "IMAP_PASSWORD" in readings[no_password][1]
    assert readings[not_ascii][0] is False
    # Settings that cannot work are not tried again; a password refused may be tried again.
    assert (tries[bad_port], tries[no_password], tries[not_ascii]) == (1, 1, 2)
    login(client, "c_petugas")
    assert "Kotak surat tidak dapat dibaca" in client.get("/inbox/list/").get_data(as_text=True)

    result = app.test_cli_runner().invoke(args=["fetch-mail"])
    assert result.exit_code != 0
    assert "Cipari: the mailbox could not be read after 1 attempts" in result.output
    assert "Babakan: 0 new message(s)." in result.output
    assert "Karangsari: 0 new message(s)." in result.output

    # The first village without a user of its own reads nothing (no failure every round).
    monkeypatch.setitem(app.config, "IMAP_USER", "")
    with app.app_context(), villages.acting_for(a_id):
        assert inbox.fetch_mail() is None
        db.session.remove()
