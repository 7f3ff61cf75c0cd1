"""The verbs of the SOP: register, void, and take a workflow step.

Views and APIs only call these. Each function checks the rules, changes the
complaint, appends the timeline event in the same transaction and commits (or
leaves the commit to FAB's add, which commits the same transaction).
"""

import json
import re
from contextlib import contextmanager

from flask_babel import gettext
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.auth import access, identity
from app.auth.identity import actor_name
from app.auth.security import actors_of
from app.auth.villages import current_village
from app.core import workflow
from app.core.errors import ServiceError, StaleComplaint, StepRefused, refuse
from app.core.numbering import format_register_number, new_tracking_code
from app.core.timeutil import datetime_id, now_wib
from app.core.values import int_or_none, truthy
from app.core.vocabularies import (KINDS, NO_IDENTITY, NO_IDENTITY_CHANNELS, OUTCOME_TYPES,
                                   STEPS, URGENCIES, label)
from app.extensions import db
from app.models import (Attachment, Category, Complaint, ComplaintEvent, Officer, Village,
                        next_register_seq)
from app.services import audit, deadlines
from app.services.step_effects import effect_of, listeners, step_effect


def holidays():
    """The public holidays and cuti bersama as dates (the admin's table; see app.services.deadlines)."""
    return deadlines.holidays()


def compute_deadlines(complaint):
    """Set the verification and resolution due dates from the deadline tier (app.services.deadlines)."""
    deadlines.compute_deadlines(complaint)


def add_event(complaint, step, user, from_status, to_status, note=None, is_public=False, data=None,
              at=None, audience=workflow.STAFF):
    """Append one timeline event to the session (committed with the caller's change).

    ``is_public``: the line is on the resident's public timeline; ``audience``: who may
    read ``note`` (``workflow.AUDIENCES``). A public note is on a public line.
    """
    if audience not in workflow.AUDIENCES:
        raise ValueError(f"unknown note audience {audience!r}")
    event = ComplaintEvent(
        complaint=complaint,
        occurred_at=at or now_wib(),
        actor_id=getattr(user, "id", None) if user is not None and user.is_authenticated else None,
        actor_name=actor_name(user),
        step=step,
        from_status=from_status,
        to_status=to_status,
        note=note,
        is_public=is_public or audience == workflow.PUBLIC,
        audience=audience,
        data=json.dumps(data, default=str, sort_keys=True) if data else None,
    )
    db.session.add(event)
    return event


def no_identity_refusal():
    """Why a complaint without identity cannot be informed (the SOP's identity rule)."""
    return gettext(
        "This complaint was recorded without identity (tanpa identitas): the SOP requires the "
        "complainant's identity to follow it up with them, so the result cannot be sent to "
        "anyone. It is still verified, forwarded and resolved like any other complaint.")


def record_without_identity(complaint):
    """Put "tanpa identitas" in place of the identity of a box note or anonymous call.

    The level becomes at least anonymous (nobody outside the desk has anything to read, and
    the public look-up has no phone digits to match). Refused on a channel where the sender
    is always known (a walk-in, an email, the website).
    """
    if complaint.channel not in NO_IDENTITY_CHANNELS:
        raise ServiceError(gettext(
            "Only a complaint box note or a phone call can be recorded without identity."),
            field="without_identity")
    complaint.without_identity = True
    complaint.complainant_name = complaint.complainant_address = NO_IDENTITY
    complaint.complainant_phone = ""
    complaint.complainant_email = None
    if identity.rank(complaint.identity_level or identity.NAMED) < identity.rank(identity.ANONYMOUS):
        complaint.identity_level = identity.ANONYMOUS


