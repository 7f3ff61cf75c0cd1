"""Who may see which complaint, and whose identity: one place for every path.

Screens, APIs, exports and PDFs all ask these functions, so the row-level
rules cannot drift apart. The rules (SOP, UU 27/2022, graded identity
protection of ``app.auth.identity``):

* the desk (and the admin) see the whole register and every identity;
* nobody else ever sees a complaint that names them as the person complained
  about;
* the Kepala Desa sees every other complaint, read-only;
* a liaison officer sees only what was forwarded to them, and never a
  confidential complaint (those are for the desk and the Kepala Desa only);
* a Camat or the Inspektorat (an ``Oversight`` row) sees only what a village of their area
  referred to their level and area (``referred_condition``), read-only, identities as the
  Kepala Desa reads them;
* outside the desk the identity (name, address, phone, email) shows only on a
  ``named`` complaint; a ``masked`` one shows the name's initials
  (``displayed_name``), an ``anonymous`` or ``confidential`` one a placeholder;
* the tracking code is the resident's credential (with the phone's last digits it
  answers for the resident on the public status page): only the desk, which prints
  the receipts, reads it (``tracking_code_visible``);
* every filter or search on complaints (the lists, the export, the staff API, any
  other) is built by ``complaint_filters``: a filter on an identity column outside
  the desk only looks at complaints whose identity the user may read, and one on the
  tracking code finds nothing for those who may not read it, whatever the operator;
  a list is never sorted by such a column for them (``sort_allowed``).
"""

from flask import g, has_app_context
from flask_appbuilder.models.filters import BaseFilter, Filters
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from sqlalchemy import and_, bindparam, exists, false, or_, select

from app.auth import identity, villages
from app.auth.security import actors_of
from app.core import workflow
from app.extensions import db
from app.models import Complaint, Officer, Oversight, Referral
from app.models.villages import KECAMATAN

IDENTITY_COLUMNS = ("complainant_name", "complainant_address", "complainant_phone",
                    "complainant_email")
TRACKING_CODE = "tracking_code"


def current_user():
    """The logged-in user of this request, or None."""
    user = getattr(g, "user", None)
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def officer_ids_of(user):
    """Ids of the officer records linked to ``user`` (normally zero or one).

    Asked once per request and user: a list asks it for every row it shows.
    """
    if user is None:
        return []
    cache = g.setdefault("_officer_ids", {}) if has_app_context() else {}
    if user.id not in cache:
        cache[user.id] = [officer_id for officer_id, _village in villages.officers_of(user)]
    return cache[user.id]


# Built once: building it cost more than running it (each step that tells staff asks).
_OFFICERS_OF_USERS = select(Officer.id, Officer.user_id).where(
    Officer.user_id.in_(bindparam("users", expanding=True)))


def learn_officer_ids(users):
    """Ask ``officer_ids_of`` for all of ``users`` in one query (a step that tells several
    people would otherwise ask once for each)."""
    if not has_app_context():
        return
    cache = g.setdefault("_officer_ids", {})
    wanted = {user.id for user in users if user is not None} - set(cache)
    if not wanted:
        return
    for user_id in wanted:
        cache[user_id] = []
    for officer_id, user_id in db.session.execute(_OFFICERS_OF_USERS,
                                                  {"users": list(wanted)}):
        cache[user_id].append(officer_id)


def _is_desk(user):
    return workflow.DESK in actors_of(user)


def oversight_row(user):
    """The ``Oversight`` row of a Camat's or the Inspektorat's login (None for others),
    asked once per request and user."""
    if user is None or getattr(user, "id", None) is None:
        return None
    cache = g.setdefault("_oversight", {}) if has_app_context() else {}
    if user.id not in cache:
        cache[user.id] = db.session.get(Oversight, user.id)
    return cache[user.id]


