"""Officers and their logins: one record made in one step, one-time password links,
deactivation, and handing an officer's open complaints on.

The admin never chooses an officer's password: the officer sets it through a link
that works once and for an hour (``LINK_LIFETIME``), passed on by WhatsApp or a QR
code, or emailed. "Lupa kata sandi" emails such a link (through the outbox) when the
login has an email address, and answers the same whether the account exists or not.
Only a keyed hash of a link's secret is stored, and the outbox blanks it from an email
once sent, so a copy of the database opens no account.
"""

import datetime as dt
import hashlib
import hmac
import io
import re
import secrets
from urllib.parse import quote

from flask import current_app, url_for
from flask_babel import gettext
from sqlalchemy import select

from app.auth import passwords, security, villages
from app.core import workflow
from app.core.timeutil import now_wib
from app.extensions import db
from app.core.errors import ServiceError
from app.core.values import int_or_none, mail_can_reach
from app.models import AccountLink, Complaint, Dusun, Officer, OutboxMessage
from app.models.notifications import EMAIL
from app.services import audit, complaints as services

LINK_LIFETIME = dt.timedelta(hours=1)
SET, RESET = "set", "reset"

# FAB requires a unique email on every login; an officer without one gets an address in a
# domain reserved as invalid (RFC 2606), which no mail is ever sent to.
NO_EMAIL_DOMAIN = "tanpa-email.invalid"

# The role each position acts in (SOP E: the liaison and follow-up officers).
POSITION_ROLES = {
    "sekretaris_desa": security.LIAISON,
    "kasi": security.LIAISON,
    "kaur": security.LIAISON,
    "kepala_dusun": security.LIAISON,
    "staf_kasi": security.LIAISON,
    "petugas_pengelola": security.DESK,
    "kepala_desa": security.HEAD,
}

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# The secret part of a password link (``AccountLinkView.set_password``: /akun/sandi/<token>).
_LINK_SECRET = re.compile(r"(/akun/sandi/)[A-Za-z0-9_-]+")


def _refuse(message, field=None):
    raise ServiceError(message, field=field)


def role_for(position):
    """The role an officer of ``position`` logs in with."""
    return POSITION_ROLES[position]


def follow_position(officer):
    """Give ``officer``'s login the role of their (new) position (no commit)."""
    role_name = POSITION_ROLES.get(officer.position)
    if officer.user is None or role_name is None:
        return
    role = current_app.appbuilder.sm.find_role(role_name)
    if [r.name for r in officer.user.roles] != [role_name]:
        officer.user.roles = [role]


def keep_own_login(officer, by_user):
    """Refuse ``by_user`` (a village's own admin, with several villages) taking their login
    off their own officer record (no commit): a login without an officer record is the
    installation's admin, of every village."""
    if by_user is None:
        return
    with db.session.no_autoflush:  # the edit must not reach the database before the check
        if not villages.manages_one_village(by_user):
            return
        stored = db.session.scalar(select(Officer.user_id).where(Officer.id == officer.id))
    linked = officer.user.id if officer.user is not None else None
    if stored == by_user.id and linked != by_user.id:
        raise ServiceError(gettext(
            "You cannot take your own login off your officer record: ask the administrator "
            "of the whole installation."), field="user")


def linkable_logins(by_user):
    """The ids of the logins the officer screen offers for an officer record's login: with
    several villages a village's admin the logins of their village's officers only (another
    village's, the Camat's or the installation admin's are neither theirs to see nor to
    take into their village); the installation's admin (and a single village's) every
    login."""
    if by_user is None:
        return []
    if not villages.manages_one_village(by_user):
        return db.session.scalars(select(current_app.appbuilder.sm.user_model.id)).all()
    return db.session.scalars(select(Officer.user_id).where(Officer.user_id.is_not(None))).all()


def has_email(user):
    """Whether mail can reach ``user`` (not the placeholder of an officer without email)."""
    return mail_can_reach(user.email)


