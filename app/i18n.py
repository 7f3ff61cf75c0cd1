"""Translated texts kept for the life of the process: a message costs a dict look-up.

Flask-Babel translates on every call: it finds the locale through several context
look-ups, writes it as text and finds the catalogue by that text (about 25 µs a
message; the public status page has a few dozen). The catalogues never change
while the process runs, so each locale's translated texts are kept here once
looked up. The locale is still read on every call, from Flask-Babel's own
context state, so a ``force_locale`` block (PDFs and messages in the resident's
language) gets its own texts.
"""

from flask import g, has_app_context, has_request_context
from flask_babel import get_locale, get_translations

# str(locale) -> {message id or id(lazy string): text}
_TEXTS = {}


def _current():
    """``(locale, texts, translations)`` for the current locale, or None outside an app context.

    Reads the locale Flask-Babel selected for this context (``g._flask_babel``, the
    state ``get_locale`` and ``force_locale`` keep); the texts of a locale are found
    once per context and locale.
    """
    if not has_app_context():
        return None
    state = g._get_current_object().__dict__
    babel = state.get("_flask_babel")
    locale = getattr(babel, "babel_locale", None)
    if locale is None:
        locale = get_locale()
    current = state.get("_i18n")
    if current is None or current[0] is not locale:
        current = state["_i18n"] = (locale, _TEXTS.setdefault(str(locale), {}),
                                    get_translations())
    return current


def gettext(message):
    """``message`` translated into the current locale (not formatted)."""
    current = _current()
    if current is None:
        return get_translations().ugettext(message)
    texts = current[1]
    text = texts.get(message)
    if text is None:
        text = texts[message] = current[2].ugettext(message)
    return text


def translations():
    """The current locale's Flask-Babel translations (for plurals and contexts)."""
    current = _current()
    return get_translations() if current is None else current[2]


def lazy_text(text):
    """A lazy string as text in the current locale, kept per locale.

    Meant for module constants such as the vocabularies' labels: the entry keeps
    the lazy string itself, so its ``id`` cannot be reused by another. Outside a
    request the string stays lazy (it may be read later in another language).
    """
    if not has_request_context():
        return text
    texts = _current()[1]
    entry = texts.get(id(text))
    if entry is None or entry[0] is not text:
        entry = texts[id(text)] = (text, str(text))
    return entry[1]
