"""The settings the admin keeps in the database (each change is in the audit log).

A setting without a row has its default. Values are text in the table; ``value`` returns
them in their type.
"""

from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import Setting

RETENTION_YEARS = "retention_years"

# key -> (default, type, label, (lowest, highest))
SETTINGS = {
    RETENTION_YEARS: (5, int, _l("Years after closing before a complaint's personal data is "
                                 "anonymised"), (1, 30)),
}


def value(key):
    """The setting's current value (its default when the admin has not set it)."""
    default, kind, _label, _bounds = SETTINGS[key]
    row = db.session.get(Setting, key)
    if row is None:
        return default
    try:
        return kind(row.value)
    except (TypeError, ValueError):
        return default


def check(key, text):
    """The typed value of ``text`` for ``key``, or a ValueError with the allowed range."""
    _default, kind, _label, (lowest, highest) = SETTINGS[key]
    try:
        typed = kind(str(text).strip())
    except (TypeError, ValueError):
        typed = None
    if typed is None or not lowest <= typed <= highest:
        raise ValueError(lowest, highest)
    return typed


def label(key):
    return SETTINGS[key][2] if key in SETTINGS else key