def add_officer(fields, by_user):
    """Create the officer and their login in one transaction; return ``(officer, token)``.

    ``fields``: name, position, dusun_id (a Kepala Dusun's hamlet), field_of_work, phone,
    email, username. The login's role follows from the position and it has no password
    until the officer sets one through the returned one-time link's token.
    """
    sm = current_app.appbuilder.sm
    name = (fields.get("name") or "").strip()
    position = fields.get("position") or ""
    username = (fields.get("username") or "").strip().lower()
    email = (fields.get("email") or "").strip().lower()
    if not name:
        _refuse(gettext("Fill in the officer's name."), "name")
    if position not in POSITION_ROLES:
        _refuse(gettext("Choose a position from the list."), "position")
    dusun = db.session.get(Dusun, fields.get("dusun_id")) if fields.get("dusun_id") else None
    if position == "kepala_dusun" and dusun is None:
        _refuse(gettext("A Kepala Dusun needs their dusun."), "dusun_id")
    if position != "kepala_dusun":
        dusun = None
    if not _USERNAME.fullmatch(username):
        _refuse(gettext("The login name has 3 to 64 small letters, digits, dots, dashes or "
                        "underscores."), "username")
    if sm.find_user(username=username):
        _refuse(gettext("This login name is taken; choose another."), "username")
    if email:
        if not _EMAIL.fullmatch(email):
            _refuse(gettext("The email address is not valid."), "email")
        if sm.find_user(email=email):
            _refuse(gettext("Another login already has this email address."), "email")
    else:
        email = f"{username}@{NO_EMAIL_DOMAIN}"
    first, _space, last = name.partition(" ")
    audit.acting(by_user)
    user = sm.user_model(first_name=first[:64], last_name=(last or "-")[:64],
                         username=username, email=email, active=True,
                         roles=[sm.find_role(role_for(position))],
                         # No password yet: no hash matches "!" (the officer sets one).
                         password="!")
    db.session.add(user)
    officer = Officer(name=name[:120], position=position, dusun=dusun,
                      field_of_work=(fields.get("field_of_work") or None),
                      phone=fields.get("phone") or None, active=True, user=user)
    db.session.add(officer)
    db.session.flush()
    token = new_link(user, SET)
    db.session.commit()
    return officer, token


def _hash(token):
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


def new_link(user, purpose):
    """A new one-time link for ``user`` (added to the session); returns its secret token.

    Any earlier unused link of the user stops working: only the newest one counts.
    """
    now = now_wib()
    for link in db.session.scalars(select(AccountLink).where(
            AccountLink.user_id == user.id, AccountLink.used_at.is_(None))):
        link.used_at = now
    token = secrets.token_urlsafe(32)
    db.session.add(AccountLink(user_id=user.id, purpose=purpose, token_hash=_hash(token),
                               created_at=now, expires_at=now + LINK_LIFETIME))
    return token


def link_url(token):
    """The full address of the password page of ``token``."""
    base = current_app.config.get("PUBLIC_BASE_URL") or ""
    path = url_for("AccountLinkView.set_password", token=token)
    return base.rstrip("/") + path if base else url_for(
        "AccountLinkView.set_password", token=token, _external=True)


def valid_link(token):
    """The unused, unexpired link of ``token``, or None."""
    if not token or len(token) > 100:
        return None
    link = db.session.scalars(select(AccountLink).where(
        AccountLink.token_hash == _hash(token))).first()
    if link is None or link.used_at is not None or link.expires_at <= now_wib():
        return None
    if link.user is None or not link.user.active:
        return None
    return link


def use_link(token, password, repeated):
    """Set the password through the link of ``token`` (once); return the user.

    The new password ends every earlier session and token of the user (``app.sessions``).
    """
    link = valid_link(token)
    if link is None:
        _refuse(gettext("This link is not valid any more: it was used, it expired (links work "
                        "for one hour), or a newer one was made. Ask the admin for a new "
                        "link, or use \"Forgot password\" on the login page."))
    if password != repeated:
        _refuse(gettext("The two passwords are not the same."), "password")
    try:
        passwords.check_password(password)
    except Exception as exc:  # noqa: BLE001 - the rule's own translated message
        _refuse(str(exc), "password")
    user = link.user
    link.used_at = now_wib()
    current_app.appbuilder.sm.reset_password(user.id, password)  # hashes and commits
    return user


