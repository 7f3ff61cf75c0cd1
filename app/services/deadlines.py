"""Fair deadlines: tiers per category and urgency, holidays, a paused clock, one extension.

* Tiers (``DeadlineTier``, edited by the admin) give the working days to verify, to give
  a first follow-up after forwarding, and to resolve; the most specific tier that
  matches a complaint wins, and the config values (``DEADLINE_*``) apply when no tier
  matches. Defaults follow Indonesian practice (verification 3, follow-up 5,
  resolution 14, cases that need investigation 60 working days).
* Holidays (``Holiday``: national holidays and cuti bersama, per year, edited by the
  admin) are not working days; the config list ``PUBLIC_HOLIDAYS`` applies only while
  the table is empty.
* While a complaint waits for the resident (``needs_completion``) or for the answer of the
  kecamatan or kabupaten it was referred to (``app.services.referrals``) its clock stands
  still: when the wait ends, the due dates move by the working days it waited.
* The desk may extend the resolution deadline once, with a reason the resident reads.

Every move of a due date is recorded in the step's timeline event (``due_moved``), so
the public page can say why the date moved.
"""

import datetime as dt
import json

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import aliased

from app.auth import access
from app.core import workflow
from app.core.errors import refuse
from app.core.timeutil import add_working_days, date_id, today_wib
from app.core.values import int_or_none
from app.extensions import db
from app.models import Category, Complaint, ComplaintEvent, DeadlineTier, Holiday
from app.services.step_effects import step_effect

MAX_EXTENSION_DAYS = 60

HOLIDAY_KINDS = {
    "national": _l("National holiday"),
    "cuti_bersama": _l("Cuti bersama"),
    "local": _l("Local holiday"),
}

# Why a due date moved (the ``kind`` of an event's ``due_moved``).
MOVE_REASONS = {
    "paused": _l("Waiting for the complainant's completion (the clock was paused)"),
    "referred": _l("Waiting for the answer of the higher office (the clock was paused)"),
    "extended": _l("Deadline extended"),
    "reopened": _l("Complaint reopened"),
}

# Names for the config's default holiday dates (2026), used when seeding the table.
_KNOWN_HOLIDAYS = {
    "2026-01-01": ("Tahun Baru 2026 Masehi", "national"),
    "2026-01-16": ("Isra Mikraj Nabi Muhammad SAW", "national"),
    "2026-02-17": ("Tahun Baru Imlek 2577 Kongzili", "national"),
    "2026-03-19": ("Hari Suci Nyepi Tahun Baru Saka 1948", "national"),
    "2026-03-20": ("Idul Fitri 1447 Hijriah", "national"),
    "2026-03-21": ("Idul Fitri 1447 Hijriah", "national"),
    "2026-03-23": ("Cuti bersama Idul Fitri", "cuti_bersama"),
    "2026-03-24": ("Cuti bersama Idul Fitri", "cuti_bersama"),
    "2026-04-03": ("Wafat Yesus Kristus", "national"),
    "2026-05-01": ("Hari Buruh Internasional", "national"),
    "2026-05-14": ("Kenaikan Yesus Kristus", "national"),
    "2026-05-27": ("Idul Adha 1447 Hijriah", "national"),
    "2026-05-31": ("Hari Raya Waisak 2570 BE", "national"),
    "2026-06-01": ("Hari Lahir Pancasila", "national"),
    "2026-06-16": ("Tahun Baru Islam 1448 Hijriah", "national"),
    "2026-08-17": ("Hari Kemerdekaan Republik Indonesia", "national"),
    "2026-08-25": ("Maulid Nabi Muhammad SAW", "national"),
    "2026-12-24": ("Cuti bersama Hari Raya Natal", "cuti_bersama"),
    "2026-12-25": ("Hari Raya Natal", "national"),
}

# (category name or None, urgency or None, verification, follow-up, resolution, description)
DEFAULT_TIERS = [
    (None, None, 3, 5, 14, "Umum: verifikasi 3, tindak lanjut 5, penyelesaian 14 hari kerja"),
    (None, "high", 3, 3, 7, "Mendesak (tinggi): penyelesaian 7 hari kerja"),
    (None, "urgent", 1, 2, 3, "Darurat: penyelesaian 3 hari kerja"),
    ("Dugaan penyimpangan", None, 3, 5, 60,
     "Perlu pemeriksaan/investigasi: penyelesaian 60 hari kerja"),
]


# --- Holidays and tiers -----------------------------------------------------------------------

def holidays():
    """The days off that are not weekends: the holiday table, or the config list while empty."""
    dates = db.session.scalars(select(Holiday.date)).all()
    if dates:
        return frozenset(dates)
    return frozenset(dt.date.fromisoformat(d) for d in current_app.config["PUBLIC_HOLIDAYS"])


