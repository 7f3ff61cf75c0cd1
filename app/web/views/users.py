"""FAB's own login screens, answering yes or no where FAB prints True or False; one's
profile shows one's notification channels.

FAB builds its login screens from the view classes its security manager names, so the
manager the app uses (``FAB_SECURITY_MANAGER_CLASS``) is declared here, beside them.
"""

from flask import g
from flask_appbuilder import expose, has_access
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import lazy_gettext as _l

from app.core.values import mail_can_reach
from app.services import notifications
from app.web.perf import CachingSecurityManager


def yes_no(value):
    return _l("Yes") if value else _l("No")


class YesNoUserDBModelView(UserDBModelView):
    """The admin's list and page of logins (FAB's), with "Active" as Ya / Tidak, and one's own
    profile with the notification channels one chose (and the link to choose them)."""

    # The permissions stay FAB's (every role's "own profile" rights name this view).
    class_permission_name = "UserDBModelView"
    formatters_columns = {"active": yes_no}

    @expose("/userinfo/")
    @has_access
    def userinfo(self):
        """FAB's profile page (its code, with its two actions), plus the channels panel."""
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


class AppSecurityManager(CachingSecurityManager):
    """FAB's security manager with the permission cache and the screens above."""

    userdbmodelview = YesNoUserDBModelView
