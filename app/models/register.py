"""The register's data: complaints, their timeline, officers and reference lists.

All tables hang off FAB's ``Model.metadata`` (the same metadata as FAB's own
security tables), which is what the migrations in ``app/migrations`` track.
Times are naive WIB wall-clock times (see ``app.core.timeutil``).
"""

import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    exists,
    false,
    insert,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from app.core.timeutil import now_wib
from app.core.vocabularies import POSITIONS, label

USER_FK = "ab_user.id"


class Dusun(Model):
    """A hamlet of the village; complaints and Kepala Dusun belong to one."""

    __tablename__ = "dusun"
    __table_args__ = (UniqueConstraint("village_id", "name", name="uq_dusun_village_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    # Unique within the village (two villages may both have a "Dusun I").
    name: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __str__(self):
        return self.name


class Category(Model):
    """What a complaint is about (pelayanan publik, program desa, dugaan penyimpangan, ...)."""

    __tablename__ = "category"
    __table_args__ = (UniqueConstraint("village_id", "name", name="uq_category_village_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))  # unique within the village
    description: Mapped[Optional[str]] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __str__(self):
        return self.name


class Officer(Model):
    """A village officer named in the SOP, optionally with a login of their own."""

    __tablename__ = "officer"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[str] = mapped_column(String(30))
    field_of_work: Mapped[Optional[str]] = mapped_column(String(120))
    dusun_id: Mapped[Optional[int]] = mapped_column(ForeignKey("dusun.id"))
    phone: Mapped[Optional[str]] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey(USER_FK), unique=True)

    dusun: Mapped[Optional[Dusun]] = relationship()
    user = relationship(User)

    def __str__(self):
        return f"{self.name} ({label(POSITIONS, self.position)})"


class RegisterCounter(Model):
    """The last register number a village handed out in a year; its row lock keeps numbers
    gap-free. Each village numbers its own register from 1 every year."""

    __tablename__ = "register_counter"

    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), primary_key=True,
                                            index=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Complaint(Model):
    """One entry of the register (buku pengaduan).

    An entry is never deleted: a mistaken one is voided with a reason and keeps
    its number. ``status`` only changes through ``app.services.complaints``.
    """

    __tablename__ = "complaint"
    __table_args__ = (
        # A village's register: its numbers are its own (the tracking code stays unique
        # across the installation, the public look-up finds a complaint by it alone).
        UniqueConstraint("village_id", "register_year", "register_seq",
                         name="uq_complaint_register_seq"),
        UniqueConstraint("village_id", "register_number", name="uq_complaint_village_number"),
        # Every index of the register starts with the village (migration 0027): each query
        # carries it (app.auth.villages).
        # It also holds what the open / overdue figures test (the planner walks it by date).
        Index("ix_complaint_received_at", "village_id", "received_at", "voided", "closed_at",
              "status", "due_date"),
        # The lists' filters and orders (migration 0009_indexes).
        Index("ix_complaint_status_received", "village_id", "status", "received_at", "voided"),
        Index("ix_complaint_status_category_dusun", "village_id", "status", "category_id",
              "dusun_id", "received_at", "complainant_name"),
        Index("ix_complaint_officer_received", "village_id", "assigned_officer_id",
              "received_at", "closed_at", "status", "due_date", "voided"),
        Index("ix_complaint_due_date", "village_id", "due_date"),
        # The dashboard's stamp and its resolved / open-as-of figures (migrations 0010 and
        # 0011: the figures are answered from these and the two above, not the table).
        Index("ix_complaint_changed_at", "village_id", "changed_at"),
        Index("ix_complaint_resolved_at", "village_id", "resolved_at", "voided", "received_at",
              "due_date"),
        Index("ix_complaint_open_as_of", "village_id", "closed_at", "status", "due_date",
              "assigned_officer_id", "voided", "received_at"),
        # A public form or API request registers one complaint (migration 0014).
        Index("uq_complaint_submission_token", "submission_token", unique=True),
        # The forwarded complaints whose follow-up is due, per village (migration 0029).
        Index("ix_complaint_followup_due", "village_id", "status", "followup_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    register_number: Mapped[str] = mapped_column(String(40))
    register_year: Mapped[int] = mapped_column(Integer)
    register_seq: Mapped[int] = mapped_column(Integer)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    # Keyed hash of the public form's one-time token or the API's Idempotency-Key (app.public.resident).
    submission_token: Mapped[Optional[str]] = mapped_column(String(64))

    kind: Mapped[str] = mapped_column(String(20), default="pengaduan")
    channel: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now_wib)

    complainant_name: Mapped[str] = mapped_column(String(120))
    complainant_address: Mapped[str] = mapped_column(String(255))
    complainant_phone: Mapped[str] = mapped_column(String(20))
    complainant_email: Mapped[Optional[str]] = mapped_column(String(120))
    # A box note or a call whose sender gave no identity (app.services.complaints.NO_IDENTITY
    # stands in the name and address, the phone is empty): handled, never informed.
    without_identity: Mapped[bool] = mapped_column(Boolean, default=False,
                                                   server_default=false())
    # "Duplikat dari": the main complaint this one is handled together with
    # (app.services.duplicates); it follows the main one's status and outcome.
    duplicate_of_id: Mapped[Optional[int]] = mapped_column(ForeignKey("complaint.id"),
                                                           index=True)

    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    dusun_id: Mapped[Optional[int]] = mapped_column(ForeignKey("dusun.id"), index=True)
    rt_rw: Mapped[Optional[str]] = mapped_column(String(10))
    location: Mapped[Optional[str]] = mapped_column(String(255))
    incident_date: Mapped[Optional[dt.date]] = mapped_column(Date)

    category_id: Mapped[Optional[int]] = mapped_column(ForeignKey("category.id"), index=True)
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    status: Mapped[str] = mapped_column(String(20), default="received")
    assigned_officer_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("officer.id"), index=True
    )
    reported_officer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("officer.id"))
    # Graded identity protection (app.auth.identity): named, masked, anonymous, confidential.
    identity_level: Mapped[str] = mapped_column(String(20), default="named",
                                                server_default="named")

    verification_due: Mapped[Optional[dt.date]] = mapped_column(Date)
    due_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    # Fair deadlines (app.services.deadlines): first follow-up due after forwarding; the clock paused
    # while waiting for the resident; one extension with its reason.
    followup_due: Mapped[Optional[dt.date]] = mapped_column(Date)
    paused_since: Mapped[Optional[dt.date]] = mapped_column(Date)
    paused_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    extension_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    extension_reason: Mapped[Optional[str]] = mapped_column(Text)
    public_note: Mapped[Optional[str]] = mapped_column(Text)
    outcome_type: Mapped[Optional[str]] = mapped_column(String(20))
    outcome_text: Mapped[Optional[str]] = mapped_column(Text)
    rejection_reason: Mapped[Optional[str]] = mapped_column(Text)
    referred_to: Mapped[Optional[str]] = mapped_column(String(200))
    resolved_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    closed_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    # Marked by the desk when resolving: shown on the public "Sudah ditangani" list with
    # ``public_summary`` (what was done, written for everyone) and nothing personal.
    publishable: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    public_summary: Mapped[Optional[str]] = mapped_column(Text)
    # The photo after the work the desk chose for that list: one of this complaint's
    # public staff photos (``access.may_show_on_public_list``). A foreign key in a circle
    # with ``attachment.complaint_id``, hence ``use_alter``.
    public_photo_id: Mapped[Optional[int]] = mapped_column(ForeignKey(
        "attachment.id", use_alter=True, name="fk_complaint_public_photo_id",
        ondelete="SET NULL"))

    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    void_reason: Mapped[Optional[str]] = mapped_column(Text)
    # Personal data replaced (retention or a resident's erasure request: app.retention).
    anonymised_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)

    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now_wib)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey(USER_FK))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now_wib, onupdate=now_wib)
    changed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey(USER_FK))
    version: Mapped[int] = mapped_column(Integer, default=1)

    dusun: Mapped[Optional[Dusun]] = relationship()
    category: Mapped[Optional[Category]] = relationship()
    assigned_officer: Mapped[Optional[Officer]] = relationship(
        foreign_keys=[assigned_officer_id]
    )
    reported_officer: Mapped[Optional[Officer]] = relationship(
        foreign_keys=[reported_officer_id]
    )
    created_by = relationship(User, foreign_keys=[created_by_id])
    changed_by = relationship(User, foreign_keys=[changed_by_id])
    duplicate_of: Mapped[Optional["Complaint"]] = relationship(
        remote_side=[id], foreign_keys=[duplicate_of_id], back_populates="duplicates")
    duplicates: Mapped[list["Complaint"]] = relationship(
        foreign_keys=[duplicate_of_id], back_populates="duplicate_of", order_by="Complaint.id")
    events: Mapped[list["ComplaintEvent"]] = relationship(
        back_populates="complaint", order_by="ComplaintEvent.id"
    )

    __mapper_args__ = {"version_id_col": version}

    def __str__(self):
        return self.register_number or ""

    @hybrid_property
    def is_confidential(self):
        """The highest identity level (kept for code and clients that ask the old question)."""
        return self.identity_level == "confidential"

    @is_confidential.inplace.setter
    def _is_confidential_setter(self, value):
        """True raises the level to confidential; False only undoes a confidential level."""
        if value:
            self.identity_level = "confidential"
        elif self.identity_level == "confidential":
            self.identity_level = "named"

    @is_confidential.inplace.expression
    @classmethod
    def _is_confidential_expression(cls):
        return cls.identity_level == "confidential"


