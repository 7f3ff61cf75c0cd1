"""Which village a request works for, and the one rule that keeps villages apart.

One installation may hold many villages (issue 25). Two answers live here:

* ``current_village()``: the village this request (or command) reads and writes, as
  ``VillageData`` (letterhead, signatory, the ``{desa}`` placeholder, new rows' village);
* ``village_ids()``: the villages whose rows this request may touch at all. Every ORM query
  of a village-owned table (``VILLAGE_TABLES``) and of the tables that hang off them
  (a complaint's timeline, files and identity log, a meeting's guests, an email's files)
  and of the audit log gets ``village_id IN (those)`` added by one ``do_orm_execute`` listener
  (``_keep_to_the_village``), whatever screen, API, export, chart, file URL or cache asked.
  No query has to remember it, and none can forget it.

Where the answer comes from, first match wins:
1. chosen explicitly for this context (``acting_for(village)`` in a command, a background
   job or a public page of ``/<desa>/``; ``every_village()`` for installation-wide work such
   as sending the outbox);
2. in a request of a logged-in user: the village of the user's officer record; a Camat or
   the Inspektorat (an ``Oversight`` row) the villages of their kecamatan or kabupaten; a
   user with neither (the installation's own admin) works in the village chosen in their
   session (``choose_for_session``);
3. an installation with exactly one village: that village (the embedded default, today's
   URLs, no setting).
Otherwise nothing is chosen: with several villages a query of village data then finds
nothing and ``current_village()`` (so any new row) raises ``VillageNotChosen``, rather than
guessing (fail closed).

Every new row of a village-owned table gets ``current_village()``'s id in one
``before_flush`` listener, so no service, form or import writes a row that belongs to no
village. Core statements written by hand (``text()``, bulk inserts into a table object) are
not seen by the listener: they must carry ``village_id`` themselves (the register counter
does).
"""

import contextlib
import contextvars
import functools
import time
from dataclasses import dataclass, fields
from urllib.parse import urlsplit

from flask import current_app, g, has_request_context, session
from sqlalchemy import event, exists, func, or_, select
from sqlalchemy.orm import Session, with_loader_criteria

from app.extensions import db
from app.models import (
    Attachment,
    AuditEntry,
    AuditPersonalValue,
    Category,
    Complaint,
    ComplaintEvent,
    DeadlineTier,
    Dusun,
    Holiday,
    IdentityView,
    InboxAttachment,
    InboxFetch,
    InboxMessage,
    Meeting,
    MeetingGuest,
    Officer,
    Oversight,
    Referral,
    RegisterCounter,
    ResponseTemplate,
    Village,
)
from app.models.villages import KECAMATAN, owns_village_data

# The session key of the village an installation admin (no officer record) works in.
SESSION_KEY = "village_id"
# ``execution_options(all_villages=True)``: a query that must see every village (only this
# module's own look-ups and installation-wide jobs).
ALL_VILLAGES = "all_villages"


class VillageNotChosen(RuntimeError):
    """Several villages (or none) and nothing that chooses one: refuse rather than guess."""


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
    host: str

    @classmethod
    def of(cls, village):
        """The row's values; an empty one reads as "" (as an unset setting did)."""
        return cls(**{field.name: getattr(village, field.name) or "" for field in fields(cls)})


# --- The villages' rows, read once per process ---------------------------------------------

# Villages change only at start (``app.services.reference_data``) or when the admin edits
# one (which calls ``forget`` in that process): one query per process and
# VILLAGE_CACHE_SECONDS, not one per request. With several app hosts, a village added or
# edited on one is read by the others when their copy is that old.
# Each look-up keeps what it read in a local name: another thread's ``_fresh`` or
# ``forget`` may empty ``_known`` between the writing and the reading.
_known = {}
_NOT_READ = object()


