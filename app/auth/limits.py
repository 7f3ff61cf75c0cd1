"""Rate limits per client address, on FAB's Flask-Limiter storage: Redis when ``REDIS_URL``
is set (every worker sees the same count), this process's memory otherwise."""

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import parse_many


def _limiter():
    return current_app.appbuilder.sm.limiter


def over_limit(scope, key, limits):
    """Count one request of ``key`` in ``scope``; True when any of ``limits`` is exceeded.

    ``limits`` is Flask-Limiter's notation, e.g. "10 per hour;30 per day". Does
    nothing when rate limiting is off (``RATELIMIT_ENABLED``). When the storage
    fails the request is served (and logged): the per-code daily lock lives in
    the database and still holds.
    """
    limiter = _limiter()
    if not (limiter.enabled and limiter.initialized):
        return False
    exceeded = False
    for item in parse_many(limits):
        try:
            if not limiter.limiter.hit(item, "public", scope, key):
                exceeded = True
        except Exception:  # storage down (e.g. Redis): serve rather than fail every request
            current_app.logger.exception("Rate-limit storage failed; %s not limited", scope)
    return exceeded


def client_key():
    """The client address as Flask-Limiter sees it (``RATELIMIT_KEY_FUNC``, else remote addr)."""
    return current_app.config.get("RATELIMIT_KEY_FUNC", get_remote_address)()