def register_complaint(complaint, user=None, commit=True, at=None, notify=True):
    """Enter a new complaint in the register: number, tracking code, deadlines, first event.

    The register number is taken inside this transaction (see
    ``app.core.numbering.next_register_seq``), so a failed save gives it back.
    ``at`` backdates the registration (imports and demo data). An entry marked
    ``without_identity`` gets "tanpa identitas" (``record_without_identity``). Whoever must
    hear of it is told in the same transaction (``step_effects.on_register``: the
    notifications); ``notify=False`` for entries of the past (demo data), which nobody waits
    for.
    """
    if complaint.without_identity:
        record_without_identity(complaint)
    now = at or now_wib()
    audit.acting(user)
    complaint.received_at = complaint.received_at or now
    complaint.status = workflow.RECEIVED
    complaint.created_at = now
    complaint.changed_at = now
    if user is not None and getattr(user, "is_authenticated", False):
        complaint.created_by_id = user.id
        complaint.changed_by_id = user.id
    complaint.village_id = complaint.village_id or current_village().id
    seq = next_register_seq(db.session, complaint.received_at.year, complaint.village_id)
    complaint.register_year = complaint.received_at.year
    complaint.register_seq = seq
    complaint.register_number = format_register_number(
        seq, complaint.received_at, register_code(complaint.village_id))
    complaint.tracking_code = unique_tracking_code()
    compute_deadlines(complaint)
    db.session.add(complaint)
    add_event(complaint, "register", user, None, workflow.RECEIVED, is_public=True,
              data={"channel": complaint.channel}, at=now)
    if notify:
        for listener in listeners("register"):
            listener(complaint, user, now)
    if commit:
        db.session.commit()
    return complaint


def register_code(village_id):
    """The middle of village ``village_id``'s register numbers (``PGD`` in 001/PGD/XI/2026)."""
    return db.session.scalar(select(Village.register_code).where(Village.id == village_id))


def unique_tracking_code():
    """A tracking code no complaint has yet (a clash is astronomically rare, but checked)."""
    while True:
        code = new_tracking_code()
        taken = db.session.query(Complaint.id).filter_by(tracking_code=code) \
            .execution_options(all_villages=True).first()  # unique in the installation
        if not taken:
            return code


def check_version(complaint, expected_version):
    """Refuse when the user's copy is older than the stored complaint, naming who changed it."""
    if expected_version in (None, ""):
        return
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        expected = -1
    if expected != complaint.version:
        raise StaleComplaint(stale_message(complaint))


def stale_message(complaint):
    """'Changed meanwhile by X at T: reload the page' in the user's language."""
    who = actor_name(complaint.changed_by) if complaint.changed_by else gettext("someone else")
    return gettext(
        "This complaint was changed by %(who)s at %(when)s after you opened it. "
        "Your change was not saved: reload the page to see the current data.",
        who=who,
        when=datetime_id(complaint.changed_at),
    )


