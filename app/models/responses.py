"""Templates: the ready texts for the desk's notes, results and messages to residents."""

from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.register import Category


class ResponseTemplate(Model):
    """A ready text for one step, for one category or (``category_id`` empty) for all.

    A template of the ``inform`` step is a message to the resident: it may carry an
    email ``subject`` and the ``result`` (resolved, rejected, referred) whose message
    it drafts; empty means any result. Editable by the admin; ``{placeholders}`` are
    checked and filled by ``app.services.response_templates``.
    """

    __tablename__ = "response_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    step: Mapped[str] = mapped_column(String(20), index=True)
    category_id: Mapped[Optional[int]] = mapped_column(ForeignKey("category.id"))
    body: Mapped[str] = mapped_column(Text)
    subject: Mapped[Optional[str]] = mapped_column(String(200))
    result: Mapped[Optional[str]] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    category: Mapped[Optional[Category]] = relationship()

    def __str__(self):
        return self.title