def referred_condition(row):
    """SQL on ``Referral``: referred to the level and area of oversight row ``row`` (a
    Camat: their kecamatan of their kabupaten; the Inspektorat: their kabupaten)."""
    if row is None:
        return false()
    if row.area == KECAMATAN:
        return and_(Referral.area == KECAMATAN, Referral.kabupaten == row.kabupaten,
                    Referral.kecamatan == row.kecamatan)
    return and_(Referral.area == row.area, Referral.kabupaten == row.kabupaten)


def referred_to(user):
    """SQL on ``Complaint``: a village referred it to ``user``'s level and area."""
    return exists().where(Referral.complaint_id == Complaint.id,
                          referred_condition(oversight_row(user)))


def is_referred_to(user, complaint):
    """Python form of ``referred_to`` for one complaint (its referrals read through the
    village rule, so only a complaint of a village of the user's area)."""
    row = oversight_row(user)
    if row is None or complaint.id is None:
        return False
    return db.session.scalar(select(Referral.id).where(
        Referral.complaint_id == complaint.id, referred_condition(row)).limit(1)) is not None


def awaiting_answer():
    """SQL on ``Complaint``: it waits for the answer of a higher office it was referred to
    inside the system (a referral not answered yet)."""
    return exists().where(Referral.complaint_id == Complaint.id, Referral.answered_at.is_(None))


def awaiting_answer_of(user):
    """SQL on ``Complaint``: it waits for the answer of ``user``'s level and area."""
    return exists().where(Referral.complaint_id == Complaint.id, Referral.answered_at.is_(None),
                          referred_condition(oversight_row(user)))


class _Aggregates:
    """The reader of the public statistics: it counts the whole register and shows no row.

    Every figure of ``/statistik`` is computed as this reader through the dashboard's
    own functions (``app.dashboard_data``), so the public counts the same way the
    Kepala Desa does. Only ``app.public_statistics`` uses it; what it publishes is
    aggregates with small counts merged, never a complaint.
    """

    is_authenticated = False
    id = None
    roles = ()

    def __repr__(self):
        return "AGGREGATES"


AGGREGATES = _Aggregates()


def restrict(query, user):
    """Narrow a Complaint query to the rows ``user`` may see."""
    if user is AGGREGATES:
        return query
    actors = actors_of(user)
    if workflow.DESK in actors:
        return query
    mine = officer_ids_of(user)
    if mine:
        query = query.filter(or_(Complaint.reported_officer_id.is_(None),
                                 Complaint.reported_officer_id.notin_(mine)))
    if workflow.HEAD in actors:
        return query
    if workflow.LIAISON in actors and mine:
        return query.filter(Complaint.assigned_officer_id.in_(mine),
                            Complaint.identity_level != identity.CONFIDENTIAL)
    if workflow.OVERSIGHT in actors:
        return query.filter(referred_to(user))
    return query.filter(false())


def can_view(user, complaint):
    """Whether ``user`` may open ``complaint`` at all."""
    actors = actors_of(user)
    if workflow.DESK in actors:
        return True
    if complaint.reported_officer_id is not None and \
            complaint.reported_officer_id in officer_ids_of(user):
        return False
    if workflow.HEAD in actors:
        return True
    if workflow.LIAISON in actors:
        return (complaint.assigned_officer_id in officer_ids_of(user)
                and complaint.identity_level != identity.CONFIDENTIAL)
    if workflow.OVERSIGHT in actors:
        return is_referred_to(user, complaint)
    return False


def identity_visible(user, complaint):
    """Whether ``user`` may read the complainant's full name, address, phone and email."""
    if _is_desk(user):
        return True
    return complaint.identity_level == identity.NAMED and can_view(user, complaint)


def displayed_name(user, complaint):
    """The complainant's name as ``user`` may read it: in full, as initials, or a placeholder."""
    if identity_visible(user, complaint):
        return complaint.complainant_name
    if complaint.identity_level == identity.MASKED and can_view(user, complaint):
        return identity.mask_name(complaint.complainant_name)
    if complaint.identity_level == identity.ANONYMOUS:
        return gettext("(anonymous)")
    return hidden_identity_text()


def hidden_identity_text():
    """What stands in place of an identity the user may not read."""
    return gettext("(confidential)")


