"""The village mailbox over IMAP: read each message once into the desk's "Kotak masuk".

``fetch_mail`` reads the current village's mailbox (``mailbox_settings``: the ``IMAP_*``
settings, those ending in the village's slug first), keeps every message
not seen before (by Message-ID, remembered in ``inbox_message``: never twice, even after
a restart) and flags it as seen in the mailbox; it never deletes or moves anything. A
connection that fails is tried again (``IMAP_ATTEMPTS``) and every reading is recorded
in ``inbox_fetch``, so the admin and the desk see when the mailbox could not be read.

The photos and PDFs of a message are checked when it is read, as an upload is
(``app.services.evidence``: type from the bytes, EXIF stripped, size and count limits): a
file that passes is stored at once, one that does not is named on the inbox page with why.
The desk then turns a message into a complaint (the add form prefilled from it), links it
to an existing complaint (it joins that timeline), or marks it "not a complaint" with a
reason; registering or linking passes the stored files to the complaint.
"""

import contextlib
import datetime
import email
import email.policy
import hashlib
import html
import imaplib
import re
import socket
import ssl
import time
from email.utils import parseaddr, parsedate_to_datetime
from html.parser import HTMLParser

from flask import current_app
from flask_babel import gettext
from sqlalchemy import delete, func

from app.auth import access, villages
from app.core import workflow
from app.core.errors import ServiceError
from app.core.timeutil import WIB, now_wib
from app.extensions import db
from app.models import InboxAttachment, InboxFetch, InboxMessage
from app.services import complaints as services, evidence, storage

NEW = "new"
REGISTERED = "registered"
LINKED = "linked"
NOT_COMPLAINT = "not_complaint"
STATES = (NEW, REGISTERED, LINKED, NOT_COMPLAINT)
# The end of the key made for a message that came without a Message-ID: nothing to reply to.
NO_MESSAGE_ID = "@tanpa-message-id>"


class _Text(HTMLParser):
    """The text of an HTML mail: no tags, no scripts or styles, block ends as line breaks."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "table"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head") and self._skip:
            self._skip -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_to_text(markup):
    """Safe plain text from an HTML body (what the desk reads and what a complaint keeps)."""
    parser = _Text()
    parser.feed(markup or "")
    parser.close()
    text = html.unescape("".join(parser.parts))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def parse(raw):
    """The fields kept of one RFC 5322 message (bytes): plain text preferred, else the HTML
    reduced to text; attachments by file name."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    message_id = (message.get("Message-ID") or "").strip()
    if not message_id:
        message_id = "<" + hashlib.sha256(raw).hexdigest() + NO_MESSAGE_ID
    name, address = parseaddr(str(message.get("From") or ""))
    body_part = message.get_body(preferencelist=("plain", "html"))
    body = ""
    if body_part is not None:
        content = body_part.get_content()
        body = html_to_text(content) if body_part.get_content_subtype() == "html" \
            else content.strip()
    files = [(part.get_filename(), part.get_payload(decode=True) or b"")
             for part in message.iter_attachments() if part.get_filename()]
    sent_at = None
    if message.get("Date"):
        try:
            sent_at = parsedate_to_datetime(str(message["Date"]))
            if sent_at.tzinfo is not None:
                sent_at = sent_at.astimezone(WIB).replace(tzinfo=None)
        except (TypeError, ValueError):
            sent_at = None
    return {
        "message_id": message_id[:255],
        "sender": (address or str(message.get("From") or ""))[:255],
        "sender_name": (name or None) and name[:120],
        "subject": " ".join(str(message.get("Subject") or "").split())[:255]
        or gettext("(no subject)"),
        "body": body[:20000],
        "attachments": "\n".join(evidence.clean_name(name) for name, _ in files) or None,
        "sent_at": sent_at,
        "files": files,
    }


def check_files(files):
    """``[(InboxAttachment, Prepared or None)]`` for the ``(name, bytes)`` of one email: the
    upload checks of ``evidence`` (size, type from the bytes, photos re-encoded without
    EXIF), and at most ``ATTACHMENT_MAX_PER_REQUEST`` files kept per email, as per upload.
    A refused file gets its reason, never its bytes."""
    most = current_app.config["ATTACHMENT_MAX_PER_REQUEST"]
    checked = []
    for name, data in files:
        name = evidence.clean_name(name)
        row = InboxAttachment(original_name=name, size=len(data))
        try:
            evidence.check_size(name, data)
            if sum(1 for _, kept in checked if kept is not None) >= most:
                raise evidence.FileRefused(gettext(
                    "%(name)s was not kept: at most %(count)d files of one email are kept.",
                    name=name, count=most))
            prepared = evidence.prepare(name, data)
        except evidence.FileRefused as exc:
            row.refused = str(exc)[:2000]
            checked.append((row, None))
            continue
        row.kind, row.content_type = prepared.kind, prepared.content_type
        row.size, row.sha256 = prepared.size, prepared.sha256
        checked.append((row, prepared))
    return checked


