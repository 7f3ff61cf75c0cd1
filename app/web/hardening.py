"""Response headers, cookies and the reverse proxy: the browser-side defences in one place.

* **Content-Security-Policy** with a fresh nonce per request: scripts run only from our own
  origin or when they carry the nonce (FAB's templates print ``csp_nonce()`` on every inline
  script; ours do the same). FAB's templates use ``style=`` attributes, so styles allow
  'unsafe-inline' (styles cannot run code). ``frame-ancestors 'none'`` (and
  ``X-Frame-Options: DENY`` for old browsers) stops click-jacking.
* ``X-Content-Type-Options: nosniff`` and a ``Referrer-Policy`` on every answer.
* ``Cache-Control: no-store`` on every page but static files: the login page, the public
  status pages and every staff page with personal data stay out of shared and browser caches.
* ``Strict-Transport-Security`` when the request came over HTTPS.
* Redirects stay on the app: an absolute ``Location`` to a host outside
  ``FAB_SAFE_REDIRECT_HOSTS`` (the host of ``PUBLIC_BASE_URL`` plus ``SAFE_REDIRECT_HOSTS``),
  a scheme-relative or backslash one (``//evil``, ``/\\evil``) or a non-HTTP scheme becomes the
  home page. FAB's own check trusts the request's Host header, which a client can spoof.
* Request bodies are limited per route (``REQUEST_SIZE_LIMITS``): a request declaring a larger
  body is answered 413 before it is read, and one without a declared length stops at the limit.
* ``ProxyFix`` when ``PROXY_FIX_X_FOR`` (etc.) say how many proxies are in front, so the
  client address (rate limits) and the scheme (Secure cookies, redirects) are the real ones.
"""

import re
import secrets
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request
from werkzeug.middleware.proxy_fix import ProxyFix

from app.core.values import MAX_ID

# Endpoints whose answers may be cached (static files only).
_CACHEABLE_ENDPOINTS = frozenset({"static", "appbuilder.static"})


def csp_nonce():
    """This request's nonce (made on first use): templates print it on their scripts."""
    nonce = getattr(g, "_csp_nonce", None)
    if nonce is None:
        nonce = g._csp_nonce = secrets.token_urlsafe(18)
    return nonce


def content_security_policy(nonce):
    """The policy for one answer."""
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def secure_headers(response):
    """Add the security headers to ``response`` (registered as an ``after_request``)."""
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(csp_nonce())
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.endpoint not in _CACHEABLE_ENDPOINTS:
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def is_local_redirect(location, safe_hosts):
    """Whether a ``Location`` stays on this app (relative, or to one of ``safe_hosts``)."""
    location = (location or "").strip().replace("\\", "/")
    if any(ord(char) < 32 for char in location):
        return False
    try:
        parts = urlsplit(location)
    except ValueError:
        return False
    if parts.scheme and (parts.scheme not in ("http", "https") or not parts.netloc):
        return False
    if location.startswith("//") or parts.netloc:
        return parts.netloc.lower() in safe_hosts
    return True


def keep_redirects_local(response):
    """``after_request``: no redirect leads off the app, whatever ``next`` or Host said."""
    if 300 <= response.status_code < 400 and "Location" in response.headers:
        safe_hosts = {host.lower() for host in current_app.config["FAB_SAFE_REDIRECT_HOSTS"]}
        if not is_local_redirect(response.headers["Location"], safe_hosts):
            current_app.logger.warning("Redirect off the app refused: %r",
                                       response.headers["Location"][:200])
            response.headers["Location"] = current_app.appbuilder.get_url_for_index
    return response