def hidden_identity_notice(complaint):
    """Why the identity is not shown, in a sentence (for the complaint's page)."""
    if complaint.identity_level == identity.MASKED:
        return gettext("The complainant asked for their name to be masked: only the "
                       "complaint desk sees the identity.")
    if complaint.identity_level == identity.ANONYMOUS:
        return gettext("The complainant is anonymous: only the complaint desk knows who "
                       "they are.")
    return gettext("The complainant's identity is confidential.")


def tracking_code_visible(user):
    """Whether ``user`` may read complaints' tracking codes: the desk (and the admin) only.

    The code and the phone's last digits answer for the resident on the public status
    page (feedback, reopening): an officer who could read them could answer "solved"
    in the resident's place. The desk prints the receipts, so it needs them; liaisons
    and the Kepala Desa never receive them (screens, API, exports, templates).
    """
    return _is_desk(user)


def name_search_scope(query, user):
    """Limit ``query`` to the complaints whose identity ``user`` may read.

    Applied after ``restrict`` (which the lists, the export and the API apply first),
    this is ``identity_visible`` as a query: the desk reads every identity, everyone
    else only those of ``named`` complaints.
    """
    if _is_desk(user):
        return query
    return query.filter(Complaint.identity_level == identity.NAMED)


def search_scope(query, user, column):
    """Narrow a search on ``column`` to the complaints where ``user`` may read that column."""
    if column == TRACKING_CODE and not tracking_code_visible(user):
        return query.filter(false())
    if column in IDENTITY_COLUMNS:
        return name_search_scope(query, user)
    return query


def sort_allowed(user, column):
    """Whether ``user`` may order a list of complaints by ``column``.

    An order places hidden rows among the readable ones (an anonymous complainant's
    name sorts between two named ones), so identity columns and the tracking code are
    only for those who read them on every complaint: the desk.
    """
    if column in IDENTITY_COLUMNS:
        return _is_desk(user)
    if column == TRACKING_CODE:
        return tracking_code_visible(user)
    return True


class GuardedFilters(Filters):
    """FAB's ``Filters`` whose every active filter goes through ``search_scope``.

    FAB adds a filter from a URL argument (``_flt_<n>_<column>``, the lists and the
    export), from the staff API's rison ``q`` (a filter class per operator) or from a
    list of rules; all of them pass through ``_add_filter``, which wraps the filter so
    the request's user is checked when the query is built. A filter index beyond the
    column's filters is ignored (FAB would fail with an IndexError).
    """

    def add_filter_index(self, column_name, filter_instance_index, value):
        if 0 <= filter_instance_index < len(self._all_filters.get(column_name, ())):
            super().add_filter_index(column_name, filter_instance_index, value)

    def _add_filter(self, filter_instance, values):
        super()._add_filter(_guarded(filter_instance), values)


def complaint_filters(search_columns, datamodel=None, search_filters=None):
    """The filters of a complaint list, export or API: the one way to filter complaints.

    ``datamodel`` is the view's FAB interface (a plain ``SQLAInterface`` when None).
    """
    if datamodel is None:
        datamodel = SQLAInterface(Complaint)
    return GuardedFilters(datamodel.filter_converter_class, datamodel,
                          search_columns=search_columns, search_filters=search_filters)


_GUARDED_CLASSES = {}


def _guarded(filter_instance):
    """``filter_instance`` as an instance of a subclass whose ``apply`` adds ``search_scope``."""
    if getattr(filter_instance, "identity_guarded", False):
        return filter_instance
    base = type(filter_instance)
    guarded_class = _GUARDED_CLASSES.get(base)
    if guarded_class is None:
        def apply(self, query, value):
            return search_scope(base.apply(self, query, value), current_user(),
                                self.column_name)

        guarded_class = _GUARDED_CLASSES[base] = type(
            base.__name__, (base,), {"apply": apply, "identity_guarded": True})
    guarded = object.__new__(guarded_class)
    guarded.__dict__.update(filter_instance.__dict__)
    return guarded