def _keep(fields, files):
    """Keep one new message with its checked files: the files written first, the rows
    committed with them, or neither (``evidence.saved_together``)."""
    checked = check_files(files)
    with evidence.saved_together([p for _, p in checked if p is not None]) as staged:
        message = InboxMessage(**fields, state=NEW, fetched_at=now_wib())
        stored = iter(staged)
        for row, prepared in checked:
            if prepared is not None:
                entry = next(stored)
                row.storage_key, row.thumbnail_key = entry.key, entry.thumbnail_key
            message.files.append(row)
        db.session.add(message)
        db.session.commit()  # kept before the mailbox is flagged: never lost


TLS_MODES = ("ssl", "starttls", "none")


class MailboxSettingError(Exception):
    """A mailbox setting the app cannot use (reported like a failed connection)."""


def tls_mode(value):
    """The ``IMAP_TLS`` setting as one of ``TLS_MODES`` (True/False: ssl/none)."""
    if isinstance(value, bool):
        return "ssl" if value else "none"
    mode = str(value or "none").strip().lower()
    if mode not in TLS_MODES:
        raise MailboxSettingError(f"IMAP_TLS must be ssl, starttls or none, not {value!r}")
    return mode


def _connect(config):
    """An IMAP connection as ``IMAP_TLS`` says; with TLS the server's certificate and name
    are checked against the system's authorities, or only ``IMAP_CA_FILE`` when it is set
    (a village server with its own self-signed certificate)."""
    host = config["IMAP_HOST"]
    try:
        port = int(config["IMAP_PORT"])
    except (TypeError, ValueError):
        raise MailboxSettingError(f"IMAP_PORT must be a number, not {config['IMAP_PORT']!r}") \
            from None
    timeout = float(current_app.config["IMAP_TIMEOUT"])
    mode = tls_mode(config.get("IMAP_TLS"))
    if mode == "none":
        return imaplib.IMAP4(host, port, timeout=timeout)
    context = ssl.create_default_context(cafile=config.get("IMAP_CA_FILE") or None)
    if mode == "ssl":
        return imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=timeout)
    imap = imaplib.IMAP4(host, port, timeout=timeout)
    try:
        imap.starttls(ssl_context=context)
    except BaseException:
        with contextlib.suppress(OSError):  # a failed handshake may have closed it already
            imap.shutdown()
        raise
    return imap


# The settings of one mailbox; each may end in a village's slug (``IMAP_USER_KARANGSARI``).
MAILBOX_KEYS = ("IMAP_HOST", "IMAP_PORT", "IMAP_USER", "IMAP_PASSWORD", "IMAP_FOLDER",
                "IMAP_TLS", "IMAP_CA_FILE")
# Those that, without the ending, are the first village's only (its mailbox, not the server).
FIRST_VILLAGES = ("IMAP_USER", "IMAP_PASSWORD")


def mailbox_settings(village, first):
    """The IMAP settings of ``village``'s own mailbox, or None when it has none.

    Each setting ending in the village's slug in capitals (``IMAP_USER_KARANGSARI``; "-" as
    "_") where there is one, else the installation's (one mail server for the kabupaten).
    The user and password without the ending are the ``first`` village's mailbox only, as
    before there were several villages: another village without its own reads nothing,
    rather than the first village's mail. Without a user (the first village's too) there is
    no mailbox to read.
    """
    config = current_app.config
    end = "_" + re.sub(r"[^A-Z0-9]", "_", village.slug.upper())

    def own(key):  # an empty value is as if not set; a password is kept as it is
        value = config.get(key + end)
        if not isinstance(value, str):
            return value
        if not value.strip():
            return None
        return value if key == "IMAP_PASSWORD" else value.strip()

    settings = {}
    for key in MAILBOX_KEYS:
        value = own(key)
        if value is None and (first or key not in FIRST_VILLAGES):
            value = config.get(key)
        settings[key] = value
    if not settings["IMAP_HOST"] or not settings["IMAP_USER"]:
        return None
    return settings


