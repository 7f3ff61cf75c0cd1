"""Login attempts are rate limited per client address.

Both ways in count together: the login page (``POST /login/``) and the REST
login (``POST /api/v1/security/login``; FAB's own ``AUTH_RATE_LIMITED`` covers
only the page). The counters are the public side's (``app.auth.limits``:
FAB's Flask-Limiter storage, so Redis when ``REDIS_URL`` is set and every
gunicorn worker sees the same count; this process's memory otherwise). Behind a
reverse proxy set ``PROXY_FIX_X_FOR`` so the address is the client's, not the
proxy's. Other clients are not affected by one client's attempts.

The REST login also gets its missing ``provider`` refused here: FAB 5.3's schema does not
require it, and its login then fails with a KeyError (a 500).
"""

from flask import current_app, jsonify, request
from flask_babel import gettext

from app.auth.limits import client_key, over_limit
from app.web import errors

LOGIN_ENDPOINTS = frozenset({"AuthDBView.login", "SecurityApi.login"})


def refuse_when_over_limit():
    """``before_request``: answer 429 when this client tried to log in too often."""
    if request.method != "POST" or request.endpoint not in LOGIN_ENDPOINTS:
        return None
    limit = current_app.config.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    if not over_limit("login", client_key(), limit):
        return None
    current_app.logger.warning("Login rate limit reached for %s", client_key())
    message = gettext("Too many login attempts from your connection. "
                      "Please wait a few minutes and try again.")
    return errors.error_answer(429, message)


def refuse_login_without_provider():
    """``before_request``: a REST login whose JSON object names no ``provider`` gets the 400
    with field errors the document promises, not FAB's 500."""
    if request.method != "POST" or request.endpoint != "SecurityApi.login":
        return None
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "provider" in body:
        return None  # not JSON, or complete: FAB answers it
    return jsonify(message={"provider": [gettext("Missing data for required field.")]}), 400


def init_app(app):
    app.before_request(refuse_when_over_limit)
    app.before_request(refuse_login_without_provider)
