"""Master data screens: officers, categories and dusun (managed by the admin)."""

from flask_appbuilder.models.sqla.filters import FilterInFunction
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from app.auth import access
from app.core.vocabularies import POSITIONS, choices, label
from app.models import Category, Dusun, Officer
from app.services import accounts
from app.services.village_setup import check_unique_name
from app.web import forms
from app.web.views.base import SafeModelView


class OfficerModelView(SafeModelView):
    """Village officers of the SOP (point E), each optionally linked to a login."""

    datamodel = SQLAInterface(Officer)
    class_permission_name = "Officer"
    route_base = "/officer"
    exclude_route_methods = {"download", "add", "delete"}
    list_title = _l("Officers")
    show_title = _l("Officer details")
    # The list offers the one form that adds an officer with their login
    # (app/views/accounts.py); the show page their link, deactivation and open complaints.
    list_template = "officer/list.html"
    show_template = "officer/show.html"
    add_title = _l("Add officer")
    edit_title = _l("Edit officer")
    label_columns = {
        "name": _l("Name"),
        "position": _l("Position"),
        "field_of_work": _l("Field of work"),
        "dusun": _l("Dusun"),
        "phone": _l("Phone"),
        "active": _l("Active"),
        "user": _l("Login"),
    }
    list_columns = ["name", "position", "field_of_work", "dusun", "phone", "active"]
    show_columns = ["name", "position", "field_of_work", "dusun", "phone", "active", "user"]
    add_columns = edit_columns = ["name", "position", "field_of_work", "dusun", "phone",
                                  "active", "user"]
    search_columns = ["name", "position", "field_of_work", "dusun", "active"]
    order_columns = ["name", "position", "field_of_work"]
    base_order = ("name", "asc")
    formatters_columns = {"position": lambda v: label(POSITIONS, v)}
    add_form_extra_fields = edit_form_extra_fields = {
        "name": StringField(_l("Name"), validators=[forms.required(), Length(max=120)]),
        "position": SelectField(_l("Position"), choices=choices(POSITIONS),
                                validators=[forms.required()]),
        "phone": StringField(_l("Phone"), validators=[Optional(), Length(max=40),
                                                       forms.PhoneNumber()]),
    }

    # A village's admin sees and links only their village's logins (FAB checks the value
    # sent against this list too: "Not a valid choice").
    add_form_query_rel_fields = edit_form_query_rel_fields = {"user": [
        ["id", FilterInFunction, lambda: accounts.linkable_logins(access.current_user())]]}

    def pre_update(self, item):
        """A new position brings the login's role with it (the role follows the position);
        a village's admin keeps their own login on their record."""
        accounts.keep_own_login(item, access.current_user())
        accounts.follow_position(item)


class UniqueNameInVillage:
    """A name once per village: refused with a message, the form kept (two villages may
    share a name)."""

    def pre_add(self, item):
        check_unique_name(item)

    def pre_update(self, item):
        check_unique_name(item)


class CategoryModelView(UniqueNameInVillage, SafeModelView):
    """Complaint categories (pelayanan publik, program desa, dugaan penyimpangan, ...)."""

    datamodel = SQLAInterface(Category)
    class_permission_name = "Category"
    route_base = "/category"
    exclude_route_methods = {"download"}
    list_title = _l("Categories")
    show_title = _l("Category details")
    add_title = _l("Add category")
    edit_title = _l("Edit category")
    label_columns = {"name": _l("Name"), "description": _l("Description"), "active": _l("Active")}
    list_columns = show_columns = ["name", "description", "active"]
    add_columns = edit_columns = ["name", "description", "active"]
    search_columns = ["name", "active"]
    base_order = ("name", "asc")


class DusunModelView(UniqueNameInVillage, SafeModelView):
    """The village's hamlets."""

    datamodel = SQLAInterface(Dusun)
    class_permission_name = "Dusun"
    route_base = "/dusun"
    exclude_route_methods = {"download"}
    list_title = _l("Dusun")
    show_title = _l("Dusun details")
    add_title = _l("Add dusun")
    edit_title = _l("Edit dusun")
    label_columns = {"name": _l("Name"), "active": _l("Active")}
    list_columns = show_columns = add_columns = edit_columns = ["name", "active"]
    search_columns = ["name", "active"]
    base_order = ("name", "asc")