def _fresh():
    """Forget what was read longer ago than VILLAGE_CACHE_SECONDS."""
    now = time.monotonic()
    read_at = _known.setdefault("read_at", now)
    if now - read_at > current_app.config.get("VILLAGE_CACHE_SECONDS", 60):
        _known.clear()
        _known["read_at"] = now


def _village(village_id):
    """``VillageData`` of the village with this id (None when there is none)."""
    _fresh()
    data = _known.get(village_id)
    if data is None:
        row = db.session.execute(select(Village).where(Village.id == village_id)
                                 .execution_options(**{ALL_VILLAGES: True})).scalar()
        if row is None:
            return None
        data = _known[village_id] = VillageData.of(row)
    return data


def village_data(village_id):
    """``VillageData`` of village ``village_id`` (None when there is none): a page about a
    complaint of one of several villages names it (the Camat's referrals)."""
    return _village(village_id)


def _only_village_id():
    """The id of the installation's one village; None with several (or none)."""
    _fresh()
    only = _known.get("only", _NOT_READ)
    if only is _NOT_READ:
        ids = db.session.scalars(select(Village.id).order_by(Village.id).limit(2)
                                 .execution_options(**{ALL_VILLAGES: True})).all()
        only = _known["only"] = ids[0] if len(ids) == 1 else None
    return only


def first_village_id():
    """The id of the installation's first village (the one an existing install became)."""
    _fresh()
    first = _known.get("first")
    if first is None:
        first = _known["first"] = db.session.scalar(
            select(func.min(Village.id)).execution_options(**{ALL_VILLAGES: True}))
    return first


def by_host(host):
    """The village whose own host name is ``host`` (``Village.host``), or None (one query
    per process and VILLAGE_CACHE_SECONDS for every host name)."""
    _fresh()
    hosts = _known.get("hosts")
    if hosts is None:
        rows = db.session.scalars(select(Village).where(Village.host.is_not(None))
                                  .execution_options(**{ALL_VILLAGES: True})).all()
        hosts = _known["hosts"] = {row.host: VillageData.of(row) for row in rows}
    return hosts.get((host or "").lower())


def several():
    """Whether the installation holds several villages: then the public addresses carry the
    village (``/<slug>/lapor``); a single-village install keeps ``/lapor``."""
    return _only_village_id() is None


def public_base():
    """Where the current village's public addresses start, for the addresses sent out
    (receipt, QR code, emails): ``https://<its host>`` when it has a host name of its own,
    else PUBLIC_BASE_URL with ``/<slug>`` with several villages and without in a
    single-village install (today's ``/lapor``, ``/status``, ``/statistik``)."""
    base = current_app.config["PUBLIC_BASE_URL"]
    village = current_village()
    if village.host:
        return f"{urlsplit(base).scheme or 'https'}://{village.host}"
    return base + (f"/{village.slug}" if several() else "")


def forget():
    """Read the villages again on next use (a row changed, or a village was added)."""
    _known.clear()


def by_slug(slug):
    """The village whose public address part is ``slug``, or None (one query per process
    and VILLAGE_CACHE_SECONDS for every slug: each public request of several villages asks,
    and the status look-up's own work is one indexed query)."""
    _fresh()
    slugs = _known.get("slugs")
    if slugs is None:
        slugs = _known["slugs"] = {village.slug: village for village in all_villages()}
    return slugs.get(slug)


def all_villages():
    """Every village, the first (the one an existing install became) first."""
    rows = db.session.scalars(select(Village).order_by(Village.id)
                              .execution_options(**{ALL_VILLAGES: True})).all()
    return [VillageData.of(row) for row in rows]


# --- Choosing the village ------------------------------------------------------------------

EVERY = "every"  # the scope of installation-wide work: no village criteria
_chosen = contextvars.ContextVar("village_scope", default=None)


@contextlib.contextmanager
def acting_for(village_id):
    """Within the block, this context reads and writes village ``village_id`` only."""
    token = _chosen.set(frozenset({village_id}))
    try:
        yield
    finally:
        _chosen.reset(token)


