"""What the annual report (laporan tahunan) adds to the period report of a year.

Plain data, drawn by ``app.reporting.period_report``: performance against each
deadline (verification, first follow-up, resolution), the review meetings of the
year with their recommendations and what became of the complaints they discussed.
Counts are over the complaints ``user`` may see (``access.restrict``), void entries
excluded, as every figure of ``app.reporting.figures``.
"""

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from app.auth import access
from app.core.timeutil import today_wib
from app.extensions import db
from app.models import Complaint, ComplaintEvent, Meeting
from app.models.meetings import HELD
from app.services.meetings import meeting_complaints, restrict_meetings

# Steps that answer a forwarded complaint: its first follow-up.
FOLLOW_UP_STEPS = ("note", "resolve", "refer", "schedule_meeting")
DEADLINES = (
    ("verification", _l("Verification")),
    ("follow_up", _l("First follow-up")),
    ("resolution", _l("Resolution")),
)


@dataclass
class Performance:
    """One deadline's result over the year's complaints: met, missed, still running."""

    met: int = 0
    missed: int = 0
    pending: int = 0

    def count(self, done_on, due, as_of):
        """Count one complaint: done on ``done_on`` (a date or None) against ``due``."""
        if due is None:
            return
        if done_on is not None:
            if done_on <= due:
                self.met += 1
            else:
                self.missed += 1
        elif due < as_of:
            self.missed += 1
        else:
            self.pending += 1

    @property
    def percent_met(self):
        decided = self.met + self.missed
        return round(100.0 * self.met / decided, 1) if decided else None


def _first(steps):
    return (db.session.query(ComplaintEvent.complaint_id,
                             func.min(ComplaintEvent.occurred_at).label("at"))
            .filter(ComplaintEvent.step.in_(steps))
            .group_by(ComplaintEvent.complaint_id).subquery())


def deadline_performance(user, year, today=None):
    """``{deadline: Performance}`` over the complaints received in ``year``.

    A deadline counts as missed when it was met late, or when it passed (before the
    year's end, or today for the current year) without the step. Resolution uses the
    resolution due date of ``deadlines`` (paused clock and extension included), the
    same date that decides "overdue" (``app.services.deadlines``).
    """
    as_of = min(dt.date(year, 12, 31), today or today_wib())
    verified, followed = _first(("verify",)), _first(FOLLOW_UP_STEPS)
    query = (access.restrict(db.session.query(
        Complaint.verification_due, verified.c.at, Complaint.followup_due, followed.c.at,
        Complaint.due_date, Complaint.resolved_at), user)
        .outerjoin(verified, verified.c.complaint_id == Complaint.id)
        .outerjoin(followed, followed.c.complaint_id == Complaint.id)
        .filter(Complaint.voided.is_(False),
                Complaint.received_at >= dt.datetime(year, 1, 1),
                Complaint.received_at < dt.datetime(year + 1, 1, 1)))
    result = {name: Performance() for name, _ in DEADLINES}
    for verify_due, verified_at, followup_due, followed_at, due, resolved_at in \
            query.yield_per(1000):
        result["verification"].count(verified_at and verified_at.date(), verify_due, as_of)
        result["follow_up"].count(followed_at and followed_at.date(), followup_due, as_of)
        result["resolution"].count(resolved_at and resolved_at.date(), due, as_of)
    return result


def meetings_of_year(user, year):
    """The review meetings held in ``year`` that ``user`` may read, each with the complaints
    it discussed (as ``user`` may see them) and their status now."""
    query = restrict_meetings(db.session.query(Meeting), user).filter(
        Meeting.status == HELD,
        Meeting.starts_at >= dt.datetime(year, 1, 1),
        Meeting.starts_at < dt.datetime(year + 1, 1, 1)).order_by(Meeting.starts_at)
    return [(meeting, meeting_complaints(meeting, user)) for meeting in query]
