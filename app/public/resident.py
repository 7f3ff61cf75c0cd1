"""The anonymous side: submit a complaint from the website and follow it, exposing no one.

The page views and the public JSON API both call these functions, so they
share one set of rules:

* a submission lands in the register like any other (channel "website",
  status received) through ``services.register_complaint``;
* a look-up needs the tracking code and the last 4 digits of the phone; an
  unknown code and a wrong phone give the same refusal, after the same work
  and the same minimum time (``PUBLIC_LOOKUP_MIN_SECONDS``);
* rate limits per client address and per tracking code use FAB's
  Flask-Limiter (``appbuilder.sm.limiter``: its storage and strategy, so
  ``RATELIMIT_ENABLED`` and ``RATELIMIT_STORAGE_URI`` apply), and a code is
  locked for the rest of the (WIB) day after ``PUBLIC_CODE_DAILY_FAILURES``
  failed look-ups, counted in the database;
* what the public sees (``public_view``) holds no name, address, phone,
  email, internal note or officer name: only labels, dates, the category,
  the officer's position and the notes written for the public.
"""

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import time

from flask import current_app, session
from flask_babel import gettext
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, undefer

from app.auth.access import resident_can_track, resident_reads_note
from app.auth.limits import client_key, over_limit
from app.core import workflow
from app.core.numbering import normalize_tracking_code
from app.core.timeutil import date_id, now_wib
from app.core.vocabularies import KINDS, POSITIONS, label, resident_label
from app.extensions import db
from app.models import Complaint, Dusun, PublicLookupFailure
from app.models.busy import DatabaseBusy, retry_when_busy
from app.services import complaints as services, deadlines, evidence, feedback

_QUESTION_MAX_AGE = 2 * 60 * 60


class Refused(Exception):
    """A public request that is refused; ``code`` is the HTTP status, the text is translated."""

    code = 400


class NotFound(Refused):
    """Unknown code or wrong phone digits: deliberately the same refusal for both."""

    code = 404

    def __init__(self):
        super().__init__(gettext(
            "No complaint matches this tracking code and these phone digits. "
            "Check both and try again."))


class Busy(Refused):
    """The database stayed busy (the desk importing a large file): nothing was registered."""

    code = 503

    def __init__(self):
        super().__init__(gettext(
            "The system is busy for a moment and your complaint was not registered yet. What "
            "you typed is kept below: please press Send again in a few seconds."))


class BusyAnswer(Busy):
    """The database stayed busy: the resident's answer (feedback, completion) was not recorded."""

    def __init__(self):
        Refused.__init__(self, gettext(
            "The system is busy for a moment and your answer was not recorded yet. What you "
            "typed is kept below: please send it again in a few seconds."))


class AlreadySent(Refused):
    """This form or API request registered its complaint long ago (its receipt has expired)."""

    code = 409

    def __init__(self):
        super().__init__(gettext(
            "This form was already sent and registered earlier. Follow your complaint with "
            "the tracking code on its receipt; to send a new complaint, open the form again."))


class RateLimited(Refused):
    code = 429

    def __init__(self, message=None):
        super().__init__(message or gettext(
            "Too many requests from your connection. Please try again later."))


# --- Rate limits ---------------------------------------------------------------------------

def check_submit_allowed():
    """Refuse a submission when this client has sent too many (page and API together)."""
    if over_limit("submit", client_key(), current_app.config["PUBLIC_SUBMIT_LIMIT"]):
        raise RateLimited()


# --- Submitting ----------------------------------------------------------------------------

def active_dusun_names():
    """The dusun a resident can choose, by name."""
    return list(db.session.scalars(
        select(Dusun.name).where(Dusun.active.is_(True)).order_by(Dusun.name)))


_SUBMISSION_KEY = re.compile(r"[A-Za-z0-9_.:-]{16,100}")


def submission_key(text):
    """``text`` when it can be a form token or an Idempotency-Key (16 to 100 letters, digits
    and ``- _ . :``, so that one cannot be guessed), else None."""
    return text if isinstance(text, str) and _SUBMISSION_KEY.fullmatch(text) else None