@contextlib.contextmanager
def every_village():
    """Within the block, queries see every village (installation-wide jobs only)."""
    token = _chosen.set(EVERY)
    try:
        yield
    finally:
        _chosen.reset(token)


def choose_for_request(village_id):
    """This request works for village ``village_id`` (a public page of ``/<desa>/``)."""
    g._village_scope = frozenset({village_id})


def choose_for_session(village_id):
    """An installation admin (no officer record) works in village ``village_id`` from now on."""
    session[SESSION_KEY] = village_id
    g.pop("_village_scope", None)


def _user_of_request():
    """The logged-in user once Flask-Login has loaded them (loading them is a query too:
    until then no user is known, and nothing is cached for the request)."""
    user = g.get("_login_user")
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def officers_of(user):
    """``(officer id, village id)`` of ``user``'s officer records, asked once per request (the
    access rules read the ids from here too)."""
    cache = g.setdefault("_officers_of", {}) if has_request_context() else {}
    if user.id not in cache:
        cache[user.id] = tuple(db.session.execute(
            select(Officer.id, Officer.village_id).where(Officer.user_id == user.id)
            .execution_options(**{ALL_VILLAGES: True})).all())
    return cache[user.id]


def _officer_villages(user):
    """The villages of ``user``'s officer records."""
    return frozenset(village_id for _officer, village_id in officers_of(user))


def manages_one_village(user):
    """Whether ``user`` is one village's own login (an officer record) in an installation of
    several villages: then the installation-wide screens (roles, permissions, new logins
    outside the officer accounts) are not theirs, and they list only their village's logins.
    In a single-village install nobody is limited so."""
    return _only_village_id() is None and bool(_officer_villages(user))


def _scope_of_request():
    """The villages of this request's user (see the module's docstring), or None."""
    user = _user_of_request()
    if user is None:
        return None
    ids = _officer_villages(user)
    if ids:
        return ids
    watched = oversight_of(user)
    if watched is not None:
        return watched
    chosen = session.get(SESSION_KEY)
    if isinstance(chosen, int) and _village(chosen) is not None:
        return frozenset({chosen})
    return None


def oversight_of(user):
    """The villages a Camat (their kecamatan's) or the Inspektorat (the kabupaten's) reads
    across, as a frozenset of ids; None for a login without an oversight row."""
    row = db.session.get(Oversight, user.id, execution_options={ALL_VILLAGES: True})
    if row is None:
        return None
    query = select(Village.id).where(Village.kabupaten == row.kabupaten)
    if row.area == KECAMATAN:
        query = query.where(Village.kecamatan == row.kecamatan)
    return frozenset(db.session.scalars(query.execution_options(**{ALL_VILLAGES: True})))


def village_ids():
    """The villages this context may read and write: a frozenset of ids, or ``EVERY``.

    Raises ``VillageNotChosen`` when nothing chooses and the installation has several.
    """
    chosen = _chosen.get()
    if chosen is not None:
        return chosen
    if has_request_context():
        scope = g.get("_village_scope")
        if scope is None:
            scope = _scope_of_request()
            if scope is not None:
                g._village_scope = scope
        if scope is not None:
            return scope
    only = _only_village_id()
    if only is None:
        raise VillageNotChosen("several villages (or none) and none chosen here")
    return frozenset({only})


def current_village():
    """The village this request (or command) reads and writes, as ``VillageData``.

    Raises ``VillageNotChosen`` when the context covers several villages (or none).
    """
    ids = village_ids()
    if ids == EVERY or len(ids) != 1:
        raise VillageNotChosen("this context covers several villages")
    village = _village(next(iter(ids)))
    if village is None:
        raise VillageNotChosen("the chosen village does not exist")
    return village


def scope_key():
    """The villages of this context as a hashable value, for cache keys and data stamps:
    two villages never share a cached figure, chart or statistics page."""
    ids = village_ids()
    return ids if ids == EVERY else tuple(sorted(ids))


# --- The rule: every query keeps to the village ---------------------------------------------

