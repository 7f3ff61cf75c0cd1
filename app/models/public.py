"""What the public pages keep: failed tracking look-ups, for the per-code daily lock."""

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.timeutil import now_wib


class PublicLookupFailure(Model):
    """One failed look-up (unknown code or wrong phone digits) of a tracking code.

    The code is stored only as a keyed hash: this table must not become a list
    of valid codes. Rows older than yesterday are deleted as new ones come in.
    """

    __tablename__ = "public_lookup_failure"
    __table_args__ = (Index("ix_public_lookup_failure_code_at", "code_hash", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now_wib)
