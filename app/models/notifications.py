"""Notifications: what the app tells its users and residents, and how it leaves.

A ``Notification`` is one message to one recipient (a staff login, or a resident's
email address) about one complaint; the bell and "Tugas saya" read them. Each channel a
message leaves by (email, Telegram) is an ``OutboxMessage`` written in the same
transaction as the step that caused it, so a failed step writes none and a mail outage
loses none (``app.outbox`` delivers them). ``NotificationSetting`` holds a user's channel
choices; ``JobLease`` lets one process at a time run a background job.
Times are naive WIB wall-clock times (see ``app.core.timeutil``).
"""

import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import now_wib
from app.models.register import USER_FK, Complaint

QUEUED = "queued"
SENT = "sent"
FAILED = "failed"
OUTBOX_STATUSES = (QUEUED, SENT, FAILED)

EMAIL = "email"
TELEGRAM = "telegram"
CHANNELS = (EMAIL, TELEGRAM)


class Notification(Model):
    """One message to a staff user (``user_id``) or a resident (``email``) about a complaint.

    ``dedupe_key`` is unique: a reminder or alert that must be given once carries one, so
    a second run of the reminders (or a second process) cannot give it twice.
    """

    __tablename__ = "notification"
    __table_args__ = (
        # The bell's unread count and "Tugas saya", per user.
        Index("ix_notification_user_read", "user_id", "read_at", "created_at"),
        Index("uq_notification_dedupe_key", "dedupe_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey(USER_FK, ondelete="CASCADE"))
    email: Mapped[Optional[str]] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(30))
    complaint_id: Mapped[Optional[int]] = mapped_column(ForeignKey("complaint.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now_wib)
    read_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    dedupe_key: Mapped[Optional[str]] = mapped_column(String(120))

    complaint: Mapped[Optional[Complaint]] = relationship()


class OutboxMessage(Model):
    """One message waiting to leave (or that left, or gave up) by email or Telegram."""

    __tablename__ = "outbox"
    # The sender's query: what is queued and due.
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("notification.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now_wib)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now_wib)
    sent_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    last_error: Mapped[Optional[str]] = mapped_column(Text)

    notification: Mapped[Optional[Notification]] = relationship()


class NotificationSetting(Model):
    """A user's channel choices (in the app is always on). No row: email on, Telegram off."""

    __tablename__ = "notification_setting"

    user_id: Mapped[int] = mapped_column(ForeignKey(USER_FK, ondelete="CASCADE"),
                                         primary_key=True, autoincrement=False)
    email: Mapped[bool] = mapped_column(Boolean, default=True)
    telegram: Mapped[bool] = mapped_column(Boolean, default=False)
    telegram_chat_id: Mapped[Optional[str]] = mapped_column(String(40))


class JobLease(Model):
    """Which process runs a background job until when (``app.background``)."""

    __tablename__ = "job_lease"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[Optional[str]] = mapped_column(String(80))
    expires_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    last_run_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
