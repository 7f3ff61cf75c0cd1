"""The workflow's pages on the register: one step on one complaint, verify and forward in
one form, forward several at once; and where each step button of a complaint leads.

``ComplaintStepPages`` is mixed into ``ComplaintModelView`` (its URLs stay under /complaint/ and
its permissions are the register's); the step's rules are the workflow table's and the
services', these pages only ask them and show the answer.
"""

import re

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.actions import action
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.auth import access, identity
from app.auth.security import actors_of
from app.core import workflow
from app.core.vocabularies import STATUSES, STEP_ACTIONS, label
from app.extensions import db
from app.models import Complaint
from app.services import complaints as services, response_templates
from app.web import step_forms
from app.web.views import duplicates as duplicates_panel

# The register's permission name (``ComplaintModelView.class_permission_name``).
PERMISSION_NAME = "Complaint"


class ComplaintStepPages:
    """The step pages of the register view (a mixin of ``ComplaintModelView``)."""

    def _open_steps(self, item):
        """(step, label, url) for the steps this user may take on ``item`` now."""
        return open_steps(item, g.user, self.appbuilder.sm)

    def _verify_forward_url(self, item):
        """The one form that verifies and forwards, when this user may take both steps now
        (never for a confidential complaint, which no officer may receive)."""
        open_steps = [name for name, _, _ in self._open_steps(item)]
        if "verify" not in open_steps or item.is_confidential or not workflow.can_take(
                workflow.STEPS["forward"], workflow.VERIFIED, actors_of(g.user)):
            return None
        return url_for(f"{self.endpoint}.verify_forward", pk=item.id)

    def _essentials(self, item):
        """What a step form shows of its complaint above the form, as this user may read it."""
        visible = access.identity_visible(g.user, item)
        if visible:
            identity.record_view(g.user, item, "step")
        return {"item": item, "display_name": access.displayed_name(g.user, item),
                "contact": contact_links(item) if visible else None}

    @expose("/verify-forward/<pk>", methods=["GET", "POST"])
    @has_access
    def verify_forward(self, pk):
        """Verify and forward in one form, the complaint's text beside it
        (``services.verify_and_forward``: both steps or neither)."""
        item = self._visible(pk)
        show = url_for(f"{self.endpoint}.show", pk=pk)
        if self._verify_forward_url(item) is None:
            flash(gettext("This complaint cannot be verified and forwarded now."), "warning")
            return redirect(show)
        form = step_forms.build_verify_forward(
            item, request.form if request.method == "POST" else None)
        if request.method == "POST" and form.validate():
            verify, forward = form.step_fields()
            try:
                services.verify_and_forward(item, verify, forward, g.user,
                                            form.expected_version.data)
            except services.ServiceError as exc:
                flash(str(exc), "danger")
                item = self._visible(pk)
            else:
                flash(gettext("Verified and forwarded to %(officer)s.",
                              officer=item.assigned_officer.name), "success")
                return redirect(show)
        title = gettext("Verify and forward")
        return self.render_template("complaint/verify_forward.html", form=form, title=title,
                                    step_label=title, cancel_url=show,
                                    dup=duplicates_panel.panel(item, g.user, self.appbuilder),
                                    **self._essentials(item))

    @expose("/step/<pk>/<step>", methods=["GET", "POST"])
    @has_access
    def step(self, pk, step):
        """One SOP step on one complaint: a small form, then ``services.apply_step``."""
        item = self._visible(pk)
        if step not in step_forms.FORMS:
            abort(404)
        show = url_for(f"{self.endpoint}.show", pk=pk)
        if step not in [name for name, _, _ in self._open_steps(item)]:
            flash(gettext("The step \"%(step)s\" is not possible now for this complaint.",
                          step=label(STEP_ACTIONS, step)), "warning")
            return redirect(show)
        form = step_forms.build(step, item, request.form if request.method == "POST" else None)
        if request.method == "GET" and request.args.get("template"):
            try:
                response_templates.prefill(form, step, item, request.args["template"], g.user)
            except services.ServiceError as exc:
                flash(str(exc), "danger")
        if request.method == "POST" and form.validate():
            try:
                services.apply_step(item, step, form.fields(), g.user, form.expected_version.data)
            except services.ServiceError as exc:
                flash(str(exc), "danger")
                item = self._visible(pk)
            else:
                flash(gettext("%(step)s: done. The complaint is now \"%(status)s\".",
                              step=label(STEP_ACTIONS, step), status=label(STATUSES, item.status)),
                      "success")
                return redirect(show)
        return self.render_template("complaint/step.html", form=form, step=step,
                                    step_label=label(STEP_ACTIONS, step), cancel_url=show,
                                    title=label(STEP_ACTIONS, step), **self._essentials(item),
                                    templates=response_templates.templates_for(step, item),
                                    dup=duplicates_panel.panel(item, g.user, self.appbuilder)
                                    if step == "verify" else None,
                                    picker_url=url_for(f"{self.endpoint}.step", pk=pk, step=step),
                                    picker_target=response_templates.TARGET_FIELDS.get(step))

    @action("forward_selected", _l("Forward to an officer"), "", "fa-share",
            multiple=True, single=False)
    def forward_selected(self, items):
        ids = _ids_of(items)
        return redirect(url_for(f"{self.endpoint}.forward_many", ids=ids))

    @action("schedule_selected", _l("Schedule a review meeting"), "", "fa-calendar",
            multiple=True, single=False)
    def schedule_selected(self, items):
        ids = _ids_of(items)
        return redirect(step_url("schedule_meeting", None, ids=ids)
                        or url_for(f"{self.endpoint}.list"))

    @expose("/forward", methods=["GET", "POST"])
    @has_access
    def forward_many(self):
        """Forward several complaints to one officer (each checked on its own)."""
        items = self._visible_many(request.values.get("ids", ""))
        if not items:
            flash(gettext("Choose at least one complaint you may work on."), "warning")
            return redirect(url_for(f"{self.endpoint}.list"))
        form = step_forms.build("forward", None,
                                request.form if request.method == "POST" else None)
        if request.method == "POST" and form.validate():
            done, refused = [], []
            for item in items:
                try:
                    services.apply_step(item, "forward", form.fields(), g.user)
                    done.append(item.register_number)
                except services.ServiceError as exc:
                    refused.append(f"{item.register_number}: {exc}")
            if done:
                flash(gettext("Forwarded: %(numbers)s.", numbers=", ".join(done)), "success")
            for line in refused:
                flash(gettext("Not forwarded: %(reason)s", reason=line), "danger")
            return redirect(url_for(f"{self.endpoint}.list"))
        return self.render_template("complaint/step.html", item=None, items=items, form=form,
                                    step="forward",
                                    step_label=label(STEP_ACTIONS, "forward"),
                                    cancel_url=url_for(f"{self.endpoint}.list"),
                                    title=label(STEP_ACTIONS, "forward"))

    def _visible_many(self, ids):
        """The complaints among ``ids`` this user may see (FAB actions skip base filters)."""
        wanted = [int(i) for i in ids.split(",") if i.strip().isdigit()][:200]
        if not wanted:
            return []
        query = access.restrict(db.session.query(Complaint), g.user)
        return query.filter(Complaint.id.in_(wanted)).order_by(Complaint.id).all()


