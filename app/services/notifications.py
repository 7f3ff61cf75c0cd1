"""Who is told what: notifications written in the same transaction as their cause.

A step (``complaints.apply_step``) or a registration calls ``after_step`` /
``after_register`` (its listeners, ``step_effects.on_step``) before it commits; these write
``notification`` rows and, per the recipient's channel choices, ``outbox`` rows in the same
transaction (``_write``), so a refused or rolled-back step keeps none and a written one is
never lost (``app.services.outbox`` delivers them later;
its failures never reach the step). Views never write them.

The rules, from the SOP and the identity rules:

* an officer is told when a complaint is forwarded or reopened to them;
* the desk is told of a complaint that arrived without staff (website, public API,
  email inbox), of the resident's completion or "not solved" answer, and of the answer of
  the kecamatan or kabupaten a complaint was referred to (``app.services.referrals``);
* the Camat or the Inspektorat is told of a complaint a village referred to their level
  and area (and finds it under "waiting for me" until they answer; the desk no longer does);
* the Kepala Desa is told at once (urgent: quiet hours do not hold it) of a complaint
  about a village officer or one marked urgent, and of the verification result the
  forward step passes to them (the Sekretaris Desa instead, when the step says so);
* a staff recipient must be able to open the complaint (``access.can_view``) and is
  never the officer the complaint names (``staff_may_be_told``): a confidential
  complaint's notifications never reach the officer it is about;
* a resident who gave an email gets the receipt, each public status change and the
  outcome, built only from what the public status page shows (tracking code, status,
  public note): never an internal note or an officer's name.

Texts are English message ids with the template system's placeholders
(``app.response_templates``), rendered in Indonesian, with English second in emails.
"""

import datetime as dt
import functools

from babel import Locale
from flask import current_app
from flask_appbuilder.security.sqla.models import Role, User
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import joinedload

from app.auth import access, security, villages
from app.core import workflow
from app.core.errors import ServiceError
from app.core.timeutil import datetime_id, now_wib
from app.core.values import mail_can_reach
from app.extensions import db
from app.models import Complaint, Notification, NotificationSetting, Officer, OutboxMessage
from app.models.notifications import EMAIL, QUEUED, TELEGRAM
from app.services import complaints as services, deadlines, oversight, response_templates
from app.services.step_effects import on_carried, on_register, on_step

# kind -> (text for staff or residents, urgent). Placeholders are the template system's.
ASSIGNED = "assigned"
REOPENED = "reopened"
NEW_COMPLAINT = "new_complaint"
COMPLETION = "completion"
NOT_SOLVED = "not_solved"
ABOUT_OFFICER = "about_officer"
URGENT = "urgent"
VERIFICATION_RESULT = "verification_result"
DUE_TOMORROW = "due_tomorrow"
DUE_TODAY = "due_today"
VERIFICATION_LATE = "verification_late"
FOLLOWUP_LATE = "followup_late"
DIGEST = "digest"
RESIDENT_RECEIPT = "resident_receipt"
RESIDENT_STATUS = "resident_status"
RESIDENT_OUTCOME = "resident_outcome"
RESIDENT_ANSWER = "resident_answer"  # the desk's answer to a linked duplicate's complainant
REFERRAL_ANSWERED = "referral_answered"
REFERRED_UP = "referred_up"  # to the Camat or the Inspektorat a village referred it to

