"""Review meetings (rapat pembahasan) and their minutes.

A meeting discusses one or several complaints; the outcome of each complaint is
stored on the complaint itself by the workflow's ``resolve`` step, so the
register stays the one place to read it. Times are naive WIB wall-clock times.
"""

import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import datetime_id, now_wib
from app.models.register import USER_FK, Complaint, Officer

SCHEDULED = "scheduled"
HELD = "held"
CANCELLED = "cancelled"

meeting_complaint = Table(
    "meeting_complaint",
    Model.metadata,
    Column("meeting_id", ForeignKey("meeting.id"), primary_key=True),
    Column("complaint_id", ForeignKey("complaint.id"), primary_key=True, index=True),
)

meeting_officer = Table(
    "meeting_officer",
    Model.metadata,
    Column("meeting_id", ForeignKey("meeting.id"), primary_key=True),
    Column("officer_id", ForeignKey("officer.id"), primary_key=True),
    # Recorded with the minutes: present (true) or absent (false); NULL: not recorded.
    Column("attended", Boolean),
)


class Meeting(Model):
    """One review meeting: when, where, about what, who attends, and its minutes."""

    __tablename__ = "meeting"
    __table_args__ = (Index("ix_meeting_starts_at", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    starts_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ends_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    place: Mapped[str] = mapped_column(String(200))
    agenda: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=SCHEDULED)
    cancel_reason: Mapped[Optional[str]] = mapped_column(Text)

    findings: Mapped[Optional[str]] = mapped_column(Text)
    root_cause: Mapped[Optional[str]] = mapped_column(Text)
    recommendations: Mapped[Optional[str]] = mapped_column(Text)
    # What of the recommendations the village publishes (/statistik); the above stays internal.
    public_recommendations: Mapped[Optional[str]] = mapped_column(Text)
    decided_steps: Mapped[Optional[str]] = mapped_column(Text)
    minutes_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    minutes_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey(USER_FK))

    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now_wib)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey(USER_FK))

    complaints: Mapped[list[Complaint]] = relationship(
        secondary=meeting_complaint, order_by=Complaint.id
    )
    officers: Mapped[list[Officer]] = relationship(secondary=meeting_officer, order_by=Officer.name)
    guests: Mapped[list["MeetingGuest"]] = relationship(
        back_populates="meeting", order_by="MeetingGuest.id", cascade="all, delete-orphan"
    )

    def __str__(self):
        return f"{datetime_id(self.starts_at)} · {self.place}"


class MeetingGuest(Model):
    """An invited party who is not a village officer (complainant, person complained about...)."""

    __tablename__ = "meeting_guest"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(120))
    # Recorded with the minutes (NULL: not recorded yet); a party who came without being
    # invited is added by the minutes as present.
    attended: Mapped[Optional[bool]] = mapped_column(Boolean)

    meeting: Mapped[Meeting] = relationship(back_populates="guests")