# Pages of other features that replace the generic form of a step, when installed.
STEP_PAGES = {
    "schedule_meeting": ("MeetingModelView.schedule", "ids"),
    "inform": ("InformView.inform", "complaint_id"),
}


def contact_links(item):
    """``tel:`` and WhatsApp links to the complainant's phone (stored as +62...), or None
    when there is none. The caller has checked that the user may read the identity
    (``access.identity_visible``)."""
    digits = re.sub(r"\D", "", item.complainant_phone or "")
    if item.without_identity or len(digits) < 6:
        return None
    return {"phone": item.complainant_phone, "tel": f"tel:+{digits}",
            "whatsapp": f"https://wa.me/{digits}"}


def open_steps(item, user, sm):
    """(step, label, url) for the steps ``user`` may take on ``item`` now (the complaint's
    page and the home page's list of forwarded complaints)."""
    if item.voided or not sm.has_access("can_step", PERMISSION_NAME):
        return []
    return [(name, label(STEP_ACTIONS, name), step_url(name, item))
            for name in workflow.allowed_steps(item.status, actors_of(user))
            if name in step_forms.FORMS
            and not (name == "inform" and item.without_identity)
            and (item.duplicate_of_id is None or name in services.OWN_STEPS_OF_DUPLICATES)]


def _ids_of(items):
    """The ids of an action's rows, comma separated (FAB passes one row, not a list, when the
    action is asked for a single row by URL)."""
    items = items if isinstance(items, (list, tuple)) else [items]
    return ",".join(str(item.id) for item in items)


def step_url(step, item, **params):
    """Where a step button leads: the feature's own page if there is one, else the step form."""
    endpoint, key = STEP_PAGES.get(step, (None, None))
    if endpoint and endpoint in current_app.view_functions:
        if item is not None:
            params.setdefault(key, item.id)
        return url_for(endpoint, **params)
    if item is None:
        return None
    return url_for("ComplaintModelView.step", pk=item.id, step=step)
