"""Giving a login its view from above: a Camat the villages of their kecamatan, the
Inspektorat (or a Dinas) those of the kabupaten (an ``Oversight`` row and the matching role).

A login that works in a village (an officer record) cannot also watch from above: the access
layer would give it its village first, and one login has one scope.
"""

from flask import current_app
from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth import security, villages
from app.core.errors import ServiceError
from app.extensions import db
from app.models import Officer, Oversight, Village
from app.models.villages import KABUPATEN, KECAMATAN

AREAS = (KECAMATAN, KABUPATEN)
ROLE_OF_AREA = {KECAMATAN: security.CAMAT, KABUPATEN: security.INSPEKTORAT}


def _user(username):
    user = current_app.appbuilder.sm.find_user(username=username)
    if user is None:
        raise ServiceError(gettext("There is no login named %(name)s.", name=username))
    return user


def give(username, area, name):
    """Make login ``username`` watch kecamatan or kabupaten ``name`` (as named on the villages);
    returns the ``Oversight`` row. The login keeps no other role. Refuses a name no village carries, a kecamatan found in two
    kabupaten, and a login that works in a village."""
    if area not in AREAS:
        raise ServiceError(gettext("The area is kecamatan or kabupaten."))
    name = (name or "").strip()
    user = _user(username)
    if db.session.scalar(select(Officer.id).where(Officer.user_id == user.id)
                         .execution_options(**{villages.ALL_VILLAGES: True})) is not None:
        raise ServiceError(gettext(
            "%(name)s works in a village (an officer record): use a separate login to watch "
            "from above.", name=username))
    column = Village.kecamatan if area == KECAMATAN else Village.kabupaten
    kabupatens = sorted(set(db.session.scalars(select(Village.kabupaten).where(
        column == name))))
    if not kabupatens:
        raise ServiceError(gettext("No village lies in %(area)s %(name)s.",
                                   area=area.title(), name=name))
    if len(kabupatens) > 1:
        raise ServiceError(gettext(
            "Kecamatan %(name)s is found in several kabupaten (%(list)s): correct the "
            "villages' data first.", name=name, list=", ".join(kabupatens)))
    row = db.session.get(Oversight, user.id) or Oversight(user_id=user.id)
    row.area, row.kabupaten = area, kabupatens[0]
    row.kecamatan = name if area == KECAMATAN else None
    db.session.add(row)
    sm = current_app.appbuilder.sm
    wanted = sm.find_role(ROLE_OF_AREA[area])
    # Only this role: a village role (the desk's, say) with a kecamatan's scope would work
    # in every village of it.
    user.roles = [wanted]
    db.session.commit()
    return row


def take_away(username):
    """Login ``username`` no longer watches from above (its row and role removed)."""
    user = _user(username)
    row = db.session.get(Oversight, user.id)
    if row is None:
        raise ServiceError(gettext("%(name)s does not watch any villages.", name=username))
    db.session.delete(row)
    user.roles = [role for role in user.roles if role.name not in ROLE_OF_AREA.values()]
    db.session.commit()


def every_oversight():
    """[(username, Oversight)] of every login that watches from above, by name."""
    sm = current_app.appbuilder.sm
    rows = db.session.scalars(select(Oversight)).all()
    return sorted(((sm.get_user_by_id(row.user_id).username, row) for row in rows),
                  key=lambda pair: pair[0])


def watchers_of(area, village):
    """The active logins that watch ``village`` at ``area`` (kecamatan: its Camat;
    kabupaten: the Inspektorat or Dinas of its kabupaten), with their roles."""
    query = (select(User).join(Oversight, Oversight.user_id == User.id)
             .where(User.active.is_(True), Oversight.area == area,
                    Oversight.kabupaten == village.kabupaten)
             .options(selectinload(User.roles)).order_by(User.id))
    if area == KECAMATAN:
        query = query.where(Oversight.kecamatan == village.kecamatan)
    return db.session.scalars(query).all()
