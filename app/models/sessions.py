"""Each user's session generation: sessions and tokens of an older generation are refused."""

from flask_appbuilder import Model
from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from app.models.register import USER_FK


class UserSessionGeneration(Model):
    """How many times a user's sessions were ended (logout, new password, deactivation).

    A user without a row is at generation 0. See ``app.auth.sessions``.
    """

    __tablename__ = "user_session_generation"

    user_id: Mapped[int] = mapped_column(ForeignKey(USER_FK, ondelete="CASCADE"),
                                         primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)
