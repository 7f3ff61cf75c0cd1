"""Registers every screen with FAB, in menu order."""

from flask_babel import lazy_gettext as _l

from app import security
from app.views.complaints import ComplaintModelView
from app.views.master import CategoryModelView, DusunModelView, OfficerModelView
from app.views.public import PublicView
from app.views.public_api import PublicApi


def register_views(appbuilder):
    """Add the register and master-data screens, and the public pages and API, to ``appbuilder``."""
    appbuilder.add_view(
        ComplaintModelView, security.MENU_COMPLAINTS, label=_l("Complaint register"),
        icon="fa-book", category=security.MENU_REGISTER, category_label=_l("Register"),
        category_icon="fa-book",
    )
    appbuilder.add_view(
        OfficerModelView, security.MENU_OFFICERS, label=_l("Officers"), icon="fa-users",
        category=security.MENU_MASTER, category_label=_l("Master data"), category_icon="fa-cog",
    )
    appbuilder.add_view(
        CategoryModelView, security.MENU_CATEGORIES, label=_l("Categories"), icon="fa-tags",
        category=security.MENU_MASTER,
    )
    appbuilder.add_view(
        DusunModelView, security.MENU_DUSUN, label=_l("Dusun"), icon="fa-map-marker",
        category=security.MENU_MASTER,
    )
    appbuilder.add_view_no_menu(PublicView)
    appbuilder.add_api(PublicApi)