TEXTS = {
    ASSIGNED: _l("Complaint {nomor_register} was forwarded to you: \"{perihal}\". "
                 "Due {tenggat}."),
    REOPENED: _l("Complaint {nomor_register} was reopened and is back with you: "
                 "\"{perihal}\". Due {tenggat}."),
    NEW_COMPLAINT: _l("New complaint {nomor_register}: \"{perihal}\". Verify it by "
                      "{tenggat_verifikasi}."),
    COMPLETION: _l("The complainant completed complaint {nomor_register}: \"{perihal}\". "
                   "Verify it again."),
    NOT_SOLVED: _l("The complainant says complaint {nomor_register} is not solved and asks "
                   "to reopen it: \"{perihal}\"."),
    ABOUT_OFFICER: _l("Complaint {nomor_register} is about a village officer: "
                      "\"{perihal}\"."),
    URGENT: _l("Urgent complaint {nomor_register}: \"{perihal}\"."),
    VERIFICATION_RESULT: _l("Verification result of complaint {nomor_register}: {kategori}, "
                            "forwarded for follow-up. \"{perihal}\"."),
    DUE_TOMORROW: _l("Complaint {nomor_register} is due tomorrow ({tenggat}): \"{perihal}\"."),
    DUE_TODAY: _l("Complaint {nomor_register} is due today ({tenggat}): \"{perihal}\"."),
    VERIFICATION_LATE: _l("Complaint {nomor_register} is past its verification deadline "
                          "({tenggat_verifikasi}): \"{perihal}\"."),
    FOLLOWUP_LATE: _l("Complaint {nomor_register} is past its first follow-up deadline "
                      "({tenggat_tindak_lanjut}): \"{perihal}\"."),
    REFERRAL_ANSWERED: _l("The higher office answered complaint {nomor_register}: "
                          "\"{perihal}\". Read the answer and inform the complainant."),
    REFERRED_UP: _l("The village of {desa} referred complaint {nomor_register} to you: "
                    "\"{perihal}\". Read it and send your answer back to the village."),
    RESIDENT_RECEIPT: _l("Your complaint \"{perihal}\" was received by the village of {desa} "
                         "as number {nomor_register}. Tracking code: {kode_pelacakan}. "
                         "Follow it at {alamat_status}."),
    RESIDENT_STATUS: _l("Your complaint {nomor_register} (\"{perihal}\") is now: {status}. "
                        "{catatan_publik} Tracking code: {kode_pelacakan}; status at "
                        "{alamat_status}."),
    RESIDENT_OUTCOME: _l("Your complaint {nomor_register} (\"{perihal}\") is {status}: {hasil}. "
                         "{catatan_publik} Tracking code: {kode_pelacakan}; status at "
                         "{alamat_status}."),
}
SUBJECTS = {
    RESIDENT_RECEIPT: _l("Complaint received: {nomor_register}"),
    RESIDENT_STATUS: _l("Complaint {nomor_register}: status changed"),
    RESIDENT_OUTCOME: _l("Complaint {nomor_register}: result"),
}
URGENT_KINDS = frozenset({ABOUT_OFFICER, URGENT})

# A resident's public status changes: the step -> the kind of email (the outcome says more).
_RESIDENT_STEPS = {
    "verify": RESIDENT_STATUS, "request_completion": RESIDENT_STATUS,
    "forward": RESIDENT_STATUS, "schedule_meeting": RESIDENT_STATUS,
    "reopen": RESIDENT_STATUS, "keep_closed": RESIDENT_STATUS,
    "resolve": RESIDENT_OUTCOME, "reject": RESIDENT_OUTCOME, "refer": RESIDENT_OUTCOME,
}
# Steps by which the resident (or the office a complaint was referred to) tells the desk
# something.
_RESIDENT_ANSWERS = {"complete": COMPLETION, "request_reopen": NOT_SOLVED,
                     "answer_referral": REFERRAL_ANSWERED}


# The texts' languages, parsed once (``response_templates.INDONESIAN`` says why).
_LOCALES = {"id": response_templates.INDONESIAN, "en": Locale.parse("en")}


def render(kind, complaint, reader, locale="id", for_resident=False):
    """The text of ``kind`` for ``complaint`` as ``reader`` may read it, in ``locale``."""
    return render_all([(TEXTS[kind], locale)], complaint, reader, for_resident)[0]


# What each of this module's messages (``TEXTS``, ``SUBJECTS``) reads in each language,
# worked out once per process: the catalogues do not change while it runs, and switching the
# language for them was a good part of what a notification added to a step. Keyed by the
# message object's id, which the value keeps alive (so the id is never another's).
_TRANSLATED = {}


