"""Review meetings (SOP D.4-5): schedule, record the minutes, cancel, list, calendar file.

Every complaint's status still changes only through ``services.apply_step``;
these functions take the steps of all complaints of a meeting in ONE
transaction (``commit=False``), so one complaint that cannot move leaves
nothing saved, and the refusal names it.
"""

import datetime as dt

from flask_babel import force_locale, gettext
from sqlalchemy import false, func, not_, select, update

from app.auth import access
from app.auth.security import actors_of
from app.core import workflow
from app.core.timeutil import WIB, datetime_id, now_wib, today_wib
from app.extensions import db
from app.models import Complaint, Meeting, MeetingGuest, Officer
from app.models.meetings import CANCELLED, HELD, SCHEDULED, meeting_complaint, meeting_officer
from app.services import complaints as services, notifications


class MeetingRefused(services.ServiceError):
    """A refusal about a meeting; ``field`` names the form field it belongs to, if any."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def can_see_meetings(user):
    """Desk, admin and Kepala Desa read meetings; liaison officers do not (they may
    name residents and officers of complaints not forwarded to them)."""
    actors = actors_of(user)
    return workflow.DESK in actors or workflow.HEAD in actors


def restrict_meetings(query, user):
    """Narrow a Meeting query (or select) to the meetings ``user`` may read.

    Beyond the role, a meeting that discusses a complaint ``user`` may not see
    (``access.restrict``: the Kepala Desa named in it, a liaison it was not
    forwarded to) is withheld whole: its agenda, invited parties and minutes
    are written about all its complaints at once and may name the resident or
    the officer of the hidden one, so leaving out only its number would not
    protect them.
    """
    if not can_see_meetings(user):
        return query.filter(false())
    visible = access.restrict(select(Complaint.id), user).whereclause
    if visible is None:  # every complaint is visible to this user
        return query
    # coalesce: a rule that is NULL for a row (no officer assigned) does not show it
    return query.filter(~Meeting.complaints.any(not_(func.coalesce(visible, False))))


def complaints_shown(meetings, user):
    """{meeting id: the complaints of that meeting ``user`` may see, in id order}.

    Every screen, PDF and calendar file that lists a meeting's complaints takes
    them from here, never from ``Meeting.complaints``: each complaint goes
    through ``access.restrict``, in one query for all the meetings of a page.
    """
    shown = {meeting.id: [] for meeting in meetings}
    if not shown:
        return shown
    query = (db.session.query(meeting_complaint.c.meeting_id, Complaint)
             .join(Complaint, Complaint.id == meeting_complaint.c.complaint_id)
             .filter(meeting_complaint.c.meeting_id.in_(shown))
             .order_by(Complaint.id))
    for meeting_id, complaint in access.restrict(query, user):
        shown[meeting_id].append(complaint)
    return shown


def meeting_complaints(meeting, user):
    """The complaints of one meeting that ``user`` may see (see ``complaints_shown``)."""
    return complaints_shown([meeting], user)[meeting.id]


def visible_complaints(ids, user):
    """The complaints with these ids that ``user`` may see, in id order."""
    if not ids:
        return []
    query = db.session.query(Complaint).filter(Complaint.id.in_(ids)).order_by(Complaint.id)
    return access.restrict(query, user).all()


SCHEDULABLE = workflow.STEPS["schedule_meeting"].sources | {workflow.IN_REVIEW}


def schedulable_complaints(user, limit=100):
    """Complaints a meeting can be scheduled for: verified or forwarded ones, and those
    already in review (a follow-up meeting, or a new date after a cancelled one)."""
    query = (db.session.query(Complaint)
             .filter(Complaint.status.in_(SCHEDULABLE), Complaint.voided.is_(False))
             .order_by(Complaint.received_at))
    return access.restrict(query, user).limit(limit).all()


def active_officers():
    return db.session.query(Officer).filter(Officer.active.is_(True)).order_by(Officer.name).all()


def schedule_meeting(complaint_ids, starts_at, ends_at, place, agenda, officer_ids, guests, user,
                     already_held=False):
    """Create a meeting and move each complaint to "in review", all or nothing.

    A complaint already in review (a follow-up meeting, or a new date after a
    cancelled meeting) stays there and gets a timeline note instead.

    ``guests`` is a list of ``(name, role)``. Refuses a start in the past, an
    end not after the start, no complaints, and any complaint the workflow
    does not let move (naming it and why).

    ``already_held``: recording a meeting that took place without being scheduled here
    first (its minutes are written next): its start must be in the past instead, and the
    invited officers are not told of it (it is over).
    """
    if already_held and starts_at > now_wib():
        raise MeetingRefused(gettext("A meeting that already took place cannot start in the "
                                     "future."), field="date")
    if not already_held and starts_at < now_wib():
        raise MeetingRefused(gettext("A meeting being scheduled cannot be in the past."),
                             field="date")
    if ends_at is not None and ends_at <= starts_at:
        raise MeetingRefused(gettext("The end must be after the start."), field="end_time")
    ids = sorted({int(i) for i in complaint_ids})
    if not ids:
        raise MeetingRefused(gettext("Choose at least one complaint."), field="complaint_ids")
    complaints = visible_complaints(ids, user)
    missing = set(ids) - {c.id for c in complaints}
    if missing:
        raise MeetingRefused(gettext("Complaint not found: %(ids)s.",
                                     ids=", ".join(str(i) for i in sorted(missing))),
                             field="complaint_ids")
    officers = db.session.query(Officer).filter(Officer.id.in_(officer_ids or [])).all()
    meeting = Meeting(starts_at=starts_at, ends_at=ends_at, place=place.strip(),
                      agenda=agenda.strip(), status=SCHEDULED, created_at=now_wib(),
                      created_by_id=getattr(user, "id", None), officers=officers,
                      complaints=complaints,
                      guests=[MeetingGuest(name=n.strip(), role=r.strip()) for n, r in guests])
    with force_locale("id"):
        note = gettext("Review meeting on %(when)s at %(place)s.",
                       when=datetime_id(starts_at, with_day=True), place=meeting.place)
    try:
        db.session.add(meeting)
        db.session.flush()
        for complaint in complaints:
            if complaint.status == workflow.IN_REVIEW:
                # Already in review (a follow-up meeting): the timeline notes the new date.
                _step(complaint, "note", {"note": note, "is_public": True}, user)
            else:
                _step(complaint, "schedule_meeting", {"note": note, "meeting_id": meeting.id},
                      user)
        if not already_held:
            notifications.tell_meeting(meeting, notifications.MEETING_SCHEDULED)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return meeting


def _step(complaint, step, fields, user, field="complaint_ids"):
    """One step without committing; a refusal names the complaint."""
    try:
        services.apply_step(complaint, step, fields, user, commit=False)
    except services.ServiceError as exc:
        raise MeetingRefused(
            gettext("%(number)s: %(reason)s", number=complaint.register_number, reason=str(exc)),
            field=field,
        ) from None


def minutes_open(meeting):
    """Why minutes cannot be recorded for ``meeting`` now, or None when they can."""
    if meeting.status == CANCELLED:
        return gettext("This meeting was cancelled: no minutes can be recorded for it.")
    if meeting.starts_at > now_wib():
        return gettext("This meeting has not started yet: record the minutes after it.")
    return None


def attendance(meeting):
    """Who was invited and whether they came: ``{"recorded": bool, "officers": [(officer,
    attended)], "guests": [(guest, attended)]}``, ``attended`` None when not recorded.

    The meeting page, the minutes form and the berita acara read it from here."""
    rows = db.session.execute(
        select(Officer, meeting_officer.c.attended)
        .join(meeting_officer, meeting_officer.c.officer_id == Officer.id)
        .where(meeting_officer.c.meeting_id == meeting.id).order_by(Officer.name)).all()
    officers = [(officer, attended) for officer, attended in rows]
    guests = [(guest, guest.attended) for guest in meeting.guests]
    recorded = any(attended is not None for _, attended in officers + guests)
    return {"recorded": recorded, "officers": officers, "guests": guests}


def _record_attendance(meeting, present):
    """Mark each invited officer and guest present or absent, and add the parties who came
    without being invited. ``present``: {"officers": ids, "guests": ids, "others": [(name,
    role)]}; ids that are not invited to this meeting are refused."""
    invited = {officer.id for officer in meeting.officers}
    guests = {guest.id: guest for guest in meeting.guests}
    officer_ids, guest_ids = set(present.get("officers", ())), set(present.get("guests", ()))
    if officer_ids - invited or guest_ids - set(guests):
        raise MeetingRefused(gettext("Only people invited to this meeting can be marked "
                                     "present; add anyone else as another attendee."),
                             field="attendance")
    for officer_id in invited:
        db.session.execute(
            update(meeting_officer)
            .where(meeting_officer.c.meeting_id == meeting.id,
                   meeting_officer.c.officer_id == officer_id)
            .values(attended=officer_id in officer_ids))
    for guest_id, guest in guests.items():
        guest.attended = guest_id in guest_ids
    for name, role in present.get("others", ()):
        meeting.guests.append(MeetingGuest(name=name.strip(), role=role.strip(), attended=True))


def record_minutes(meeting, texts, outcomes, user, present=None):
    """Save the minutes, resolve each complaint given an outcome, mark the meeting held.

    ``texts``: findings, root_cause, recommendations, public_recommendations (what the
    village publishes on /statistik: no names), decided_steps.
    ``outcomes``: {complaint id: {"outcome_type", "outcome_text", "public_note"}}
    for the complaints decided at this meeting. ``present``: who actually attended
    (see ``_record_attendance``); None leaves the attendance as it is. All or nothing.
    """
    reason = minutes_open(meeting)
    if reason:
        raise MeetingRefused(reason)
    discussed = {c.id: c for c in meeting.complaints}
    strangers = sorted(set(outcomes) - set(discussed))
    if strangers:
        raise MeetingRefused(gettext(
            "An outcome was given for a complaint that is not discussed in this meeting (%(ids)s).",
            ids=", ".join(str(i) for i in strangers)))
    try:
        for complaint_id, fields in sorted(outcomes.items()):
            _step(discussed[complaint_id], "resolve", fields, user,
                  field=f"outcome-{complaint_id}")
        for name in ("findings", "root_cause", "recommendations", "public_recommendations",
                     "decided_steps"):
            setattr(meeting, name, (texts.get(name) or "").strip() or None)
        if present is not None:
            _record_attendance(meeting, present)
        meeting.status = HELD
        meeting.minutes_at = now_wib()
        meeting.minutes_by_id = getattr(user, "id", None)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return meeting


def cancel_meeting(meeting, reason, user):
    """Cancel a scheduled meeting; its complaints get a timeline note saying so."""
    reason = (reason or "").strip()
    if meeting.status != SCHEDULED:
        raise MeetingRefused(gettext("Only a scheduled meeting can be cancelled."))
    if not reason:
        raise MeetingRefused(gettext("Say why the meeting is cancelled."), field="reason")
    with force_locale("id"):
        note = gettext("The review meeting of %(when)s was cancelled: %(reason)s",
                       when=datetime_id(meeting.starts_at), reason=reason)
    try:
        for complaint in meeting.complaints:
            if not complaint.voided and complaint.status in workflow.OPEN_STATUSES:
                _step(complaint, "note", {"note": note}, user)
        meeting.status = CANCELLED
        meeting.cancel_reason = reason
        notifications.tell_meeting(meeting, notifications.MEETING_CANCELLED)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return meeting


def move_meeting(meeting, starts_at, ends_at, place, user):
    """Move a scheduled meeting to a new time or place (a new date after the Kepala Desa
    could not come, say). Its open complaints get a timeline note with the new date, and
    the invited officers are told in the same transaction. Refuses a meeting that is not
    scheduled, a time in the past, an end not after the start, and no change at all."""
    place = (place or "").strip() or meeting.place
    if meeting.status != SCHEDULED:
        raise MeetingRefused(gettext("Only a scheduled meeting can be moved."))
    if starts_at < now_wib():
        raise MeetingRefused(gettext("A meeting being scheduled cannot be in the past."),
                             field="date")
    if ends_at is not None and ends_at <= starts_at:
        raise MeetingRefused(gettext("The end must be after the start."), field="end_time")
    if (starts_at, ends_at, place) == (meeting.starts_at, meeting.ends_at, meeting.place):
        raise MeetingRefused(gettext("Give a new date, time or place to move the meeting."),
                             field="date")
    previous = meeting.starts_at
    with force_locale("id"):
        note = gettext("The review meeting of %(old)s was moved to %(when)s at %(place)s.",
                       old=datetime_id(previous), when=datetime_id(starts_at, with_day=True),
                       place=place)
    try:
        for complaint in meeting.complaints:
            if not complaint.voided and complaint.status in workflow.OPEN_STATUSES:
                _step(complaint, "note", {"note": note, "is_public": True}, user)
        meeting.starts_at, meeting.ends_at, meeting.place = starts_at, ends_at, place
        notifications.tell_meeting(meeting, notifications.MEETING_MOVED, previous=previous)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return meeting


def upcoming_meetings(user, limit=5):
    """Scheduled meetings from today on, soonest first, for the home page: a list of
    ``(meeting, the complaints user may see)`` (empty if not allowed)."""
    if user is None or not can_see_meetings(user):
        return []
    start = dt.datetime.combine(today_wib(), dt.time())
    query = (select(Meeting).where(Meeting.status == SCHEDULED, Meeting.starts_at >= start)
             .order_by(Meeting.starts_at).limit(limit))
    found = db.session.scalars(restrict_meetings(query, user)).all()
    shown = complaints_shown(found, user)
    return [(meeting, shown[meeting.id]) for meeting in found]


def meetings_for_complaint(complaint, user):
    """The meetings that discuss ``complaint``, newest first (for the complaint's page)."""
    query = (select(Meeting).where(Meeting.complaints.any(Complaint.id == complaint.id))
             .order_by(Meeting.starts_at.desc()))
    return db.session.scalars(restrict_meetings(query, user)).all()


# --- Calendar file (RFC 5545) ----------------------------------------------------------------

def _ics_text(value):
    """Escape a TEXT value: backslash, semicolon, comma and newlines (RFC 5545 3.3.11)."""
    return (value or "").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,") \
        .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _fold(line):
    """Fold a content line at 75 octets, continuation lines starting with a space."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        limit = 75 if not parts else 74
        if len(current) + len(encoded) > limit:
            parts.append(current.decode("utf-8"))
            current = b""
        current += encoded
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def _utc(value):
    """A naive WIB time as an iCalendar UTC DATE-TIME (20261123T020000Z)."""
    return value.replace(tzinfo=WIB).astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def meeting_ics(meeting, user, host="pengaduan.desa"):
    """The meeting as an iCalendar file a phone calendar can import (naming only the
    complaints ``user`` may see)."""
    ends_at = meeting.ends_at or meeting.starts_at + dt.timedelta(hours=1)
    with force_locale("id"):
        summary = gettext("Complaint review meeting")
        numbers = ", ".join(c.register_number for c in meeting_complaints(meeting, user))
        description = meeting.agenda + "\n" + gettext("Complaints: %(numbers)s", numbers=numbers)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Pemerintah Desa//Pengaduan//ID",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:meeting-{meeting.id}@{host}",
        f"DTSTAMP:{_utc(meeting.created_at or now_wib())}",
        f"DTSTART:{_utc(meeting.starts_at)}",
        f"DTEND:{_utc(ends_at)}",
        f"SUMMARY:{_ics_text(summary)}",
        f"LOCATION:{_ics_text(meeting.place)}",
        f"DESCRIPTION:{_ics_text(description)}",
        "STATUS:" + ("CANCELLED" if meeting.status == CANCELLED else "CONFIRMED"),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)
