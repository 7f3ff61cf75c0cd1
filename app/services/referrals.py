"""Referral up and back (issue 25): a village refers a complaint to its kecamatan (the Camat)
or its kabupaten (the Inspektorat or a Dinas) inside the system, and the answer returns.

* The ``refer`` step with ``refer_up`` (``KECAMATAN`` or ``KABUPATEN``) writes a ``Referral``
  aimed at the village's own kecamatan or kabupaten, with the village's note for the office,
  and pauses the complaint's clock (``deadlines.pause_clock``): the village waits, and the
  office's logins are told (``app.services.notifications``). Without
  it the step is the referral to an office outside the system, as before (the complaint is
  closed for the village).
* The office reads it in its queue (``queue``) through ``app.auth.access`` (only what was
  referred to its level and area) and answers with the ``answer_referral`` step
  (``answer``): the answer is a staff line on the village's timeline, the complaint goes
  back to the village (``workflow``: forwarded, a confidential one verified) so the desk can
  act and inform the resident, the clock resumes and the due dates move by the working days
  it waited (``deadlines.resume_clock``), and the desk is told (``app.services.notifications``).
"""

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth import access
from app.auth.security import actors_of
from app.auth.villages import current_village
from app.core import workflow
from app.core.errors import refuse
from app.extensions import db
from app.models import Complaint, Referral
from app.models.villages import KABUPATEN, KECAMATAN
from app.services import audit, deadlines
from app.services.complaints import apply_step
from app.services.step_effects import step_effect

AREAS = (KECAMATAN, KABUPATEN)


def office_name(area, village=None):
    """The name of the office a referral to ``area`` reaches, from the village's names
    (``current_village`` when ``village`` is None); None for an unknown area."""
    village = village or current_village()
    if area == KECAMATAN:
        return gettext("Camat of Kecamatan %(name)s", name=village.kecamatan)
    if area == KABUPATEN:
        return gettext("Inspektorat of Kabupaten %(name)s", name=village.kabupaten)
    return None


def open_referral(complaint):
    """The complaint's referral still waiting for its answer, or None."""
    return db.session.scalar(select(Referral).where(Referral.complaint_id == complaint.id,
                                                    Referral.answered_at.is_(None))
                             .order_by(Referral.id.desc()).limit(1))


def referrals_of(complaint):
    """Every referral of the complaint inside the system, oldest first."""
    return db.session.scalars(select(Referral).where(Referral.complaint_id == complaint.id)
                              .order_by(Referral.id)).all()


def referral_ids_for(user, complaint):
    """Ids of the complaint's referrals aimed at ``user``'s level and area (what their page
    shows: a referral to another office is not theirs to read)."""
    return set(db.session.scalars(select(Referral.id).where(
        Referral.complaint_id == complaint.id,
        access.referred_condition(access.oversight_row(user)))))


@step_effect("refer")
def _refer(complaint, fields, now):
    """Refer the complaint: up inside the system (``refer_up``), or to an outside office."""
    area = fields.get("refer_up") or None
    complaint.referred_to = fields["office"]
    if fields.get("public_note"):
        complaint.public_note = fields["public_note"]
    data = {"office": fields["office"]}
    if area is None:
        complaint.closed_at = now
        return fields.get("public_note"), True, data
    if area not in AREAS:
        refuse(gettext("Choose where to refer the complaint: the kecamatan, the kabupaten or "
                       "an office outside the system."))
    village = current_village()
    referrer = audit.current_actor()
    db.session.add(Referral(
        complaint=complaint, area=area, kabupaten=village.kabupaten,
        kecamatan=village.kecamatan if area == KECAMATAN else None, referred_at=now,
        referred_by_id=getattr(referrer, "id", None), note=fields.get("referral_note") or None))
    # Not closed: the village waits for the answer, its clock standing still meanwhile.
    return fields.get("public_note"), True, {**data, "refer_up": area,
                                             **deadlines.pause_clock(complaint, now.date())}


@step_effect("answer_referral")
def _answer_referral(complaint, fields, now):
    """The office's answer: on the referral, and the clock runs again."""
    referral = open_referral(complaint)
    if referral is None:
        refuse(gettext("This complaint is not waiting for an answer of a higher office."), 409)
    referral.answer = fields["answer"]
    referral.answered_at = now
    referrer = audit.current_actor()
    referral.answered_by_id = getattr(referrer, "id", None)
    return fields["answer"], False, {"office": complaint.referred_to,
                                     **deadlines.resume_clock(complaint, now.date(), "referred")}


def answer(complaint, text, user, expected_version=None):
    """``user`` (a Camat or the Inspektorat) answers the referral of ``complaint``: the
    ``answer_referral`` step, refused unless it waits for an answer of their level and area."""
    referral = open_referral(complaint)
    if referral is None or not db.session.scalar(
            select(Referral.id).where(Referral.id == referral.id,
                                      access.referred_condition(access.oversight_row(user)))):
        refuse(gettext("This complaint is not waiting for your answer."), 409)
    return apply_step(complaint, "answer_referral", {"answer": text}, user, expected_version)


def queue(user, waiting_only=False):
    """The complaints referred to ``user``'s level and area, newest referral first, each with
    its referrals: ``[(complaint, referral)]`` with the latest referral to them."""
    row = access.oversight_row(user)
    if row is None:
        return []
    query = (select(Referral).where(access.referred_condition(row))
             .options(selectinload(Referral.complaint)).order_by(Referral.referred_at.desc(),
                                                                  Referral.id.desc()))
    if waiting_only:
        query = query.where(Referral.answered_at.is_(None))
    seen, rows = set(), []
    for referral in db.session.scalars(query):
        complaint = referral.complaint
        if complaint.id in seen or complaint.voided or not access.can_view(user, complaint):
            continue
        seen.add(complaint.id)
        rows.append((complaint, referral))
    return rows


def referred_complaint(user, pk):
    """Complaint ``pk`` as ``user`` may open it from their queue, or None (not there, or not
    referred to their level and area)."""
    complaint = access.restrict(db.session.query(Complaint), user) \
        .filter(Complaint.id == pk).one_or_none()
    if complaint is None or workflow.OVERSIGHT not in actors_of(user):
        return None
    return complaint
