"""The village an installation admin (a login without an officer record) works in.

Officers work in their officer record's village; the installation's own admin has none, so
they choose one (``choose``) and their session keeps it (``villages.choose_for_session``).
The choice is written to the audit log, in the chosen village's lines: which admin looked
into which village's data, and when, is what an inspector asks first.
"""

from flask_babel import gettext

from app.auth import access, villages
from app.core.errors import AccessDenied, ServiceError
from app.core.timeutil import now_wib
from app.extensions import db
from app.models import AuditEntry
from app.services import audit

CHOOSE = "choose_village"


def choose(user, village_id):
    """``user`` works in village ``village_id`` from now on (this session); audited.

    Raises ``ServiceError`` for a village that does not exist, and for a login with an
    officer record: that record's village is theirs, and no choice moves them out of it.
    """
    if access.officer_ids_of(user):
        raise AccessDenied(gettext("Your login belongs to the village of your officer "
                                   "record; only the installation's administrator chooses."))
    village = next((item for item in villages.all_villages() if item.id == village_id), None)
    if village is None:
        raise ServiceError(gettext("Choose a village from the list."))
    villages.choose_for_session(village.id)
    db.session.add(AuditEntry(
        occurred_at=now_wib(), actor_id=getattr(user, "id", None),
        actor_name=audit.actor_name_of(user), entity="village", entity_id=village.id,
        entity_label=village.name, action=CHOOSE, field="village", new_value=village.name,
        personal=False, village_id=village.id))
    db.session.commit()
    return village