def _read_new(config):
    """Keep the folder's messages not seen before; return how many were new."""
    if not config["IMAP_PASSWORD"]:  # (a mailbox has a user: ``mailbox_settings``)
        raise MailboxSettingError("IMAP_PASSWORD is needed with IMAP_USER")
    known = {row[0] for row in db.session.query(InboxMessage.message_id)}
    new = 0
    with _connect(config) as imap:
        imap.login(config["IMAP_USER"], config["IMAP_PASSWORD"])
        status, _ = imap.select(config["IMAP_FOLDER"])
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot open folder {config['IMAP_FOLDER']}")
        status, data = imap.uid("SEARCH", None, "ALL")
        for uid in (data[0] or b"").split():
            status, parts = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((part[1] for part in parts if isinstance(part, tuple)), None)
            if status != "OK" or raw is None:
                continue
            fields = parse(raw)
            files = fields.pop("files")
            if fields["message_id"] not in known:
                _keep(fields, files)
                known.add(fields["message_id"])
                new += 1
            imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    return new


def fetch_mail(sleep=time.sleep):
    """Read the current village's mailbox once (tried ``IMAP_ATTEMPTS`` times) into its
    inbox and record the reading as that village's.

    Returns the ``InboxFetch`` row; None when the village has no mailbox.
    """
    village = villages.current_village()
    mailbox = mailbox_settings(village, first=village.id == villages.first_village_id())
    if mailbox is None:
        return None
    config = current_app.config
    attempts = max(1, int(config.get("IMAP_ATTEMPTS") or 1))
    record = InboxFetch(started_at=now_wib(), ok=False, fetched=0, attempts=0)
    for attempt in range(1, attempts + 1):
        record.attempts = attempt
        try:
            record.fetched = _read_new(mailbox)
        # UnicodeError: a password imaplib cannot send (it sends ASCII only).
        except (OSError, socket.timeout, imaplib.IMAP4.error, evidence.StorageFailed,
                MailboxSettingError, UnicodeError) as exc:
            db.session.rollback()
            current_app.logger.warning("Reading the mailbox failed (attempt %s)", attempt,
                                       exc_info=True)
            record.error = f"{type(exc).__name__}: {exc}"[:2000]
            if isinstance(exc, MailboxSettingError):
                break  # the same settings fail the same way: not tried again
            if attempt < attempts:
                sleep(float(config.get("IMAP_RETRY_SECONDS") or 0))
            continue
        record.ok, record.error = True, None
        break
    db.session.add(record)
    # A day of readings is kept (the desk is shown the last one; the day's, to look into a
    # failure): at the default interval 288 rows a village, not 100,000 a year.
    db.session.execute(delete(InboxFetch).where(
        InboxFetch.village_id == village.id,
        InboxFetch.started_at < record.started_at - datetime.timedelta(days=1)))
    db.session.commit()
    return record


def original_of(complaint):
    """The resident's email a reply about ``complaint`` answers: the one it was registered
    from, else the latest one added to it; None when there is none with a Message-ID."""
    if complaint is None or complaint.id is None:
        return None
    rows = db.session.query(InboxMessage).filter(
        InboxMessage.complaint_id == complaint.id,
        InboxMessage.state.in_((REGISTERED, LINKED)),
        InboxMessage.message_id.notlike("%" + NO_MESSAGE_ID))
    return (rows.filter(InboxMessage.state == REGISTERED).order_by(InboxMessage.id).first()
            or rows.order_by(InboxMessage.id.desc()).first())


ERASED = "(dianonimkan)"


def forget(message):
    """Erase what ``message`` holds about its sender (no commit): sender, subject, text, file
    names and refusals, and the stored files not passed to a complaint (deleted at once: a
    rolled-back erasure leaves rows whose files are gone, which the inbox answers with 503,
    never with the resident's data). The Message-ID stays, so the email is never read in
    again from the mailbox."""
    message.sender, message.sender_name = ERASED, None
    message.subject = message.body = ERASED
    message.attachments = None
    store = storage.storage()
    for file in message.files:
        for key in (file.storage_key, file.thumbnail_key):
            if key:
                try:
                    store.delete(key)
                except storage.StorageError:
                    current_app.logger.exception("Inbox file %s could not be removed", key)
        file.storage_key = file.thumbnail_key = None
        file.original_name, file.refused = ERASED, None


def forget_of_complaint(complaint):
    """Erase the emails registered as or added to ``complaint`` (its anonymisation)."""
    for message in db.session.query(InboxMessage).filter(
            InboxMessage.complaint_id == complaint.id, InboxMessage.body != ERASED):
        forget(message)