def new_submission_token():
    """A one-time token for the submit form (a hidden field): the form registers once."""
    return secrets.token_urlsafe(24)


def _submission_hash(source, key):
    """What the complaint keeps of a form token or API key: a keyed hash, by source."""
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"{source}:{key}".encode(), hashlib.sha256).hexdigest()


def submit_complaint(fields, key=None, source="page", files=()):
    """Register a complaint sent from the website; ``fields`` are validated form values.

    Returns ``(complaint, repeated)``: the registered complaint (committed), with its
    register number and tracking code. ``key`` (the form's one-time token, the API's
    Idempotency-Key, already checked by ``submission_key``) makes a repeat of the same
    request (a double click, Back and send again, an API client retrying) find the complaint
    it registered (``repeated`` True) instead of registering another; after
    ``PUBLIC_RECEIPT_MINUTES`` a repeat is refused (``AlreadySent``) rather than showing the
    receipt again. A busy database is tried again (``app.models.busy.retry_when_busy``), then
    refused with ``Busy``: the resident sends again. ``files``: the resident's evidence, already
    checked (``evidence.prepare``), saved with the complaint or not at all.
    """
    token = _submission_hash(source, key) if key else None
    try:
        return retry_when_busy(lambda: _register_once(fields, token, files))
    except DatabaseBusy:
        raise Busy() from None


def submit_from_page(fields, form_token, files=()):
    """``submit_complaint`` for the /lapor page, whose form carries a one-time token.

    Back after sending reloads the form with a new token (the page is never cached), so the
    browser session also remembers a keyed digest of what it sent last, with that token: the
    very same complaint sent again from this browser is the same submission.
    """
    digest = _submission_hash("content", repr(sorted(
        (name, str(value or "").strip()) for name, value in fields.items()))
        + repr([item.sha256 for item in files]))
    last = session.get("public_last_submission")
    token = submission_key(form_token) or new_submission_token()
    if isinstance(last, dict) and last.get("digest") == digest \
            and submission_key(last.get("token")):
        token = last["token"]
    result = submit_complaint(fields, token, files=files)
    session["public_last_submission"] = {"digest": digest, "token": token}
    return result


def _register_once(fields, token, files=()):
    if token is not None:
        earlier = _submitted_with(token)
        if earlier is not None:
            return earlier, True
    complaint = _new_complaint(fields)
    complaint.submission_token = token
    try:
        with evidence.saved_together(files) as staged:
            services.register_complaint(complaint, user=None, commit=False)
            evidence.record(staged, None, complaint, resident=True, at=complaint.created_at)
            db.session.commit()
        return complaint, False
    except IntegrityError:
        db.session.rollback()
        earlier = _submitted_with(token) if token is not None else None
        if earlier is None:
            raise
        return earlier, True  # the same request, registered by its twin a moment ago


def _submitted_with(token):
    """The complaint registered by the request with this token, when its receipt may still be
    shown again; ``AlreadySent`` when it is older; None when there is none."""
    complaint = db.session.scalar(select(Complaint).where(Complaint.submission_token == token))
    if complaint is None:
        return None
    minutes = current_app.config["PUBLIC_RECEIPT_MINUTES"]
    if complaint.voided or complaint.created_at < now_wib() - dt.timedelta(minutes=minutes):
        raise AlreadySent()
    return complaint


def _new_complaint(fields):
    dusun = None
    if fields.get("dusun"):
        dusun = db.session.scalar(select(Dusun).where(Dusun.name == fields["dusun"]))
    return Complaint(
        channel="website",
        kind=fields.get("kind") or "pengaduan",
        complainant_name=fields["name"].strip(),
        complainant_address=fields["address"].strip(),
        complainant_phone=fields["phone"],
        complainant_email=(fields.get("email") or "").strip() or None,
        subject=fields["subject"].strip(),
        description=fields["description"].strip(),
        dusun=dusun,
        rt_rw=(fields.get("rt_rw") or "").strip() or None,
        incident_date=fields.get("incident_date"),
        urgency="normal",
        identity_level=fields.get("identity_level") or "named",
    )


# --- The arithmetic question ---------------------------------------------------------------