def _translated(message, locale):
    key = (id(message), locale)
    if key not in _TRANSLATED:
        with force_locale(_LOCALES[locale]):
            _TRANSLATED[key] = (message, str(message))
    return _TRANSLATED[key][1]


def render_all(texts, complaint, reader, for_resident=False):
    """Each ``(message, locale)`` of ``texts`` (this module's lazy messages) as ``render``
    renders it, the placeholders' values worked out once for all."""
    translated = [_translated(message, locale) for message, locale in texts]
    return [text.strip() for text in response_templates.fill_texts(
        translated, "notification", complaint, reader, for_resident=for_resident)]


def staff_may_be_told(user, complaint):
    """Whether staff ``user`` may be told about ``complaint``: the one rule for every notice.

    They must be able to open it, and never be the officer it is about (even at the desk:
    a complaint about an officer never reaches that officer by a notification).
    """
    if user is None or not user.active:
        return False
    if complaint is not None:
        if complaint.reported_officer_id is not None and \
                complaint.reported_officer_id in access.officer_ids_of(user):
            return False
        if not access.can_view(user, complaint):
            return False
    return True


def users_with_role(role_name):
    """Active logins holding ``role_name``, with all their roles, which ``staff_may_be_told``
    reads (one query: not one more per user, nor a second one for the roles)."""
    return db.session.scalars(_users_with_role_query(), {"role": role_name}).unique().all()


@functools.cache
def _users_with_role_query():
    # Built once, at the first use (``User.roles`` exists only once FAB's mappers are set
    # up): building this query each time cost twice what running it does, in every step
    # that tells the Kepala Desa.
    return (select(User).where(User.roles.any(Role.name == bindparam("role")),
                               User.active.is_(True))
            .options(joinedload(User.roles)).order_by(User.id))


def officer_users(position):
    """Active logins of active officers in ``position`` (e.g. the Sekretaris Desa)."""
    return (db.session.query(User).join(Officer, Officer.user_id == User.id)
            .filter(Officer.position == position, Officer.active.is_(True),
                    User.active.is_(True)).order_by(User.id).all())


def telegram_available():
    """Whether the village configured a Telegram bot (users may then choose it)."""
    return bool(current_app.config.get("TELEGRAM_BOT_TOKEN"))


def _default_setting(user_id):
    return NotificationSetting(user_id=user_id, email=True, telegram=False)


def settings_of(user_id):
    """The user's channel choices (a default row, not added, when they never chose)."""
    return db.session.get(NotificationSetting, user_id) or _default_setting(user_id)


# Built once: building a query cost more than running it, and each step that tells staff asks.
_SETTINGS_OF_USERS = select(NotificationSetting).where(
    NotificationSetting.user_id.in_(bindparam("ids", expanding=True)))


def settings_for(users):
    """The channel choices of every one of ``users`` in one query: {user id: setting}."""
    ids = {user.id for user in users}
    found = {row.user_id: row for row in
             db.session.scalars(_SETTINGS_OF_USERS, {"ids": list(ids)})} if ids else {}
    return {user_id: found.get(user_id) or _default_setting(user_id) for user_id in ids}


def tell_all(recipients, complaint, at=None, **options):
    """``tell_staff`` for each ``(user, kind)`` of ``recipients``, with their channel choices
    and officer records read in one query each and their messages written in one INSERT (a
    step tells several people; each look-up cost the step time). Returns each one's
    notification id, or None."""
    users = [user for user, _kind in recipients]
    choices = settings_for(users)
    if complaint is not None:
        access.learn_officer_ids(users)
    return _write([_staff_notice(user, kind, complaint, at, choice=choices[user.id], **options)
                   for user, kind in recipients])


def tell_staff(user, kind, complaint, at=None, dedupe_key=None, text=None, urgent=None,
               choice=None):
    """Write a notification to staff ``user`` (and its outbox messages) in the session's
    transaction.

    Nothing when ``staff_may_be_told`` says no, or when ``dedupe_key`` was used before.
    ``choice``: the user's channel choices when already read (``tell_all``). Returns the
    notification's id or None. The caller commits.
    """
    return _write([_staff_notice(user, kind, complaint, at, dedupe_key, text, urgent,
                                 choice)])[0]


