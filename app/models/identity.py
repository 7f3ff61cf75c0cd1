"""The log of identities shown to staff: read by the admin only."""

import datetime as dt
from typing import Optional

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.timeutil import now_wib
from app.models.register import USER_FK, Complaint


class IdentityView(Model):
    """One showing of a complainant's identity: who, when, which complaint, through which path."""

    __tablename__ = "identity_view"

    id: Mapped[int] = mapped_column(primary_key=True)
    viewed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now_wib, index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey(USER_FK))
    user_name: Mapped[str] = mapped_column(String(120))
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    path: Mapped[str] = mapped_column(String(20))

    user = relationship(User)
    complaint: Mapped[Complaint] = relationship()
