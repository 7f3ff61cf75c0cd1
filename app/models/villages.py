"""The villages of this installation: each one owns its register and reference lists.

A single-village install has exactly one row, made by migration 0025 from the ``VILLAGE_*``
settings; ``app.auth.villages.current_village`` says which village a request works for.
"""

from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Boolean, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

# The tables whose every row belongs to one village (a ``village_id`` column, NOT NULL).
# ``holiday`` is village-owned only for a local holiday: national holidays and cuti bersama
# are the same for every village of the kabupaten (``village_id`` empty).
VILLAGE_TABLES = ("complaint", "officer", "category", "dusun", "deadline_tier",
                  "response_template", "meeting", "register_counter", "inbox_message",
                  "inbox_fetch")
LOCAL_HOLIDAY = "local"


class Village(Model):
    """One village (desa): its names, letterhead and signatory."""

    __tablename__ = "village"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The village's part of the public addresses to come (``/<slug>/lapor``).
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kecamatan: Mapped[str] = mapped_column(String(120))
    kabupaten: Mapped[str] = mapped_column(String(120))
    address: Mapped[Optional[str]] = mapped_column(String(255))
    phone: Mapped[Optional[str]] = mapped_column(String(40))
    email: Mapped[Optional[str]] = mapped_column(String(120))
    website: Mapped[Optional[str]] = mapped_column(String(200))
    head_name: Mapped[Optional[str]] = mapped_column(String(120))
    # Its own host name for the public pages (lapor.babakan.desa.id), or None: then they are
    # ``/<slug>/...`` under PUBLIC_BASE_URL (``app.web.village_urls``).
    host: Mapped[Optional[str]] = mapped_column(String(253), unique=True)
    # The middle of its register numbers (001/PGD/XI/2026); REGISTER_CODE for the first one.
    register_code: Mapped[str] = mapped_column(String(20))
    # Saved in the admin's village screen: from then on the row is the admin's, and the
    # VILLAGE_* and REGISTER_CODE settings no longer overwrite it at start
    # (``app.services.reference_data.sync_village_from_settings``).
    edited_in_app: Mapped[bool] = mapped_column(Boolean, default=False,
                                                server_default=false())

    def __str__(self):
        return self.name


def owns_village_data(obj):
    """Whether a row of ``obj``'s kind belongs to one village (a local holiday does, a
    national one does not)."""
    table = getattr(obj, "__tablename__", None)
    if table == "holiday":
        return obj.kind == LOCAL_HOLIDAY
    return table in VILLAGE_TABLES


# Who watches villages from above (issue 25): a Camat their kecamatan's villages, the
# Inspektorat or a Dinas the kabupaten's.
KECAMATAN, KABUPATEN = "kecamatan", "kabupaten"


class Oversight(Model):
    """A login that reads across villages: the villages of one kecamatan (``area`` =
    ``KECAMATAN``, ``kecamatan`` names it) or of the whole kabupaten (``KABUPATEN``).

    Such a login has no officer record: ``app.auth.villages`` gives it these villages.
    """

    __tablename__ = "oversight"

    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), primary_key=True)
    area: Mapped[str] = mapped_column(String(20))
    kabupaten: Mapped[str] = mapped_column(String(120))
    kecamatan: Mapped[Optional[str]] = mapped_column(String(120))