def _staff_notice(user, kind, complaint, at=None, dedupe_key=None, text=None, urgent=None,
                  choice=None):
    """What ``tell_staff`` writes: (notification row, its outbox rows), or None."""
    if not staff_may_be_told(user, complaint):
        return None
    if dedupe_key and seen(dedupe_key):
        return None
    at = at or now_wib()
    urgent = kind in URGENT_KINDS if urgent is None else urgent
    choice = choice or settings_of(user.id)
    by_email = bool(choice.email and mail_can_reach(user.email)
                    and current_app.config.get("SMTP_HOST"))
    english = None  # an English copy goes with an email only
    if not text and by_email and complaint is not None:
        text, english = render_all([(TEXTS[kind], "id"), (TEXTS[kind], "en")], complaint, user)
    else:
        text = text or render(kind, complaint, user)
        if by_email and kind in TEXTS and complaint is not None:
            english = render(kind, complaint, user, "en")
    row = _notification_row(kind, complaint, text, urgent, at, user_id=user.id,
                            dedupe_key=dedupe_key)
    subject = _staff_subject(text)
    link = _staff_link(complaint, user)
    body = text + (f"\n\n{link}" if link else "")
    messages = []
    if by_email:
        messages.append(_message(EMAIL, user.email, subject,
                                 body + (f"\n\n--\n{english}" if english else ""), urgent, at))
    if choice.telegram and choice.telegram_chat_id and telegram_available():
        messages.append(_message(TELEGRAM, choice.telegram_chat_id, subject, body, urgent, at))
    return row, messages


def tell_resident(kind, complaint, at=None):
    """Write an email to the resident of ``complaint`` (when they gave one) in the session's
    transaction; returns its notification's id or None.

    Built only from what the public status page shows; the Indonesian text first, then
    the English one. Nothing without an address or a mail server.
    """
    address = (complaint.complainant_email or "").strip()
    if not mail_can_reach(address) or not current_app.config.get("SMTP_HOST"):
        return None
    at = at or now_wib()
    text, english, subject = render_all(
        [(TEXTS[kind], "id"), (TEXTS[kind], "en"), (SUBJECTS[kind], "id")], complaint, None,
        for_resident=True)
    return _write([(_notification_row(kind, complaint, text, False, at, email=address),
                    [_message(EMAIL, address, subject, f"{text}\n\n--\n{english}", False,
                              at)])])[0]


def _notification_row(kind, complaint, text, urgent, at, user_id=None, email=None,
                      dedupe_key=None):
    return {"user_id": user_id, "email": email, "kind": kind,
            "complaint_id": complaint.id if complaint is not None else None, "text": text,
            "urgent": urgent, "created_at": at, "read_at": None, "dedupe_key": dedupe_key}


def _message(channel, address, subject, body, urgent, at):
    """An outbox row (its notification's id comes when that is written)."""
    return {"channel": channel, "address": address,
            "subject": " ".join(subject.split())[:200], "body": body, "urgent": urgent,
            "status": QUEUED, "attempts": 0, "next_attempt_at": release_time(at, urgent),
            "created_at": at}


def _write(notices):
    """Write ``notices`` (each a notification row and its outbox rows, or None) in the
    session's transaction, at once: each notification by an INSERT of its own (its messages
    need its id), then all their messages by one INSERT. Returns the notifications' ids (None
    for None).

    Written as rows, not ORM objects: the unit of work cost several times what the INSERT
    does for each of them, and a step's notices were then a good part of the time an officer
    waits for the step. A refused step rolls them back with everything else it wrote.
    """
    connection = db.session.connection()
    ids, messages = [], []
    for notice in notices:
        if notice is None:
            ids.append(None)
            continue
        row, rows = notice
        ids.append(connection.execute(insert(Notification.__table__), row)
                   .inserted_primary_key[0])
        messages += [dict(message, notification_id=ids[-1]) for message in rows]
    if messages:
        connection.execute(insert(OutboxMessage.__table__), messages)
    return ids


