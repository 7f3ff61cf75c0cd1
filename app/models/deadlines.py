"""Fair deadlines: the admin's deadline tiers and the holiday calendar (cuti bersama included)."""

import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.register import Category


class DeadlineTier(Model):
    """Working days allowed for one category and urgency (empty means "any").

    The most specific tier that matches a complaint wins (category and urgency,
    then category, then urgency, then the general tier); with no tier at all the
    config values apply (``app.services.deadlines.tier_for``).
    """

    __tablename__ = "deadline_tier"
    __table_args__ = (UniqueConstraint("category_id", "urgency", name="uq_deadline_tier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    category_id: Mapped[Optional[int]] = mapped_column(ForeignKey("category.id"))
    urgency: Mapped[Optional[str]] = mapped_column(String(10))
    verification_days: Mapped[int] = mapped_column(Integer)
    followup_days: Mapped[int] = mapped_column(Integer)
    resolution_days: Mapped[int] = mapped_column(Integer)
    description: Mapped[Optional[str]] = mapped_column(String(200))

    category: Mapped[Optional[Category]] = relationship()

    def __str__(self):
        return self.description or f"{self.category or '*'} / {self.urgency or '*'}"


class Holiday(Model):
    """A day off that is not a weekend: a national holiday or cuti bersama."""

    __tablename__ = "holiday"
    __table_args__ = (
        # A local holiday once per village and date; a national one (no village) once per
        # date: NULLs never clash in a unique key, hence the partial index for those.
        UniqueConstraint("village_id", "date", name="uq_holiday_village_date"),
        Index("uq_holiday_national_date", "date", unique=True,
              sqlite_where=text("village_id IS NULL"),
              postgresql_where=text("village_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Empty for a national holiday or cuti bersama (every village's); a local one's village.
    village_id: Mapped[Optional[int]] = mapped_column(ForeignKey("village.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20), default="national")

    def __str__(self):
        return f"{self.date.isoformat()} {self.name}"
