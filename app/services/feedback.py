"""Resident feedback and reopening, after the complaint is resolved and the resident informed.

The resident (known by the tracking code and phone digits, as for a status look-up)
is asked once per closure whether the problem is solved:

* "yes" is recorded (step ``confirm_solved``) and the complaint stays closed;
* "no", within ``FEEDBACK_WINDOW_DAYS`` working days after being informed, becomes a
  reopen request (step ``request_reopen``, status ``reopen_requested``) that the desk
  answers from the complaint's page: ``reopen`` (back to ``forwarded``, with a new
  resolution deadline) or ``keep_closed`` (with a reason the resident reads);
* after the window there is no prompt: the complaint stays closed (as LAPOR! closes
  after 10 working days without an answer).

The steps are in ``app.core.workflow``'s table; ``services.apply_step`` applies them.
"""

import datetime as dt

from flask import current_app
from flask_babel import gettext
from sqlalchemy import func

from app.auth import access
from app.core import workflow
from app.core.errors import refuse
from app.core.timeutil import add_working_days, today_wib
from app.extensions import db
from app.models import Complaint, ComplaintEvent
from app.services import complaints as services, deadlines
from app.services.step_effects import step_effect

ANSWER_STEPS = ("confirm_solved", "request_reopen")
COMMENT_MAX = 2000


def _last_inform(complaint):
    """The event that last told the resident the result, or None."""
    events = [e for e in complaint.events if e.step == "inform"]
    return events[-1] if events else None


def window_end(complaint):
    """The last day the resident can answer: the window's working days after being informed."""
    informed = _last_inform(complaint)
    if informed is None:
        return None
    return add_working_days(informed.occurred_at.date(),
                            current_app.config["FEEDBACK_WINDOW_DAYS"], deadlines.holidays())


def answered(complaint):
    """Whether the resident already answered since they were last informed."""
    informed = _last_inform(complaint)
    return informed is not None and any(
        e.step in ANSWER_STEPS and e.id > informed.id for e in complaint.events)


def prompt_applies(complaint, today=None):
    """Whether the public page asks this resident for feedback now."""
    return open_until(complaint, today) is not None


def open_until(complaint, today=None):
    """The last day of the feedback window when the resident is asked now, else None
    (the public page shows it; one reading of the holidays, not one per question)."""
    if complaint.voided or complaint.status != workflow.INFORMED or answered(complaint):
        return None
    end = window_end(complaint)
    return end if end is not None and (today or today_wib()) <= end else None


def submit_feedback(complaint, solved, comment=None, at=None):
    """Record the resident's answer; "not solved" becomes a reopen request.

    Refused (``services.ServiceError``, 409) when no answer is asked for now: not
    informed yet, already answered, or after the window.
    """
    today = (at.date() if at else today_wib())
    if not prompt_applies(complaint, today):
        if complaint.status == workflow.INFORMED and not answered(complaint) \
                and window_end(complaint) is not None:
            message = gettext("The time to answer has passed (%(days)d working days after you "
                              "were informed); the complaint stays closed. You can submit a "
                              "new complaint.",
                              days=current_app.config["FEEDBACK_WINDOW_DAYS"])
        elif answered(complaint) or complaint.status == workflow.REOPEN_REQUESTED:
            message = gettext("Your answer for this complaint was already recorded. Thank you.")
        else:
            message = gettext("Feedback can be given after the complaint is finished and you "
                              "have been informed.")
        raise services.ServiceError(message, code=409)
    comment = (comment or "").strip()[:COMMENT_MAX] or None
    step = "confirm_solved" if solved else "request_reopen"
    return services.apply_step(complaint, step, {"comment": comment}, None, as_resident=True,
                               at=at)


# --- Step effects (called by services.apply_step) ---------------------------------------------

@step_effect("confirm_solved")
def _confirm_solved(complaint, fields, now):
    return fields.get("comment"), True, {"solved": True}


@step_effect("request_reopen")
def _request_reopen(complaint, fields, now):
    return fields.get("comment"), True, {"solved": False}


@step_effect("reopen")
def _reopen(complaint, fields, now):
    """Back to an officer (the same one, or another the desk chooses), with new deadlines.

    The officer is checked by ``services.assign_officer``'s rule, as for forwarding:
    active, not the person complained about, and never on a confidential complaint. A
    confidential complaint is handled by the desk itself (as before its first
    resolution: it was never forwarded), so it goes back to ``verified`` (the workflow's
    ``confidential_target``) with no officer: an officer left assigned from before it
    became confidential is taken off, as they cannot open it, and there is no first
    follow-up to wait for. The desk then schedules a meeting or resolves it again.
    """
    off = deadlines.holidays()
    _verification, followup, resolution = deadlines.tier_for(complaint.category_id,
                                                             complaint.urgency)
    if complaint.is_confidential:
        if fields.get("officer_id"):
            services.assign_officer(complaint, fields["officer_id"])  # refused: confidential
        complaint.assigned_officer = None
        complaint.followup_due = None
        officer = None
    else:
        if fields.get("officer_id"):
            officer = services.assign_officer(complaint, fields["officer_id"])
        elif complaint.assigned_officer is not None:
            officer = services.assign_officer(complaint, complaint.assigned_officer_id)
        else:
            refuse(gettext("Choose the officer who handles the reopened complaint."))
        complaint.followup_due = add_working_days(now.date(), followup, off)
    complaint.public_note = fields["public_note"]
    complaint.closed_at = None
    complaint.resolved_at = None
    complaint.due_date = add_working_days(now.date(), resolution, off)
    return fields["public_note"], True, {
        "officer": officer.name if officer else None,
        "position": officer.position if officer else None, "due_date": complaint.due_date,
        "due_moved": {"kind": "reopened", "days": resolution}}


@step_effect("keep_closed")
def _keep_closed(complaint, fields, now):
    complaint.public_note = fields["reason"]
    return fields["reason"], True, {}


def pending_reopen_requests(user):
    """How many reopen requests among the complaints ``user`` may see wait for the desk."""
    query = access.restrict(db.session.query(Complaint), user).filter(
        Complaint.voided.is_(False), Complaint.status == workflow.REOPEN_REQUESTED)
    return query.with_entities(func.count(Complaint.id)).scalar()


def step_counts(user, start, end, steps, complaints=None):
    """Count of timeline events per step in ``steps`` from ``start`` to ``end`` (dates, inclusive)
    on the complaints ``user`` may see (or on the query ``complaints``, already narrowed)."""
    if complaints is None:
        complaints = access.restrict(db.session.query(Complaint), user).filter(
            Complaint.voided.is_(False))
    query = complaints.join(Complaint.events).filter(
        ComplaintEvent.step.in_(steps),
        ComplaintEvent.occurred_at >= dt.datetime.combine(start, dt.time()),
        ComplaintEvent.occurred_at < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()),
    ).with_entities(ComplaintEvent.step, func.count(ComplaintEvent.id)).group_by(
        ComplaintEvent.step)
    counts = dict(query.all())
    return {step: counts.get(step, 0) for step in steps}