def to_forget(before):
    """The emails never handled, or set aside as not a complaint, that arrived (or were set
    aside) before ``before`` and still hold their sender's data."""
    return db.session.query(InboxMessage).filter(
        InboxMessage.state.in_((NEW, NOT_COMPLAINT)), InboxMessage.body != ERASED,
        func.coalesce(InboxMessage.handled_at, InboxMessage.fetched_at) < before).all()


def forget_old(before):
    """Erase ``to_forget(before)`` (the retention run); returns how many (no commit)."""
    old = to_forget(before)
    for message in old:
        forget(message)
    return len(old)


def last_fetch():
    return db.session.query(InboxFetch).order_by(InboxFetch.id.desc()).first()


def check_new(message):
    """Refuse a message that is missing or was already handled (409)."""
    if message is None:
        raise ServiceError(gettext("There is no such message in the inbox."))
    if message.state != NEW:
        raise ServiceError(gettext("This message was already handled."), code=409)


def _handled(message, state, user, complaint=None, reason=None):
    message.state = state
    message.complaint = complaint
    message.reason = reason
    message.handled_at = now_wib()
    if user is not None and getattr(user, "is_authenticated", False):
        message.handled_by_id = user.id


def prefill(message):
    """What the add form starts from for ``message``: channel email, the sender's address and
    name, subject and text; address and phone are for the desk to complete (or to ask the
    sender)."""
    return {"channel": "email", "complainant_email": message.sender,
            "complainant_name": message.sender_name or "", "subject": message.subject[:200],
            "description": message.body[:5000] or message.subject}


def attach_files(message, complaint, user, at=None):
    """Give ``complaint`` the stored files of ``message`` (rows added; the caller commits).

    Each stored file changes owner: the complaint's ``Attachment`` takes its key, so the
    bytes are neither copied nor left to the inbox. They count as the resident's own files
    (the resident sees them on the status page). Files beyond the complaint's limit
    (``ATTACHMENT_MAX_PER_COMPLAINT``) stay with the email, refused with the reason.
    Returns the new ``Attachment`` rows.
    """
    kept = [f for f in message.files if f.storage_key]
    if not kept:
        return []
    most = current_app.config["ATTACHMENT_MAX_PER_COMPLAINT"]
    room = max(0, most - (evidence.count_on(complaint) if complaint.id else 0))
    for extra in kept[room:]:
        extra.refused = gettext("%(name)s was not added: a complaint holds at most "
                                "%(count)d files.", name=extra.original_name, count=most)
    kept = kept[:room]
    staged = [evidence.Staged(evidence.Prepared(
        f.original_name, f.kind, f.content_type, f.storage_key.rpartition(".")[2], b"", None,
        f.sha256, size=f.size), f.storage_key, f.thumbnail_key) for f in kept]
    rows = evidence.record(staged, user, complaint, resident=True, at=at)
    for file, row in zip(kept, rows):
        file.attachment = row
        file.storage_key = file.thumbnail_key = None
    return rows


def mark_registered(message, complaint, user):
    """Record that ``complaint`` (being registered, not yet committed) was made from
    ``message``, with the email's files; the caller commits both together."""
    check_new(message)
    _handled(message, REGISTERED, user, complaint)
    services.add_event(complaint, "email_message", user, complaint.status, complaint.status,
                       data={"message_id": message.message_id})
    attach_files(message, complaint, user, at=complaint.created_at)


def mark_not_complaint(message, reason, user):
    """Set ``message`` aside as not a complaint, with a reason (required), and commit."""
    check_new(message)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(gettext("Say why this message is not a complaint."), field="reason")
    _handled(message, NOT_COMPLAINT, user, reason=reason)
    db.session.commit()


def link_to_complaint(message, complaint, user):
    """Add ``message`` to ``complaint``'s timeline as a further message from the resident
    (a desk-only note: it holds personal data) and commit."""
    check_new(message)
    if complaint is None or not access.can_view(user, complaint) or complaint.voided:
        raise ServiceError(gettext("Choose a complaint you may work on."), field="complaint")
    _handled(message, LINKED, user, complaint)
    note = gettext("Email from %(sender)s: %(subject)s", sender=message.sender,
                   subject=message.subject) + "\n\n" + message.body
    services.add_event(complaint, "email_message", user, complaint.status, complaint.status,
                       note=note[:20000], audience=workflow.DESK_ONLY,
                       data={"message_id": message.message_id})
    attach_files(message, complaint, user)
    services.touch(complaint, user)
    db.session.commit()
