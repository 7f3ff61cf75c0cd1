"""Telling the complainant the result: the inform page, and the admin's message templates."""

from flask import abort, flash, g, make_response, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length

from app import access, informing, response_templates, services
from app.identity import record_view
from app.choices import STATUSES, label
from app.extensions import db
from app.forms import BaseForm, required
from app.models import Complaint, MessageTemplate
from app.views.base import SafeModelView


class InformForm(BaseForm):
    subject = StringField(_l("Email subject"), validators=[
        required(), Length(max=200, message=_l("At most %(max)d characters."))])
    message = TextAreaField(_l("Message"), validators=[
        required(_l("The message cannot be empty.")),
        Length(max=5000, message=_l("At most %(max)d characters."))])


class InformView(BaseView):
    """``/inform/<complaint_id>``: the message prefilled from its template, editable, and
    three ways to send it. Only the desk may use it (``can_inform`` on ``Inform``)."""

    route_base = "/inform"
    class_permission_name = "Inform"
    default_view = "inform"

    def _complaint(self, complaint_id):
        complaint = db.session.get(Complaint, complaint_id)
        if complaint is None or not access.can_view(g.user, complaint):
            abort(404)
        return complaint

    @expose("/<int:complaint_id>", methods=["GET", "POST"])
    @has_access
    def inform(self, complaint_id):
        complaint = self._complaint(complaint_id)
        identity = access.identity_visible(g.user, complaint)
        back = url_for("ComplaintModelView.show", pk=complaint.id)
        if complaint.status not in informing.INFORMABLE:
            flash(gettext("Only a resolved, rejected or referred complaint can be reported to "
                          "the complainant."), "danger")
            return redirect(back)
        form = InformForm()
        if request.method == "GET":
            form.subject.data, form.message.data = informing.draft(complaint)
            if request.args.get("template"):
                try:
                    response_templates.prefill(form, "inform", complaint,
                                               request.args["template"], g.user)
                except services.ServiceError as exc:
                    flash(str(exc), "danger")
            if identity:
                record_view(g.user, complaint, "inform")
        action = request.form.get("action", "")
        if request.method == "POST" and form.validate():
            result = self._send(action, complaint, form, identity)
            if result is not None:
                return result
        whatsapp = None
        if identity and form.message.data:
            whatsapp = informing.whatsapp_link(complaint.complainant_phone, form.message.data)
        return self.render_template(
            "inform/form.html", item=complaint, form=form, identity=identity,
            whatsapp=whatsapp, smtp=informing.smtp_configured(), back=back,
            templates=response_templates.templates_for("inform", complaint),
            picker_url=url_for("InformView.inform", complaint_id=complaint.id),
            result=label(STATUSES, complaint.status), title=gettext("Inform the complainant"))

    def _send(self, action, complaint, form, identity):
        """Do what the pressed button asks; a response, or None to show the form again."""
        message = form.message.data.strip()
        if action == "letter_pdf":
            record_view(g.user, complaint, "letter_pdf")
            response = make_response(informing.letter_pdf(complaint, message))
            response.headers["Content-Type"] = "application/pdf"
            name = "surat-" + complaint.register_number.replace("/", "-") + ".pdf"
            response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        if action == "whatsapp_link":
            return None
        if action in ("email", "whatsapp") and not identity:
            abort(403)
        try:
            if action == "email":
                informing.send_by_email(complaint, form.subject.data.strip(), message, g.user)
                done = gettext("Email sent to the complainant; the complaint is marked as "
                               "informed.")
            elif action in ("whatsapp", "letter"):
                informing.confirm_sent(complaint, action, message, g.user)
                done = gettext("Recorded: the complainant was informed.")
            else:
                abort(400)
        except services.ServiceError as exc:
            form.message.errors = list(form.message.errors) + [str(exc)]
            flash(str(exc), "danger")
            return None
        flash(done, "success")
        return redirect(url_for("ComplaintModelView.show", pk=complaint.id))


def _template_key_label(value):
    return label(STATUSES, value)


class MessageTemplateModelView(SafeModelView):
    """The texts sent to complainants, one per result; the admin edits them, no code needed."""

    datamodel = SQLAInterface(MessageTemplate)
    class_permission_name = "MessageTemplate"
    route_base = "/messagetemplate"
    exclude_route_methods = {"delete", "download", "action", "action_post"}
    list_title = _l("Message templates")
    show_title = _l("Message template")
    add_title = _l("Add message template")
    edit_title = _l("Edit message template")
    label_columns = {"key": _l("Result"), "subject": _l("Email subject"), "body": _l("Message")}
    list_columns = ["key", "subject"]
    show_columns = add_columns = ["key", "subject", "body"]
    edit_columns = ["subject", "body"]
    search_columns = ["key", "subject"]
    formatters_columns = {"key": _template_key_label}
    _help = _l("Placeholders filled in for each complaint: %(names)s.",
               names=", ".join("{" + name + "}" for name in informing.PLACEHOLDERS))
    add_form_extra_fields = {
        "key": SelectField(_l("Result"), choices=[(k, STATUSES[k]) for k in informing.INFORMABLE],
                           validators=[required()]),
        "subject": StringField(_l("Email subject"), validators=[required(), Length(max=200)],
                               description=_help),
        "body": TextAreaField(_l("Message"), validators=[required()], description=_help),
    }
    edit_form_extra_fields = {
        "subject": StringField(_l("Email subject"), validators=[required(), Length(max=200)],
                               description=_help),
        "body": TextAreaField(_l("Message"), validators=[required()], description=_help),
    }

    def pre_add(self, item):
        if db.session.query(MessageTemplate.id).filter_by(key=item.key).first():
            raise services.ServiceError(gettext(
                "There is already a template for this result: edit that one."))
