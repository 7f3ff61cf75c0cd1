"""The SOP's workflow as data: statuses, steps, and who may take which step from where.

No Flask and no database here, so the whole status model can be read in one
place and tested on its own. ``app.services.complaints.apply_step`` is the only code that
applies it.
"""

from dataclasses import dataclass, field

# Statuses (identifiers used in the database and the APIs).
RECEIVED = "received"
NEEDS_COMPLETION = "needs_completion"
VERIFIED = "verified"
FORWARDED = "forwarded"
IN_REVIEW = "in_review"
RESOLVED = "resolved"
INFORMED = "informed"
REJECTED = "rejected"
REFERRED = "referred"
# The resident said the problem is not solved (within the feedback window): the desk answers.
REOPEN_REQUESTED = "reopen_requested"

STATUSES = (
    RECEIVED, NEEDS_COMPLETION, VERIFIED, FORWARDED, IN_REVIEW,
    RESOLVED, INFORMED, REJECTED, REFERRED, REOPEN_REQUESTED,
)
# Still being worked on: counted as open, can be overdue.
OPEN_STATUSES = frozenset({RECEIVED, NEEDS_COMPLETION, VERIFIED, FORWARDED, IN_REVIEW})
# Done from the village's side (resolved, rejected or referred), informed or not.
CLOSED_STATUSES = frozenset({RESOLVED, INFORMED, REJECTED, REFERRED})

# Actors: what a user is in the workflow (security.py maps FAB roles to these).
DESK = "desk"          # petugas pengelola pengaduan (and the admin)
LIAISON = "liaison"    # petugas penghubung dan tindak lanjut
HEAD = "head"          # Kepala Desa: reads, takes no step
# A Camat or the Inspektorat/Dinas above the villages: answers what a village referred to them.
OVERSIGHT = "oversight"
RESIDENT = "resident"  # the complainant, known by tracking code and phone digits (public side)
# The actors who take steps from the staff screens and the staff API.
STAFF_ACTORS = frozenset({DESK, LIAISON})

# Who may read a timeline note (the event's ``audience``); ``app.auth.access.can_read_note`` is
# the one rule that applies it on every screen, API, PDF and export.
PUBLIC = "public"  # also the resident, on the public status page
STAFF = "staff"    # everyone who may open the complaint (desk, its liaison, the Kepala Desa)
DESK_ONLY = "desk"  # the complaint desk only: messages to and from the resident, personal data
AUDIENCES = (PUBLIC, STAFF, DESK_ONLY)
# A step whose note's audience the writer chooses: public with the step's ``is_public``
# field ticked, else staff (the progress note).
CHOSEN = "chosen"


def N_(message):
    """Mark ``message`` for the translation catalogue without translating it here.

    Labels in this module are English message ids; the web and services layers
    translate them when a user reads them (``app.core.vocabularies``, ``app.services.complaints``).
    """
    return message


@dataclass(frozen=True)
class Step:
    """One step of the SOP, whole: its names, from which statuses, to which, by whom, with
    which fields, and who may read its note.

    ``label`` names the step on the timeline, ``action`` on its button (both message ids;
    None for a step only the resident takes, on the public pages). Its effect is
    registered in the services layer (``app.services.step_effects``) and its form in the web layer
    (``app.web.step_forms.FORMS``, or a page of its own); a test checks every step has all.
    """

    name: str
    label: str
    action: str | None
    sources: frozenset
    target: str | None  # None: the status stays (a progress note)
    actors: frozenset
    required: tuple = ()
    optional: tuple = field(default=())
    assigned_only: bool = True  # a liaison may take it only on complaints forwarded to them
    note_audience: str = STAFF  # who may read the note of its timeline event
    # Where the step leads on a confidential complaint when that differs from ``target``:
    # such a complaint is never given to an officer, so it stays with the desk.
    confidential_target: str | None = None

    @property
    def fields(self):
        """Every field the step reads, required ones first."""
        return self.required + self.optional


