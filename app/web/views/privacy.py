"""Personal data: the admin's retention page (the setting, what the next run anonymises,
running it) and the desk's record of residents' requests about their data."""

from flask import abort, flash, g, make_response, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.core.errors import ServiceError
from app.documents import personal_copy
from app.core.timeutil import date_id, datetime_id, now_wib
from app.extensions import db
from app.models import Setting
from app.services import resident_requests, retention, settings

REQUEST_KINDS = {
    resident_requests.COPY: _l("A copy of everything held (PDF)"),
    resident_requests.CORRECTION: _l("A correction"),
    resident_requests.ERASURE: _l("Erasure (anonymisation)"),
}
# The list's filter.
SHOWN = {
    resident_requests.SHOW_ALL: _l("All"),
    resident_requests.SHOW_OPEN: _l("Not answered yet"),
    resident_requests.SHOW_OVERDUE: _l("Not answered in time"),
}


class RetentionView(BaseView):
    """Admin only: how many years personal data is kept, and the anonymisation runs."""

    route_base = "/retention"
    class_permission_name = "Retention"
    method_permission_name = {"preview": "show", "save_setting": "edit", "run_now": "run"}
    default_view = "preview"

    @expose("/")
    @has_access
    def preview(self):
        return self.render_template(
            "privacy/retention.html", due=retention.due(),
            years=settings.value(settings.RETENTION_YEARS), date_id=date_id,
            title=gettext("Retention of personal data"))

    @expose("/setting", methods=["POST"])
    @has_access
    def save_setting(self):
        key = settings.RETENTION_YEARS
        try:
            years = settings.check(key, request.form.get("years"))
        except ValueError as exc:
            flash(gettext("Enter a whole number of years from %(low)s to %(high)s.",
                          low=exc.args[0], high=exc.args[1]), "danger")
            return redirect(url_for("RetentionView.preview"))
        row = db.session.get(Setting, key)
        if row is None:
            db.session.add(Setting(key=key, value=str(years)))
        else:
            row.value = str(years)
        db.session.commit()
        flash(gettext("Saved."), "success")
        return redirect(url_for("RetentionView.preview"))

    @expose("/run", methods=["POST"])
    @has_access
    def run_now(self):
        try:
            numbers = retention.run(g.user)
        except ServiceError as exc:  # the storage could not delete the resident's files
            flash(str(exc), "danger")
        else:
            flash(gettext("%(count)s complaints anonymised.", count=len(numbers)), "success")
        return redirect(url_for("RetentionView.preview"))


class ResidentRequestView(BaseView):
    """The desk records a resident's request about their data, after checking who they are."""

    route_base = "/resident-request"
    class_permission_name = "ResidentRequest"
    method_permission_name = {"requests": "requests", "answer": "requests"}
    default_view = "requests"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def requests(self):
        form = request.form
        if request.method == "POST":
            kind, phone, reason = form.get("kind"), form.get("phone"), form.get("reason")
            try:
                if not form.get("identity_checked"):
                    raise ServiceError(gettext(
                        "Check the resident's identity first (identity card, and the phone the "
                        "complaints were made from)."))
                if kind == resident_requests.COPY:
                    complaints = resident_requests.copy(phone, g.user)
                    response = make_response(personal_copy.copy_pdf(complaints))
                    response.headers["Content-Type"] = "application/pdf"
                    response.headers["Content-Disposition"] = \
                        'attachment; filename="salinan-data-pribadi.pdf"'
                    response.headers["Cache-Control"] = "no-store"
                    return response
                if kind == resident_requests.CORRECTION:
                    complaints = resident_requests.correction(phone, reason, g.user)
                    flash(gettext("Request recorded. Correct the data on the complaint's edit "
                                  "page."), "success")
                    return redirect(url_for("ComplaintModelView.edit", pk=complaints[-1].id))
                if kind == resident_requests.ERASURE:
                    numbers = resident_requests.erase(phone, reason, g.user)
                    flash(gettext("Personal data of %(numbers)s erased.",
                                  numbers=", ".join(numbers)), "success")
                    return redirect(url_for("ResidentRequestView.requests"))
                raise ServiceError(gettext("Choose what the resident asks for."))
            except ServiceError as exc:
                flash(str(exc), "danger")
        show = request.args.get("show")
        if show not in SHOWN:
            show = resident_requests.SHOW_ALL
        now = now_wib()
        return self.render_template(
            "privacy/requests.html", recent=resident_requests.listed(show, now), form=form,
            kinds=REQUEST_KINDS, datetime_id=datetime_id, shown=SHOWN, show=show,
            due_at=resident_requests.due_at,
            overdue=lambda row: resident_requests.overdue(row, now),
            title=gettext("Residents' requests about their data"))

    @expose("/<int:pk>/answer", methods=["POST"])
    @has_access
    def answer(self, pk):
        """The desk has answered the request (a correction, once the data is corrected)."""
        try:
            resident_requests.answer(pk, g.user)
        except ServiceError as exc:
            if exc.code == 404:
                abort(404)
            flash(str(exc), "danger")
        else:
            flash(gettext("The request is marked as answered."), "success")
        return redirect(url_for("ResidentRequestView.requests"))
