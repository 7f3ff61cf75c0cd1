"""What every model screen of ours shares: nothing typed is lost, no raw error shown.

FAB's own add/edit redirect away on an error in ``pre_add``/``pre_update`` or
the database, and show the database's text. Ours re-render the form with what
the user typed and a clear, translated message.
"""

import logging

from flask import abort, flash, request
from flask_appbuilder import ModelView
from flask_appbuilder.exceptions import DatabaseException
from flask_appbuilder.urltools import get_filter_args
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.forms import TranslatedMeta
from app.services import ServiceError

log = logging.getLogger(__name__)


def _dash_if_none(value):
    return "-" if value is None else value


class SafeModelView(ModelView):
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
