"""Telling the complainant the result (SOP D.6): message templates, WhatsApp, email, letter.

Sending (or confirming a message was sent by hand) takes the workflow's
``inform`` step, which records channel, time and text in the timeline. An email
is sent inside the step's transaction: if the mail server refuses, nothing is
recorded and the user keeps the typed message.
"""

import re
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from io import BytesIO
from urllib.parse import quote
from xml.sax.saxutils import escape

from flask import current_app
from flask_babel import force_locale, gettext

from app import services, workflow
from app.choices import OUTCOME_TYPES, STATUSES, label
from app.extensions import db
from app.models import MessageTemplate
from app.timeutil import date_id, today_wib

INFORMABLE = (workflow.RESOLVED, workflow.REJECTED, workflow.REFERRED)

# Placeholders an admin may use in a template, and what each becomes.
PLACEHOLDERS = (
    "name", "register_number", "tracking_code", "subject", "result", "outcome",
    "public_note", "reason", "office", "village", "phone", "email", "status_url",
)

DEFAULT_TEMPLATES = {
    workflow.RESOLVED: (
        "Hasil penanganan pengaduan {register_number}",
        "Yth. Bapak/Ibu {name},\n\n"
        "Pengaduan Anda nomor {register_number} tentang \"{subject}\" telah selesai "
        "ditindaklanjuti oleh Pemerintah Desa {village}.\n\n"
        "Hasil: {outcome}.\n{public_note}\n\n"
        "Jika ada yang ingin ditanyakan, silakan hubungi kami di {phone} (telepon/WhatsApp) "
        "atau {email}, atau datang ke kantor desa. Status pengaduan dapat dilihat di "
        "{status_url} dengan kode pelacakan {tracking_code}.\n\n"
        "Terima kasih atas partisipasi Anda.\nPetugas Pengelola Pengaduan Desa {village}",
    ),
    workflow.REJECTED: (
        "Pemberitahuan pengaduan {register_number}",
        "Yth. Bapak/Ibu {name},\n\n"
        "Pengaduan Anda nomor {register_number} tentang \"{subject}\" tidak dapat kami "
        "tindak lanjuti.\n\nAlasan: {reason}\n\n"
        "Jika ada yang ingin ditanyakan atau Anda ingin melengkapi pengaduan, silakan hubungi "
        "kami di {phone} (telepon/WhatsApp) atau {email}, atau datang ke kantor desa.\n\n"
        "Terima kasih.\nPetugas Pengelola Pengaduan Desa {village}",
    ),
    workflow.REFERRED: (
        "Pengaduan {register_number} dilimpahkan",
        "Yth. Bapak/Ibu {name},\n\n"
        "Pengaduan Anda nomor {register_number} tentang \"{subject}\" berada di luar "
        "kewenangan desa dan telah kami limpahkan kepada {office}.\n{public_note}\n\n"
        "Jika ada yang ingin ditanyakan, silakan hubungi kami di {phone} (telepon/WhatsApp) "
        "atau {email}, atau datang ke kantor desa.\n\n"
        "Terima kasih.\nPetugas Pengelola Pengaduan Desa {village}",
    ),
}


def seed_message_templates():
    """Add the default Indonesian template of each result that has none yet (idempotent)."""
    existing = {key for (key,) in db.session.query(MessageTemplate.key)}
    for key, (subject, body) in DEFAULT_TEMPLATES.items():
        if key not in existing:
            db.session.add(MessageTemplate(key=key, subject=subject, body=body))


def placeholder_values(complaint):
    """What each placeholder of a template becomes for ``complaint`` (Indonesian labels)."""
    from app.receipts import status_url

    village = current_app.config["VILLAGE"]
    with force_locale("id"):
        return {
            "name": complaint.complainant_name,
            "register_number": complaint.register_number,
            "tracking_code": complaint.tracking_code,
            "subject": complaint.subject,
            "result": str(label(STATUSES, complaint.status)),
            "outcome": str(label(OUTCOME_TYPES, complaint.outcome_type))
            if complaint.outcome_type else "-",
            "public_note": complaint.public_note or "",
            "reason": complaint.rejection_reason or complaint.public_note or "-",
            "office": complaint.referred_to or "-",
            "village": village["name"],
            "phone": village["phone"],
            "email": village["email"],
            "status_url": status_url(),
        }


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(text, values):
    """Replace ``{name}`` placeholders; unknown ones stay as typed.

    Deliberately not ``str.format``: a template is typed by an admin, and
    format strings can reach object attributes.
    """
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text or "")


def template_for(complaint):
    return db.session.query(MessageTemplate).filter_by(key=complaint.status).first()


def draft(complaint):
    """(subject, message) prefilled from the template of the complaint's result."""
    template = template_for(complaint)
    if template is None:
        subject, body = DEFAULT_TEMPLATES.get(complaint.status, ("{register_number}", ""))
    else:
        subject, body = template.subject, template.body
    values = placeholder_values(complaint)
    return fill(subject, values), fill(body, values).strip()


def whatsapp_link(phone, message):
    """A click-to-chat link to ``phone`` (+62...) with ``message`` filled in."""
    digits = re.sub(r"\D", "", phone or "")
    return f"https://wa.me/{digits}?text={quote(message, safe='')}"