# Tables with their own ``village_id`` (app.models.villages.VILLAGE_TABLES).
OWNED = (Complaint, Officer, Category, Dusun, DeadlineTier, ResponseTemplate, Meeting,
         RegisterCounter, InboxMessage, InboxFetch)


# The parents a child row belongs to a village through, as plain table aliases: inside the
# criteria they are never correlated with the statement's own complaint or meeting.
_COMPLAINT = Complaint.__table__.alias("village_complaint")
_MEETING = Meeting.__table__.alias("village_meeting")
_MESSAGE = InboxMessage.__table__.alias("village_message")
_AUDIT = AuditEntry.__table__.alias("village_audit")


def _through(parent, column, ids):
    """Whether the row's parent (``column`` = its id) belongs to the villages ``ids``."""
    return exists().where(parent.c.id == column, parent.c.village_id.in_(ids)) \
        .correlate_except(parent)


@functools.lru_cache(maxsize=1024)
def _criteria(ids):
    """The loader criteria that keep a statement to the villages ``ids`` (a sorted tuple):
    built once per set of villages, as building them costs more than the query's own work."""
    def child(model, rule):
        return with_loader_criteria(model, rule, include_aliases=True)

    return [
        *(child(model, lambda cls: cls.village_id.in_(ids)) for model in OWNED),
        # National holidays (no village) are every village's; a local one only its own.
        child(Holiday, lambda cls: or_(cls.village_id.is_(None), cls.village_id.in_(ids))),
        # Rows that hang off a complaint, a meeting or an email belong to its village.
        child(ComplaintEvent, lambda cls: _through(_COMPLAINT, cls.complaint_id, ids)),
        child(IdentityView, lambda cls: _through(_COMPLAINT, cls.complaint_id, ids)),
        child(Referral, lambda cls: _through(_COMPLAINT, cls.complaint_id, ids)),
        child(Attachment, lambda cls: or_(_through(_COMPLAINT, cls.complaint_id, ids),
                                          _through(_MEETING, cls.meeting_id, ids))),
        child(MeetingGuest, lambda cls: _through(_MEETING, cls.meeting_id, ids)),
        child(InboxAttachment, lambda cls: _through(_MESSAGE, cls.message_id, ids)),
        # The audit log: a village's admin reads their village's lines only.
        child(AuditEntry, lambda cls: cls.village_id.in_(ids)),
        child(AuditPersonalValue, lambda cls: _through(_AUDIT, cls.audit_id, ids)),
    ]


def _keep_to_the_village(state):
    """``do_orm_execute``: add the village criteria to every ORM select, update and delete.

    Loads of a relationship or a deferred column start from a row that was itself read
    through these criteria, so they are left alone.
    """
    if state.is_column_load or state.is_relationship_load:
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get(ALL_VILLAGES):
        return
    try:
        ids = village_ids()
    except VillageNotChosen:
        ids = frozenset()  # nothing chosen among several villages: nothing is read
    if ids == EVERY:
        return
    state.statement = state.statement.options(*_criteria(tuple(sorted(ids))))


def _give_new_rows_their_village(session, flush_context, instances):
    """``before_flush``: a new village-owned row without a village gets ``current_village``'s."""
    for obj in session.new:
        if getattr(obj, "village_id", 0) is None and owns_village_data(obj):
            obj.village_id = current_village().id
        elif isinstance(obj, AuditEntry) and obj.village_id is None:
            # An audit line is its village's (installation-wide work without one: none).
            try:
                obj.village_id = current_village().id
            except VillageNotChosen:
                pass


def init_app(app):
    """Keep every query to its village and give every new village-owned row its village."""
    if not event.contains(db.session, "before_flush", _give_new_rows_their_village):
        event.listen(db.session, "before_flush", _give_new_rows_their_village)
    if not event.contains(Session, "do_orm_execute", _keep_to_the_village):
        event.listen(Session, "do_orm_execute", _keep_to_the_village)