# Whether other complaints are linked to this one as duplicates: deferred, and loaded by the
# public look-up in its one statement (app.public.resident._find) so the hot status page
# reads no more rows for it.
_linked = Complaint.__table__.alias("linked_duplicate")
Complaint.has_duplicates = column_property(
    exists().where(_linked.c.duplicate_of_id == Complaint.__table__.c.id), deferred=True)


class ComplaintEvent(Model):
    """One line of a complaint's timeline. Append-only: triggers refuse UPDATE and DELETE."""

    __tablename__ = "complaint_event"
    # The residents' answers of a period, by step and date (migration 0011).
    __table_args__ = (Index("ix_complaint_event_step_occurred", "step", "occurred_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now_wib)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey(USER_FK))
    actor_name: Mapped[Optional[str]] = mapped_column(String(120))
    step: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[Optional[str]] = mapped_column(String(20))
    to_status: Mapped[Optional[str]] = mapped_column(String(20))
    note: Mapped[Optional[str]] = mapped_column(Text)
    # The line (step, date, status) is on the resident's public timeline.
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    # Who may read ``note``: "public", "staff" or "desk" (app.core.workflow.AUDIENCES, applied by
    # app.auth.access.can_read_note). A row written without one is for the desk only.
    audience: Mapped[str] = mapped_column(String(10), server_default="desk")
    data: Mapped[Optional[str]] = mapped_column(Text)

    complaint: Mapped[Complaint] = relationship(back_populates="events")


def next_register_seq(session, year, village_id):
    """Take village ``village_id``'s next number of ``year`` inside the caller's transaction.

    Each village numbers its own register: the counter's key is (village, year).
    The counter row is created if missing, then incremented with an UPDATE that
    locks it until the transaction ends: a concurrent registration waits, and a
    rolled-back one gives its number back. Hence no gaps and no duplicates.
    """
    dialect = session.get_bind().dialect.name
    key = {"village_id": village_id, "year": year}
    row = {**key, "last_number": 0}
    if dialect == "postgresql":
        stmt = pg_insert(RegisterCounter).values(**row)
        session.execute(stmt.on_conflict_do_nothing(index_elements=list(key)))
    elif dialect == "sqlite":
        stmt = sqlite_insert(RegisterCounter).values(**row)
        session.execute(stmt.on_conflict_do_nothing(index_elements=list(key)))
    elif session.get(RegisterCounter, key) is None:
        session.execute(insert(RegisterCounter).values(**row))
    result = session.execute(
        update(RegisterCounter)
        .where(RegisterCounter.village_id == village_id, RegisterCounter.year == year)
        .values(last_number=RegisterCounter.last_number + 1)
        .returning(RegisterCounter.last_number)
    )
    return result.scalar_one()
