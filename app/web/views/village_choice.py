"""Choosing a village: the kabupaten's list of villages for residents (``/desa/``), and the
village an installation admin works in (``/desa-kerja/``).

With several villages, a public address without a village (``/lapor``) leads to the list
(``app.web.village_urls``); a staff page asked by an admin who has no village yet (no
officer record, nothing chosen) answers with the chooser instead of an empty register
(``chooser_when_needed``).
"""

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext

from app.auth import access, villages
from app.core.errors import ServiceError
from app.services import working_village
from app.web.views.public import no_store

CHOOSER = "VillageChoiceView.choose"


class VillageDirectoryView(BaseView):
    """``/desa/``: every village, with links to its pages. Open to everyone."""

    route_base = "/desa"
    class_permission_name = "VillageDirectory"
    default_view = "directory"
    installation_wide = True

    @expose("/", methods=["GET"])
    def directory(self):
        items = villages.all_villages()
        kabupaten = sorted({item.kabupaten for item in items if item.kabupaten})
        label = ", ".join(gettext("Kabupaten %(name)s", name=name) for name in kabupaten)
        return no_store(current_app.make_response(render_template(
            "villages/directory.html", items=items,
            kabupaten_label=label or gettext("Villages"))))


class VillageChoiceView(BaseView):
    """``/desa-kerja/``: the installation admin chooses the village they work in."""

    route_base = "/desa-kerja"
    class_permission_name = "WorkingVillage"
    method_permission_name = {"choose": "choose"}
    default_view = "choose"
    installation_wide = True

    @expose("/", methods=["GET", "POST"])
    @has_access
    def choose(self):
        if request.method == "POST":
            try:
                village = working_village.choose(g.user, _int(request.form.get("village_id")))
            except ServiceError as exc:
                flash(str(exc), "danger")
                return self._page(), exc.code
            flash(gettext("You now work in the village of %(name)s.", name=village.name),
                  "success")
            return redirect(self.appbuilder.get_url_for_index)
        return self._page()

    def _page(self):
        """The villages to choose from; a login with an officer record sees only its own
        village (no choice, and no list of the others)."""
        try:
            current = villages.current_village()
        except villages.VillageNotChosen:
            current = None
        bound = bool(access.officer_ids_of(g.user))
        return self.render_template(
            "villages/choose.html", items=[] if bound else villages.all_villages(),
            current=current, bound=bound, title=gettext("The village you work in"))


def _int(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def needs_village(endpoint):
    """Whether the page of ``endpoint`` works on one village's data: the app's own staff
    pages do, except those that say ``installation_wide`` (help, logins, the public pages,
    these choosers); FAB's own (logins, roles) are the installation's."""
    view = current_app.view_functions.get(endpoint)
    owner = getattr(view, "__self__", None)
    if owner is None:
        return False
    return (type(owner).__module__.startswith("app.web.views.")
            and not getattr(owner, "installation_wide", False))


def chooser_when_needed():
    """``before_request``: an admin without a village who asks for a staff page of one
    village's data gets the chooser (with several villages and nothing chosen the page
    would be empty, and a form would be refused)."""
    if (access.current_user() is None or request.path.startswith("/api/") or not needs_village(request.endpoint)
            or not villages.several()):
        return None
    try:
        villages.village_ids()
        return None
    except villages.VillageNotChosen:
        pass
    if not current_app.appbuilder.sm.has_access("can_choose", "WorkingVillage"):
        return None
    flash(gettext("Choose the village you work in first."), "info")
    return redirect(url_for(CHOOSER))
