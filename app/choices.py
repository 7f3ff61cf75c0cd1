"""The fixed vocabularies of the register: identifiers in code, labels translated.

Identifiers are stored in the database and used by the APIs, so they never
change; what a user reads comes from the translation catalogue.
"""

from flask import has_request_context
from flask_babel import lazy_gettext as _l

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

STEPS = {
    "register": _l("Registered"),
    "verify": _l("Verified"),
    "request_completion": _l("Completion requested"),
    "forward": _l("Forwarded"),
    "note": _l("Progress note"),
    "schedule_meeting": _l("Review meeting scheduled"),
    "resolve": _l("Resolved"),
    "reject": _l("Rejected"),
    "refer": _l("Referred to a higher office"),
    "inform": _l("Complainant informed"),
    "void": _l("Register entry voided"),
    "import": _l("Imported from a register file"),
    "complete": _l("Completion received"),
    "extend_deadline": _l("Deadline extended"),
    "confirm_solved": _l("Complainant: problem solved"),
    "request_reopen": _l("Complainant: not solved, asks to reopen"),
    "reopen": _l("Reopened"),
    "keep_closed": _l("Kept closed"),
    "identity_level": _l("Identity protection raised"),
}

# What a step's button says (imperative), beside its timeline label above.
STEP_ACTIONS = {
    "verify": _l("Verify"),
    "request_completion": _l("Ask for completion"),
    "forward": _l("Forward"),
    "note": _l("Add progress note"),
    "schedule_meeting": _l("Schedule review meeting"),
    "resolve": _l("Resolve"),
    "reject": _l("Reject"),
    "refer": _l("Refer to a higher office"),
    "inform": _l("Inform the complainant"),
    "complete": _l("Record the completion"),
    "extend_deadline": _l("Extend the deadline"),
    "reopen": _l("Reopen"),
    "keep_closed": _l("Keep closed"),
}


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
