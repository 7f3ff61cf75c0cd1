"""The OpenAPI document (``/api/v1/_openapi``) says what every operation may answer.

Each of our operations documents its own answers where it is written. What the request
guards answer (a body over the route's size limit, a busy database, a missing or ended
login token) can happen on every operation, FAB's own included (login, token refresh, menu,
this document), so it is added here, once, to every operation that does not say it already;
and FAB's own operations get the answers our app gives on them that FAB's docstrings leave
out (the login's rate limit, its validation errors, the menu and document's 403). The public
operations say once that they also answer per village, at ``/api/v1/public/{desa}/...``.
"""

import json

from flask import request

_MESSAGE = {"type": "object", "properties": {"message": {"type": "string"}}}


def _answer(description, schema=None):
    return {"description": description,
            "content": {"application/json": {"schema": schema or _MESSAGE}}}


# Every operation: the request guards (app.web.hardening, app.models.busy).
GUARDED = {
    "413": _answer("The request body is too large for this address"),
    "503": _answer("The database is busy; nothing was changed, send again"),
}
# Operations behind a login token (those that document 403 but not 401).
TOKEN = {"401": _answer("No valid login token, or one that has ended (logout, new password)")}

# FAB's own operations, as our app answers them.
_FIELD_ERRORS = {"type": "object", "properties": {"message": {
    "oneOf": [{"type": "string"},
              {"type": "object", "additionalProperties": {"type": "array",
                                                          "items": {"type": "string"}}}]}}}
FAB_OPERATIONS = {
    ("/api/v1/security/login", "post"): {
        "400": _answer("The body is not JSON, or a field is missing or of the wrong type",
                       _FIELD_ERRORS),
        "429": _answer("Too many login attempts from this connection; wait a few minutes"),
    },
    ("/api/v1/security/refresh", "post"): {},
    ("/api/v1/menu/", "get"): {"403": _answer("Your role may not read the menu")},
    ("/api/{version}/_openapi", "get"): {
        "401": TOKEN["401"], "403": _answer("Your role may not read this document")},
}


# The public API per village (app.web.village_urls): said once, on every public operation.
PUBLIC_PREFIX = "/api/v1/public/"
PER_VILLAGE = ("One installation may serve several villages: then send the request to "
               "/api/v1/public/{desa}/... with the village's code (as in its pages' addresses, "
               "/{desa}/lapor); without it the answer is a 404 that says so. A single-village "
               "installation answers at both addresses.")
NO_VILLAGE = _answer("Several villages and none named in the address, or an unknown village")


def complete(document):
    """``document`` with the answers above added where they are missing (FAB's own
    operations' listed answers replace theirs)."""
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            if path.startswith(PUBLIC_PREFIX):
                operation["description"] = f"{operation.get('description', '')} {PER_VILLAGE}".strip()
                responses.setdefault("404", NO_VILLAGE)
            for code, answer in FAB_OPERATIONS.get((path, method), {}).items():
                responses[code] = answer
            for code, answer in GUARDED.items():
                responses.setdefault(code, answer)
            if "403" in responses:
                for code, answer in TOKEN.items():
                    responses.setdefault(code, answer)
    return document


def _complete_answer(response):
    if request.endpoint == "OpenApi.get" and response.status_code == 200:
        response.set_data(json.dumps(complete(response.get_json())))
    return response


def init_app(app):
    app.after_request(_complete_answer)
