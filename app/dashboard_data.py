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
