"""Logging out, a new password or deactivation end every session and token of that user.

FAB keeps no list of sessions: a login is a signed cookie, an API login a signed
JWT (the refresh token lives 30 days), each valid until it expires. A cookie
copied before logout, or a token taken before a password change, kept working.
So every user has a session generation (``user_session_generation``, 0 without
a row): a login stores the current generation in the Flask session, an API login
writes it into its tokens, and every request refuses a session or token of an
older generation. Logging out (on any device), a new password (the user's own,
or set by the admin) and deactivation move the generation on, which ends the
user's sessions and tokens on every device, including the one that changed the
password (it logs in again with the new one).

Cost: the user's row and generation come in one query, the one that loads the
user anyway; a request asks at most once per user.
"""

from flask import flash, g, has_request_context, jsonify, session
from flask_appbuilder.security.sqla.models import User
from flask_babel import gettext
from flask_login import user_logged_in, user_logged_out
from sqlalchemy import event, func, inspect, select

from app.extensions import db
from app.models import UserSessionGeneration

SESSION_KEY = "session_generation"
CLAIM = "session_generation"
# What Flask-Login keeps in the session for a login (its ``logout_user`` removes the same).
_LOGIN_KEYS = ("_user_id", "_fresh", "_id", "_remember_seconds", SESSION_KEY)


def _ended_message():
    return gettext("Your session has ended: you logged out or your password was changed. "
                   "Please log in again.")


def load_user_and_generation(user_id):
    """The user with this id (or None) and their session generation, in one query.

    Remembered for the rest of the request; the user lands in the ORM session, so
    FAB's own look-up of the same user sends no second query.
    """
    cache = g.setdefault("_session_generations", {}) if has_request_context() else {}
    user_id = int(user_id)
    if user_id not in cache:
        row = db.session.execute(
            select(User, func.coalesce(UserSessionGeneration.generation, 0))
            .outerjoin(UserSessionGeneration, UserSessionGeneration.user_id == User.id)
            .where(User.id == user_id)).one_or_none()
        cache[user_id] = tuple(row) if row else (None, 0)
    return cache[user_id]


def generation_of(user_id):
    """The user's current session generation."""
    return load_user_and_generation(user_id)[1]


def _forget(user_id):
    if has_request_context():
        g.get("_session_generations", {}).pop(int(user_id), None)


def _move_on(orm_session, user_id):
    """Add one to the user's generation in ``orm_session`` (committed with it)."""
    with orm_session.no_autoflush:
        row = orm_session.get(UserSessionGeneration, user_id)
    if row is None:
        orm_session.add(UserSessionGeneration(user_id=user_id, generation=1))
    else:
        # In SQL (generation + 1): two requests moving it at once both count.
        row.generation = UserSessionGeneration.generation + 1
    _forget(user_id)


def end_sessions(user_id):
    """End every session and token of this user now (committed)."""
    _move_on(db.session, int(user_id))
    db.session.commit()


def _ends_sessions(user):
    """Whether this change of a user ends their sessions: a new password or deactivation."""
    state = inspect(user)
    if state.attrs.password.history.has_changes():
        return True
    active = state.attrs.active.history
    return bool(active.deleted) and not user.active


def _end_sessions_on_change(orm_session, flush_context, instances):
    """``before_flush``: whatever path changes a password or deactivates a user (FAB's
    reset-password forms, the user edit form, the CLI), the generation moves on with it."""
    for obj in list(orm_session.dirty):
        if isinstance(obj, User) and obj.id is not None and _ends_sessions(obj):
            _move_on(orm_session, obj.id)


def load_session_user(user_id):
    """Flask-Login's user loader: the user of a cookie session of the current generation.

    A session of an older generation is logged out here (the login keys leave the
    session, so the cookie is replaced) and the request goes on as anonymous: pages
    that need a login send it to the login form.
    """
    user, generation = load_user_and_generation(user_id)
    if user is None or not user.is_active:
        return None
    if session.get(SESSION_KEY, 0) != generation:
        for key in _LOGIN_KEYS:
            session.pop(key, None)
        flash(_ended_message(), "warning")
        return None
    return user


def _stamp_login(app, user, **extra):
    """A cookie login belongs to the user's current generation."""
    session[SESSION_KEY] = generation_of(user.id)


def _end_on_logout(app, user, **extra):
    """Logging out on one device logs out every device and ends every token."""
    if user is not None and getattr(user, "is_authenticated", False):
        end_sessions(user.id)


def token_claims(identity):
    """What every new access or refresh token carries besides the user id."""
    return {CLAIM: generation_of(identity)}


def token_ended(jwt_header, jwt_payload):
    """Flask-JWT-Extended's block-list check: a token of an older generation is refused."""
    return jwt_payload.get(CLAIM, 0) != generation_of(jwt_payload["sub"])


# Tokens are only taken on /api/, so their refusals are answered in the API's JSON form.
def token_ended_answer(jwt_header, jwt_payload):
    return jsonify(message=_ended_message()), 401


def token_invalid_answer(reason):
    """A token that is not one of ours (malformed, bad signature) is a failed login: 401, as
    documented, not Flask-JWT-Extended's 422."""
    return jsonify(message=gettext("The login token is not valid. Please log in again.")), 401


def init_app(app):
    """Check the generation of every cookie session and token, and move it on when needed."""
    sm = app.appbuilder.sm
    sm.lm.user_loader(load_session_user)
    sm.jwt_manager.additional_claims_loader(token_claims)
    sm.jwt_manager.token_in_blocklist_loader(token_ended)
    sm.jwt_manager.revoked_token_loader(token_ended_answer)
    sm.jwt_manager.invalid_token_loader(token_invalid_answer)
    user_logged_in.connect(_stamp_login, app)
    user_logged_out.connect(_end_on_logout, app)
    if not event.contains(db.session, "before_flush", _end_sessions_on_change):
        event.listen(db.session, "before_flush", _end_sessions_on_change)
