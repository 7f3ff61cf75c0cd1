"""FAB's own login, role and permission screens, in Indonesian and answering yes or no; one's
profile shows one's notification channels.

FAB builds these screens from the view classes its security manager names, so the manager
the app uses (``FAB_SECURITY_MANAGER_CLASS``) is declared here, beside them. Only the Admin
role holds their permissions (``app.auth.security`` gives no other role any of them), so the
"Keamanan" menu and its screens exist for the admin alone. The permissions keep FAB's names
(every role's "own profile" rights name ``UserDBModelView``).
"""

from flask import g
from flask_appbuilder import expose, has_access
from flask_appbuilder.security.views import (PermissionModelView, PermissionViewModelView,
                                             RoleModelView, UserDBModelView,
                                             UserGroupModelView, UserStatsChartView,
                                             ViewMenuModelView)
from flask_appbuilder.widgets import ListWidget, ShowWidget
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.security.sqla.models import User
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth import villages
from app.core.timeutil import datetime_id
from app.core.values import mail_can_reach
from app.models import Officer
from app.services import notifications
from app.web.perf import CachingSecurityManager
from app.web.views.base import YesNoColumns


def _names(items):
    """A list of roles, groups or users as "A, B" ("-" when empty), not Python's "[A, B]"."""
    return ", ".join(str(item) for item in items or ()) or "-"


def _when(value):
    return datetime_id(value) if value else "-"


def _who(value):
    return str(value) if value else "-"


# The columns of logins, roles and groups, once for every screen that shows them.
LABELS = {
    "name": _l("Name"),
    "label": _l("Label"),
    "description": _l("Description"),
    "first_name": _l("First Name"),
    "last_name": _l("Last Name"),
    "get_full_name": _l("Full Name"),
    "username": _l("User Name"),
    "password": _l("Password"),
    "conf_password": _l("Confirm Password"),
    "active": _l("Is Active?"),
    "email": _l("Email"),
    "roles": _l("Role"),
    "role": _l("Role"),
    "groups": _l("Groups"),
    "users": _l("Users"),
    "user": _l("Users"),
    "permissions": _l("Permissions"),
    "permission": _l("Permission"),
    "view_menu": _l("View/Menu"),
    "last_login": _l("Last login"),
    "login_count": _l("Login count"),
    "fail_login_count": _l("Failed login count"),
    "created_on": _l("Created on"),
    "created_by": _l("Created by"),
    "changed_on": _l("Changed on"),
    "changed_by": _l("Changed by"),
}
FORMATTERS = {
    "roles": _names, "groups": _names, "users": _names, "user": _names,
    "permissions": _names, "last_login": _when, "created_on": _when, "changed_on": _when,
    "created_by": _who, "changed_by": _who,
}


class IndonesianLabels(YesNoColumns):
    """FAB's screens with every column named in Indonesian, lists as "A, B", times as WIB
    dates and yes/no as "Ya" / "Tidak". Logins and roles are the installation's: these screens
    need no village (``app.web.views.village_choice.needs_village``)."""

    installation_wide = True

    def _init_properties(self):
        self.label_columns = dict(LABELS)  # FAB adds to it: each screen its own copy
        super()._init_properties()
        for column, formatter in FORMATTERS.items():
            self.formatters_columns.setdefault(column, formatter)


class OwnVillageLogins(BaseFilter):
    """A village's admin in an installation of several villages lists, opens and edits only
    the logins of their village's officers (the officer query keeps to their village by
    itself, ``app.auth.villages``); everyone else sees every login."""

    name = "own village"
    arg_name = None

    def apply(self, query, value):
        user = getattr(g, "user", None)
        if user is None or not villages.manages_one_village(user):
            return query
        return query.filter(User.id.in_(select(Officer.user_id)))


class YesNoUserDBModelView(IndonesianLabels, UserDBModelView):
    """The admin's list and page of logins (FAB's)."""

    class_permission_name = "UserDBModelView"
    base_filters = [["id", OwnVillageLogins, lambda: None]]
    description_columns = {
        **UserDBModelView.description_columns,
        "roles": _l("The role decides what the login may see and do."),
        "groups": _l("Groups are not used by this application: leave empty."),
    }

    @expose("/userinfo/")
    @has_access
    def userinfo(self):
        """FAB's profile page (its code, with its two actions), plus one's notification
        channels and the link to choose them."""
        actions = {name: self.actions.get(name) for name in ("resetmypassword", "userinfoedit")}
        item = self.datamodel.get(g.user.id, self._base_filters)
        widgets = self._get_show_widget(g.user.id, item, actions=actions,
                                        show_fieldsets=self.user_show_fieldsets)
        self.update_redirect()
        return self.render_template(
            "notifications/user_info.html", title=self.user_info_title, widgets=widgets,
            appbuilder=self.appbuilder, channels=notifications.settings_of(g.user.id),
            email_reachable=mail_can_reach(g.user.email),
            telegram=notifications.telegram_available(),
            can_choose=self.appbuilder.sm.has_access("can_tasks", "MyTasks"))


class AppRoleModelView(IndonesianLabels, RoleModelView):
    """FAB's roles; the plain list and detail widgets, which use the formatters (FAB's own
    role widgets print the permissions as a Python list)."""

    class_permission_name = "RoleModelView"
    list_widget = ListWidget
    show_widget = ShowWidget


class AppGroupModelView(IndonesianLabels, UserGroupModelView):
    class_permission_name = "UserGroupModelView"


class AppPermissionModelView(IndonesianLabels, PermissionModelView):
    class_permission_name = "PermissionModelView"


class AppViewMenuModelView(IndonesianLabels, ViewMenuModelView):
    class_permission_name = "ViewMenuModelView"


class AppPermissionViewModelView(IndonesianLabels, PermissionViewModelView):
    class_permission_name = "PermissionViewModelView"


class AppUserStatsChartView(UserStatsChartView):
    """The login statistics chart, its series and groupings in Indonesian."""

    class_permission_name = "UserStatsChartView"
    route_base = "/userstatschartview"
    installation_wide = True
    label_columns = dict(LABELS)
    definitions = [
        {"label": _l("Login count"), "group": "username", "series": ["login_count"]},
        {"label": _l("Failed login count"), "group": "username",
         "series": ["fail_login_count"]},
    ]


# What only the installation's own admin manages when it holds several villages: the roles
# are every village's, and a login made outside the officer accounts belongs to no village.
INSTALLATION_WIDE = {"RoleModelView", "PermissionModelView", "ViewMenuModelView",
                     "PermissionViewModelView", "UserGroupModelView", "UserStatsChartView"}


class AppSecurityManager(CachingSecurityManager):
    """FAB's security manager with the permission cache and the screens above; a village's
    admin (``villages.manages_one_village``) is refused the installation-wide screens."""

    def _has_view_access(self, user, permission_name, view_name):
        installation_wide = view_name in INSTALLATION_WIDE or (
            view_name == "UserDBModelView" and permission_name == "can_add")
        if installation_wide and villages.manages_one_village(user):
            return False
        return super()._has_view_access(user, permission_name, view_name)

    userdbmodelview = YesNoUserDBModelView
    rolemodelview = AppRoleModelView
    groupmodelview = AppGroupModelView
    permissionmodelview = AppPermissionModelView
    viewmenumodelview = AppViewMenuModelView
    permissionviewmodelview = AppPermissionViewModelView
    userstatschartview = AppUserStatsChartView