def check_can_inform(complaint):
    """Refuse early when the complaint is not waiting to be informed."""
    if complaint.status not in INFORMABLE:
        raise services.ServiceError(gettext(
            "Only a resolved, rejected or referred complaint can be reported to the complainant."))


def confirm_sent(complaint, channel, message, user):
    """Record that the message went out by hand (WhatsApp or letter)."""
    check_can_inform(complaint)
    if channel not in ("whatsapp", "letter"):
        raise services.ServiceError(gettext("Unknown way of sending."))
    return services.apply_step(complaint, "inform", {"channel": channel, "message": message},
                               user)


def smtp_configured():
    return bool(current_app.config.get("SMTP_HOST"))


def send_by_email(complaint, subject, message, user):
    """Send the message to the complainant's email and take the inform step, or neither."""
    check_can_inform(complaint)
    if not smtp_configured():
        raise services.ServiceError(gettext(
            "Sending email is not set up (SMTP_HOST). Use WhatsApp or a letter."))
    if not complaint.complainant_email:
        raise services.ServiceError(gettext("The complainant has no email address."))
    services.apply_step(complaint, "inform", {"channel": "email", "message": message}, user,
                        commit=False)
    try:
        send_email(complaint.complainant_email, subject, message)
    except services.ServiceError:
        db.session.rollback()
        raise
    db.session.commit()
    return complaint


def send_email(to, subject, body):
    """Send one plain-text email through the configured SMTP server.

    Raises ``ServiceError`` with a message the desk can act on; the server's
    own text goes to the log, not to the screen.
    """
    cfg = current_app.config
    if not to or any(char.isspace() for char in to):
        raise services.ServiceError(gettext(
            "The complainant's email address is not valid; correct it on the complaint first."))
    mail = EmailMessage()
    mail["From"] = cfg.get("MAIL_FROM") or cfg["VILLAGE"]["email"]
    mail["To"] = to
    # One line: a line break in a header would start another header (Bcc: ...), and the
    # email library refuses it.
    mail["Subject"] = " ".join(subject.split())
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain="pengaduan.desa")
    mail.set_content(body)
    try:
        with smtplib.SMTP(cfg["SMTP_HOST"], int(cfg.get("SMTP_PORT") or 587),
                          timeout=float(cfg.get("SMTP_TIMEOUT") or 15)) as smtp:
            if cfg.get("SMTP_USE_TLS"):
                smtp.starttls()
            if cfg.get("SMTP_USERNAME"):
                smtp.login(cfg["SMTP_USERNAME"], cfg.get("SMTP_PASSWORD") or "")
            smtp.send_message(mail)
    except smtplib.SMTPAuthenticationError:
        _log_smtp_failure()
        raise services.ServiceError(_email_failed(gettext(
            "the mail server refused the user name or password"))) from None
    except smtplib.SMTPRecipientsRefused:
        _log_smtp_failure()
        raise services.ServiceError(_email_failed(gettext(
            "the mail server refused the recipient's address"))) from None
    except (OSError, smtplib.SMTPException):
        _log_smtp_failure()
        raise services.ServiceError(_email_failed(gettext(
            "the mail server could not be reached or did not accept the message"))) from None


def _email_failed(reason):
    return gettext("The email was not sent: %(reason)s. The complaint was not marked as "
                   "informed; your message is kept below. Check the email settings or use "
                   "another way.", reason=reason)


def _log_smtp_failure():
    current_app.logger.warning("Sending email failed", exc_info=True)


def letter_pdf(complaint, message):
    """A printable A4 letter to the complainant with the message, on the village letterhead."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import HRFlowable, Paragraph, SimpleDocTemplate, Spacer

    from app.meeting_pdf import signatory
    from app.receipts import letterhead_lines

    village = current_app.config["VILLAGE"]
    styles = getSampleStyleSheet()
    head = ParagraphStyle("head", parent=styles["Normal"], alignment=1,
                          fontName="Helvetica-Bold", fontSize=12, leading=15)
    small = ParagraphStyle("small", parent=styles["Normal"], alignment=1, fontSize=8, leading=10)
    body = ParagraphStyle("body", parent=styles["Normal"], fontSize=11, leading=15)
    right = ParagraphStyle("right", parent=body, alignment=2)

    def para(text, style=body):
        return Paragraph(escape(text or "").replace("\n", "<br/>"), style)

    with force_locale("id"):
        lines = letterhead_lines()
        story = [para(line, head) for line in lines[:3]]
        story += [para(lines[3], small),
                  HRFlowable(width="100%", thickness=2, color=colors.black, spaceBefore=4),
                  Spacer(1, 4 * mm),
                  para(f"{village['name']}, {date_id(today_wib())}", right),
                  para(gettext("Regarding: result of your complaint %(number)s",
                               number=complaint.register_number)),
                  Spacer(1, 4 * mm),
                  para(gettext("To")), para(complaint.complainant_name),
                  para(complaint.complainant_address), Spacer(1, 6 * mm),
                  para(message), Spacer(1, 12 * mm),
                  para(gettext("Complaint officer"), right), Spacer(1, 18 * mm),
                  para(signatory("petugas_pengelola", "(" + "." * 30 + ")"), right)]
    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, leftMargin=25 * mm, rightMargin=20 * mm,
                      topMargin=15 * mm, bottomMargin=15 * mm,
                      title=f"Surat {complaint.register_number}").build(story)
    return buffer.getvalue()
