"""Counts for the home page (the dashboard issue grows this into the charts' query module)."""

from sqlalchemy import func

from app import access, workflow
from app.extensions import db
from app.models import Complaint
from app.timeutil import today_wib


def home_summary(user):
    """Open, overdue and new complaints among those ``user`` may see."""
    query = access.restrict(db.session.query(Complaint), user).filter(Complaint.voided.is_(False))
    open_q = query.filter(Complaint.status.in_(workflow.OPEN_STATUSES))
    return {
        "open": open_q.with_entities(func.count(Complaint.id)).scalar(),
        "overdue": open_q.filter(Complaint.due_date < today_wib())
        .with_entities(func.count(Complaint.id)).scalar(),
        "new": query.filter(Complaint.status == workflow.RECEIVED)
        .with_entities(func.count(Complaint.id)).scalar(),
    }


def feedback_summary(user, start, end):
    """Residents' answers and reopen requests from ``start`` to ``end`` (dates, inclusive).

    Among the complaints ``user`` may see: how many said solved / not solved, the share
    satisfied (percent of answers, None without answers), how many reopen requests the desk
    reopened or kept closed, and how many still wait for the desk's answer (now).
    """
    from app import feedback

    counts = feedback.step_counts(user, start, end, ("confirm_solved", "request_reopen",
                                                     "reopen", "keep_closed"))
    answers = counts["confirm_solved"] + counts["request_reopen"]
    return {
        "start": start,
        "end": end,
        "solved": counts["confirm_solved"],
        "not_solved": counts["request_reopen"],
        "satisfied_percent": round(100 * counts["confirm_solved"] / answers) if answers else None,
        "reopened": counts["reopen"],
        "kept_closed": counts["keep_closed"],
        "pending": feedback.pending_reopen_requests(user),
    }
