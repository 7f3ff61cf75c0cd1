"""The fixed vocabularies of the register: identifiers in code, labels translated.

Identifiers are stored in the database and used by the APIs, so they never
change; what a user reads comes from the translation catalogue.
"""

from flask import has_request_context
from flask_babel import lazy_gettext as _l

from app.core import workflow

KINDS = {
    "pengaduan": _l("Complaint"),
    "laporan": _l("Report"),
    "saran": _l("Suggestion"),
}

CHANNELS = {
    "walk_in": _l("Walk-in"),
    "complaint_box": _l("Complaint box"),
    "phone": _l("Phone / WhatsApp"),
    "email": _l("Email"),
    "website": _l("Village website"),
    "social_media": _l("Social media"),
}

# The channels on which a sender can leave no identity at all (a box note, an anonymous call),
# and what the register records then in place of the name and address: the village's own
# words, stored as data.
NO_IDENTITY_CHANNELS = ("complaint_box", "phone")
NO_IDENTITY = "tanpa identitas"

URGENCIES = {
    "low": _l("Low"),
    "normal": _l("Normal"),
    "high": _l("High"),
    "urgent": _l("Urgent"),
}

STATUSES = {
    "received": _l("Received"),
    "needs_completion": _l("Needs completion"),
    "verified": _l("Verified"),
    "forwarded": _l("Forwarded"),
    "in_review": _l("In review"),
    "resolved": _l("Resolved"),
    "informed": _l("Complainant informed"),
    "rejected": _l("Rejected"),
    "referred": _l("Referred to a higher office"),
    "reopen_requested": _l("Reopen requested"),
}

POSITIONS = {
    "kepala_desa": _l("Village head"),
    "sekretaris_desa": _l("Village secretary"),
    "kasi": _l("Section head (Kasi)"),
    "kaur": _l("Affairs head (Kaur)"),
    "kepala_dusun": _l("Hamlet head (Kepala Dusun)"),
    "staf_kasi": _l("Section staff (staf Kasi)"),
    "petugas_pengelola": _l("Complaint officer"),
}

OUTCOME_TYPES = {
    "administrative": _l("Administrative resolution"),
    "corrective": _l("Corrective action"),
    "policy": _l("Policy recommendation"),
}

# What a timeline line is called: the workflow's steps (``workflow.Step.label``) and the
# events that are not steps (registration, voiding, import, a raised identity level).
STEPS = {
    "register": _l("Registered"),
    **{name: _l(step.label) for name, step in workflow.STEPS.items()},
    "void": _l("Register entry voided"),
    "import": _l("Imported from a register file"),
    "identity_level": _l("Identity protection raised"),
    "attach": _l("Files added"),
    "withdraw_attachment": _l("File withdrawn"),
    "reassign": _l("Handed on to another officer"),
    "anonymise": _l("Personal data anonymised"),
    "duplicate_link": _l("Handled together with other complaints"),
    "duplicate_unlink": _l("Handled on its own again"),
    "email_message": _l("Email from the resident"),
}

# What a step's button says (imperative, ``workflow.Step.action``), beside its timeline label.
STEP_ACTIONS = {name: _l(step.action) for name, step in workflow.STEPS.items() if step.action}


# What a resident reads (the status page and its API, the WhatsApp/email/letter text, the
# resident's copy of their data): plain words that say what was done, not the office's terms
# ("Diteruskan", "Terverifikasi", "Tindakan korektif"). One mapping for every resident-facing
# place; what is missing here falls back to the staff label.
RESIDENT_STATUSES = {
    "received": _l("Received, waiting to be checked"),
    "needs_completion": _l("Waiting for more information from you"),
    "verified": _l("Checked; the village will handle it"),
    "forwarded": _l("With the officer who handles it"),
    "in_review": _l("To be discussed in a meeting at the village office"),
    "resolved": _l("Handled; the result will be sent to you"),
    "informed": _l("Done; the result was sent to you"),
    "rejected": _l("The village cannot handle it (see the reason)"),
    "referred": _l("Passed to the office that can handle it"),
    "reopen_requested": _l("You said it is not solved; waiting for the officer's decision"),
}

RESIDENT_STEPS = {
    "register": _l("Your complaint was received and recorded"),
    "verify": _l("Checked: complete, and for the village to handle"),
    "request_completion": _l("You were asked for more information"),
    "forward": _l("Handed over to be handled"),
    "note": _l("News on the handling"),
    "schedule_meeting": _l("Set to be discussed in a meeting at the village office"),
    "resolve": _l("The problem was handled"),
    "reject": _l("The village cannot handle it"),
    "refer": _l("Passed to the office that can handle it"),
    "answer_referral": _l("The higher office answered; the village goes on handling it"),
    "inform": _l("The result was sent to you"),
    "complete": _l("Your added information was received"),
    "extend_deadline": _l("More time needed: the due date moved"),
    "confirm_solved": _l("You said the problem is solved"),
    "request_reopen": _l("You said it is not solved and asked for it to be handled again"),
    "reopen": _l("Being handled again"),
    "keep_closed": _l("Not handled again (see the reason)"),
    "attach": _l("Photos or documents added"),
    "duplicate_link": _l("Handled together with the same problem reported by others"),
    "email_message": _l("Your email was received"),
}

RESIDENT_OUTCOMES = {
    "administrative": _l("The service was put right, explained or apologised for"),
    "corrective": _l("Those responsible were corrected (a warning, guidance or a change of "
                     "practice)"),
    "policy": _l("A change of the village's rules is proposed"),
}

_STAFF_WORDS = {"status": STATUSES, "step": STEPS, "outcome": OUTCOME_TYPES}
_RESIDENT_WORDS = {"status": RESIDENT_STATUSES, "step": RESIDENT_STEPS,
                   "outcome": RESIDENT_OUTCOMES}


def resident_label(kind, key):
    """What a resident reads for a ``kind`` ("status", "step" or "outcome") ``key``: the plain
    words above, else the staff label. Every resident-facing place asks here."""
    words = _RESIDENT_WORDS[kind]
    return label(words if key in words else _STAFF_WORDS[kind], key)


def label(vocabulary, key):
    """The translated label of ``key``, or the key itself when it is unknown.

    Within a request the label is text in the request's language; outside one it stays
    lazy (it may be read later, in another language).
    """
    text = vocabulary.get(key, key or "")
    if isinstance(text, str) or not has_request_context():
        return text
    return str(text)


def choices(vocabulary):
    """``(value, label)`` pairs for a WTForms select field."""
    return [(key, text) for key, text in vocabulary.items()]
