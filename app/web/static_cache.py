"""Static files under versioned URLs, cached for a year.

Every URL to a static file, the app's and FAB's (``url_for("static")``,
``url_for("appbuilder.static")``), gets ``?v=`` and the start of the file's SHA-1: a changed
file has a new URL. The answer to a URL carrying the file's current version may be kept for a
year without asking again (``immutable``), so a phone on a slow line downloads the page and
nothing else on its next visit. A URL without a version, or with an old one, is answered as
before (the browser revalidates).
"""

import hashlib
from pathlib import Path

from flask import current_app, request
from werkzeug.security import safe_join

STATIC_ENDPOINTS = ("static", "appbuilder.static")
ONE_YEAR = 365 * 24 * 3600

_versions = {}


def _folder(app, endpoint):
    if endpoint == "static":
        return app.static_folder
    blueprint = app.blueprints.get(endpoint.split(".")[0])
    return blueprint.static_folder if blueprint is not None else None


def version(app, endpoint, filename):
    """The file's version (first 10 hex digits of its SHA-1), or None when there is no file.

    Computed once per file and process: the files do not change while the app runs (a
    deployment restarts it).
    """
    key = (endpoint, filename)
    if key not in _versions:
        folder = _folder(app, endpoint)
        path = safe_join(folder, filename) if folder else None
        _versions[key] = (hashlib.sha1(Path(path).read_bytes(), usedforsecurity=False)
                          .hexdigest()[:10] if path and Path(path).is_file() else None)
    return _versions[key]


def add_version(endpoint, values):
    """``url_defaults``: give a static file's URL its version."""
    if endpoint in STATIC_ENDPOINTS and "filename" in values and "v" not in values:
        found = version(current_app, endpoint, values["filename"])
        if found:
            values["v"] = found


def cache_versioned(response):
    """``after_request``: a static file asked for at its current version is kept for a year."""
    if (request.endpoint in STATIC_ENDPOINTS and response.status_code == 200
            and request.args.get("v")
            and request.args["v"] == version(current_app, request.endpoint,
                                              (request.view_args or {}).get("filename", ""))):
        response.cache_control.public = True
        response.cache_control.max_age = ONE_YEAR
        response.cache_control.immutable = True
        response.cache_control.no_cache = None
    return response


def init_app(app):
    """Version the static URLs of ``app`` and let browsers keep versioned files."""
    app.url_defaults(add_version)
    app.after_request(cache_versioned)
