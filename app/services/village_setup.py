"""Adding and editing a village (the admin's village screen), and the names unique within one.

A new village starts with the same lists as the installation's first one
(``reference_data.seed_village``), in the same transaction as its row: a village without
categories or deadline tiers is never seen. A village saved here is the admin's from then on
(``Village.edited_in_app``): the settings no longer overwrite it at start.
"""

import re
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from app.auth import villages
from app.auth.villages import current_village
from app.core.errors import ServiceError
from app.extensions import db
from app.models import Category, Dusun, Village
from app.services.reference_data import PLACEHOLDER_DUSUN, seed_village

# The village's part of its public addresses (``/<slug>/lapor``): lowercase letters and
# digits, words joined by single hyphens.
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MAX = 60
# A village's own host name for its public pages: DNS labels (letters, digits, inner
# hyphens) joined by dots, at least two of them.
HOST = re.compile(r"(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
                  r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# The middle of a register number (001/PGD/XI/2026): no slash or space, which would split it.
REGISTER_CODE = re.compile(r"[A-Za-z0-9.-]{1,20}")


def _taken_addresses():
    """The first parts of this installation's own addresses (``lapor``, ``status``, ``api``,
    ``login``, ...): a village named so would hide one of them or be hidden by it."""
    return {rule.rule.strip("/").split("/")[0] for rule in current_app.url_map.iter_rules()}


def check_village(village):
    """Refuse a slug, host name or register code the village cannot have, with a message for
    the admin (before the form's values reach the database: a clash would be an integrity
    error there)."""
    with db.session.no_autoflush:
        _check_village(village)


def _check_village(village):
    village.slug = (village.slug or "").strip()
    if not SLUG.fullmatch(village.slug) or len(village.slug) > SLUG_MAX:
        raise ServiceError(gettext(
            "The short name (slug) may hold only lowercase letters, digits and single hyphens "
            "between them, for example \"karang-jati\" (at most %(max)s characters).",
            max=SLUG_MAX), field="slug")
    if village.slug in _taken_addresses():
        raise ServiceError(gettext(
            "\"%(slug)s\" is already an address of this application: choose another short "
            "name.", slug=village.slug), field="slug")
    clash = _other_village_with(Village.slug, village.slug, village)
    if clash:
        raise ServiceError(gettext("The short name \"%(slug)s\" is already used by %(village)s.",
                                   slug=village.slug, village=clash), field="slug")
    _check_host(village)
    # Spaces as one plain space: the Camat's and Inspektorat's sight match these exactly.
    village.kecamatan = " ".join((village.kecamatan or "").split())
    village.kabupaten = " ".join((village.kabupaten or "").split())
    village.register_code = (village.register_code or "").strip()
    if not REGISTER_CODE.fullmatch(village.register_code):
        raise ServiceError(gettext(
            "The register code may hold only letters, digits, dots and hyphens (at most 20), "
            "for example PGD."), field="register_code")


def _other_village_with(column, value, village):
    """The name of another village whose ``column`` holds ``value``, or None."""
    return db.session.scalar(select(Village.name).where(column == value,
                                                        Village.id != (village.id or 0)))


def _check_host(village):
    """A host name is optional, a DNS name, not the installation's own (PUBLIC_BASE_URL's: its
    pages would become one village's) and no other village's; kept lowercase."""
    village.host = (village.host or "").strip().lower().rstrip(".") or None
    if village.host is None:
        return
    if not HOST.fullmatch(village.host):
        raise ServiceError(gettext(
            "The host name is a name such as lapor.babakan.desa.id: letters, digits and "
            "hyphens, in parts joined by dots (no http://, no slash)."), field="host")
    if village.host == (urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or ""):
        raise ServiceError(gettext(
            "%(host)s is the address of the whole installation (PUBLIC_BASE_URL): give the "
            "village a host name of its own.", host=village.host), field="host")
    clash = _other_village_with(Village.host, village.host, village)
    if clash:
        raise ServiceError(gettext("The host name %(host)s is already used by %(village)s.",
                                   host=village.host, village=clash), field="host")


def villages_managed_by(user):
    """The ids of the villages ``user`` sees and edits in the village screen: a village's own
    admin (``villages.manages_one_village``) the villages of their request; the
    installation's admin every village."""
    if user is None:
        return []
    if villages.manages_one_village(user):
        return sorted(villages.village_ids())
    return db.session.scalars(select(Village.id)).all()


def prepare_new_village(village, user=None):
    """Check a new village, add it and give it its starting lists (the caller commits).

    Only the installation's admin adds villages: a village's own admin manages theirs."""
    if user is not None and villages.manages_one_village(user):
        raise ServiceError(gettext(
            "Only the administrator of the whole installation (a login that is no village's "
            "officer) may add a village."))
    check_village(village)
    village.edited_in_app = True
    db.session.add(village)
    db.session.flush()
    seed_village(village.id, dusun=PLACEHOLDER_DUSUN)


# A village's place in the installation, the installation's admin's to change: its addresses
# (a mailbox is found by the slug, IMAP_USER_<SLUG>) and the kecamatan whose Camat sees it.
PLACE = ("slug", "host", "kecamatan", "kabupaten")


def prepare_edited_village(village, user=None):
    """Check an edited village and mark it the admin's (the caller commits).

    A village's own admin keeps its place (``PLACE``): renamed to another village's old
    slug it would read that village's mailbox, moved to another kecamatan it would leave
    its Camat's sight."""
    check_village(village)
    if user is not None and villages.manages_one_village(user):
        with db.session.no_autoflush:
            stored = db.session.execute(select(*[getattr(Village, name) for name in PLACE])
                                        .where(Village.id == village.id)).one()
        for name, before in zip(PLACE, stored):
            if (getattr(village, name) or "") != " ".join((before or "").split()):
                raise ServiceError(gettext(
                    "Only the administrator of the whole installation may change a village's "
                    "short name, host name, kecamatan or kabupaten."), field=name)
    village.edited_in_app = True


def check_unique_name(item):
    """Refuse a category or dusun name its village already has (another village may)."""
    item.name = (item.name or "").strip()
    model = type(item)
    village_id = item.village_id or current_village().id
    clash = db.session.scalar(select(model.id).where(
        model.village_id == village_id, model.name == item.name, model.id != (item.id or 0)))
    if clash:
        message = {Category: gettext("There is already a category named \"%(name)s\".",
                                     name=item.name),
                   Dusun: gettext("There is already a dusun named \"%(name)s\".",
                                  name=item.name)}[model]
        raise ServiceError(message, field="name")
