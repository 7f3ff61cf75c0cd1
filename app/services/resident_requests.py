"""A resident's rights over their data (UU 27/2022), exercised through the desk.

The desk checks the resident's identity (identity card, the phone the complaints were made
from), then records the request here: a copy of everything held about them (a PDF of their
complaints and nothing of anyone else's), a correction (the edit screen, through
``services.edit_complaint``, so the audit log has it), or erasure where the law allows
(anonymisation of their closed complaints with the reason, ``retention.anonymise``; an open
complaint cannot be handled without a way to reach the resident, so it is refused). Each
request is one ``resident_request`` row with the complaints' register numbers and its due
date, and is in the audit log.
"""

from flask_babel import gettext
from sqlalchemy import select

from app.core import workflow
from app.core.errors import ServiceError
from app.core.numbering import InvalidPhone, normalize_phone
from app.core.timeutil import add_working_days, now_wib
from app.extensions import db
from app.models import Complaint, ResidentRequest
from app.services import audit, retention
from app.services.deadlines import holidays

COPY, CORRECTION, ERASURE = "copy", "correction", "erasure"
KINDS_OF_REQUEST = (COPY, CORRECTION, ERASURE)
# Working days the desk has to answer (the privacy page promises three).
ANSWER_DAYS = 3


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
        due_date=add_working_days(now.date(), ANSWER_DAYS, holidays()),
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
    record(CORRECTION, complaints, reason, user)
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
