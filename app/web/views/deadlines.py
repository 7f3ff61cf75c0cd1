"""The admin's deadline screens: deadline tiers per category and urgency, and the holidays."""

from flask_appbuilder.fields import QuerySelectField
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional
from wtforms.widgets import DateInput

from app.core.timeutil import date_id
from app.core.vocabularies import URGENCIES, choices, label
from app.extensions import db
from app.models import Category, DeadlineTier, Holiday
from app.services.complaints import ServiceError
from app.services.deadlines import HOLIDAY_KINDS
from app.web import forms
from app.web.views.base import SafeModelView


def _days(text):
    return forms.working_days_field(text, maximum=365)


class DeadlineTierModelView(SafeModelView):
    """Working days to verify, to follow up and to resolve, per category and urgency."""

    datamodel = SQLAInterface(DeadlineTier)
    class_permission_name = "DeadlineTier"
    route_base = "/deadlinetier"
    exclude_route_methods = {"download"}
    list_title = _l("Deadline tiers")
    show_title = _l("Deadline tier")
    add_title = _l("Add deadline tier")
    edit_title = _l("Edit deadline tier")
    label_columns = {
        "category": _l("Category (empty: every category)"),
        "urgency": _l("Urgency (empty: every urgency)"),
        "verification_days": _l("Verification (working days)"),
        "followup_days": _l("First follow-up (working days)"),
        "resolution_days": _l("Resolution (working days)"),
        "description": _l("Description"),
    }
    list_columns = show_columns = ["category", "urgency", "verification_days", "followup_days",
                                   "resolution_days", "description"]
    add_columns = edit_columns = list_columns
    search_columns = ["category", "urgency"]
    order_columns = ["verification_days", "followup_days", "resolution_days"]
    add_form_extra_fields = edit_form_extra_fields = {
        "category": QuerySelectField(
            _l("Category (empty: every category)"), allow_blank=True,
            blank_text=_l("(every category)"), validators=[Optional()], widget=Select2Widget(),
            query_func=lambda: db.session.query(Category).filter_by(active=True)
            .order_by(Category.name),
            get_pk_func=lambda category: category.id),
        "urgency": SelectField(_l("Urgency (empty: every urgency)"),
                               choices=[("", _l("(every urgency)"))] + choices(URGENCIES)),
        "verification_days": _days(_l("Verification (working days)")),
        "followup_days": _days(_l("First follow-up (working days)")),
        "resolution_days": _days(_l("Resolution (working days)")),
        "description": StringField(_l("Description"), validators=[
            Optional(), Length(max=200, message=_l("At most %(max)d characters."))]),
    }
    formatters_columns = {
        "category": lambda v: v or gettext("(every category)"),
        "urgency": lambda v: label(URGENCIES, v) if v else gettext("(every urgency)"),
    }

    def _check(self, item):
        item.urgency = item.urgency or None
        clash = db.session.scalar(select(DeadlineTier.id).where(
            DeadlineTier.category_id.is_(None) if item.category is None
            else DeadlineTier.category_id == item.category.id,
            DeadlineTier.urgency.is_(None) if item.urgency is None
            else DeadlineTier.urgency == item.urgency,
            DeadlineTier.id != (item.id or 0)))
        if clash:
            raise ServiceError(gettext(
                "There is already a tier for this category and urgency: edit that one."))

    def pre_add(self, item):
        self._check(item)

    def pre_update(self, item):
        self._check(item)


class HolidayModelView(SafeModelView):
    """National holidays and cuti bersama: not working days for any deadline."""

    datamodel = SQLAInterface(Holiday)
    class_permission_name = "Holiday"
    route_base = "/holiday"
    exclude_route_methods = {"download"}
    list_title = _l("Holidays and cuti bersama")
    show_title = _l("Holiday")
    add_title = _l("Add holiday")
    edit_title = _l("Edit holiday")
    label_columns = {"date": _l("Date"), "year": _l("Year"), "name": _l("Name"),
                     "kind": _l("Kind")}
    list_columns = show_columns = ["date", "name", "kind", "year"]
    add_columns = edit_columns = ["date", "name", "kind"]
    search_columns = ["year", "date", "kind", "name"]
    order_columns = ["date", "year", "name"]
    base_order = ("date", "asc")
    add_form_extra_fields = edit_form_extra_fields = {
        "date": DateField(_l("Date"), format="%Y-%m-%d", widget=DateInput(),
                          validators=[forms.required()]),
        "name": StringField(_l("Name"), validators=[
            forms.required(), Length(max=120, message=_l("At most %(max)d characters."))]),
        "kind": SelectField(_l("Kind"), choices=choices(HOLIDAY_KINDS), default="national"),
    }
    formatters_columns = {"date": lambda v: date_id(v, with_day=True),
                          "kind": lambda v: label(HOLIDAY_KINDS, v)}

    def _check(self, item):
        item.year = item.date.year
        clash = db.session.scalar(select(Holiday.id).where(
            Holiday.date == item.date, Holiday.id != (item.id or 0)))
        if clash:
            raise ServiceError(gettext("%(date)s is already in the list.",
                                       date=date_id(item.date)))

    def pre_add(self, item):
        self._check(item)

    def pre_update(self, item):
        self._check(item)
