"""Graded identity protection: the four levels, masking, and the view log.

A complaint carries one level, chosen by the resident when submitting and only
ever raised afterwards (by the desk):

* ``named``: everyone who may open the complaint reads the complainant's identity;
* ``masked``: outside the desk, the name shows as initials only ("S***h");
* ``anonymous``: only the desk knows who complained;
* ``confidential``: the whole complaint is for the desk and the Kepala Desa only
  (never for an officer it names), and the identity for the desk only.

Who sees what is decided in ``app.auth.access``; this module holds the vocabulary
and writes the log of every identity shown (who, when, which complaint, where).
"""

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert

from app.core.errors import ServiceError
from app.core.timeutil import now_wib
from app.extensions import db
from app.models import IdentityView, Officer

NAMED = "named"
MASKED = "masked"
ANONYMOUS = "anonymous"
CONFIDENTIAL = "confidential"

# From least to most protection: a level may only move to the right.
LEVELS = (NAMED, MASKED, ANONYMOUS, CONFIDENTIAL)

LEVEL_LABELS = {
    NAMED: _l("Named"),
    MASKED: _l("Masked (initials only)"),
    ANONYMOUS: _l("Anonymous (only the complaint desk knows who)"),
    CONFIDENTIAL: _l("Confidential (only the complaint desk and the village head)"),
}

LEVEL_HELP = _l(
    "Named: officers handling the complaint see your name. Masked: they see only your "
    "initials. Anonymous: only the complaint desk knows who you are. Confidential: the whole "
    "complaint is handled only by the complaint desk and the village head (for instance a "
    "complaint about a village officer).")
# The same, for the desk recording a complaint for the resident in front of it.
DESK_LEVEL_HELP = _l(
    "Ask the complainant. Named: officers handling the complaint see the complainant's name. "
    "Masked: they see only the initials. Anonymous: only the complaint desk knows who it is. "
    "Confidential: the whole complaint is handled only by the complaint desk and the village "
    "head (for instance a complaint about a village officer).")

# Where an identity was shown (the log's ``path``).
VIEW_PATHS = {
    "show": _l("Complaint page"),
    "api": _l("Staff API"),
    "receipt": _l("Receipt"),
    "receipt_pdf": _l("Receipt PDF"),
    "inform": _l("Inform page"),
    "letter_pdf": _l("Letter PDF"),
    "edit": _l("Edit form"),
    "step": _l("Step form"),
    "export": _l("Register export"),
}


def rank(level):
    """Position of ``level`` in ``LEVELS`` (an unknown level counts as the most protected)."""
    try:
        return LEVELS.index(level)
    except ValueError:
        return len(LEVELS)


def level_choices(current=None):
    """``(value, label)`` pairs for a select: every level, or those not below ``current``."""
    floor = rank(current) if current else 0
    return [(level, LEVEL_LABELS[level]) for level in LEVELS if rank(level) >= floor]


def level_label(level):
    return LEVEL_LABELS.get(level, level or "")


def mask_name(name):
    """Initials only: first and last letter with stars between ("Siti Aminah" -> "S***h")."""
    name = (name or "").strip()
    if not name:
        return "***"
    if len(name) == 1:
        return name + "***"
    return f"{name[0]}***{name[-1]}"


def check_raise(current, wanted):
    """Refuse a change towards less protection; return the (valid) wanted level."""
    if wanted not in LEVELS:
        raise ServiceError(gettext("Choose an identity protection level from the list."))
    if rank(wanted) < rank(current):
        raise ServiceError(gettext(
            "The identity protection can only be raised, never lowered: this complaint is "
            "\"%(current)s\" and cannot become \"%(wanted)s\".",
            current=level_label(current), wanted=level_label(wanted)))
    return wanted


def actor_name(user):
    """How the timeline and the logs name the user: the linked officer's name, else the login's
    name."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    officer = db.session.query(Officer).filter_by(user_id=user.id).first()
    if officer is not None:
        return officer.name
    return f"{user.first_name} {user.last_name}".strip() or user.username


def record_view(user, complaint, path):
    """Log that ``user`` was just shown ``complaint``'s identity through ``path`` (commits)."""
    record_views(user, [complaint.id], path)


def record_views(user, complaint_ids, path, batch=5000):
    """Log that ``user`` was shown the identities of ``complaint_ids`` through ``path``.

    One row per complaint, inserted in batches in one transaction (an export of the
    whole register is 10,000 rows and more), then one commit. The commit expires
    nothing: it only added rows, and the export still reads the user's roles after
    this request's session is closed (the CSV streams).
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return
    common = {"viewed_at": now_wib(), "user_id": user.id, "path": path,
              "user_name": (actor_name(user) or user.username)[:120]}
    rows = []
    for complaint_id in complaint_ids:
        rows.append({**common, "complaint_id": complaint_id})
        if len(rows) == batch:
            db.session.execute(insert(IdentityView), rows)
            rows = []
    if rows:
        db.session.execute(insert(IdentityView), rows)
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire
