"""Telling the complainant the result (SOP D.6): WhatsApp, email, letter.

The message is drafted from a template by ``app.services.response_templates.draft``.

Sending (or confirming a message was sent by hand) takes the workflow's
``inform`` step, which records channel, time and text in the timeline. An email
is sent inside the step's transaction: if the mail server refuses, nothing is
recorded and the user keeps the typed message.
"""

import re
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from urllib.parse import quote

from flask import current_app
from flask_babel import gettext

from app.auth.villages import current_village, public_base, village_data
from app.core import workflow
from app.core.errors import ServiceError
from app.core.numbering import group_tracking_code
from app.core.values import mail_can_reach
from app.extensions import db
from app.services import complaints as services

INFORMABLE = (workflow.RESOLVED, workflow.REJECTED, workflow.REFERRED)


def status_url():
    """The public page where residents check their complaint (their village's, when the
    installation holds several: ``/<slug>/status``)."""
    return public_base() + "/status"


def status_url_with_code(tracking_code):
    """The status page with ``tracking_code`` in its fragment (``/status#kode=ABCD-EFGH-JKLM``),
    what the receipt's QR code opens: a small script on the page fills the code field from
    it, and a fragment never reaches the server, its logs or a proxy's."""
    return f"{status_url()}#kode={group_tracking_code(tracking_code)}"


def whatsapp_link(phone, message):
    """A click-to-chat link to ``phone`` (+62...) with ``message`` filled in."""
    digits = re.sub(r"\D", "", phone or "")
    return f"https://wa.me/{digits}?text={quote(message, safe='')}"


def check_can_inform(complaint):
    """Refuse early when the complaint is not waiting to be informed, or has nobody to
    inform (recorded without identity)."""
    if complaint.without_identity:
        raise services.ServiceError(services.no_identity_refusal())
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


def send_by_email(complaint, subject, message, user, reply_to=None):
    """Send the message to the complainant's email and take the inform step, or neither.

    ``reply_to``: the resident's email the complaint came from (``inbox.original_of``); the
    answer then goes as a reply to it (In-Reply-To and References, subject "Re: ..."), so
    their mail app keeps the conversation together.
    """
    check_can_inform(complaint)
    if reply_to is not None and reply_to.complaint_id != complaint.id:
        raise services.ServiceError(gettext(
            "This complaint did not come by email: there is no message to reply to."))
    if not smtp_configured():
        raise services.ServiceError(gettext(
            "Sending email is not set up (SMTP_HOST). Use WhatsApp or a letter."))
    if not complaint.complainant_email:
        raise services.ServiceError(gettext("The complainant has no email address."))
    services.apply_step(complaint, "inform", {"channel": "email", "message": message}, user,
                        commit=False)
    village = village_data(complaint.village_id)
    try:
        if reply_to is not None:
            send_email(complaint.complainant_email, reply_subject(reply_to.subject), message,
                       in_reply_to=reply_to.message_id, village=village)
        else:
            send_email(complaint.complainant_email, subject, message, village=village)
    except services.ServiceError:
        db.session.rollback()
        raise
    db.session.commit()
    return complaint


def reply_subject(subject):
    """``Re: <subject>`` (once: a subject that already starts with Re: stays as it is)."""
    subject = " ".join((subject or "").split())
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


class UnreachableAddress(ServiceError):
    """An address no mail is ever sent to (``values.mail_can_reach``): trying again cannot
    help."""


def send_email(to, subject, body, keep=None, in_reply_to=None, village=None):
    """Send one plain-text email through the configured SMTP server.

    ``in_reply_to``: the Message-ID of the resident's email this one answers (the
    In-Reply-To and References headers, which mail apps thread by). ``village``
    (``VillageData``): the village the email speaks for: the sender's name is its
    government's and answers go to its own address (Reply-To), while the address it is sent
    from stays the installation's MAIL_FROM (one mail server for a kabupaten's villages).

    Raises ``ServiceError`` with a message the desk can act on; the server's
    own text goes to the log, not to the screen. ``keep``: a dict in which the open
    connection is kept for the next call (the outbox sends a batch over one connection);
    a failure closes it, so the next call connects again.
    """
    cfg = current_app.config
    if not to or any(char.isspace() for char in to):
        raise services.ServiceError(gettext(
            "The complainant's email address is not valid; correct it on the complaint first."))
    if not mail_can_reach(to):
        raise UnreachableAddress(gettext(
            "%(address)s is a placeholder that cannot receive email.", address=to))
    mail = EmailMessage()
    sender = cfg.get("MAIL_FROM") or (village or current_village()).email
    if village is not None:
        mail["From"] = formataddr((f"Pemerintah Desa {village.name}", sender))
        if village.email and village.email.lower() != sender.lower():
            mail["Reply-To"] = village.email
    else:
        mail["From"] = sender
    mail["To"] = to
    # One line: a line break in a header would start another header (Bcc: ...), and the
    # email library refuses it.
    mail["Subject"] = " ".join(subject.split())
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain="pengaduan.desa")
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
        mail["References"] = in_reply_to
    mail.set_content(body)
    try:
        if keep is None:
            with _open_smtp() as smtp:
                smtp.send_message(mail)
        else:
            if keep.get("smtp") is None:
                keep["smtp"] = _open_smtp()
            keep["smtp"].send_message(mail)
    except smtplib.SMTPAuthenticationError:
        _close_kept(keep)
        _log_smtp_failure()
        raise services.ServiceError(_email_failed(gettext(
            "the mail server refused the user name or password"))) from None
    except smtplib.SMTPRecipientsRefused:
        _log_smtp_failure()  # the connection is fine: only this address was refused
        raise services.ServiceError(_email_failed(gettext(
            "the mail server refused the recipient's address"))) from None
    except (OSError, smtplib.SMTPException):
        _close_kept(keep)
        _log_smtp_failure()
        raise services.ServiceError(_email_failed(gettext(
            "the mail server could not be reached or did not accept the message"))) from None


def _open_smtp():
    """A connection to the configured SMTP server, TLS started and logged in."""
    cfg = current_app.config
    smtp = smtplib.SMTP(cfg["SMTP_HOST"], int(cfg.get("SMTP_PORT") or 587),
                        timeout=float(cfg.get("SMTP_TIMEOUT") or 15))
    try:
        if cfg.get("SMTP_USE_TLS"):
            smtp.starttls()
        if cfg.get("SMTP_USERNAME"):
            smtp.login(cfg["SMTP_USERNAME"], cfg.get("SMTP_PASSWORD") or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def close_kept(keep):
    """Say goodbye on a connection kept by ``send_email`` (end of a batch)."""
    smtp = (keep or {}).pop("smtp", None)
    if smtp is not None:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def _close_kept(keep):
    smtp = (keep or {}).pop("smtp", None)
    if smtp is not None:
        smtp.close()


def _email_failed(reason):
    return gettext("The email was not sent: %(reason)s. The complaint was not marked as "
                   "informed; your message is kept below. Check the email settings or use "
                   "another way.", reason=reason)


def _log_smtp_failure():
    current_app.logger.warning("Sending email failed", exc_info=True)