def guard_fab_actions():
    """FAB's ``action`` and ``action_post`` routes carry no login check of their own and fail
    with a 500 on an unknown action name. Anonymous visitors go to the login page like on
    every other staff route; an unknown action is a 404 (registered as a ``before_request``)."""
    endpoint = request.endpoint or ""
    if not endpoint.endswith((".action", ".action_post")):
        return None
    view = getattr(current_app.view_functions.get(endpoint), "__self__", None)
    if view is None or not hasattr(view, "actions"):
        return None
    user = getattr(g, "user", None)
    if user is None or not user.is_authenticated:
        return redirect(current_app.appbuilder.get_url_for_login_with(request.full_path))
    name = (request.view_args or {}).get("name") or request.form.get("action")
    if name not in view.actions:
        abort(404)
    return None


# Row ids are 32-bit integers on PostgreSQL: a larger number in a URL is no row at all.
_ID_ARGS = ("pk", "id", "ids", "template")
_NUMBER = re.compile(r"\s*[+-]?\d+\s*")


def _out_of_range(value):
    """Whether a number in ``value`` (comma separated) is beyond the id range. Digits are
    counted first: Python refuses to read a number of over 4,300 digits (a 500, found by
    tests/test_fuzz.py in CI)."""
    for part in str(value).split(","):
        if _NUMBER.fullmatch(part):
            digits = part.strip().lstrip("+-").lstrip("0")
            if len(digits) > len(str(MAX_ID)) or (digits and int(digits) > MAX_ID):
                return True
    return False


def refuse_ids_out_of_range():
    """A row id in the path or the query string beyond the database's integer range is a 404.

    PostgreSQL refuses such a number with "integer out of range" before any row is looked
    up, which used to answer 500 (found by tests/test_fuzz.py). Registered as a
    ``before_request``; covers ``<pk>`` routes, ``<int:...>`` API routes and ``?ids=``,
    ``?template=`` and ``?..._id=`` arguments.
    """
    for name, value in (request.view_args or {}).items():
        if _out_of_range(value):
            abort(404)
    for name, values in request.args.lists():
        if name in _ID_ARGS or name.endswith("_id"):
            if any(_out_of_range(value) for value in values):
                abort(404)
    return None


def request_size_limit(path, config):
    """The largest body ``path`` accepts: its longest prefix in ``REQUEST_SIZE_LIMITS``, else
    ``REQUEST_SIZE_DEFAULT``."""
    limits = config.get("REQUEST_SIZE_LIMITS") or {}
    prefixes = [prefix for prefix in limits if path.startswith(prefix)]
    if prefixes:
        return limits[max(prefixes, key=len)]
    return config.get("REQUEST_SIZE_DEFAULT") or config.get("MAX_CONTENT_LENGTH")


def limit_request_size():
    """``before_request``, first of all: refuse a body over the route's limit unread (413).

    Flask reads the body only when asked (a form, JSON); the limit set on the request also
    stops a body sent without a ``Content-Length`` at that size.
    """
    limit = request_size_limit(request.path, current_app.config)
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        abort(413)


def init_app(app):
    """Install the headers, the template nonce and (when configured) ProxyFix on ``app``."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(secure_headers)
    app.after_request(keep_redirects_local)
    if not app.config.get("FAB_SAFE_REDIRECT_HOSTS"):
        hosts = [urlsplit(app.config.get("PUBLIC_BASE_URL", "")).netloc]
        hosts += [h.strip() for h in app.config.get("SAFE_REDIRECT_HOSTS", "").split(",")]
        app.config["FAB_SAFE_REDIRECT_HOSTS"] = [h for h in hosts if h]
    # Before every other check: CSRFProtect's reads the form, i.e. the body.
    app.before_request_funcs.setdefault(None, []).insert(0, limit_request_size)
    app.before_request(guard_fab_actions)
    app.before_request(refuse_ids_out_of_range)
    proxies = {key: int(app.config.get(f"PROXY_FIX_X_{key.upper()}", 0) or 0)
               for key in ("for", "proto", "host", "port", "prefix")}
    if any(proxies.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **{f"x_{k}": v for k, v in proxies.items()})
