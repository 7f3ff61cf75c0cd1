"""Jinja filters and globals for dates in Indonesian form and the vocabularies' labels."""

import functools

from babel.numbers import format_decimal, format_percent
from flask import current_app, g, request, url_for
from flask_babel import get_locale
from werkzeug.local import LocalProxy

from app.auth import access
from app.auth.villages import current_village
from app.core import numbering, timeutil, vocabularies
from app.services import notifications


def init_app(app):
    """Register the template filters on ``app``."""
    app.jinja_env.filters["date_id"] = timeutil.date_id
    app.jinja_env.filters["datetime_id"] = timeutil.datetime_id
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["grouped_code"] = numbering.group_tracking_code
    app.jinja_env.filters["percent"] = percent
    by_name = {
        "status": vocabularies.STATUSES,
        "kind": vocabularies.KINDS,
        "channel": vocabularies.CHANNELS,
        "urgency": vocabularies.URGENCIES,
        "position": vocabularies.POSITIONS,
        "outcome": vocabularies.OUTCOME_TYPES,
        "step": vocabularies.STEPS,
    }
    app.jinja_env.filters["label"] = lambda value, name: vocabularies.label(by_name[name], value)
    app.jinja_env.filters["step_label"] = lambda value: vocabularies.label(by_name["step"], value)
    # The quick search box names the tracking code only to those it finds it for (the desk).
    app.jinja_env.globals["tracking_code_visible"] = \
        lambda: access.tracking_code_visible(access.current_user())

    # FAB's list links (page, page size, sort) with every value of a repeated argument kept.
    app.jinja_env.filters["link_page"] = lambda page, view: list_link(**{f"page_{view}": page})
    app.jinja_env.filters["link_page_size"] = \
        lambda size, view: list_link(**{f"psize_{view}": size})
    app.jinja_env.filters["link_order"] = link_order

    # The village of the page (letterhead of the receipts, the public pages' footer), looked
    # up only when a template names it.
    village_of_page = LocalProxy(current_village)

    @app.context_processor
    def village():
        return {"village": village_of_page, "get_locale": get_locale,
                "notification_bell": notification_bell}


def notification_bell():
    """The bell's unread count for the logged-in user who may open "Tugas saya", else None.

    Asked by the navbar of every staff page: one count on an index.
    """
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if not current_app.appbuilder.sm.has_access("can_tasks", "MyTasks"):
        return None
    return notifications.unread_count(user)


def _locale():
    return str(get_locale() or "id")


def number(value, digits=0):
    """1234.5 as '1.234,5' in Indonesian ('1,234.5' in English); '-' for nothing."""
    if value is None:
        return "-"
    return _formatted(value, digits, _locale())


@functools.lru_cache(maxsize=4096)
def _formatted(value, digits, locale):
    """Babel's formatting, remembered: the villages compared show 270 rows of five figures,
    mostly the same small numbers, and Babel took 40% of that page's time."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=locale)


def percent(value):
    """0.875 as '87,5%' in Indonesian; '-' for nothing."""
    if value is None:
        return "-"
    return format_percent(value, format="#,##0.#%", locale=_locale())


def list_link(**changes):
    """The current list's URL with ``changes``, every value of a repeated argument kept.

    FAB's own links keep only the first value of each argument, so page 2 of a list filtered
    on several statuses (the register's "Ditutup", the home page's "Belum selesai") showed
    one status only.
    """
    args = request.args.to_dict(flat=False)
    args.update({name: [value] for name, value in changes.items()})
    return url_for(request.endpoint, **request.view_args, **args)


def link_order(column, view):
    """FAB's sort link (the same column again reverses the order), through ``list_link``."""
    current = request.args.get(f"_oc_{view}")
    direction = "asc"
    if current is not None and request.args.get(f"_od_{view}") == "asc":
        direction = "desc"
    return list_link(**{f"_oc_{view}": column, f"_od_{view}": direction})
