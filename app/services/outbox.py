"""Delivering the outbox: email over SMTP and Telegram, with retries, backoff and quiet hours.

Messages were written by ``app.services.notifications`` in the transaction of their cause; here
they leave. Each message is claimed before it is sent, by one conditional UPDATE that
moves its next attempt into the future and counts the attempt: of two senders (two app
processes, or the thread and ``flask notifications send``) only one claims it, so nothing
is sent twice, and a sender that dies mid-send leaves it to be retried after the
backoff. A failure (the mail server down, a refused address) is written on the message
and retried later; after ``OUTBOX_MAX_ATTEMPTS`` it is marked failed and the admin can
resend it. Nothing here ever reaches the step that queued the message.

Quiet hours (``notifications.release_time``) hold messages that are not urgent, retries
too.
"""

import datetime as dt
import json
import time
import urllib.error
import urllib.request

from flask import current_app
from flask_babel import gettext
from sqlalchemy import update

from app.auth import villages
from app.core.errors import ServiceError
from app.core.timeutil import now_wib
from app.extensions import db
from app.models import OutboxMessage
from app.models.notifications import EMAIL, FAILED, QUEUED, SENT, TELEGRAM
from app.services import accounts, inbox, informing
from app.services.notifications import release_time

# Minutes to wait after the n-th failed attempt (the last value repeats).
BACKOFF_MINUTES = (1, 5, 15, 60, 180, 360)


class DeliveryFailed(Exception):
    """A message could not be delivered now; the text says why (kept on the message).
    ``permanent``: trying again cannot help (failed at once, the admin sees why)."""

    def __init__(self, message, permanent=False):
        super().__init__(message)
        self.permanent = permanent


def backoff(attempts):
    """How long to wait after ``attempts`` failed attempts."""
    index = min(max(attempts, 1), len(BACKOFF_MINUTES)) - 1
    return dt.timedelta(minutes=BACKOFF_MINUTES[index])


def send_due(now=None, limit=200, pause=None):
    """Deliver the queued messages that are due; returns (sent, retried or failed) counts.

    Between two messages the sender rests ``pause`` seconds (``OUTBOX_SEND_PAUSE``): inside
    ``python run.py`` it is a thread of the process that serves the pages, and sending a
    backlog flat out took most of that process's time (pages three times slower while 1,000
    messages left); a village's messages are not in such a hurry.
    """
    now = now or now_wib()
    pause = current_app.config.get("OUTBOX_SEND_PAUSE", 0) if pause is None else pause
    due = [row[0] for row in db.session.query(OutboxMessage.id).filter(
        OutboxMessage.status == QUEUED, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)]
    db.session.commit()
    sent = failed = 0
    keep = {}  # one SMTP connection for the whole batch
    try:
        for position, message_id in enumerate(due):
            if position and pause:
                time.sleep(pause)
            if not _claim(message_id, now):
                continue  # another sender has it
            message = db.session.get(OutboxMessage, message_id)
            if _deliver_and_record(message, now, keep):
                sent += 1
            else:
                failed += 1
    finally:
        informing.close_kept(keep)
    return sent, failed


def _deliver_and_record(message, now, keep):
    """Deliver one claimed message and write the outcome; True when it was sent."""
    try:
        deliver(message, keep)
    except DeliveryFailed as exc:
        message.last_error = str(exc)[:1000]
        limit = current_app.config.get("OUTBOX_MAX_ATTEMPTS", 8)
        if exc.permanent or message.attempts >= limit:
            message.status = FAILED
        else:
            message.next_attempt_at = release_time(now + backoff(message.attempts),
                                                   message.urgent)
        db.session.commit()
        return False
    message.status = SENT
    message.sent_at = now
    message.body = accounts.without_links(message.body)
    db.session.commit()
    return True