def _staff_subject(text):
    first = " ".join(text.split())
    return f"{current_app.config['APP_NAME']}: {first[:120]}"


def _staff_link(complaint, user):
    """Where ``user`` opens ``complaint``: the register's page, or for a Camat or the
    Inspektorat the page of what was referred to them."""
    if complaint is None or complaint.id is None:
        return None
    page = "referral" if workflow.OVERSIGHT in security.actors_of(user) else "complaint/show"
    return f"{current_app.config['PUBLIC_BASE_URL']}/{page}/{complaint.id}"


def seen(dedupe_key):
    """Whether a notification with ``dedupe_key`` was written (this transaction's too)."""
    return db.session.query(Notification.id).filter_by(dedupe_key=dedupe_key).first() is not None


# --- Quiet hours ---------------------------------------------------------------------------

def quiet_hours():
    """(start, end) of the quiet hours as times, or None when switched off ("")."""
    text = (current_app.config.get("NOTIFY_QUIET_HOURS") or "").strip()
    if not text:
        return None
    start, end = (dt.time.fromisoformat(part.strip()) for part in text.split("-"))
    return start, end


def in_quiet_hours(at):
    """Whether WIB time ``at`` falls in the quiet hours."""
    hours = quiet_hours()
    if hours is None:
        return False
    start, end = hours
    moment = at.time()
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


def release_time(at, urgent):
    """When a message due at ``at`` may leave: at once if urgent or outside quiet hours,
    else when the quiet hours end."""
    if urgent or not in_quiet_hours(at):
        return at
    end = quiet_hours()[1]
    release = dt.datetime.combine(at.date(), end)
    return release if release > at else release + dt.timedelta(days=1)



# --- Triggers ------------------------------------------------------------------------------

@on_register
def after_register(complaint, user, at):
    """A new complaint: the desk when no staff entered it; the Kepala Desa when it is
    urgent or about an officer; the resident's receipt."""
    db.session.flush()  # the notifications and their links refer to the complaint by id
    # The look-ups below need nothing pending: the new rows are then written together, at
    # the commit, instead of one by one before each look-up.
    with db.session.no_autoflush:
        if user is None or not getattr(user, "is_authenticated", False):
            tell_all([(desk, NEW_COMPLAINT) for desk in users_with_role(security.DESK)],
                     complaint, at)
        _alert_head(complaint, at)
        tell_resident(RESIDENT_RECEIPT, complaint, at)


@on_step
def after_step(complaint, step, source, target, fields, user, at):
    """Tell whoever a step concerns (called by ``complaints.apply_step`` before it commits).

    Without autoflush, as ``after_register``: the step's own changes and the notices are
    written together at its commit.
    """
    with db.session.no_autoflush:
        _tell_about_step(complaint, step, source, target, fields, at)
    if step == "inform":
        inform_linked(complaint, user, at)


@on_carried
def after_carried(duplicate, step, source, target, user, at):
    """A linked duplicate followed its main complaint: its own complainant is told, as the
    main one's is, from their own complaint (their tracking code, never the others')."""
    if step in _RESIDENT_STEPS and target != source:
        with db.session.no_autoflush:
            tell_resident(_RESIDENT_STEPS[step], duplicate, at)


def inform_linked(main, user, at=None):
    """The desk informed ``main``: each linked complainant who gave an email is told too, on
    their own complaint, with the answer drafted from their own complaint's template (their
    name, number and tracking code, as ``user`` may fill them), through the outbox; their
    complaint takes the inform step in the same transaction. The others (WhatsApp, letter)
    stay on the inform page for the desk; a complaint without identity, or one ``user`` may
    not open, is never informed here. Returns the duplicates informed."""
    if not current_app.config.get("SMTP_HOST"):
        return []
    at = at or now_wib()
    informed = []
    for duplicate in list(main.duplicates):
        address = (duplicate.complainant_email or "").strip()
        if not address:
            continue
        try:
            services.check_step_open(duplicate, "inform", user)
        except ServiceError:
            continue  # not waiting to be told, without identity, or not the user's to open
        subject, text = response_templates.draft(duplicate, user)
        _write([(_notification_row(RESIDENT_ANSWER, duplicate, text, False, at, email=address),
                 [_message(EMAIL, address, subject, text, False, at)])])
        services.apply_step(duplicate, "inform", {"channel": "email", "message": text}, user,
                            at=at, commit=False)
        informed.append(duplicate)
    return informed


