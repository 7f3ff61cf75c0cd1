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