def _serializer(salt):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def new_question():
    """A small sum for the form, and a signed token that carries it: ``(text, token)``."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    token = _serializer("public-question").dumps([a, b])
    return f"{a} + {b}", token


def question_text(token):
    """The question a token stands for, or None when the token is bad or too old."""
    try:
        a, b = _serializer("public-question").loads(token, max_age=_QUESTION_MAX_AGE)
    except (BadSignature, TypeError, ValueError):
        return None
    return f"{a} + {b}"


def answer_is_right(token, answer):
    """Whether ``answer`` solves the question in ``token`` (signed, at most two hours old)."""
    try:
        a, b = _serializer("public-question").loads(token or "", max_age=_QUESTION_MAX_AGE)
        return int(str(answer).strip()) == int(a) + int(b)
    except (BadSignature, TypeError, ValueError):
        return False


# --- Tracking ------------------------------------------------------------------------------

def _code_hash(code):
    """A keyed hash of a tracking code: what the failure table and rate-limit keys hold."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def _start_of_today():
    return dt.datetime.combine(now_wib().date(), dt.time())


def _failures_since(code_hash, since):
    """How many failed look-ups the code ``code_hash`` had since ``since``, as a select."""
    return select(func.count(PublicLookupFailure.id)).where(
        PublicLookupFailure.code_hash == code_hash, PublicLookupFailure.failed_at >= since)


def _find(code, code_hash, since):
    """``(complaint, failures today)``: the complaint with its category and timeline, and
    the code's failures (the lock holds even for the right digits), in one statement;
    ``(None, failures today)`` for an unknown code."""
    row = db.session.execute(
        select(Complaint, _failures_since(code_hash, since).scalar_subquery())
        .where(Complaint.tracking_code == code, Complaint.voided.is_(False))
        .options(joinedload(Complaint.category), joinedload(Complaint.events),
                 undefer(Complaint.has_duplicates))
    ).unique().first()
    if row is None:
        return None, db.session.scalar(_failures_since(code_hash, since))
    return row[0], row[1]


def _record_failure(code_hash):
    """Remember one failed look-up (and forget those from before yesterday)."""
    db.session.execute(delete(PublicLookupFailure).where(
        PublicLookupFailure.failed_at < _start_of_today() - dt.timedelta(days=1)))
    db.session.add(PublicLookupFailure(code_hash=code_hash, failed_at=now_wib()))
    db.session.commit()


def track(code_text, last4_text):
    """The complaint for a tracking code and the phone's last 4 digits, or a refusal.

    The one look-up of the status page and the public API (which shows it with
    ``public_view``) and of the resident's answers. Raises ``NotFound`` (unknown code and
    wrong digits alike), or ``RateLimited`` (too many requests from this client or for this
    code, or the code is locked for today). Always takes at least
    ``PUBLIC_LOOKUP_MIN_SECONDS``, so the time says nothing either.
    """
    started = time.monotonic()
    try:
        return _track(normalize_tracking_code(code_text), re.sub(r"\D", "", last4_text or ""))
    finally:
        rest = current_app.config["PUBLIC_LOOKUP_MIN_SECONDS"] - (time.monotonic() - started)
        if rest > 0:
            time.sleep(rest)


def _track(code, last4):
    config = current_app.config
    if over_limit("status", client_key(), config["PUBLIC_STATUS_LIMIT"]):
        raise RateLimited()
    code_hash = _code_hash(code)
    if over_limit("code", code_hash, config["PUBLIC_CODE_LIMIT"]):
        raise RateLimited(gettext("This tracking code was looked up too often. "
                                  "Please try again later."))
    complaint, failures = _find(code[:40], code_hash, _start_of_today())
    if failures >= config["PUBLIC_CODE_DAILY_FAILURES"]:
        raise RateLimited(gettext(
            "This tracking code has had too many wrong tries today and is locked until "
            "tomorrow. Please try again tomorrow or contact the village office."))
    # An entry without identity has no phone digits: nothing typed may match it.
    known = complaint is not None and resident_can_track(complaint)
    expected = complaint.complainant_phone[-4:] if known else "\x00" * 4
    if not hmac.compare_digest(last4.encode(), expected.encode()) or complaint is None:
        _record_failure(code_hash)
        raise NotFound()
    return complaint


