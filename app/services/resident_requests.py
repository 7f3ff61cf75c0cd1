"""A resident's rights over their data (UU 27/2022), exercised through the desk.

The desk checks the resident's identity (identity card, the phone the complaints were made
from), then records the request here: a copy of everything held about them (a PDF of their
complaints and nothing of anyone else's), a correction (the edit screen, through
``services.edit_complaint``, so the audit log has it), or erasure where the law allows
(anonymisation of their closed complaints with the reason, ``retention.anonymise``; an open
complaint cannot be handled without a way to reach the resident, so it is refused). Each
request is one ``resident_request`` row with the complaints' register numbers and its due
date, and is in the audit log.

UU 27/2022 gives the controller 3 x 24 hours to answer a request for access, correction or
erasure (``ANSWER_TIME``, counted in hours, weekends too). A copy and an erasure are
answered when recorded (the PDF is handed over, the data is gone); a correction is answered
when the desk has corrected the data and says so (``answer``). A request not answered in
time is overdue (``overdue``), and one answered after its time says so too.
"""

import datetime as dt

from flask_babel import gettext
from sqlalchemy import select

from app.core import workflow
from app.core.errors import ServiceError
from app.core.numbering import InvalidPhone, normalize_phone
from app.core.timeutil import now_wib
from app.extensions import db
from app.models import Complaint, ResidentRequest
from app.services import audit, retention

COPY, CORRECTION, ERASURE = "copy", "correction", "erasure"
KINDS_OF_REQUEST = (COPY, CORRECTION, ERASURE)
# The time the law gives to answer (UU 27/2022: "3 x 24 jam"; the privacy page promises it).
ANSWER_TIME = dt.timedelta(hours=72)

# What the list of requests shows (``listed``).
SHOW_ALL, SHOW_OPEN, SHOW_OVERDUE = "all", "open", "overdue"


def _refuse(message):
    raise ServiceError(message)


def complaints_of(phone):
    """The complaints made from ``phone`` whose personal data is still held, oldest first."""
    try:
        number = normalize_phone(phone or "")
    except InvalidPhone:
        _refuse(gettext("Enter a reachable Indonesian phone number, for example 0812 3456 "
                        "7890."))
    return list(db.session.scalars(
        select(Complaint).where(Complaint.complainant_phone == number,
                                Complaint.anonymised_at.is_(None))
        .order_by(Complaint.received_at, Complaint.id)))


def due_at(received_at):
    """The moment a request received at ``received_at`` must be answered by."""
    return received_at + ANSWER_TIME


def overdue(request, now=None):
    """Whether ``request`` was not answered within ``ANSWER_TIME``: still open after it, or
    answered after it."""
    return (request.answered_at or now or now_wib()) > due_at(request.received_at)


def listed(show=SHOW_ALL, now=None, limit=100):
    """The newest requests: all of them, only the open ones, or only the overdue ones
    (``overdue``). A village receives a few a year: they are read whole and filtered here,
    with the one rule."""
    now = now or now_wib()
    rows = db.session.scalars(select(ResidentRequest).order_by(ResidentRequest.id.desc()))
    if show == SHOW_OPEN:
        rows = [row for row in rows if row.answered_at is None]
    elif show == SHOW_OVERDUE:
        rows = [row for row in rows if overdue(row, now)]
    return list(rows)[:limit]


def answer(request_id, user):
    """The desk says the request is answered (a correction, once the data is corrected)."""
    row = db.session.get(ResidentRequest, request_id)
    if row is None:
        raise ServiceError(gettext("This request does not exist."), code=404)
    if row.answered_at is not None:
        raise ServiceError(gettext("This request was already answered."), code=409)
    audit.acting(user)
    row.answered_at = now_wib()
    db.session.commit()
    return row


def record(kind, complaints, reason, user, answered=True):
    """One request row (added to the session; committed by the caller)."""
    if kind not in KINDS_OF_REQUEST:
        _refuse(gettext("Choose what the resident asks for."))
    if not complaints:
        _refuse(gettext("No complaint with personal data was made from this phone number."))
    now = now_wib()
    audit.acting(user)
    row = ResidentRequest(
        received_at=now, kind=kind, reason=(reason or "").strip() or None,
        register_numbers=", ".join(c.register_number for c in complaints),
        due_date=due_at(now).date(),
        answered_at=now if answered else None, handled_by_id=getattr(user, "id", None),
        handled_by_name=audit.actor_name_of(user))
    db.session.add(row)
    return row


def copy(phone, user):
    """Record a copy request; return the complaints whose copy the resident receives
    (``documents.personal_copy.copy_pdf``)."""
    complaints = complaints_of(phone)
    record(COPY, complaints, None, user)
    db.session.commit()
    return complaints


def correction(phone, reason, user):
    """Record a correction request; the desk then corrects on the complaint's edit screen.
    Returns the complaints."""
    complaints = complaints_of(phone)
    if not (reason or "").strip():
        _refuse(gettext("Write what the resident asks to correct."))
    record(CORRECTION, complaints, reason, user, answered=False)
    db.session.commit()
    return complaints


def erase(phone, reason, user):
    """Anonymise the resident's closed complaints with ``reason``; refused whole when one is
    still open. Returns the register numbers."""
    complaints = complaints_of(phone)
    if not (reason or "").strip():
        _refuse(gettext("Write the reason for the erasure."))
    still_open = [c.register_number for c in complaints
                  if c.status in workflow.OPEN_STATUSES and not c.voided]
    if still_open:
        _refuse(gettext("These complaints are still being handled and need a way to reach "
                        "the resident: %(numbers)s. Erase after they are closed, or void them "
                        "first if the resident withdraws them.",
                        numbers=", ".join(still_open)))
    record(ERASURE, complaints, reason, user)
    for complaint in complaints:
        retention.anonymise(complaint, user, reason.strip())
    db.session.commit()
    return [c.register_number for c in complaints]
