"""The home page after login: what needs attention now."""

from flask import g, url_for
from flask_appbuilder import IndexView, expose
from flask_babel import lazy_gettext as _l

from app.auth.security import actors_of
from app.core import workflow
from app.core.timeutil import today_wib
from app.reporting import figures as dashboard_data
from app.services.meetings import upcoming_meetings
from app.web.views.complaint_steps import open_steps
from app.web.views.complaints import status_list_url
from app.web.views.oversight import area_title


class HomeView(IndexView):
    """Landing page: counts for the user's own work, or the login prompt."""

    route_base = ""
    index_template = "home.html"

    @expose("/")
    def index(self):
        user = g.user if getattr(g, "user", None) is not None and g.user.is_authenticated else None
        area = area_title(user)
        if area is not None:  # a Camat or the Inspektorat: no village of their own
            return self.render_template("oversight/home.html", appbuilder=self.appbuilder,
                                        area=area)
        summary = dashboard_data.home_summary(user) if user else None
        upcoming = None
        if user and self.appbuilder.sm.has_access("can_list", "Meeting"):
            upcoming = upcoming_meetings(user)
        feedback = None
        if user and actors_of(user) & {workflow.DESK, workflow.HEAD}:
            today = today_wib()
            feedback = dashboard_data.feedback_summary(user, today.replace(month=1, day=1), today)
        mine = None
        if user and workflow.LIAISON in actors_of(user):
            mine = [(item, open_steps(item, user, self.appbuilder.sm))
                    for item in dashboard_data.forwarded_to(user)]
        tiles = None
        if summary:
            # Each figure is a link to the list of exactly what it counts.
            tiles = [
                (summary["new"], _l("New, to verify"), status_list_url([workflow.RECEIVED]), ""),
                (summary["open"], _l("Open"), status_list_url(sorted(workflow.OPEN_STATUSES)), ""),
                (summary["overdue"], _l("Overdue"), url_for("OverdueComplaintModelView.list"),
                 "overdue"),
            ]
        return self.render_template(self.index_template, appbuilder=self.appbuilder,
                                    summary=summary, tiles=tiles, upcoming=upcoming, feedback=feedback,
                                    mine=mine)
