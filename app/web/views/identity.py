"""Admin screens: the identity view log (read-only) and the templates for notes and messages."""

from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from app.auth import identity
from app.core.timeutil import datetime_id
from app.core.vocabularies import STATUSES, STEP_ACTIONS, label
from app.models import IdentityView, ResponseTemplate
from app.services import informing, response_templates
from app.web.forms import required
from app.web.views.base import SafeModelView, YesNoColumns


class IdentityViewModelView(YesNoColumns, ModelView):
    """Who was shown which complainant's identity, when and where. Nobody can change it."""

    datamodel = SQLAInterface(IdentityView)
    class_permission_name = "IdentityView"
    route_base = "/identityview"
    exclude_route_methods = {"add", "edit", "delete", "download", "action", "action_post"}
    list_title = _l("Identity views")
    show_title = _l("Identity view")
    label_columns = {"viewed_at": _l("Time"), "user_name": _l("User"),
                     "complaint": _l("Complaint"), "path": _l("Shown on")}
    list_columns = show_columns = ["viewed_at", "user_name", "complaint", "path"]
    search_columns = ["viewed_at", "user_name", "complaint", "path"]
    order_columns = ["viewed_at", "user_name"]
    base_order = ("viewed_at", "desc")
    formatters_columns = {
        "viewed_at": lambda v: datetime_id(v),
        "path": lambda v: label(identity.VIEW_PATHS, v),
    }


_STEPS = [(step, STEP_ACTIONS[step]) for step in response_templates.TARGET_FIELDS]
_RESULTS = [("", _l("Any result"))] + [(status, STATUSES[status])
                                        for status in informing.INFORMABLE]


def _template_fields():
    help_text = _l("Placeholders: %(names)s.", names=response_templates.placeholder_help())
    return {
        "title": StringField(_l("Title"), validators=[
            required(), Length(max=120, message=_l("At most %(max)d characters."))]),
        "step": SelectField(_l("Step"), choices=_STEPS, validators=[required()]),
        "result": SelectField(
            _l("Result"), choices=_RESULTS, default="",
            description=_l("Informing the complainant only: the result whose message this is.")),
        "subject": StringField(_l("Email subject"), validators=[
            Length(max=200, message=_l("At most %(max)d characters."))],
            description=_l("Informing the complainant only.")),
        "body": TextAreaField(_l("Text"), validators=[
            required(), Length(max=5000, message=_l("At most %(max)d characters."))],
            description=help_text),
        "active": BooleanField(_l("Active"), default=True),
    }


class ResponseTemplateModelView(SafeModelView):
    """Ready texts for the note and resolve steps and the messages to residents (inform);
    the admin keeps them."""

    datamodel = SQLAInterface(ResponseTemplate)
    class_permission_name = "ResponseTemplate"
    route_base = "/responsetemplate"
    exclude_route_methods = {"delete", "download", "action", "action_post"}
    list_title = _l("Response templates")
    show_title = _l("Response template")
    add_title = _l("Add response template")
    edit_title = _l("Edit response template")
    label_columns = {"title": _l("Title"), "step": _l("Step"), "category": _l("Category"),
                     "result": _l("Result"), "subject": _l("Email subject"),
                     "body": _l("Text"), "active": _l("Active")}
    list_columns = ["title", "step", "result", "category", "active"]
    show_columns = add_columns = edit_columns = [
        "title", "step", "result", "category", "subject", "body", "active"]
    search_columns = ["title", "step", "result", "category", "active"]
    formatters_columns = {"step": lambda v: label(STEP_ACTIONS, v),
                          "result": lambda v: label(STATUSES, v) if v else ""}
    add_form_extra_fields = _template_fields()
    edit_form_extra_fields = _template_fields()

    def pre_add(self, item):
        response_templates.check(item)

    def pre_update(self, item):
        response_templates.check(item)
