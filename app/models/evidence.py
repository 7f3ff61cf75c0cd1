"""Evidence: the photos and documents kept with a complaint or a meeting's minutes.

The file itself lives in the storage (``app.storage``) under ``storage_key``; this row says
whose it is, what it is and who may read it. A file is never deleted by a user: a wrong one is
withdrawn with a reason (``withdrawn_at``), which hides it and keeps it; only anonymisation
deletes the bytes of the files a resident sent (``erased``). Times are naive WIB
wall-clock times.
"""

import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import (Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String,
                        Text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import now_wib
from app.models.register import USER_FK, Complaint, ComplaintEvent

IMAGE = "image"
PDF = "pdf"
KINDS = (IMAGE, PDF)


class Attachment(Model):
    """One file: a complaint's photo or document, or a paper of a meeting's minutes."""

    __tablename__ = "attachment"
    __table_args__ = (
        CheckConstraint("complaint_id IS NOT NULL OR meeting_id IS NOT NULL",
                        name="ck_attachment_owner"),
        CheckConstraint("kind IN ('image', 'pdf')", name="ck_attachment_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[Optional[int]] = mapped_column(ForeignKey("complaint.id"), index=True)
    # The timeline line it was added with (a step's note, the registration), when there is one.
    event_id: Mapped[Optional[int]] = mapped_column(ForeignKey("complaint_event.id"))
    meeting_id: Mapped[Optional[int]] = mapped_column(ForeignKey("meeting.id"), index=True)

    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    thumbnail_key: Mapped[Optional[str]] = mapped_column(String(200))
    original_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    sha256: Mapped[str] = mapped_column(String(64))
    # Shown to the resident on the status page (the desk decides; a resident's own upload is
    # shown to that resident whatever this says).
    is_public: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey(USER_FK))
    uploaded_by_resident: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default="0")
    uploader_name: Mapped[Optional[str]] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now_wib)

    withdrawn_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    withdrawn_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey(USER_FK))
    withdraw_reason: Mapped[Optional[str]] = mapped_column(Text)

    complaint: Mapped[Optional[Complaint]] = relationship(foreign_keys=[complaint_id])
    event: Mapped[Optional[ComplaintEvent]] = relationship()

    def __str__(self):
        return self.original_name

    @property
    def withdrawn(self):
        return self.withdrawn_at is not None

    @property
    def erased(self):
        """The bytes are gone: a file the resident sent, on a complaint whose personal data
        was anonymised (retention or erasure, ``app.services.retention``)."""
        return bool(self.uploaded_by_resident and self.complaint is not None
                    and self.complaint.anonymised_at is not None)