def request_reset(identifier):
    """Queue an email with a reset link to the login named by ``identifier`` (login name or
    email), if it exists, is active and has an email address. Returns nothing either way:
    the answer the user reads must not tell whether the account exists. The email leaves
    through the outbox, never during the request, so a mail server's wait cannot tell it
    either (nor can an SMTP outage turn into an error page for existing accounts only)."""
    identifier = (identifier or "").strip().lower()
    if not identifier or not current_app.config.get("SMTP_HOST"):
        return
    sm = current_app.appbuilder.sm
    user = sm.find_user(email=identifier) if "@" in identifier else \
        sm.find_user(username=identifier)
    if user is None or not user.active or not has_email(user):
        return
    token = new_link(user, RESET)
    body = gettext(
        "Someone asked to reset the password of the login %(username)s of the village "
        "complaint system. Open this link within one hour to choose a new password (it "
        "works once):\n\n%(url)s\n\nIf it was not you, ignore this message: your password "
        "stays as it is.", username=user.username, url=link_url(token))
    # Urgent: quiet hours would hold it past the link's hour.
    db.session.add(OutboxMessage(channel=EMAIL, address=user.email,
                                 subject=gettext("Reset your password"), body=body,
                                 urgent=True, next_attempt_at=now_wib()))
    db.session.commit()


def without_links(text):
    """``text`` with every one-time link's secret blanked: the outbox keeps a sent message
    this way, so a copy of the database opens no account."""
    return _LINK_SECRET.sub(r"\1(terkirim)", text)


def whatsapp_url(phone, text):
    """A wa.me link that opens WhatsApp with ``text`` ready for ``phone`` (or for any chat)."""
    digits = re.sub(r"\D", "", phone or "")
    return f"https://wa.me/{digits}?text={quote(text)}" if digits else \
        f"https://wa.me/?text={quote(text)}"


def qr_svg(text):
    """``text`` as a QR code, an SVG document (no image library needed)."""
    # qrcode loads only when the admin's link page draws one.
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue().decode()


# --- leaving ------------------------------------------------------------------------------------

def open_complaints(officer):
    """The complaints given to ``officer`` that are not closed yet, oldest first."""
    return list(db.session.scalars(
        select(Complaint).where(Complaint.assigned_officer_id == officer.id,
                                Complaint.voided.is_(False),
                                Complaint.status.notin_(workflow.CLOSED_STATUSES))
        .order_by(Complaint.received_at)))


def deactivate(officer, by_user):
    """The officer leaves: the record and the login become inactive (every session and token
    ends at once, ``app.sessions``); past events and documents keep their name. Returns the
    open complaints the desk must hand on."""
    audit.acting(by_user)
    officer.active = False
    if officer.user is not None:
        officer.user.active = False
    db.session.commit()
    return open_complaints(officer)


def reassign(complaint_ids, officer_id, by_user):
    """Give each of ``complaint_ids`` to the officer ``officer_id`` in one transaction, each
    with a timeline event; refused whole when any one may not go to that officer."""
    new = db.session.get(Officer, int_or_none(officer_id))
    complaints = [db.session.get(Complaint, int_or_none(pk)) for pk in complaint_ids]
    complaints = [c for c in complaints if c is not None]
    if not complaints:
        _refuse(gettext("Choose at least one complaint."))
    audit.acting(by_user)
    for complaint in complaints:
        refusal = services.assignment_refusal(complaint, new)
        if refusal:
            db.session.rollback()
            _refuse(f"{complaint.register_number}: {refusal}", "officer_id")
        old = complaint.assigned_officer
        complaint.assigned_officer = new
        services.touch(complaint, by_user)
        services.add_event(complaint, "reassign", by_user, complaint.status, complaint.status,
                           data={"from": old.name if old else None, "to": new.name})
    db.session.commit()
    return complaints