def tier_for(category_id, urgency):
    """``(verification, follow-up, resolution)`` working days for a category and urgency.

    The most specific tier wins: category and urgency, category, urgency, general.
    Without any matching tier the config values apply.
    """
    candidates = db.session.scalars(select(DeadlineTier).where(
        (DeadlineTier.category_id == category_id) | DeadlineTier.category_id.is_(None),
        (DeadlineTier.urgency == urgency) | DeadlineTier.urgency.is_(None),
    )).all()
    candidates = [t for t in candidates
                  if t.category_id in (None, category_id) and t.urgency in (None, urgency)]
    if candidates:
        best = max(candidates, key=lambda t: (t.category_id is not None, t.urgency is not None))
        return best.verification_days, best.followup_days, best.resolution_days
    cfg = current_app.config
    resolution = cfg["DEADLINE_RESOLUTION_DAYS"].get(urgency or "normal", 14)
    return (cfg["DEADLINE_VERIFICATION_DAYS"], min(cfg.get("DEADLINE_FOLLOWUP_DAYS", 5), resolution),
            resolution)


def compute_deadlines(complaint):
    """Set the verification and resolution due dates from the received date and the tier.

    Days the clock stood still (``paused_days``) and the extension count too, so a
    later re-classification keeps them.
    """
    start = complaint.received_at.date()
    off = holidays()
    verification, _followup, resolution = tier_for(complaint.category_id, complaint.urgency)
    paused = complaint.paused_days or 0
    complaint.verification_due = add_working_days(start, verification + paused, off)
    complaint.due_date = add_working_days(
        start, resolution + paused + (complaint.extension_days or 0), off)


def working_days_between(start, end, off=None):
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    off = holidays() if off is None else off
    count, current = 0, start
    while current < end:
        current += dt.timedelta(days=1)
        if current.weekday() < 5 and current not in off:
            count += 1
    return count


def seed_deadline_data(village_id):
    """Fill village ``village_id``'s tiers when it has none (the config's defaults as data,
    on its own categories), and the holiday table when it is empty."""
    if not db.session.query(DeadlineTier.id).filter_by(village_id=village_id).first():
        categories = {c.name: c.id for c in
                      db.session.query(Category).filter_by(village_id=village_id)}
        for category, urgency, verification, followup, resolution, text in DEFAULT_TIERS:
            if category is not None and category not in categories:
                continue
            db.session.add(DeadlineTier(
                village_id=village_id, category_id=categories.get(category), urgency=urgency,
                verification_days=verification, followup_days=followup,
                resolution_days=resolution, description=text))
    if not db.session.query(Holiday.id).first():
        for text in current_app.config["PUBLIC_HOLIDAYS"]:
            day = dt.date.fromisoformat(text)
            name, kind = _KNOWN_HOLIDAYS.get(text, ("Hari libur", "national"))
            db.session.add(Holiday(date=day, year=day.year, name=name, kind=kind))


# --- Overdue ---------------------------------------------------------------------------------
# One definition for the list filter, the home page, exports, the dashboard and the report:
# a complaint is overdue on a day when it is still open, not void, and its resolution due
# date is before that day. Each rule has its SQL form and its Python form side by side.

def past_due(day):
    """SQL: the resolution due date is before ``day`` (whatever the status)."""
    return Complaint.due_date < day


def is_past_due(complaint, day):
    """Python form of ``past_due``."""
    return complaint.due_date is not None and complaint.due_date < day


def overdue_condition(day=None):
    """SQL: open (by status), not void and past due on ``day`` (default today)."""
    return and_(Complaint.status.in_(workflow.OPEN_STATUSES), Complaint.voided.is_(False),
                past_due(day or today_wib()))


def is_overdue(complaint, day=None):
    """Python form of ``overdue_condition``."""
    return (complaint.status in workflow.OPEN_STATUSES and not complaint.voided
            and is_past_due(complaint, day or today_wib()))


# The verification and first follow-up deadlines (the SOP's 3 and 5 working days): late when
# their step has not been taken by then. SQL and Python forms side by side, like the above.

def verification_late_condition(day):
    """SQL: not verified yet (received) and its verification deadline is before ``day``."""
    return and_(Complaint.status == workflow.RECEIVED, Complaint.voided.is_(False),
                Complaint.verification_due < day)


def is_verification_late(complaint, day):
    """Python form of ``verification_late_condition``."""
    return (complaint.status == workflow.RECEIVED and not complaint.voided
            and complaint.verification_due is not None and complaint.verification_due < day)


def _given_at():
    """SQL: when the complaint was last given to an officer (forwarded or reopened)."""
    given = aliased(ComplaintEvent)
    return (select(func.max(given.occurred_at))
            .where(given.complaint_id == Complaint.id, given.step.in_(("forward", "reopen")))
            .correlate(Complaint).scalar_subquery())