class VisibleComplaintsFilter(BaseFilter):
    """FAB base filter applying ``restrict`` for the request's user."""

    name = "visible"
    arg_name = "visible"

    def apply(self, query, value):
        return restrict(query, current_user())


def can_read_note(user, complaint, event):
    """Whether ``user`` may read the note of ``event``, a timeline event of ``complaint``.

    The one rule for every place that shows a timeline note (complaint page, APIs,
    PDFs, exports, the public status page), by the event's ``audience``
    (``app.core.workflow.AUDIENCES``):

    * public: whoever may open the complaint, and the public side (``user`` None: the
      resident who gave the tracking code and phone digits, ``resident_reads_note``);
    * staff: whoever may open the complaint (desk, its liaison, the Kepala Desa);
    * desk only (and any audience not known here): the complaint desk alone. Messages to
      the resident carry the full name, and the resident's comments are for the desk.

    The event's line (step, time, actor) is not ruled here: whoever sees the complaint
    sees its lines, and the public timeline shows those marked ``is_public``.
    """
    audience = getattr(event, "audience", None)
    if user is None:
        return resident_reads_note(complaint, event)
    if audience in (workflow.PUBLIC, workflow.STAFF):
        return can_view(user, complaint)
    return _is_desk(user) and can_view(user, complaint)


def resident_can_track(complaint):
    """Whether the resident can open ``complaint``'s public status page at all: it is not
    void and has a phone whose last four digits answer for the resident (an entry without
    identity, or whose identity was erased, has none)."""
    return (not complaint.voided and not complaint.without_identity
            and len(complaint.complainant_phone or "") >= 4)


def resident_reads_note(complaint, event):
    """Whether the resident reads the note of ``event`` on the public status page: a note on
    a public line, written for the public, of a complaint the resident can look up.

    The one rule of what is "public": the status page shows these notes, and the staff
    timeline marks exactly these as public, so the desk never believes the resident was
    told something they cannot read.
    """
    return (bool(event.note) and bool(event.is_public)
            and getattr(event, "audience", None) == workflow.PUBLIC
            and resident_can_track(complaint))


def can_read_attachment(user, attachment):
    """Whether staff ``user`` may open ``attachment``: a complaint's file goes with the
    complaint (``can_view``: never to the officer complained about, a liaison only on what
    was forwarded to them); a withdrawn file is for the desk alone. A meeting's paper goes
    with the meeting, whose rule (``app.meetings``) the caller applies besides this one."""
    if attachment.complaint is not None and not can_view(user, attachment.complaint):
        return False
    if attachment.complaint is None and not (_is_desk(user) or workflow.HEAD in actors_of(user)):
        return False
    if attachment.withdrawn_at is not None:
        return _is_desk(user)
    return True


def resident_may_read(attachment):
    """Whether the resident (who gave the tracking code and phone digits) may open
    ``attachment``: the files the desk marked public and the resident's own uploads, never a
    withdrawn one."""
    return attachment.withdrawn_at is None and (attachment.is_public
                                                or attachment.uploaded_by_resident)


def may_show_on_public_list(attachment):
    """Whether ``attachment`` may be the photo after the work on the public "Sudah ditangani"
    list: a photo (never a document) the desk marked public, added by staff (a resident's
    upload is their own evidence, sent for the case, not for everyone) and not withdrawn.
    Whether its complaint is published at all is ``public_statistics``' rule."""
    return (attachment.kind == "image" and attachment.is_public
            and not attachment.uploaded_by_resident and attachment.withdrawn_at is None
            and attachment.complaint_id is not None)


def may_withdraw_attachment(user, attachment):
    """The desk withdraws any file it may open; an officer only one they added."""
    if not can_read_attachment(user, attachment):
        return False
    return _is_desk(user) or (attachment.uploaded_by_id is not None
                              and attachment.uploaded_by_id == getattr(user, "id", None))


def hidden_note_text():
    """What stands in place of a note the user may not read."""
    return gettext("(note for the complaint desk only)")