def _step(name, label, action, sources, target, actors, required=(), optional=(), note=STAFF,
          confidential_target=None):
    return Step(name, label, action, frozenset(sources), target, frozenset(actors),
                tuple(required), tuple(optional), note_audience=note,
                confidential_target=confidential_target)


STEPS = {
    s.name: s
    for s in (
        _step("verify", N_("Verified"), N_("Verify"),
              {RECEIVED, NEEDS_COMPLETION}, VERIFIED, {DESK},
              required=("kind", "category_id", "urgency"),
              optional=("identity_level", "is_confidential", "reported_officer_id", "note")),
        _step("request_completion", N_("Completion requested"), N_("Ask for completion"),
              {RECEIVED, NEEDS_COMPLETION}, NEEDS_COMPLETION, {DESK},
              required=("missing",), note=PUBLIC),
        _step("forward", N_("Forwarded"), N_("Forward"),
              {VERIFIED, FORWARDED}, FORWARDED, {DESK},
              required=("officer_id",), optional=("reported_to", "note")),
        _step("note", N_("Progress note"), N_("Add progress note"),
              OPEN_STATUSES, None, {DESK, LIAISON},
              required=("note",), optional=("is_public",), note=CHOSEN),
        _step("schedule_meeting", N_("Review meeting scheduled"), N_("Schedule review meeting"),
              {VERIFIED, FORWARDED}, IN_REVIEW, {DESK},
              optional=("note",)),
        _step("resolve", N_("Resolved"), N_("Resolve"),
              {VERIFIED, FORWARDED, IN_REVIEW}, RESOLVED, {DESK, LIAISON},
              required=("outcome_type", "outcome_text", "public_note"),
              optional=("publishable", "public_summary", "public_photo_id")),
        _step("reject", N_("Rejected"), N_("Reject"),
              {RECEIVED, NEEDS_COMPLETION, VERIFIED}, REJECTED, {DESK},
              required=("reason",), note=PUBLIC),
        # ``refer_up`` (kecamatan or kabupaten) sends it inside the system
        # (app.services.referrals): the clock pauses until the office answers.
        _step("refer", N_("Referred to a higher office"), N_("Refer to a higher office"),
              {RECEIVED, VERIFIED, FORWARDED, IN_REVIEW}, REFERRED, {DESK, LIAISON},
              required=("office",), optional=("refer_up", "referral_note", "public_note"),
              note=PUBLIC),
        # The Camat's or Inspektorat's answer to a referral inside the system: back on the
        # village's timeline (staff read it), the complaint back with the village to act on
        # and inform the resident (as reopening: with its officer, a confidential one with
        # the desk).
        _step("answer_referral", N_("Answer of the higher office"), None,
              {REFERRED}, FORWARDED, {OVERSIGHT}, required=("answer",), note=STAFF,
              confidential_target=VERIFIED),
        _step("inform", N_("Complainant informed"), N_("Inform the complainant"),
              {RESOLVED, REJECTED, REFERRED}, INFORMED, {DESK},
              required=("channel", "message"), note=DESK_ONLY),
        # Deadlines (app.services.deadlines): the resident's completion resumes the paused clock;
        # a resolution deadline can be extended once, with a reason the public reads.
        _step("complete", N_("Completion received"), N_("Record the completion"),
              {NEEDS_COMPLETION}, RECEIVED, {DESK, RESIDENT},
              required=("completion",), note=DESK_ONLY),
        _step("extend_deadline", N_("Deadline extended"), N_("Extend the deadline"),
              OPEN_STATUSES, None, {DESK},
              required=("days", "reason"), note=PUBLIC),
        # Feedback (app.services.feedback): after being informed the resident says whether the
        # problem is solved; "no" within the window asks the desk to reopen.
        _step("confirm_solved", N_("Complainant: problem solved"), None,
              {INFORMED}, None, {RESIDENT}, optional=("comment",), note=DESK_ONLY),
        _step("request_reopen", N_("Complainant: not solved, asks to reopen"), None,
              {INFORMED}, REOPEN_REQUESTED, {RESIDENT}, optional=("comment",), note=DESK_ONLY),
        _step("reopen", N_("Reopened"), N_("Reopen"),
              {REOPEN_REQUESTED}, FORWARDED, {DESK},
              required=("public_note",), optional=("officer_id",), note=PUBLIC,
              confidential_target=VERIFIED),
        _step("keep_closed", N_("Kept closed"), N_("Keep closed"),
              {REOPEN_REQUESTED}, INFORMED, {DESK},
              required=("reason",), note=PUBLIC),
    )
}