def public_view(complaint):
    """What the resident sees: labels, dates, category, positions, notes meant for the public.
    Statuses, steps and outcomes in the plain words residents read (``resident_label``).

    Plain data for the page and the JSON API alike; never the identity, the
    description, internal notes or officers' names.
    """
    timeline = []
    for event in complaint.events:
        if not event.is_public:
            continue
        entry = {
            "date": event.occurred_at.date().isoformat(),
            "date_label": date_id(event.occurred_at),
            "step": event.step,
            "label": str(resident_label("step", event.step)),
            "status": event.to_status,
            "status_label": str(resident_label("status", event.to_status)),
            "officer_position": None,
            "note": event.note if resident_reads_note(complaint, event) else None,
        }
        if event.step == "forward":
            entry["officer_position"] = _position_of(event)
        timeline.append(entry)
    return {
        "register_number": complaint.register_number,
        "status": complaint.status,
        "status_label": str(resident_label("status", complaint.status)),
        "kind_label": str(label(KINDS, complaint.kind)),
        "category": complaint.category.name if complaint.category else None,
        "received": complaint.received_at.date().isoformat(),
        "received_label": date_id(complaint.received_at),
        "due_date": complaint.due_date.isoformat() if complaint.due_date else None,
        "due_date_label": date_id(complaint.due_date) if complaint.due_date else None,
        "public_note": complaint.public_note,
        "outcome_label": (str(resident_label("outcome", complaint.outcome_type))
                          if complaint.outcome_type else None),
        "timeline": timeline,
        **_deadline_and_feedback(complaint),
    }


def _deadline_and_feedback(complaint):
    """Why the due date moved, and whether the resident is asked for feedback now."""
    until = feedback.open_until(complaint)
    return {
        "due_date_moves": deadlines.due_moves(complaint),
        "feedback_asked": until is not None,
        "feedback_until": until.isoformat() if until else None,
        "feedback_until_label": date_id(until) if until else None,
        "reopen_requested": complaint.status == workflow.REOPEN_REQUESTED,
        "completion_asked": complaint.status == workflow.NEEDS_COMPLETION,
        # Handled together with other residents' complaints about the same problem; which
        # ones is never said.
        "handled_together": complaint.duplicate_of_id is not None
        or bool(complaint.has_duplicates),
    }


def record_answer(action):
    """``action()`` writing a resident's answer (feedback, completion), tried again while the
    database is busy like a submission; then ``BusyAnswer``."""
    try:
        return retry_when_busy(action)
    except DatabaseBusy:
        raise BusyAnswer() from None


def submit_completion(complaint, text, files=()):
    """The resident sends what the desk asked for: the complaint goes back to "received"
    and its clock resumes (the workflow's ``complete`` step, taken as the resident).
    ``files`` (checked by ``evidence.prepare``) are saved with the step or not at all."""
    with evidence.saved_together(files) as staged:
        services.apply_step(complaint, "complete", {"completion": text}, None,
                            as_resident=True, commit=False)
        evidence.record(staged, None, complaint, resident=True)
        db.session.commit()
    return complaint


def _position_of(event):
    """The position (never the name) of the officer a complaint was forwarded to."""
    try:
        position = json.loads(event.data or "{}").get("position")
    except ValueError:
        return None
    return str(label(POSITIONS, position)) if position else None


# --- The receipt, for whoever just submitted or looked the complaint up -------------------

def grant_receipt(complaint):
    """Let this browser session open the complaint's receipt for a while."""
    minutes = current_app.config["PUBLIC_RECEIPT_MINUTES"]
    session["public_receipt"] = {"id": complaint.id, "until": int(time.time()) + minutes * 60}


def granted_complaint():
    """The complaint whose receipt this session may open, or None."""
    grant = session.get("public_receipt")
    if not isinstance(grant, dict) or grant.get("until", 0) < time.time():
        return None
    complaint = db.session.get(Complaint, grant.get("id"))
    if complaint is None or complaint.voided:
        return None
    return complaint
