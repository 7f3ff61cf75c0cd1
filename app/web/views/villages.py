"""The admin's village screen: the villages of this installation, their letterhead and code."""

from flask import current_app
from flask_appbuilder.models.sqla.filters import FilterInFunction
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Length, Optional

from app.auth import access, villages
from app.models import Village
from app.services import village_setup
from app.web import forms
from app.web.views.base import SafeModelView


def _text(label, maximum, required=False, **options):
    checks = [forms.required()] if required else [Optional()]
    return StringField(label, **options, validators=[
        *checks, Length(max=maximum, message=_l("At most %(max)d characters."))])


def _register_code(default=None):
    return _text(_l("Register code"), 20, required=True, default=default, description=_l(
        "The middle of the register numbers, e.g. PGD in 001/PGD/XI/2026."))


class VillageModelView(SafeModelView):
    """Each village's names, letterhead, signatory and register code (admin only: a
    village's admin their own village, the installation's admin every village and new ones).

    Adding one gives it its starting lists; saving one makes the row the admin's (the
    settings no longer overwrite it) and has the village read again. A village owns its
    register, so it is never deleted here.
    """

    installation_wide = True  # the villages themselves: no village needs choosing first

    datamodel = SQLAInterface(Village)
    class_permission_name = "Village"
    route_base = "/village"
    exclude_route_methods = {"download", "delete"}
    # A village's admin sees and edits their own village; the installation's admin, all.
    base_filters = [["id", FilterInFunction,
                     lambda: village_setup.villages_managed_by(access.current_user())]]
    list_title = _l("Villages")
    show_title = _l("Village")
    add_title = _l("Add village")
    edit_title = _l("Edit village")
    label_columns = {
        "slug": _l("Short name (address)"),
        "name": _l("Village name"),
        "kecamatan": _l("Kecamatan"),
        "kabupaten": _l("Kabupaten"),
        "address": _l("Address"),
        "phone": _l("Phone / WhatsApp"),
        "email": _l("Email"),
        "website": _l("Website"),
        "head_name": _l("Kepala Desa"),
        "register_code": _l("Register code"),
        "host": _l("Host name of its own"),
        "edited_in_app": _l("Edited in this screen"),
    }
    list_columns = ["name", "slug", "kecamatan", "kabupaten", "register_code"]
    add_columns = edit_columns = ["name", "slug", "kecamatan", "kabupaten", "address", "phone",
                                  "email", "website", "head_name", "register_code", "host"]
    show_columns = add_columns + ["edited_in_app"]
    search_columns = ["name", "slug", "kecamatan", "kabupaten"]
    order_columns = ["name", "slug", "kecamatan", "kabupaten"]
    base_order = ("name", "asc")
    description_columns = {
        "edited_in_app": _l("Once saved here, the VILLAGE_* and REGISTER_CODE settings no "
                            "longer change this village at start."),
    }
    edit_form_extra_fields = {
        "name": _text(_l("Village name"), 120, required=True),
        "slug": _text(_l("Short name (address)"), 60, required=True, description=_l(
            "Lowercase letters, digits and hyphens, e.g. karang-jati: the village's part of "
            "its public addresses.")),
        "kecamatan": _text(_l("Kecamatan"), 120, required=True),
        "kabupaten": _text(_l("Kabupaten"), 120, required=True),
        "address": _text(_l("Address"), 255),
        "phone": _text(_l("Phone / WhatsApp"), 40),
        "email": forms.email_field(),
        "website": _text(_l("Website"), 200),
        "head_name": _text(_l("Kepala Desa"), 120),
        "register_code": _register_code(),
        "host": _text(_l("Host name of its own"), 253, description=_l(
            "Optional, e.g. lapor.babakan.desa.id, pointed at this installation: the "
            "village's public pages are then at that address, without its short name.")),
    }
    # A new village's code starts as the installation's REGISTER_CODE setting.
    add_form_extra_fields = {**edit_form_extra_fields, "register_code": _register_code(
        default=lambda: current_app.config["REGISTER_CODE"])}

    def pre_add(self, item):
        village_setup.prepare_new_village(item, access.current_user())

    def pre_update(self, item):
        village_setup.prepare_edited_village(item, access.current_user())

    def post_add(self, item):
        villages.forget()

    def post_update(self, item):
        villages.forget()
