"""Keeping personal data no longer than needed (UU 27/2022): anonymising old complaints.

``settings.RETENTION_YEARS`` after a complaint is closed (or after a void entry was last
changed), its complainant's name, address, phone and email and the resident's own words
(the description) are replaced for good, and the audit log's copies of those values are
erased. The register line stays: number, kind, channel, category, dusun, dates, status,
outcome and the officers' texts, so every figure of the past stays the same.

The emails of the desk's inbox go with them: those a complaint was made from or added to
when it is anonymised, those never handled or set aside as "not a complaint" N years after
they arrived or were set aside (``inbox.forget_old``).

The same anonymisation answers a resident's request for erasure (``anonymise`` with the
reason). The timeline is append-only and is not rewritten: its lines are the officers'
steps, and the register's copy of the resident's words is what is erased.
"""

import datetime as dt

from flask_babel import gettext
from sqlalchemy import and_, or_, select

from app.core import workflow
from app.core.timeutil import now_wib
from app.extensions import db
from app.models import AuditEntry, AuditPersonalValue, Complaint
from app.services import audit, inbox, settings
from app.services.complaints import add_event, touch

ANONYMISED = "(dianonimkan)"
ANONYMISED_PHONE = "-"


def cutoff(today):
    """The moment before which a closing makes a complaint due (``today`` minus N years)."""
    years = settings.value(settings.RETENTION_YEARS)
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February in a year without one
        day = today.replace(year=today.year - years, day=28)
    return dt.datetime.combine(day, dt.time())


def due(today=None):
    """The complaints the next run anonymises, oldest first."""
    limit = cutoff(today or now_wib().date())
    return list(db.session.scalars(
        select(Complaint).where(
            Complaint.anonymised_at.is_(None),
            or_(and_(Complaint.closed_at.isnot(None), Complaint.closed_at < limit),
                and_(Complaint.voided.is_(True), Complaint.changed_at < limit)))
        .order_by(Complaint.closed_at, Complaint.id)))


def anonymise(complaint, user, reason):
    """Replace ``complaint``'s personal data and erase the audit log's copies (no commit).

    A timeline line records it (for the desk), and the audit log the fields that changed.
    """
    if complaint.anonymised_at is not None:
        return False
    db.session.info["audit_action"] = "anonymise"
    complaint.complainant_name = ANONYMISED
    complaint.complainant_address = ANONYMISED
    complaint.complainant_phone = ANONYMISED_PHONE
    complaint.complainant_email = None
    complaint.description = ANONYMISED
    complaint.submission_token = None
    complaint.anonymised_at = now_wib()
    inbox.forget_of_complaint(complaint)
    touch(complaint, user)
    add_event(complaint, "anonymise", user, complaint.status, complaint.status, note=reason,
              audience=workflow.DESK)
    db.session.flush()
    db.session.query(AuditPersonalValue).filter(
        AuditPersonalValue.complaint_id == complaint.id).delete(synchronize_session=False)
    return True


def run(user=None, today=None):
    """Anonymise every due complaint in one transaction; the run is one audit row (with the
    register numbers). Returns the register numbers."""
    complaints = due(today)
    years = settings.value(settings.RETENTION_YEARS)
    reason = gettext("Retention: %(years)s years after closing", years=years)
    for complaint in complaints:
        anonymise(complaint, user, reason)
    inbox.forget_old(cutoff(today or now_wib().date()))
    numbers = [c.register_number for c in complaints]
    db.session.add(AuditEntry(
        occurred_at=now_wib(), actor_id=getattr(user, "id", None),
        actor_name=audit.actor_name_of(user), entity="retention", entity_label=reason,
        action="retention", field="count", new_value=str(len(numbers)),
        old_value=", ".join(numbers) or None, personal=False))
    db.session.commit()
    return numbers
