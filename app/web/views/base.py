"""What every model screen of ours shares: nothing typed is lost, no raw error shown.

FAB's own add/edit redirect away on an error in ``pre_add``/``pre_update`` or
the database, and show the database's text. Ours re-render the form with what
the user typed and a clear, translated message. ``check_list_args`` checks the
paging and sorting arguments of every list before FAB reads them.
"""

import logging
import re

from flask import abort, current_app, flash, request
from flask_appbuilder import ModelView
from flask_appbuilder.exceptions import DatabaseException
from flask_appbuilder.urltools import get_filter_args
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from app.auth import access
from app.extensions import db
from app.services.complaints import ServiceError
from app.web.errors import error_answer
from app.web.forms import TranslatedMeta

log = logging.getLogger(__name__)

# Rows per page a list offers (FAB's selector offers 25 to 100); nothing else is read,
# so no request can ask for every row at once.
PAGE_SIZES = (10, 25, 50, 75, 100)
# Far beyond any register (100 rows a page); a larger number is no page at all.
MAX_PAGE = 100_000
# The argument names FAB reads on a list (urltools: searched anywhere in the name).
_PAGE_ARG = re.compile("page_(.*)")
_SIZE_ARG = re.compile("psize_(.*)")
_ORDER_ARG = re.compile("_oc_(.*)")
_DIGITS = re.compile("[0-9]{1,6}")  # (str.isdigit also takes "²", which int() refuses)


def page_number_ok(value):
    """Whether ``value`` (text or int) is a page index FAB may use: 0 to ``MAX_PAGE``."""
    text = str(value).strip()
    return bool(_DIGITS.fullmatch(text)) and int(text) <= MAX_PAGE


def _list_views():
    """The registered views by class name (FAB's ``_oc_<View>`` names a view this way)."""
    return {type(view).__name__: view for view in current_app.appbuilder.baseviews}


def check_list_args():
    """Refuse a list's bad paging or sorting arguments with a clear 400 (a ``before_request``).

    FAB reads ``page_<View>``, ``psize_<View>`` and ``_oc_<View>`` itself: a page that
    is not a number was a 500, ``psize=-1`` returned every row, and any column could
    order the list, an identity column too (an anonymous name sorts among the named
    ones). Allowed: a page index from 0 to ``MAX_PAGE``, a size of ``PAGE_SIZES`` (or the
    view's own), and a column the view declares in ``order_columns`` that
    ``access.sort_allowed`` lets the user sort by.
    """
    views = None
    for name, value in request.args.items(multi=True):
        if _PAGE_ARG.search(name) and not page_number_ok(value):
            return error_answer(400, gettext("Invalid page number."))
        match = _SIZE_ARG.search(name)
        if match:
            views = views or _list_views()
            view = views.get(match.group(1))
            sizes = set(PAGE_SIZES) | {getattr(view, "page_size", None)}
            if not _DIGITS.fullmatch(value.strip()) or int(value) not in sizes:
                return error_answer(400, gettext(
                    "Rows per page must be one of: %(sizes)s.",
                    sizes=", ".join(str(size) for size in PAGE_SIZES)))
        match = _ORDER_ARG.search(name)
        if match:
            views = views or _list_views()
            view = views.get(match.group(1))
            if (view is None or value not in (getattr(view, "order_columns", None) or ())
                    or not access.sort_allowed(access.current_user(), value)):
                return error_answer(400, gettext(
                    "This list cannot be sorted by \"%(column)s\".", column=value[:60]))
    return None


def _dash_if_none(value):
    return "-" if value is None else value


def yes_no(value):
    """A yes/no value as "Ya" / "Tidak" (FAB prints True / False); an empty one as "-"."""
    if value is None:
        return "-"
    return _l("Yes") if value else _l("No")


class YesNoColumns:
    """Every yes/no column of a list or detail page reads "Ya" / "Tidak" (``yes_no``): mixed
    into every model screen, ours and FAB's login and role screens, so none prints True."""

    def _init_properties(self):
        super()._init_properties()
        self.formatters_columns = dict(self.formatters_columns or {})
        for column in set(self.list_columns) | set(self.show_columns):
            if self.datamodel.is_boolean(column):
                self.formatters_columns.setdefault(column, yes_no)


class SafeModelView(YesNoColumns, ModelView):
    """A ModelView whose add and edit keep the form on every refusal."""

    add_row_message = _l("Saved.")
    edit_row_message = _l("Changes saved.")
    delete_row_message = _l("Deleted.")
    database_error_message = _l(
        "The data could not be saved because of a database problem. "
        "Nothing was changed; please try again."
    )

    def _init_properties(self):
        """Empty values read as "-" in lists and detail pages (FAB would print "None")."""
        super()._init_properties()
        for column in set(self.list_columns) | set(self.show_columns):
            self.formatters_columns.setdefault(column, _dash_if_none)

    def _init_forms(self):
        """FAB's generated forms, with WTForms' own messages translated too."""
        super()._init_forms()
        meta = {"Meta": type("Meta", (TranslatedMeta,), {})}
        self.add_form = type("DynamicForm", (self.add_form,), meta)
        self.edit_form = type("DynamicForm", (self.edit_form,), meta)

    def _save(self, form, item, is_add):
        """Run pre-hooks and save; on refusal flash why and return False."""
        try:
            form.populate_obj(item)
            if is_add:
                self.pre_add(item)
                self.datamodel.add(item)
                self.post_add(item)
            else:
                self.pre_update(item)
                self.datamodel.edit(item)
                self.post_update(item)
        except ServiceError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return False
        except (SQLAlchemyError, DatabaseException):
            log.exception("Saving %s failed", self.datamodel.obj.__name__)
            db.session.rollback()
            flash(str(self.database_error_message), "danger")
            return False
        flash(str(self.add_row_message if is_add else self.edit_row_message), "success")
        return True

    def _add(self):
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        form = self.add_form.refresh()
        if request.method == "POST":
            self._fill_form_exclude_cols(exclude_cols, form)
            if form.validate():
                self.process_form(form, True)
                if self._save(form, self.datamodel.obj(), is_add=True):
                    return None
        else:
            self.update_redirect()
        return self._get_add_widget(form=form, exclude_cols=exclude_cols)

    def _edit(self, pk):
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        pk = self.datamodel.get_pk_value(item)
        if request.method == "POST":
            form = self.edit_form.refresh(request.form)
            self._fill_form_exclude_cols(exclude_cols, form)
            form._id = pk
            if form.validate():
                self.process_form(form, False)
                if self._save(form, item, is_add=False):
                    return None
        else:
            form = self.edit_form.refresh(obj=item)
            self.prefill_form(form, pk)
            self.update_redirect()
        return self._get_edit_widget(form=form, exclude_cols=exclude_cols)
