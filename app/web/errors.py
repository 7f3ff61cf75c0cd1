"""Error answers in Indonesian, with no traceback or database text.

Pages get a short page in the app's layout; ``/api/`` paths get JSON
``{"message": ...}``. An unexpected exception is logged with its traceback for
the administrator and answered with a plain 500; a database error also rolls the
session back, so the next request starts clean. (Forms that can fail on the
database catch it themselves and re-render with what was typed: see
``app.web.views.base.SafeModelView``.)

A busy database (another writer holding its lock longer than ``DATABASE_LOCK_TIMEOUT``) is
not a fault: ``retry_when_busy`` tries a write again, and whatever still fails is a 503
"send again" rather than a 500.
"""

import logging

from flask import current_app, jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import InternalServerError

from app.auth.villages import VillageNotChosen
from app.extensions import db
from app.models.busy import DatabaseBusy, init_lock_timeout, is_database_busy
from app.web.hardening import request_size_limit

log = logging.getLogger(__name__)


def _texts(code):
    """Title and explanation for an HTTP status, translated for this request."""
    texts = {
        400: (gettext("The request could not be processed"),
              gettext("Something in the request was not valid. If you were filling in a form, "
                      "go back, reload the page and send it again.")),
        403: (gettext("Access denied"),
              gettext("Your role does not allow this page or action.")),
        404: (gettext("Page not found"),
              gettext("This page does not exist, or you may not see it.")),
        405: (gettext("Not allowed"),
              gettext("This address cannot be used this way.")),
        413: (gettext("The request is too large"),
              gettext("What was sent is larger than this page accepts. Shorten the text or "
                      "choose a smaller file, and send it again.")),
        429: (gettext("Too many attempts"),
              gettext("Too many requests from your connection. Please try again later.")),
        503: (gettext("The system is busy"),
              gettext("The database is busy for a moment. Nothing was changed; please wait a "
                      "few seconds and send again.")),
        500: (gettext("Something went wrong"),
              gettext("The server could not finish this request. Nothing you did caused it; "
                      "please try again, and tell the administrator if it happens again.")),
    }
    return texts.get(code, texts[500] if code >= 500 else texts[400])


def error_answer(code, message=None):
    """The answer for ``code``: JSON under /api/, else the error page."""
    title, text = _texts(code)
    message = message or text
    if request.path.startswith("/api/"):
        return jsonify(message=message), code
    try:
        appbuilder = current_app.appbuilder
        return render_template("errors/error.html", title=title, message=message,
                               appbuilder=appbuilder,
                               base_template=appbuilder.base_template), code
    except Exception:  # the layout itself failed (e.g. the database is down)
        log.exception("Error page could not be rendered")
        return f"<h1>{title}</h1><p>{message}</p>", code


def handle_http_error(error):
    if error.code is None or error.code < 400:
        return error
    return error_answer(error.code)


def handle_too_large(error):
    """413, saying how much this address accepts (``hardening.request_size_limit``)."""
    limit = request_size_limit(request.path, current_app.config,
                               request.mimetype == "multipart/form-data")
    if request.content_length is not None and request.content_length <= limit:
        # The body was within the route's limit: one text field was over its own.
        limit = current_app.config["MAX_FORM_MEMORY_SIZE"]
    return error_answer(413, gettext(
        "What was sent is larger than this page accepts (at most %(size)s). Shorten the text "
        "or choose a smaller file, and send it again.", size=_size_text(limit)))


def _size_text(size):
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    return f"{size // 1024} KB"


def handle_csrf_error(error):
    return error_answer(400, gettext(
        "The form has expired or was not sent from this application. Go back, reload the "
        "page and send it again; nothing was saved."))


def busy_answer():
    """503 with "busy, send again", and a ``Retry-After``."""
    body, code = error_answer(503)
    response = current_app.make_response((body, code))
    response.headers["Retry-After"] = "5"
    return response


def handle_unexpected(error):
    original = getattr(error, "original_exception", None) or error
    if isinstance(original, DatabaseBusy) or is_database_busy(original):
        db.session.rollback()
        log.warning("Database busy on %s %s", request.method, request.path)
        return busy_answer()
    if isinstance(original, SQLAlchemyError):
        db.session.rollback()
        log.error("Database error on %s %s", request.method, request.path, exc_info=original)
        return error_answer(500, gettext(
            "The data could not be saved because of a database problem. Nothing was changed; "
            "please go back and try again."))
    log.error("Unexpected error on %s %s", request.method, request.path, exc_info=original)
    return error_answer(500)


def handle_recursion(error):
    """JSON nested deeper than the parser goes (a body of a thousand brackets) is the client's
    mistake: a 400 saying so. Any other RecursionError is a fault of ours: a 500."""
    if request.is_json:
        return error_answer(400, gettext(
            "The JSON in the request is nested too deeply; send one object with the fields."))
    log.error("Unexpected error on %s %s", request.method, request.path, exc_info=error)
    return error_answer(500)


def handle_no_village(error):
    """A page of one village asked by a login that is not in one (a Camat, the Inspektorat,
    an installation admin who has not chosen a village): say so, never a 500."""
    return error_answer(403, gettext(
        "This page belongs to one village, and your account does not work in one village. "
        "Open the pages of your own role from the menu."))


def init_app(app):
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(VillageNotChosen, handle_no_village)
    app.register_error_handler(RecursionError, handle_recursion)
    for code in (400, 403, 404, 405, 429):
        app.register_error_handler(code, handle_http_error)
    app.register_error_handler(413, handle_too_large)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.register_error_handler(SQLAlchemyError, handle_unexpected)
    app.register_error_handler(DatabaseBusy, handle_unexpected)
    init_lock_timeout(app)