def _tell_about_step(complaint, step, source, target, fields, at):
    recipients = []
    if step in ("forward", "reopen") and complaint.assigned_officer is not None:
        officer_user = complaint.assigned_officer.user
        if officer_user is not None:
            recipients.append((officer_user, ASSIGNED if step == "forward" else REOPENED))
    if step == "forward":
        reported_to = fields.get("reported_to") or "kepala_desa"
        heads = (officer_users("sekretaris_desa") if reported_to == "sekretaris_desa"
                 else users_with_role(security.HEAD))
        recipients += [(head, VERIFICATION_RESULT) for head in heads]
    if step in _RESIDENT_ANSWERS:
        recipients += [(desk, _RESIDENT_ANSWERS[step])
                       for desk in users_with_role(security.DESK)]
    if step == "refer" and fields.get("refer_up"):
        # Referred inside the system: the Camat or the Inspektorat of the village's area,
        # who may open it now that the referral names their level (``access.can_view``).
        recipients += [(watcher, REFERRED_UP) for watcher in oversight.watchers_of(
            fields["refer_up"], villages.village_data(complaint.village_id))]
    if recipients:
        tell_all(recipients, complaint, at)
    if step == "verify":
        _alert_head(complaint, at)
    if step in _RESIDENT_STEPS and target != source:
        tell_resident(_RESIDENT_STEPS[step], complaint, at)


def _alert_head(complaint, at):
    """The Kepala Desa at once, once per complaint, for one about an officer or urgent."""
    if complaint.reported_officer_id is not None:
        kind = ABOUT_OFFICER
    elif complaint.urgency == "urgent":
        kind = URGENT
    else:
        return
    for head in users_with_role(security.HEAD):
        tell_staff(head, kind, complaint, at, dedupe_key=f"{kind}:{complaint.id}:{head.id}")


# --- Review meetings ---------------------------------------------------------------------------

MEETING_SCHEDULED = "meeting_scheduled"
MEETING_CANCELLED = "meeting_cancelled"
MEETING_MOVED = "meeting_moved"


def tell_meeting(meeting, kind, at=None, previous=None):
    """Tell the officers invited to ``meeting`` (those with a login) that it was scheduled,
    moved (from ``previous``, its old start) or cancelled. The text names only the time and
    the place: who is invited was chosen by the desk (the SOP may invite the officer
    complained about), and nothing of the complaints' content goes with it. The caller
    commits."""
    at = at or now_wib()
    with force_locale("id"):
        when = datetime_id(meeting.starts_at, with_day=True)
        if kind == MEETING_SCHEDULED:
            text = gettext("You are invited to a review meeting on %(when)s at %(place)s.",
                           when=when, place=meeting.place)
        elif kind == MEETING_MOVED:
            text = gettext("The review meeting of %(old)s was moved to %(when)s at "
                           "%(place)s.", old=datetime_id(previous, with_day=True), when=when,
                           place=meeting.place)
        else:
            text = gettext("The review meeting of %(when)s at %(place)s was cancelled.",
                           when=when, place=meeting.place)
    with db.session.no_autoflush:
        tell_all([(officer.user, kind) for officer in meeting.officers
                  if officer.user is not None], None, at, text=text)


# --- Reading -------------------------------------------------------------------------------

def unread_count(user):
    """How many of ``user``'s notifications are unread (the bell)."""
    return db.session.query(func.count(Notification.id)).filter(
        Notification.user_id == user.id, Notification.read_at.is_(None)).scalar()