def followup_late_condition(day):
    """SQL: forwarded, its first follow-up deadline before ``day``, and no progress note since
    it was last given to the officer."""
    note = aliased(ComplaintEvent)
    followed_up = exists().where(note.complaint_id == Complaint.id, note.step == "note",
                                 note.occurred_at >= _given_at())
    return and_(Complaint.status == workflow.FORWARDED, Complaint.voided.is_(False),
                Complaint.followup_due < day, ~followed_up)


def is_followup_late(complaint, day):
    """Python form of ``followup_late_condition`` (reads the complaint's timeline)."""
    if complaint.status != workflow.FORWARDED or complaint.voided \
            or complaint.followup_due is None or complaint.followup_due >= day:
        return False
    given = max((e.occurred_at for e in complaint.events if e.step in ("forward", "reopen")),
                default=None)
    return not any(e.step == "note" and (given is None or e.occurred_at >= given)
                   for e in complaint.events)


# --- The clock through the workflow -----------------------------------------------------------

def on_status_change(complaint, source, target, today):
    """Pause or resume the clock when a step enters or leaves ``needs_completion``.

    Returns what the step's event records about it (empty when nothing moved).
    """
    if target == workflow.NEEDS_COMPLETION and source != workflow.NEEDS_COMPLETION:
        return pause_clock(complaint, today)
    if source == workflow.NEEDS_COMPLETION and target != workflow.NEEDS_COMPLETION:
        if target not in workflow.OPEN_STATUSES:  # rejected while waiting: no deadline left
            complaint.paused_since = None
            return {"clock": "stopped"}
        return resume_clock(complaint, today, "paused")
    return {}


def pause_clock(complaint, today):
    """The complaint starts to wait for someone outside the village's hands: its clock stands
    still from ``today``. Returns what the step's event records."""
    complaint.paused_since = today
    return {"clock": "paused"}


def resume_clock(complaint, today, kind):
    """The wait is over: the due dates move by the working days since the clock was paused
    (``kind`` says why, one of ``MOVE_REASONS``). Returns what the step's event records."""
    since = complaint.paused_since or today
    complaint.paused_since = None
    off = holidays()
    days = working_days_between(since, today, off)
    if days <= 0:
        return {"clock": "resumed"}
    complaint.paused_days = (complaint.paused_days or 0) + days
    if complaint.verification_due:
        complaint.verification_due = add_working_days(complaint.verification_due, days, off)
    if complaint.due_date:
        complaint.due_date = add_working_days(complaint.due_date, days, off)
    return {"clock": "resumed", "due_date": complaint.due_date,
            "due_moved": {"kind": kind, "days": days, "since": since}}


def set_followup_due(complaint, today):
    """The first follow-up is due some working days after the complaint is forwarded."""
    _verification, followup, _resolution = tier_for(complaint.category_id, complaint.urgency)
    complaint.followup_due = add_working_days(today, followup, holidays())


# --- Step effects (called by services.apply_step) ---------------------------------------------

@step_effect("complete")
def _complete(complaint, fields, now):
    """The resident's missing data arrived (told by the resident or recorded by the desk).

    Internal: it may hold personal data. The clock resumes (``on_status_change``).
    """
    return fields["completion"], False, {}


@step_effect("extend_deadline")
def _extend_deadline(complaint, fields, now):
    if complaint.extension_days:
        refuse(gettext("The deadline was already extended once (reason: %(reason)s). "
                        "A deadline can be extended only once.",
                        reason=complaint.extension_reason or "-"), 409)
    days = int_or_none(fields["days"])
    if days is None or not 1 <= days <= MAX_EXTENSION_DAYS:
        refuse(gettext("Extend by 1 to %(max)d working days.", max=MAX_EXTENSION_DAYS))
    complaint.extension_days = days
    complaint.extension_reason = fields["reason"]
    complaint.due_date = add_working_days(complaint.due_date or now.date(), days, holidays())
    return fields["reason"], True, {"due_date": complaint.due_date,
                                    "due_moved": {"kind": "extended", "days": days}}


def due_moves(complaint):
    """Why the due date moved, oldest first: what the public page and API show.

    Each entry: ``date`` (ISO), ``kind``, ``reason`` (translated), ``days`` (working
    days, or None), ``due_date`` (ISO) and ``note`` (the step's note when written for the
    public: the extension's reason, the reopening's public note).
    """
    moves = []
    for event in complaint.events:
        try:
            data = json.loads(event.data or "{}")
        except ValueError:
            continue
        moved = data.get("due_moved")
        if not moved:
            continue
        due = data.get("due_date")
        moves.append({
            "date": event.occurred_at.date().isoformat(),
            "date_label": date_id(event.occurred_at),
            "kind": moved.get("kind"),
            "reason": str(MOVE_REASONS.get(moved.get("kind"), moved.get("kind"))),
            "days": moved.get("days"),
            "due_date": due,
            "due_date_label": date_id(dt.date.fromisoformat(due)) if due else None,
            "note": event.note if access.can_read_note(None, complaint, event) else None,
        })
    return moves
