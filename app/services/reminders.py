"""Reminders and escalation: the system does the chasing (a background job, ``remind``).

* An officer: the working day before and on the resolution deadline of a complaint
  forwarded to them.
* The desk: a complaint still not verified after its verification deadline, and one
  forwarded whose first follow-up (a progress note after forwarding) is past due.
* The Kepala Desa: once a week (``DIGEST_WEEKDAY``, ``DIGEST_HOUR`` WIB) a short digest.

Each reminder carries a key naming complaint, deadline and recipient, so running this
any number of times (every few minutes, in several processes) gives each once. The
recipients pass ``notifications.staff_may_be_told`` like every other notification.
"""

import datetime as dt

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import func

from app.auth import access, security
from app.core import workflow
from app.core.timeutil import add_working_days, date_id
from app.extensions import db
from app.models import Complaint, ComplaintEvent, Officer
from app.services import deadlines, notifications


# --- The job ---------------------------------------------------------------------------------

def remind(now):
    """Give every reminder that is due at ``now`` and commit; returns how many were given."""
    today = now.date()
    given = _officer_deadlines(now, today) + _desk_escalations(now, today) + _digest(now)
    db.session.commit()
    return given


def _officer_deadlines(now, today):
    off = deadlines.holidays()
    if today.weekday() >= 5 or today in off:
        return 0  # reminders come on working days: Friday's covers Monday's deadline
    tomorrow = add_working_days(today, 1, off)
    given = 0
    rows = (db.session.query(Complaint).join(Officer, Complaint.assigned_officer_id == Officer.id)
            .filter(Complaint.status.in_(workflow.OPEN_STATUSES), Complaint.voided.is_(False),
                    Officer.user_id.isnot(None), Complaint.due_date.in_((today, tomorrow))))
    for complaint in rows:
        kind = notifications.DUE_TODAY if complaint.due_date == today \
            else notifications.DUE_TOMORROW
        user = complaint.assigned_officer.user
        key = f"{kind}:{complaint.id}:{complaint.due_date}:{user.id}"
        given += bool(notifications.tell_staff(user, kind, complaint, now, dedupe_key=key))
    return given


def _desk_escalations(now, today):
    desks = notifications.users_with_role(security.DESK)
    if not desks:
        return 0
    given = 0
    for kind, condition, due in (
            (notifications.VERIFICATION_LATE, deadlines.verification_late_condition(today),
             "verification_due"),
            (notifications.FOLLOWUP_LATE, deadlines.followup_late_condition(today), "followup_due")):
        for complaint in db.session.query(Complaint).filter(condition).order_by(Complaint.id):
            for desk in desks:
                key = f"{kind}:{complaint.id}:{getattr(complaint, due)}:{desk.id}"
                given += bool(notifications.tell_staff(desk, kind, complaint, now,
                                                       dedupe_key=key))
    return given


def _digest(now):
    """The Kepala Desa's weekly digest, on the configured day from the configured hour."""
    cfg = current_app.config
    if now.isoweekday() != int(cfg.get("DIGEST_WEEKDAY", 1)) or \
            now.hour < int(cfg.get("DIGEST_HOUR", 7)):
        return 0
    year, week, _day = now.isocalendar()
    given = 0
    for head in notifications.users_with_role(security.HEAD):
        key = f"digest:{year}-{week}:{head.id}"
        if notifications.seen(key):
            continue
        text = digest_text(head, now)
        given += bool(notifications.tell_staff(head, notifications.DIGEST, None, now,
                                               dedupe_key=key, text=text))
    return given


def digest_figures(user, now):
    """The week before ``now`` as ``user`` may see it: received, resolved, overdue by
    officer, the residents' answers."""
    start = now - dt.timedelta(days=7)
    visible = access.restrict(db.session.query(Complaint), user).filter(
        Complaint.voided.is_(False))
    received = visible.filter(Complaint.received_at >= start,
                              Complaint.received_at < now).count()
    resolved = visible.filter(Complaint.resolved_at >= start,
                              Complaint.resolved_at < now).count()
    overdue = (visible.filter(deadlines.overdue_condition(now.date()))
               .outerjoin(Officer, Complaint.assigned_officer_id == Officer.id)
               .with_entities(Officer.name, func.count(Complaint.id))
               .group_by(Officer.name).order_by(func.count(Complaint.id).desc(), Officer.name)
               .all())
    answers = dict(
        visible.join(ComplaintEvent, ComplaintEvent.complaint_id == Complaint.id)
        .filter(ComplaintEvent.step.in_(("confirm_solved", "request_reopen")),
                ComplaintEvent.occurred_at >= start, ComplaintEvent.occurred_at < now)
        .with_entities(ComplaintEvent.step, func.count(ComplaintEvent.id))
        .group_by(ComplaintEvent.step).all())
    return {"start": start, "received": received, "resolved": resolved, "overdue": overdue,
            "solved": answers.get("confirm_solved", 0),
            "reopen": answers.get("request_reopen", 0)}


def digest_text(user, now):
    """The digest in Indonesian: short enough for a phone's notification."""
    figures = digest_figures(user, now)
    with force_locale("id"):
        by_officer = ", ".join(f"{name or gettext('no officer')} {count}"
                               for name, count in figures["overdue"]) or "-"
        return gettext(
            "Weekly complaints digest %(start)s - %(end)s: %(received)d received, "
            "%(resolved)d resolved; overdue: %(by_officer)s. Residents' answers: %(solved)d "
            "solved, %(reopen)d asked to reopen.",
            start=date_id(figures["start"]), end=date_id(now), received=figures["received"],
            resolved=figures["resolved"], by_officer=by_officer, solved=figures["solved"],
            reopen=figures["reopen"])
