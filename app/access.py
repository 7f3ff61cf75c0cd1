"""Who may see which complaint, and whose identity: one place for every path.

Screens, APIs, exports and PDFs all ask these functions, so the row-level
rules cannot drift apart. The rules (SOP and UU 27/2022):

* the desk (and the admin) see the whole register;
* the Kepala Desa sees every complaint, read-only, but not the identity on a
  confidential one;
* a liaison officer sees only what was forwarded to them, never a complaint
  that names them as the person complained about, and not the identity on a
  confidential one.
"""

from flask import g
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import gettext
from sqlalchemy import false, or_, select

from app import workflow
from app.models import Complaint, Officer
from app.security import actors_of


def current_user():
    """The logged-in user of this request, or None."""
    user = getattr(g, "user", None)
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def officer_ids_of(user):
    """Ids of the officer records linked to ``user`` (normally zero or one).

    Asked once per request and user: a list asks it for every row it shows.
    """
    from flask import has_app_context

    from app.extensions import db

    cache = g.setdefault("_officer_ids", {}) if has_app_context() else {}
    if user.id not in cache:
        cache[user.id] = [
            row[0]
            for row in db.session.execute(select(Officer.id).where(Officer.user_id == user.id))
        ]
    return cache[user.id]


def restrict(query, user):
    """Narrow a Complaint query to the rows ``user`` may see."""
    actors = actors_of(user)
    if workflow.DESK in actors or workflow.HEAD in actors:
        return query
    if workflow.LIAISON in actors:
        mine = officer_ids_of(user)
        if not mine:
            return query.filter(false())
        return query.filter(
            Complaint.assigned_officer_id.in_(mine),
            or_(
                Complaint.reported_officer_id.is_(None),
                Complaint.reported_officer_id.notin_(mine),
            ),
        )
    return query.filter(false())


def can_view(user, complaint):
    """Whether ``user`` may open ``complaint`` at all."""
    actors = actors_of(user)
    if workflow.DESK in actors or workflow.HEAD in actors:
        return True
    if workflow.LIAISON in actors:
        mine = set(officer_ids_of(user))
        return (
            complaint.assigned_officer_id in mine
            and complaint.reported_officer_id not in mine
        )
    return False


def identity_visible(user, complaint):
    """Whether ``user`` may read the complainant's name, address, phone and email."""
    actors = actors_of(user)
    if workflow.DESK in actors:
        return True
    if complaint.is_confidential:
        return False
    return can_view(user, complaint)


def hidden_identity_text():
    """What stands in place of an identity the user may not read."""
    return gettext("(confidential)")


class VisibleComplaintsFilter(BaseFilter):
    """FAB base filter applying ``restrict`` for the request's user."""

    name = "visible"
    arg_name = "visible"

    def apply(self, query, value):
        return restrict(query, current_user())