def void_complaint(complaint, reason, user, expected_version=None):
    """Void a mistaken register entry: it keeps its number and shows the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(gettext("A reason is required to void a register entry."))
    if complaint.voided:
        raise ServiceError(gettext("This register entry is already void."))
    check_version(complaint, expected_version)
    complaint.voided = True
    complaint.void_reason = reason
    touch(complaint, user)
    add_event(complaint, "void", user, complaint.status, complaint.status, note=reason)
    db.session.commit()
    return complaint


def check_editable(complaint, expected_version=None):
    """Refuse editing a void entry (409) or a copy older than the stored one (409)."""
    if complaint.voided:
        raise ServiceError(gettext("This register entry is void."), code=409)
    check_version(complaint, expected_version)


def edit_complaint(complaint, changes, user, expected_version=None):
    """Change the recorded data of ``complaint`` and commit: the edit screen and the API's PUT.

    ``changes`` maps column names to their new, already validated values. Refused
    (nothing saved): a void entry or a stale copy (``check_editable``), or a lower
    identity level (``identity.check_raise``; the refusal's ``field`` is
    ``identity_level``). A higher level is recorded on the timeline
    (``identity.change_level``). An entry without identity stays so unless the change
    brings the identity (the sender came forward); an identity once recorded is never
    replaced by "tanpa identitas". ``status`` is never a field here: steps change it.
    """
    changes = dict(changes)
    if "status" in changes:
        raise ValueError("status changes only through a workflow step")
    check_editable(complaint, expected_version)
    audit.acting(user)
    with _saved(complaint):
        without_identity = bool(changes.pop("without_identity", complaint.without_identity))
        if without_identity and not complaint.without_identity:
            raise ServiceError(gettext(
                "An identity already recorded is never erased: raise the identity protection "
                "level instead."), field="without_identity")
        if "identity_level" in changes:
            try:
                change_identity_level(complaint, changes.pop("identity_level"), user)
            except ServiceError as exc:
                exc.field = "identity_level"
                raise
        for name, value in changes.items():
            setattr(complaint, name, value)
        complaint.without_identity = without_identity
        if without_identity:
            record_without_identity(complaint)
        touch(complaint, user)
    return complaint


def change_identity_level(complaint, wanted, user):
    """Raise ``complaint``'s level to ``wanted`` (no commit), with a timeline event.

    Returns True when the level changed. Refuses a lower level.
    """
    current = complaint.identity_level or identity.NAMED
    identity.check_raise(current, wanted)
    if wanted == current:
        return False
    complaint.identity_level = wanted
    add_event(complaint, "identity_level", user, complaint.status, complaint.status,
              data={"from": current, "to": wanted})
    return True


def touch(complaint, user, at=None):
    """Record who changed the complaint and when (on the complaint and in the audit log)."""
    audit.acting(user)
    complaint.changed_at = at or now_wib()
    if user is not None and getattr(user, "is_authenticated", False):
        complaint.changed_by_id = user.id


# --- Workflow steps -------------------------------------------------------------------------

def _step_refusal(step_name, exc):
    """Translate a workflow refusal into the message the user reads."""
    step = label(STEPS, step_name)
    if isinstance(exc, workflow.UnknownStep):
        return gettext("There is no step called %(step)s.", step=step_name)
    if isinstance(exc, workflow.StepForbidden):
        return gettext("Your role may not take the step \"%(step)s\".", step=step)
    if isinstance(exc, workflow.TransitionNotAllowed):
        return gettext("The step \"%(step)s\" is not possible in the complaint's current status.",
                       step=step)
    return gettext("Please fill in: %(fields)s.",
                   fields=", ".join(gettext(workflow.FIELD_LABELS.get(f, f)) for f in exc.fields))


def apply_step(complaint, step_name, fields, user, expected_version=None, at=None, commit=True,
               as_resident=False, notify=True):
    """Take one SOP step on ``complaint`` for ``user``; everything or nothing.

    Checks, in order: the entry is not void, the user may see it, the workflow
    allows the step for the user's role from the current status with the
    required fields, and the user's copy is current. Then applies the step's
    effects, appends the timeline event and commits. ``at`` backdates the step
    (imports and demo data); normally it is now. ``commit=False`` leaves the
    commit to a caller that takes several steps in one transaction (a meeting
    for several complaints) and rolls back if any of them is refused.
    ``as_resident`` takes a resident's step (``user`` is None): the caller has
    checked the tracking code and phone digits (``app.public.resident``). Whoever the step
    concerns is told in the same transaction (``step_effects.on_step``: the notifications);
    ``notify=False`` for steps of the past (demo data).
    """
    fields = {k: (v.strip() if isinstance(v, str) else v) for k, v in (fields or {}).items()}
    audit.acting(user)  # before an effect's query flushes its first changes
    actors = check_step_open(complaint, step_name, user, as_resident)
    try:
        target = workflow.check_step(step_name, complaint.status, actors, fields,
                                     confidential=complaint.is_confidential)
    except workflow.WorkflowError as exc:
        raise StepRefused(_step_refusal(step_name, exc), exc.code) from None
    check_version(complaint, expected_version)

    now = at or now_wib()
    source = complaint.status
    try:
        clock = deadlines.on_status_change(complaint, source, target, now.date())
        note, is_public, data = effect_of(step_name)(complaint, fields, now)
        data = {**clock, **(data or {})}
        audience = workflow.note_audience(step_name, truthy(fields.get("is_public")))
    except ServiceError:
        db.session.rollback()  # an effect may have set some fields before refusing
        raise
    complaint.status = target
    try:
        touch(complaint, user, now)
        add_event(complaint, step_name, user, source, target, note=note, is_public=is_public,
                  data=data, at=now, audience=audience)
        if notify:
            for listener in listeners("step"):
                listener(complaint, step_name, source, target, fields, user, now)
        if not as_resident:
            carry_duplicates(complaint, step_name, source, user, now, notify)
        if commit:
            db.session.commit()
    except StaleDataError:
        # Saved by someone else between check_version and this write (two officers at once;
        # found by tests/load/soak.py, where it was a 500): refused like a stale form.
        db.session.rollback()
        raise StaleComplaint(stale_message(complaint)) from None
    return complaint


def verify_and_forward(complaint, verify_fields, forward_fields, user, expected_version=None):
    """Verify ``complaint`` and forward it at once (the desk's one form): two steps of the
    workflow, each through ``apply_step`` with its own checks, effect and timeline line,
    committed together or not at all (a refusal of either leaves the complaint as it was).
    """
    with _saved(complaint):
        apply_step(complaint, "verify", verify_fields, user, expected_version, commit=False)
        apply_step(complaint, "forward", forward_fields, user, commit=False)
    return complaint


@contextmanager
def _saved(complaint):
    """Commit what the block changed on ``complaint``; a refusal (``ServiceError``) or a save
    by someone else in between (a stale row) rolls all of it back and is raised."""
    try:
        yield
        db.session.commit()
    except ServiceError:
        db.session.rollback()
        raise
    except StaleDataError:
        db.session.rollback()
        raise StaleComplaint(stale_message(complaint)) from None


# The steps a linked duplicate still takes itself: its own complainant is informed through
# their own channel and identity rules, and anyone may add a note to it.
OWN_STEPS_OF_DUPLICATES = ("inform", "note")

# What a duplicate takes over from its main complaint: status, deadlines, officer, outcome.
FOLLOWED_FIELDS = (
    "status", "verification_due", "due_date", "followup_due", "paused_since", "paused_days",
    "extension_days", "extension_reason", "outcome_type", "outcome_text", "public_note",
    "rejection_reason", "referred_to", "resolved_at", "closed_at",
)


def follow_main(duplicate, main):
    """Give ``duplicate`` its main complaint's status, deadlines, outcome and officer (the
    officer only where ``assignment_refusal`` allows it: never for a confidential one)."""
    for name in FOLLOWED_FIELDS:
        setattr(duplicate, name, getattr(main, name))
    officer = main.assigned_officer
    if officer is None or assignment_refusal(duplicate, officer) is None:
        duplicate.assigned_officer = officer


def carry_duplicates(main, step_name, source, user, now, notify=True):
    """Take the linked duplicates along a staff step of their main complaint (no commit).

    Each duplicate still in step with the main one (in its former status) follows it, with
    a line on its own timeline, and its own complainant is told as if the step were its own
    (the ``carried`` listeners); the inform step and notes stay each complaint's own.
    """
    if step_name in OWN_STEPS_OF_DUPLICATES:
        return
    for duplicate in main.duplicates:
        if duplicate.voided or duplicate.status != source:
            continue
        follow_main(duplicate, main)
        touch(duplicate, user, now)
        add_event(duplicate, step_name, user, source, duplicate.status, is_public=True,
                  data={"main": main.register_number}, at=now)
        if notify:
            for listener in listeners("carried"):
                listener(duplicate, step_name, source, duplicate.status, user, now)


def check_step_open(complaint, step_name, user, as_resident=False):
    """Refuse a step ``user`` cannot take on ``complaint`` now, whatever its fields.

    The checks of ``apply_step`` before the fields, in its order: the entry is not
    void, the user may see it, the step exists (404), the user's role may take it
    (403), it starts from the current status (409). Returns the user's actors.
    Callers that validate the fields first (the staff API) ask this before them.
    """
    if complaint.voided:
        raise StepRefused(gettext("This register entry is void; no step can be taken."))
    if not as_resident and not access.can_view(user, complaint):
        refuse(gettext("You may not work on this complaint."), 403)
    if step_name == "inform" and complaint.without_identity:
        refuse(no_identity_refusal(), 409)
    if complaint.duplicate_of_id is not None and not as_resident \
            and step_name not in OWN_STEPS_OF_DUPLICATES:
        refuse(gettext(
            "This complaint is handled together with the main complaint %(number)s: it "
            "follows that one's steps. Unlink it first to handle it on its own.",
            number=complaint.duplicate_of.register_number), 409)
    actors = {workflow.RESIDENT} if as_resident else actors_of(user)
    try:
        workflow.check_open(step_name, complaint.status, actors)
    except workflow.WorkflowError as exc:
        refuse(_step_refusal(step_name, exc), exc.code)
    return actors


@step_effect("verify")
def _verify(complaint, fields, now):
    if fields["kind"] not in KINDS:
        refuse(gettext("Choose a kind: complaint, report or suggestion."))
    if fields["urgency"] not in URGENCIES:
        refuse(gettext("Choose an urgency."))
    category = db.session.get(Category, int_or_none(fields["category_id"]))
    if category is None:
        refuse(gettext("Choose a category from the list."))
    complaint.kind = fields["kind"]
    complaint.urgency = fields["urgency"]
    complaint.category = category
    wanted = fields.get("identity_level") or None
    if wanted is None and truthy(fields.get("is_confidential")):
        wanted = identity.CONFIDENTIAL  # the old checkbox, for API clients that still send it
    if wanted:
        try:
            identity.check_raise(complaint.identity_level or identity.NAMED, wanted)
        except ServiceError as exc:
            refuse(str(exc))
    if fields.get("reported_officer_id"):
        reported = db.session.get(Officer, int_or_none(fields["reported_officer_id"]))
        if reported is None:
            refuse(gettext("Choose the officer complained about from the list."))
        complaint.reported_officer = reported
    if wanted and wanted != complaint.identity_level:
        complaint.identity_level = wanted
    compute_deadlines(complaint)
    data = {"kind": complaint.kind, "category": category.name, "urgency": complaint.urgency,
            "confidential": complaint.is_confidential, "identity_level": complaint.identity_level,
            "due_date": complaint.due_date}
    return fields.get("note"), True, data


@step_effect("request_completion")
def _request_completion(complaint, fields, now):
    complaint.public_note = fields["missing"]
    return fields["missing"], True, {"missing": fields["missing"]}


# The positions that never follow a complaint up: the desk forwards it, the Kepala Desa
# receives the verification result and reads (SOP D.3).
NOT_ASSIGNABLE_POSITIONS = frozenset({"petugas_pengelola", "kepala_desa"})


def assignment_refusal(complaint, officer):
    """Why ``officer`` may not be given ``complaint`` to handle, or None when they may.

    The one rule for every step that gives a complaint to an officer (forward, reopen)
    and for the officer lists of their forms: the officer exists and is active, is not
    the complaint desk or the Kepala Desa (by position or by their login's role: they
    hand complaints on and read them, a forwarded complaint would sit with nobody to
    follow it up), is not the person complained about, and the complaint is not
    confidential (a confidential complaint is for the desk and the Kepala Desa only: an
    officer could never open it). ``complaint`` None: only the officer's part (the list
    for several complaints at once, each then checked on its own).
    """
    if officer is None or not officer.active:
        return gettext("Choose an active officer from the list.")
    if officer.position in NOT_ASSIGNABLE_POSITIONS \
            or actors_of(officer.user) & {workflow.DESK, workflow.HEAD}:
        return gettext("The complaint desk and the village head do not follow complaints up "
                       "themselves: choose a liaison officer.")
    if complaint is None:
        return None
    if complaint.reported_officer_id and officer.id == complaint.reported_officer_id:
        return gettext("This officer is the person complained about and cannot handle it.")
    if complaint.is_confidential:
        return gettext("A confidential complaint is handled only by the complaint desk and the "
                       "village head; it cannot be forwarded to an officer.")
    return None


def assign_officer(complaint, officer_id):
    """Give ``complaint`` to the officer ``officer_id`` under ``assignment_refusal``'s rule
    (refused with its message, code 400); returns the officer."""
    officer = db.session.get(Officer, int_or_none(officer_id))
    refusal = assignment_refusal(complaint, officer)
    if refusal:
        refuse(refusal)
    complaint.assigned_officer = officer
    return officer


def assignable_officers(complaint):
    """The active officers ``complaint`` may be given to (for the steps' forms): the
    Kepala Dusun of the complaint's dusun first, who knows the place, then the others by
    name. ``complaint`` None (several complaints at once): every officer
    ``assignment_refusal`` allows for an ordinary complaint."""
    officers = (db.session.query(Officer).filter_by(active=True)
                .options(selectinload(Officer.user).selectinload(User.roles),
                         joinedload(Officer.dusun))
                .order_by(Officer.name))
    allowed = [o for o in officers if assignment_refusal(complaint, o) is None]
    dusun_id = getattr(complaint, "dusun_id", None)
    return sorted(allowed, key=lambda o: not (dusun_id is not None and o.dusun_id == dusun_id
                                              and o.position == "kepala_dusun"))


@step_effect("forward")
def _forward(complaint, fields, now):
    officer = assign_officer(complaint, fields["officer_id"])
    deadlines.set_followup_due(complaint, now.date())
    reported_to = fields.get("reported_to") or "kepala_desa"
    data = {"officer": officer.name, "position": officer.position, "reported_to": reported_to}
    return fields.get("note"), True, data


@step_effect("note")
def _note(complaint, fields, now):
    is_public = truthy(fields.get("is_public"))
    if is_public:
        complaint.public_note = fields["note"]
    return fields["note"], is_public, {}


@step_effect("schedule_meeting")
def _schedule_meeting(complaint, fields, now):
    return fields.get("note"), True, {k: fields[k] for k in ("meeting_id",) if fields.get(k)}


PUBLIC_SUMMARY_MAX = 1000
_WORD = re.compile(r"\w+", re.UNICODE)
QUOTE_WORDS = 5  # this many of the complainant's words in a row are a quotation


def public_summary_problem(complaint, text):
    """Why ``text`` cannot be published as what was done about ``complaint`` (None if it can).

    The "Sudah ditangani" list shows it to everyone beside the category, dusun and month,
    so it must not point at the resident: it may not be empty or longer than
    ``PUBLIC_SUMMARY_MAX``, name the complainant (the full name or any part of it of four
    letters or more), give their address or phone number, or quote their complaint
    (``QUOTE_WORDS`` words in a row of the subject or description).
    """
    if not text:
        return gettext("To publish the resolved problem, write what was done for the public "
                       "list.")
    if len(text) > PUBLIC_SUMMARY_MAX:
        return gettext("The text for the public list has at most %(max)d characters.",
                       max=PUBLIC_SUMMARY_MAX)
    words = [w.lower() for w in _WORD.findall(text)]
    name_parts = {w.lower() for w in _WORD.findall(complaint.complainant_name or "") if len(w) >= 4}
    address = " ".join(_WORD.findall((complaint.complainant_address or "").lower()))
    digits = re.sub(r"\D", "", text)
    phone = re.sub(r"\D", "", complaint.complainant_phone or "")[-8:]
    if name_parts & set(words) or (address and address in " ".join(words)):
        return gettext("The text for the public list may not name the complainant or give "
                       "their address.")
    if phone and phone in digits:
        return gettext("The text for the public list may not give the complainant's phone "
                       "number.")
    said = " ".join(w.lower() for w in _WORD.findall(
        f"{complaint.subject or ''} . {complaint.description or ''}"))
    for start in range(0, max(len(words) - QUOTE_WORDS + 1, 0)):
        if " ".join(words[start:start + QUOTE_WORDS]) in said:
            return gettext("The text for the public list may not quote the complaint: say in "
                           "your own words what was done.")
    return None


def public_photo_choices(complaint):
    """The photos the desk may put beside ``complaint`` on the public list, oldest first
    (``access.may_show_on_public_list``)."""
    rows = db.session.query(Attachment).filter(Attachment.complaint_id == complaint.id) \
        .order_by(Attachment.id)
    return [row for row in rows if access.may_show_on_public_list(row)]


def may_have_public_photo(complaint):
    """Whether ``complaint`` is a resolved problem the desk published (so it may show a
    photo on the list)."""
    return complaint.publishable and complaint.resolved_at is not None and not complaint.voided


def choose_public_photo(complaint, attachment_id):
    """Put photo ``attachment_id`` (None: none) beside the published ``complaint`` on the
    "Sudah ditangani" list; the caller commits. Refuses a complaint that is not published
    and a file that is not one of its ``public_photo_choices``."""
    if attachment_id is None:
        complaint.public_photo_id = None
        return
    if not may_have_public_photo(complaint):
        refuse(gettext("Only a resolved problem published on the \"Already handled\" list "
                       "can have a photo there."))
    if attachment_id not in {row.id for row in public_photo_choices(complaint)}:
        refuse(gettext("Choose a photo of this complaint that is shown to the public and "
                       "was added by staff."))
    complaint.public_photo_id = attachment_id


@step_effect("resolve")
def _resolve(complaint, fields, now):
    if fields["outcome_type"] not in OUTCOME_TYPES:
        refuse(gettext("Choose the kind of outcome."))
    complaint.outcome_type = fields["outcome_type"]
    complaint.outcome_text = fields["outcome_text"]
    complaint.public_note = fields["public_note"]
    complaint.resolved_at = complaint.closed_at = now
    complaint.publishable = truthy(fields.get("publishable"))
    complaint.public_summary = (fields.get("public_summary") or "").strip() or None
    complaint.public_photo_id = None
    if complaint.publishable:
        problem = public_summary_problem(complaint, complaint.public_summary)
        if problem:
            refuse(problem)
        choose_public_photo(complaint, int_or_none(fields.get("public_photo_id")))
    # Public, so the resident's timeline reaches "Selesai"; public pages show the
    # public note, never the internal "what was done" (the event's note).
    return fields["outcome_text"], True, {"outcome_type": complaint.outcome_type,
                                          "public_note": complaint.public_note}


@step_effect("reject")
def _reject(complaint, fields, now):
    complaint.rejection_reason = fields["reason"]
    complaint.public_note = fields["reason"]
    complaint.closed_at = now
    return fields["reason"], True, {}


@step_effect("inform")
def _inform(complaint, fields, now):
    return fields["message"], True, {"channel": fields["channel"]}


