"""The village mailbox as the desk sees it: each message read over IMAP, once, and what became of it."""

import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import now_wib
from app.models.evidence import Attachment
from app.models.register import USER_FK, Complaint


class InboxMessage(Model):
    """One email of the village mailbox ("Kotak masuk").

    ``message_id`` (the Message-ID header, or a digest of the message when it has none) is
    unique within the village: a message is never imported twice, even after a restart. ``state`` is what the
    desk did with it: new, registered (a complaint was made from it), linked (added to an
    existing complaint's timeline) or not_complaint (with ``reason``).
    """

    __tablename__ = "inbox_message"
    __table_args__ = (UniqueConstraint("village_id", "message_id",
                                       name="uq_inbox_message_village_message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    message_id: Mapped[str] = mapped_column(String(255))
    sender: Mapped[str] = mapped_column(String(255))
    sender_name: Mapped[Optional[str]] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    attachments: Mapped[Optional[str]] = mapped_column(Text)  # file names, one a line
    sent_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    fetched_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now_wib)
    state: Mapped[str] = mapped_column(String(20), default="new", index=True)
    reason: Mapped[Optional[str]] = mapped_column(Text)
    complaint_id: Mapped[Optional[int]] = mapped_column(ForeignKey("complaint.id"))
    handled_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    handled_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey(USER_FK))

    complaint: Mapped[Optional[Complaint]] = relationship()
    files: Mapped[list["InboxAttachment"]] = relationship(
        back_populates="message", order_by="InboxAttachment.id")

    def __str__(self):
        return self.subject or self.message_id


class InboxFetch(Model):
    """One reading of a village's mailbox: when, whether it worked, how many new messages,
    or why not (shown to that village's admin and desk above the inbox list)."""

    __tablename__ = "inbox_fetch"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now_wib)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    error: Mapped[Optional[str]] = mapped_column(Text)


class InboxAttachment(Model):
    """A file of an inbox email (a photo or a PDF), checked when the email was read.

    A file that passed the checks of ``app.services.evidence`` (type from its bytes, EXIF
    stripped, size and count limits) is kept in the storage under ``storage_key`` until the
    desk registers the email or adds it to a complaint; the key then passes to the
    complaint's ``Attachment`` (``attachment_id``), so each stored file has one owner. A
    refused file keeps no bytes, only its name and ``refused`` (why, shown on the inbox
    page).
    """

    __tablename__ = "inbox_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("inbox_message.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[Optional[str]] = mapped_column(String(10))
    content_type: Mapped[Optional[str]] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[Optional[str]] = mapped_column(String(64))
    storage_key: Mapped[Optional[str]] = mapped_column(String(200), unique=True)
    thumbnail_key: Mapped[Optional[str]] = mapped_column(String(200))
    refused: Mapped[Optional[str]] = mapped_column(Text)
    attachment_id: Mapped[Optional[int]] = mapped_column(ForeignKey("attachment.id"))

    message: Mapped[InboxMessage] = relationship(back_populates="files")
    attachment: Mapped[Optional[Attachment]] = relationship()

    # ``evidence.content`` asks every file whether its bytes were erased; an email's file
    # loses its key when erased (``inbox.forget``), so the key alone answers.
    erased = False
