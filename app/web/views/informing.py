"""Telling the complainant the result: the inform page."""

from flask import abort, flash, g, make_response, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import Length

from app.auth import access
from app.auth.identity import record_view
from app.core.vocabularies import STATUSES, label
from app.documents import letters
from app.extensions import db
from app.models import Complaint
from app.services import complaints as services, inbox, informing, response_templates
from app.web.forms import BaseForm, required


def linked_to_inform(complaint, user):
    """The duplicates handled together with ``complaint`` whose complainants are still to be
    told (each on their own complaint, own channel, own identity rules); never one without
    identity, never one ``user`` may not open."""
    return [other for other in complaint.duplicates
            if other.status in informing.INFORMABLE and not other.without_identity
            and access.can_view(user, other)]


class InformForm(BaseForm):
    subject = StringField(_l("Email subject"), validators=[
        required(), Length(max=200, message=_l("At most %(max)d characters."))])
    message = TextAreaField(_l("Message"), validators=[
        required(_l("The message cannot be empty.")),
        Length(max=5000, message=_l("At most %(max)d characters."))])
    # Offered when the complaint came by email: the answer threads with the resident's mail.
    as_reply = BooleanField(_l("Send as a reply to the complainant's email"))


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
        if complaint.without_identity:
            flash(services.no_identity_refusal(), "danger")
            return redirect(back)
        if complaint.status not in informing.INFORMABLE:
            flash(gettext("Only a resolved, rejected or referred complaint can be reported to "
                          "the complainant."), "danger")
            return redirect(back)
        form = InformForm()
        original = inbox.original_of(complaint) if identity else None
        if request.method == "GET":
            form.as_reply.data = original is not None
            try:
                form.subject.data, form.message.data = response_templates.draft(complaint,
                                                                                g.user)
                if request.args.get("template"):
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
        whatsapp = whatsapp_base = None
        if identity:
            whatsapp = informing.whatsapp_link(complaint.complainant_phone,
                                               form.message.data or "")
            whatsapp_base = whatsapp.split("?", 1)[0]
        return self.render_template(
            "inform/form.html", item=complaint, form=form, identity=identity,
            whatsapp=whatsapp, smtp=informing.smtp_configured(), back=back,
            templates=response_templates.templates_for("inform", complaint),
            picker_url=url_for("InformView.inform", complaint_id=complaint.id),
            picker_target="message", whatsapp_base=whatsapp_base,
            result=label(STATUSES, complaint.status), title=gettext("Inform the complainant"),
            linked_to_inform=linked_to_inform(complaint, g.user), original=original)

    def _send(self, action, complaint, form, identity):
        """Do what the pressed button asks; a response, or None to show the form again."""
        message = form.message.data.strip()
        if action == "letter_pdf":
            record_view(g.user, complaint, "letter_pdf")
            response = make_response(letters.letter_pdf(complaint, message))
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
                reply_to = inbox.original_of(complaint) if form.as_reply.data else None
                informing.send_by_email(complaint, form.subject.data.strip(), message, g.user,
                                        reply_to=reply_to)
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
        still = linked_to_inform(complaint, g.user)
        if still:
            flash(gettext("Complainants of the linked complaints who gave no email are still to "
                          "be told, each on their own complaint: %(numbers)s.",
                          numbers=", ".join(other.register_number for other in still)), "warning")
        return redirect(url_for("ComplaintModelView.show", pk=complaint.id))