# How a refusal names a step's fields ("Please fill in: ..."), as message ids.
FIELD_LABELS = {
    "kind": N_("Kind"), "category_id": N_("Category"), "urgency": N_("Urgency"),
    "missing": N_("What is missing"), "officer_id": N_("Officer"), "note": N_("Note"),
    "outcome_type": N_("Outcome"), "outcome_text": N_("What was done"),
    "public_note": N_("Public note"), "reason": N_("Reason"), "office": N_("Office"),
    "channel": N_("Channel"), "message": N_("Message"),
    "completion": N_("What the complainant completed"), "days": N_("Working days"),
    "answer": N_("Answer"),
}


class WorkflowError(Exception):
    """A step that cannot be taken; ``code`` is the HTTP status an API answers with."""

    code = 409


class UnknownStep(WorkflowError):
    code = 404


class TransitionNotAllowed(WorkflowError):
    """The step does not start from the complaint's current status."""

    code = 409


class StepForbidden(WorkflowError):
    """The user's role may not take this step."""

    code = 403


class MissingFields(WorkflowError):
    """Required fields of the step are empty; ``fields`` names them."""

    code = 400

    def __init__(self, fields):
        super().__init__(", ".join(fields))
        self.fields = tuple(fields)


def get_step(name):
    """The step called ``name``, or ``UnknownStep``."""
    try:
        return STEPS[name]
    except KeyError:
        raise UnknownStep(name) from None


def can_take(step, status, actors):
    """Whether a user acting as any of ``actors`` may take ``step`` from ``status``."""
    return status in step.sources and bool(step.actors & set(actors))


def allowed_steps(status, actors):
    """Names of the steps open to ``actors`` from ``status``, in SOP order."""
    return [name for name, step in STEPS.items() if can_take(step, status, actors)]


def check_open(name, status, actors):
    """Refuse a step that ``actors`` may not take from ``status``, whatever its fields.

    Raises ``UnknownStep``, ``StepForbidden`` (wrong role) or ``TransitionNotAllowed``
    (wrong status), in that order; returns the step. Callers that validate the
    step's fields themselves (the staff API's forms) ask this first, so a step that is
    not possible now is refused as such even with empty fields.
    """
    step = get_step(name)
    if not step.actors & set(actors):
        raise StepForbidden(name)
    if status not in step.sources:
        raise TransitionNotAllowed(name)
    return step


def check_step(name, status, actors, fields, confidential=False):
    """Validate a step request and return the status it leads to.

    Raises ``UnknownStep``, ``StepForbidden`` (wrong role), ``TransitionNotAllowed``
    (wrong status) or ``MissingFields``, in that order, so the answer names the
    first thing the user must change. ``confidential``: the complaint is
    confidential (see ``Step.confidential_target``).
    """
    step = check_open(name, status, actors)
    missing = [f for f in step.required if fields.get(f) in (None, "", [])]
    if missing:
        raise MissingFields(missing)
    if confidential and step.confidential_target is not None:
        return step.confidential_target
    return step.target if step.target is not None else status


def note_audience(name, marked_public=False):
    """Who may read the note of step ``name`` (one of ``AUDIENCES``).

    ``marked_public``: the writer ticked the step's ``is_public`` field, which only a
    step whose audience is ``CHOSEN`` (the progress note) listens to.
    """
    audience = get_step(name).note_audience
    if audience == CHOSEN:
        return PUBLIC if marked_public else STAFF
    return audience
