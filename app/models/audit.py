"""The audit log (append-only), its erasable personal values, the settings, one-time links,
and residents' requests about their data."""

import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import now_wib
from app.models.register import USER_FK, Complaint


class AuditEntry(Model):
    """One recorded change: who, when, what (entity and field), the old and the new value.

    Append-only: triggers refuse UPDATE and DELETE (migration 0018_audit_accounts), as for
    the timeline. A personal value (a complainant's identity, the resident's own words) is
    never written here but in ``AuditPersonalValue``, which retention and erasure may empty:
    the log keeps that the field changed, by whom and when.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now_wib, index=True)
    # No foreign key: the log outlives whatever it names and is never rewritten.
    actor_id: Mapped[Optional[int]] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(120))
    entity: Mapped[str] = mapped_column(String(30), index=True)
    entity_id: Mapped[Optional[int]] = mapped_column(Integer)
    entity_label: Mapped[Optional[str]] = mapped_column(String(200))
    complaint_id: Mapped[Optional[int]] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(20))
    field: Mapped[Optional[str]] = mapped_column(String(60))
    old_value: Mapped[Optional[str]] = mapped_column(Text)
    new_value: Mapped[Optional[str]] = mapped_column(Text)
    personal: Mapped[bool] = mapped_column(Boolean, default=False)
    # The village whose data the line is about (migration 0026); empty for installation-wide
    # work done without a village, which no village's screen shows.
    village_id: Mapped[Optional[int]] = mapped_column(Integer, index=True)

    personal_value: Mapped[Optional["AuditPersonalValue"]] = relationship(lazy="joined")
    complaint: Mapped[Optional[Complaint]] = relationship(
        primaryjoin="foreign(AuditEntry.complaint_id) == Complaint.id", viewonly=True,
        lazy="joined")

    # Filled by the audit screen for its user (``app.audit.shown``); never stored.
    shown_old = None
    shown_new = None


class AuditPersonalValue(Model):
    """The old and new personal value of one audit entry; emptied by retention and erasure."""

    __tablename__ = "audit_personal_value"

    audit_id: Mapped[int] = mapped_column(ForeignKey("audit_log.id"), primary_key=True)
    complaint_id: Mapped[Optional[int]] = mapped_column(Integer, index=True)
    old_value: Mapped[Optional[str]] = mapped_column(Text)
    new_value: Mapped[Optional[str]] = mapped_column(Text)


class Setting(Model):
    """One setting the admin keeps (``app.settings`` lists them with their defaults)."""

    __tablename__ = "app_setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))

    def __str__(self):
        return self.key


class AccountLink(Model):
    """A one-time link to set a password (a new officer) or reset it (forgotten).

    Only a keyed hash of the link's secret is stored; a link works once and expires.
    """

    __tablename__ = "account_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(USER_FK, ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now_wib)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)

    user = relationship(User)


class ResidentRequest(Model):
    """A resident's request about their data (UU 27/2022), recorded by the desk after checking
    their identity: a copy, a correction, or erasure. It names the complaints by register
    number and holds no personal data itself (the request outlives an erasure)."""

    __tablename__ = "resident_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now_wib)
    kind: Mapped[str] = mapped_column(String(20))
    register_numbers: Mapped[str] = mapped_column(Text)
    reason: Mapped[Optional[str]] = mapped_column(Text)
    # The day of ``resident_requests.due_at`` (3 x 24 hours after ``received_at``, the rule).
    due_date: Mapped[dt.date] = mapped_column(Date)
    answered_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    handled_by_id: Mapped[Optional[int]] = mapped_column(Integer)
    handled_by_name: Mapped[str] = mapped_column(String(120))

    def __str__(self):
        return f"{self.kind} {self.received_at:%Y-%m-%d}"
