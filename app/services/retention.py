"""Keeping personal data no longer than needed (UU 27/2022): anonymising old complaints.

``settings.RETENTION_YEARS`` after a complaint is closed (or after a void entry was last
changed), its complainant's name, address, phone and email and the resident's own words
(the description) are replaced for good, and the audit log's copies of those values are
erased. The files the resident sent (photos of people) are withdrawn and their bytes deleted
from the storage; the notifications and outbox messages about the complaint lose their texts
and the resident's address, and the emails of the village inbox it came from their sender
and words. The register line stays: number, kind, channel, category, dusun, dates, status,
outcome and the officers' texts and files, so every figure of the past stays the same.

The emails of the desk's inbox go with them: those a complaint was made from or added to
when it is anonymised, those never handled or set aside as "not a complaint" N years after
they arrived or were set aside (``inbox.forget_old``).

The same anonymisation answers a resident's request for erasure (``anonymise`` with the
reason). The timeline is append-only and is not rewritten: its lines are the officers'
steps, and the register's copy of the resident's words is what is erased.
"""

import datetime as dt

from flask import current_app
from flask_babel import gettext
from sqlalchemy import and_, or_, select

from app.core import workflow
from app.core.errors import ServiceError
from app.core.timeutil import now_wib
from app.extensions import db
from app.models import (Attachment, AuditEntry, AuditPersonalValue, Complaint, Notification,
                        OutboxMessage)
from app.models.notifications import FAILED, QUEUED
from app.services import audit, inbox, settings, storage
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
    The resident's files are deleted from the storage before the caller commits: when the
    commit fails they are deleted again by the next run (deleting is idempotent), and when
    the storage fails nothing is anonymised (``ServiceError``, the session rolled back).
    """
    if complaint.anonymised_at is not None:
        return False
    _withdraw_residents_files(complaint, user, reason)
    _clear_messages(complaint)
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


def _withdraw_residents_files(complaint, user, reason):
    """Withdraw the files the resident sent (photos of people, maybe of their house or
    identity card) and delete their bytes; the officers' files stay. The row stays, without
    the file's name, so the register still says a file was there
    (``Attachment.erased``)."""
    files = db.session.scalars(select(Attachment).where(
        Attachment.complaint_id == complaint.id, Attachment.uploaded_by_resident.is_(True)))
    store = storage.storage()
    now = now_wib()
    for attachment in files:
        try:
            for key in (attachment.storage_key, attachment.thumbnail_key):
                if key:
                    store.delete(key)
        except storage.StorageError:
            current_app.logger.exception("Evidence file of complaint %s not erased",
                                         complaint.id)
            db.session.rollback()
            raise ServiceError(gettext(
                "The resident's files could not be erased (the storage is not reachable). "
                "Nothing was anonymised; please try again later."), code=503) from None
        if attachment.withdrawn_at is None:
            attachment.withdrawn_at = now
            attachment.withdrawn_by_id = getattr(user, "id", None)
            attachment.withdraw_reason = reason
        attachment.original_name = ANONYMISED
        attachment.is_public = False


def _clear_messages(complaint):
    """The texts of the notifications and outbox messages about ``complaint`` (which may
    quote the resident) and the resident's address go; a message not sent yet is not sent."""
    text = f"{complaint.register_number}: {ANONYMISED}"
    notifications = db.session.scalars(select(Notification).where(
        Notification.complaint_id == complaint.id)).all()
    to_resident = {n.id for n in notifications if n.email}
    for notification in notifications:
        notification.text = text
        notification.email = None
    if notifications:
        for message in db.session.scalars(select(OutboxMessage).where(
                OutboxMessage.notification_id.in_([n.id for n in notifications]))):
            message.subject = message.body = text
            if message.notification_id in to_resident:
                message.address = ANONYMISED
            if message.status == QUEUED:
                message.status = FAILED
                message.last_error = ANONYMISED


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