def _claim(message_id, now):
    """Take ``message_id`` for this sender: one UPDATE that only one sender can win."""
    attempt_lease = now + backoff(1)
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == QUEUED,
               OutboxMessage.next_attempt_at <= now)
        .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=attempt_lease)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def deliver(message, keep=None):
    """Send one message by its channel, or raise ``DeliveryFailed``. ``keep`` holds an SMTP
    connection between the messages of a batch."""
    if message.channel == EMAIL:
        if not current_app.config.get("SMTP_HOST"):
            raise DeliveryFailed(gettext("Sending email is not set up (SMTP_HOST)."))
        try:
            complaint = _complaint_of(message)
            village = villages.village_data(complaint.village_id) if complaint else None
            informing.send_email(message.address, message.subject, message.body, keep,
                                 in_reply_to=_thread_of(message, complaint), village=village)
        except ServiceError as exc:
            raise DeliveryFailed(str(exc), isinstance(exc, informing.UnreachableAddress)) \
                from None
    elif message.channel == TELEGRAM:
        send_telegram(message.address, message.body)
    else:
        raise DeliveryFailed(f"unknown channel {message.channel!r}")


def _complaint_of(message):
    """The complaint a message is about (None for one about no complaint, such as a password
    link): its email then speaks for that complaint's village, else for the installation."""
    notification = message.notification
    return notification.complaint if notification is not None else None


def _thread_of(message, complaint):
    """The Message-ID a resident's email answers (their own email the complaint came from),
    so the receipt and each status change join that conversation; None for staff."""
    if complaint is None or message.notification.user_id is not None:
        return None
    original = inbox.original_of(complaint)
    return original.message_id if original is not None else None


def send_telegram(chat_id, text):
    """Send ``text`` to a Telegram chat through the bot API (``TELEGRAM_API_URL``)."""
    cfg = current_app.config
    token = cfg.get("TELEGRAM_BOT_TOKEN")
    if not token:
        raise DeliveryFailed(gettext("Telegram is not set up (TELEGRAM_BOT_TOKEN)."))
    url = f"{cfg.get('TELEGRAM_API_URL', 'https://api.telegram.org').rstrip('/')}" \
          f"/bot{token}/sendMessage"
    if not url.startswith(("https://", "http://")):  # no file:// or other schemes
        raise DeliveryFailed(gettext("Telegram is not set up (TELEGRAM_BOT_TOKEN)."))
    request = urllib.request.Request(
        url, data=json.dumps({"chat_id": chat_id, "text": text}).encode(),
        headers={"Content-Type": "application/json"}, method="POST")
    try:
        timeout = float(cfg.get("SMTP_TIMEOUT") or 15)
        with urllib.request.urlopen(request, timeout=timeout) as r:  # nosec B310 (http(s) only)
            answer = json.loads(r.read().decode() or "{}")
    except urllib.error.HTTPError as exc:
        try:  # the bot API says why in its JSON body ("chat not found")
            reason = str(json.loads(exc.read().decode()).get("description", ""))[:200]
        except (OSError, ValueError, AttributeError):
            reason = ""
        raise DeliveryFailed(gettext("Telegram refused the message (HTTP %(code)s).",
                                     code=exc.code) + (f" {reason}" if reason else "")) from None
    except (OSError, ValueError):
        current_app.logger.warning("Sending to Telegram failed", exc_info=True)
        raise DeliveryFailed(gettext("Telegram could not be reached.")) from None
    if not answer.get("ok"):
        raise DeliveryFailed(gettext("Telegram refused the message: %(reason)s",
                                     reason=str(answer.get("description", ""))[:200]))


def resend(message_id, now=None):
    """Queue a failed message again (the admin's button); False when it is not failed."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.status != FAILED:
        return False
    message.status = QUEUED
    message.attempts = 0
    message.next_attempt_at = now or now_wib()
    db.session.commit()
    return True


def counts():
    """Messages by status (the admin's outbox screen)."""
    rows = db.session.query(OutboxMessage.status, db.func.count(OutboxMessage.id)).group_by(
        OutboxMessage.status)
    return {status: count for status, count in rows}