def recent(user, limit=50):
    """``user``'s notifications, newest first."""
    return (db.session.query(Notification).filter(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit).all())


def open_notification(user, notification_id, at=None):
    """Mark ``user``'s notification read and return it; None when it is not theirs."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        return None
    if notification.read_at is None:
        notification.read_at = at or now_wib()
        db.session.commit()
    return notification


def mark_all_read(user, at=None):
    """Mark every unread notification of ``user`` read; returns how many."""
    count = db.session.query(Notification).filter(
        Notification.user_id == user.id, Notification.read_at.is_(None)).update(
        {Notification.read_at: at or now_wib()}, synchronize_session=False)
    db.session.commit()
    return count


def resident_steps():
    """The steps that email the resident (for tests and the README)."""
    return dict(_RESIDENT_STEPS)


# --- "Tugas saya" --------------------------------------------------------------------------

# Where each actor's move is awaited.
_WAITING_FOR = {
    workflow.DESK: (workflow.RECEIVED, workflow.REOPEN_REQUESTED, workflow.RESOLVED,
                    workflow.REJECTED, workflow.REFERRED),
    workflow.LIAISON: (workflow.FORWARDED, workflow.IN_REVIEW),
}


def waiting_statuses(user):
    """The statuses in which a complaint waits for ``user``'s move (none for the Kepala Desa)."""
    statuses = set()
    for actor in security.actors_of(user):
        statuses |= set(_WAITING_FOR.get(actor, ()))
    return statuses


def tasks_of(user, today, limit=100):
    """``user``'s tasks: the complaints waiting for them (as they may see them), and which of
    those are due today or overdue, by due date.

    Due today: the resolution, verification or first follow-up deadline is today. Overdue:
    past the resolution deadline (``deadlines.is_overdue``), or past the verification or
    first follow-up deadline (``deadlines``' rules).
    """
    query = access.restrict(db.session.query(Complaint), user).filter(
        Complaint.voided.is_(False))
    if workflow.OVERSIGHT in security.actors_of(user):
        # A Camat's or the Inspektorat's: what waits for their answer (no village deadline
        # runs meanwhile: the clock stands still while a complaint is referred).
        waiting = (query.filter(access.awaiting_answer_of(user))
                   .order_by(Complaint.id).limit(limit).all())
        return {"waiting": waiting, "due_today": [], "overdue": []}
    statuses = waiting_statuses(user)
    if not statuses:
        return {"waiting": [], "due_today": [], "overdue": []}
    # A complaint referred up waits for the higher office, not for the desk, until it answers.
    waiting = (query.filter(Complaint.status.in_(statuses), ~access.awaiting_answer())
               .order_by(Complaint.due_date.is_(None), Complaint.due_date, Complaint.id)
               .limit(limit).all())
    due_today = [c for c in waiting if today in (c.due_date, c.verification_due, c.followup_due)
                 and c.status in workflow.OPEN_STATUSES]
    overdue = [c for c in waiting if deadlines.is_overdue(c, today)
               or deadlines.is_verification_late(c, today)
               or deadlines.is_followup_late(c, today)]
    return {"waiting": waiting, "due_today": due_today, "overdue": overdue}


def save_settings(user, email, telegram, chat_id):
    """Store ``user``'s channel choices; Telegram needs a chat id (refused without one)."""
    chat_id = (chat_id or "").strip()
    if telegram and not chat_id:
        raise ServiceError(gettext(
            "Fill in your Telegram chat id to receive notifications on Telegram."))
    if chat_id and not chat_id.lstrip("-").isdigit():
        raise ServiceError(gettext("A Telegram chat id is a number."))
    setting = db.session.get(NotificationSetting, user.id)
    if setting is None:
        setting = NotificationSetting(user_id=user.id)
        db.session.add(setting)
    setting.email = bool(email)
    setting.telegram = bool(telegram)
    setting.telegram_chat_id = chat_id or None
    db.session.commit()
    return setting
