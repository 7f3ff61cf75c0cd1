"""Referral up (issue 25): a village sends a complaint to its kecamatan (the Camat) or its
kabupaten (the Inspektorat or a Dinas) inside the system, and the answer comes back.

One row per referral: where it went (``area`` and the names of that kecamatan and
kabupaten as they were when it was sent), who sent it with which note, and the answer. The
``refer`` step writes it and the ``answer_referral`` step answers it
(``app.services.referrals``); ``app.auth.access`` lets an oversight login read a complaint
only through such a row aimed at its own area.
"""

import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.register import Complaint


class Referral(Model):
    """One complaint sent up to a kecamatan or the kabupaten, and its answer (empty while
    the village waits)."""

    __tablename__ = "referral"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    area: Mapped[str] = mapped_column(String(20))  # villages.KECAMATAN or KABUPATEN
    kabupaten: Mapped[str] = mapped_column(String(120))
    kecamatan: Mapped[Optional[str]] = mapped_column(String(120))
    referred_at: Mapped[dt.datetime] = mapped_column(DateTime)
    referred_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    note: Mapped[Optional[str]] = mapped_column(Text)  # the village's note for the office
    answer: Mapped[Optional[str]] = mapped_column(Text)
    answered_at: Mapped[Optional[dt.datetime]] = mapped_column(DateTime)
    answered_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))

    complaint: Mapped[Complaint] = relationship()

    @property
    def is_open(self):
        """Whether the village still waits for the answer."""
        return self.answered_at is None
