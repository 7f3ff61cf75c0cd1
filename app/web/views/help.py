"""Bantuan: the guide for every staff role (app.documents.guide), as a page and as a PDF."""

from flask import g, make_response
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext

from app.auth import security
from app.documents import guide

# Which part of the guide is the reader's own, by role.
_PART_OF_ROLE = {security.DESK: guide.DESK, security.LIAISON: guide.LIAISON,
                 security.HEAD: guide.HEAD, security.ADMIN: guide.ADMIN}


def own_parts(user):
    """The guide's parts for the user's roles, in the guide's order."""
    roles = {role.name for role in user.roles}
    mine = {_PART_OF_ROLE[name].anchor for name in roles if name in _PART_OF_ROLE}
    return [part for part in guide.PARTS if part.anchor in mine]


class HelpView(BaseView):
    """Every staff member: the guide, with their own part named first."""

    route_base = "/bantuan"
    class_permission_name = "Help"
    method_permission_name = {"guide": "show", "pdf": "show"}
    default_view = "guide"
    installation_wide = True  # the same guide in every village

    @expose("/")
    @has_access
    def guide(self):
        return self.render_template("help/guide.html", parts=guide.PARTS,
                                    own=own_parts(g.user), title=gettext("Help"))

    @expose("/pdf")
    @has_access
    def pdf(self):
        response = make_response(guide.guide_pdf())
        response.headers["Content-Type"] = "application/pdf"
        response.headers["Content-Disposition"] = 'inline; filename="panduan-pengaduan.pdf"'
        return response
