"""Jinja filters and globals for dates in Indonesian form and the vocabularies' labels."""

from babel.numbers import format_decimal, format_percent
from flask import g, has_app_context
from flask_babel import get_locale, get_translations

from app import choices, timeutil


def init_app(app):
    """Register the template filters on ``app``."""
    app.jinja_env.filters["date_id"] = timeutil.date_id
    app.jinja_env.filters["datetime_id"] = timeutil.datetime_id
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["percent"] = percent
    vocabularies = {
        "status": choices.STATUSES,
        "kind": choices.KINDS,
        "channel": choices.CHANNELS,
        "urgency": choices.URGENCIES,
        "position": choices.POSITIONS,
        "outcome": choices.OUTCOME_TYPES,
        "step": choices.STEPS,
    }
    app.jinja_env.filters["label"] = lambda value, name: choices.label(vocabularies[name], value)
    app.jinja_env.filters["step_label"] = lambda value: choices.label(choices.STEPS, value)

    @app.context_processor
    def village():
        return {"village": app.config["VILLAGE"], "get_locale": get_locale}

    # Installed after Flask-Babel's own (AppBuilder set it up before this runs).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )


def _translations():
    """The request's translations for templates, looked up once per locale and request.

    Flask-Babel looks them up on every ``_()``: a page has dozens, each costing several
    context look-ups and the locale formatted as text. A ``force_locale`` block gets another
    locale object and so its own translations.
    """
    if not has_app_context():
        return get_translations()
    locale = get_locale()
    cached = g.get("_jinja_translations")
    if cached is None or cached[0] is not locale:
        cached = g._jinja_translations = (locale, get_translations())
    return cached[1]


def _locale():
    return str(get_locale() or "id")


def number(value, digits=0):
    """1234.5 as '1.234,5' in Indonesian ('1,234.5' in English); '-' for nothing."""
    if value is None:
        return "-"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_locale())


def percent(value):
    """0.875 as '87,5%' in Indonesian; '-' for nothing."""
    if value is None:
        return "-"
    return format_percent(value, format="#,##0.#%", locale=_locale())
