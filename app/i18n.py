"""Translated texts kept for the life of the process: a message costs a dict look-up.

Flask-Babel translates on every call: it finds the locale through several context
look-ups, writes it as text and finds the catalogue by that text (about 25 µs a
message; the public status page has a few dozen). The catalogues never change
while the process runs, so each locale's translated texts are kept here once
looked up. The locale is still read on every call, from Flask-Babel's own
context state, so a ``force_locale`` block (PDFs and messages in the resident's
language) gets its own texts.
"""

import functools

from babel import Locale
from flask import g, has_app_context, has_request_context
from flask_babel import get_locale, get_translations


def init_app(app):
    """Parse the selected locale's name once per process, not once per request.

    Flask-Babel parses the name the selector (FAB's: the session's language) returns on
    every request; the same name always gives the same locale. Call after AppBuilder.
    """
    babel = app.extensions["babel"]
    select = babel.locale_selector
    if select is not None:
        babel.locale_selector = lambda: _parsed(select())


@functools.lru_cache(maxsize=32)
def _parsed(name):
    return Locale.parse(name) if name is not None else None


class Catalogue:
    """One locale's translations and what was already looked up in them."""

    def __init__(self, translations):
        self.translations = translations
        self.texts = {}  # message id -> text
        self.markups = {}  # message id -> Markup as templates show it (app.template_helpers)
        self.lazy = {}  # id(lazy string) -> (lazy string, text)


_CATALOGUES = {}  # str(locale) -> Catalogue


def catalogue():
    """The current locale's ``Catalogue``, or None outside an app context.

    Reads the locale Flask-Babel selected for this context (``g._flask_babel``, the
    state ``get_locale`` and ``force_locale`` keep); the catalogue of a locale is
    found once per context and locale.
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
        found = _CATALOGUES.get(str(locale))
        if found is None:
            found = _CATALOGUES[str(locale)] = Catalogue(get_translations())
        current = state["_i18n"] = (locale, found)
    return current[1]


def gettext(message):
    """``message`` translated into the current locale (not formatted)."""
    current = catalogue()
    if current is None:
        return get_translations().ugettext(message)
    text = current.texts.get(message)
    if text is None:
        text = current.texts[message] = current.translations.ugettext(message)
    return text


def translations():
    """The current locale's Flask-Babel translations (for plurals and contexts)."""
    current = catalogue()
    return get_translations() if current is None else current.translations


def lazy_text(text):
    """A lazy string as text in the current locale, kept per locale.

    Meant for module constants such as the vocabularies' labels: the entry keeps
    the lazy string itself, so its ``id`` cannot be reused by another. Outside a
    request the string stays lazy (it may be read later in another language).
    """
    if not has_request_context():
        return text
    lazy = catalogue().lazy
    entry = lazy.get(id(text))
    if entry is None or entry[0] is not text:
        entry = lazy[id(text)] = (text, str(text))
    return entry[1]
