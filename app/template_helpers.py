"""Jinja filters and globals for dates in Indonesian form and the vocabularies' labels."""

from babel.numbers import format_decimal, format_percent
from flask_babel import get_locale
from jinja2 import pass_eval_context
from markupsafe import Markup

from app import choices, i18n, timeutil


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
        gettext=i18n.gettext,
        ngettext=lambda s, p, n: i18n.translations().ungettext(s, p, n),
        pgettext=lambda c, s: i18n.translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: i18n.translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals["_"] = template_gettext


@pass_eval_context
def template_gettext(eval_ctx, message, **variables):
    """Templates' ``_()``, as Jinja's new-style gettext does it (escaped, then always
    formatted), without its two extra layers of context calls: a page has dozens. Without
    variables the result is the same every time, so it is kept with the locale's texts."""
    if not eval_ctx.autoescape:
        return i18n.gettext(message) % variables
    if variables:
        return _markup(message) % variables
    catalogue = i18n.catalogue()
    markup = catalogue.markups.get(message) if catalogue is not None else None
    if markup is None:
        markup = _markup(message) % {}
        if catalogue is not None:
            catalogue.markups[message] = markup
    return markup


def _markup(message):
    """The translated message as markup: it comes from our catalogue, as in Jinja's own
    gettext; what is put into it is escaped by ``Markup``'s ``%``."""
    return Markup(i18n.gettext(message))  # nosec B704


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
