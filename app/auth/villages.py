"""Which village a request works for: ``current_village()``, the one answer every layer asks.

Today an installation holds one village (migration 0025 made it from the ``VILLAGE_*``
settings), so the answer is that village. When an installation holds several, this is the
one function that changes: the village then comes from the logged-in user or from the
public address (``/<desa>/lapor``), and the queries of village data are scoped through the
access layer by it (docs/architecture.md, "Villages").

Every new row of a village-owned table gets its village here, in one ``before_flush``
listener, so no service, form or import can write a row that belongs to no village.
"""

from dataclasses import dataclass, fields

from sqlalchemy import event, select

from app.extensions import db
from app.models import Village
from app.models.villages import owns_village_data


class VillageNotChosen(RuntimeError):
    """Several villages (or none) and nothing yet that chooses one: refuse rather than guess."""


@dataclass(frozen=True)
class VillageData:
    """A village's row as read once: names, letterhead and signatory for pages and PDFs."""

    id: int
    slug: str
    name: str
    kecamatan: str
    kabupaten: str
    address: str
    phone: str
    email: str
    website: str
    head_name: str

    @classmethod
    def of(cls, village):
        """The row's values; an empty one reads as "" (as an unset setting did)."""
        return cls(**{field.name: getattr(village, field.name) or "" for field in fields(cls)})


# The village of this process, read on first use. Every public page and every insert asks
# for it, and its row changes only at start (``app.services.reference_data``) or when the
# admin edits it (which calls ``forget``): one query per process, not one per request.
_known = {}


def current_village():
    """The village this request (or command) reads and writes, as ``VillageData``.

    With more than one village and no way yet to choose, it raises ``VillageNotChosen``
    instead of quietly writing into the first one.
    """
    village = _known.get("single")
    if village is None:
        villages = db.session.scalars(select(Village).order_by(Village.id).limit(2)).all()
        if len(villages) != 1:
            raise VillageNotChosen(
                "no village in the database" if not villages
                else "several villages and none chosen for this request")
        village = _known["single"] = VillageData.of(villages[0])
    return village


def forget():
    """Read the village again on next use (its row changed)."""
    _known.clear()


def _give_new_rows_their_village(session, flush_context, instances):
    """``before_flush``: a new village-owned row without a village gets ``current_village``'s."""
    for obj in session.new:
        if getattr(obj, "village_id", 0) is None and owns_village_data(obj):
            obj.village_id = current_village().id


def init_app(app):
    """Give every new village-owned row its village, on whatever path it is added."""
    if not event.contains(db.session, "before_flush", _give_new_rows_their_village):
        event.listen(db.session, "before_flush", _give_new_rows_their_village)
