"""FAB's own login screens, answering yes or no where FAB prints True or False.

FAB builds its login screens from the view classes its security manager names, so the
manager the app uses (``FAB_SECURITY_MANAGER_CLASS``) is declared here, beside them.
"""

from flask_appbuilder.security.views import UserDBModelView
from flask_babel import lazy_gettext as _l

from app.web.perf import CachingSecurityManager


def yes_no(value):
    return _l("Yes") if value else _l("No")


class YesNoUserDBModelView(UserDBModelView):
    """The admin's list and page of logins (FAB's), with "Active" as Ya / Tidak."""

    # The permissions stay FAB's (every role's "own profile" rights name this view).
    class_permission_name = "UserDBModelView"
    formatters_columns = {"active": yes_no}


class AppSecurityManager(CachingSecurityManager):
    """FAB's security manager with the permission cache and the screens above."""

    userdbmodelview = YesNoUserDBModelView
