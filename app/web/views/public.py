"""The anonymous pages: submit a complaint (/lapor), its receipt, and track it (/status).

Light pages for phones: they extend ``public/base.html`` (own small CSS, no
admin-panel JavaScript). Every answer carries ``Cache-Control: no-store`` and
``X-Robots-Tag: noindex``. The rules live in ``app.public.resident``; these views only
parse the form, call it and render.
"""

from flask import (abort, current_app, make_response, redirect, render_template, request,
                   url_for)
from flask_appbuilder import BaseView, expose
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import (DateField, HiddenField, MultipleFileField, RadioField, SelectField,
                     StringField, TextAreaField)
from wtforms.validators import AnyOf, Length, Optional, Regexp, ValidationError
from wtforms.widgets import DateInput

from app.auth import access
from app.documents import receipts
from app.extensions import db
from app.models import Attachment
from app.public import resident as public
from app.services import complaints as services, evidence, feedback, informing, settings
from app.web import forms
from app.web.forms import BaseForm, LazyTokenCSRF, NotInFuture, required
from app.web.views.evidence import file_answer


def no_store(response):
    """Public answers are personal to the asker: never cached, never indexed."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


class ComplaintFields(BaseForm):
    """The submit form's fields, named as in the public API; shared by the page and the API."""

    name = forms.name_field()
    address = forms.address_field()
    phone = forms.phone_field()
    email = forms.email_field()
    kind = forms.kind_field(validators=[required()])
    subject = forms.subject_field()
    description = forms.description_field()
    dusun = SelectField(_l("Dusun"), choices=[], validate_choice=False)
    rt_rw = forms.rt_rw_field()
    incident_date = DateField(_l("Incident date"), format="%Y-%m-%d", widget=DateInput(),
                              validators=[Optional(), NotInFuture()])
    identity_level = forms.identity_level_field(validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.dusun.choices = [("", gettext("(not chosen)"))] + [
            (name, name) for name in public.active_dusun_names()]

    def validate_dusun(self, field):
        if field.data and field.data not in dict(self.dusun.choices):
            raise ValidationError(gettext("Choose a dusun from the list."))

    def values(self):
        """The validated values as a plain dict (for ``public.submit_complaint``)."""
        return {name: self[name].data for name in (
            "name", "address", "phone", "email", "kind", "subject", "description", "dusun",
            "rt_rw", "incident_date", "identity_level")}


class SubmitForm(ComplaintFields):
    """The page form: the fields plus a honeypot and a small sum against spam robots."""

    homepage = StringField(_l("Leave this field empty"))
    question = HiddenField()
    submission_token = HiddenField()  # one-time: the form registers one complaint
    # Up to 3 photos or PDFs, one plain file input each (a phone offers camera or gallery).
    attachments = MultipleFileField(_l("Photos or documents (optional)"))
    answer = StringField(_l("Answer"), validators=[
        required(_l("Answer the question, please.")),
        Length(max=5, message=_l("At most %(max)d characters.")),
    ])

    def validate_answer(self, field):
        if not public.answer_is_right(self.question.data, field.data):
            raise ValidationError(gettext("That is not the right answer; try the new question."))


class TrackForm(BaseForm):
    """The look-up: a found complaint's page shows no form, so its new token is not made."""

    class Meta:
        csrf_class = LazyTokenCSRF

    tracking_code = StringField(_l("Tracking code"), validators=[
        required(_l("Enter the tracking code from your receipt.")),
        Length(max=40, message=_l("At most %(max)d characters.")),
    ])
    phone_last4 = StringField(_l("Last 4 digits of your phone number"), validators=[
        required(_l("Enter the last 4 digits of the phone number you gave.")),
        Regexp(r"^\s*\d{4}\s*$", message=_l("Enter exactly 4 digits.")),
    ])


class FeedbackForm(BaseForm):
    """The resident's answer after being informed: solved or not, and an optional comment."""

    solved = RadioField(_l("Is the problem solved?"), validate_choice=False,
                        choices=[("yes", _l("Yes, it is solved")),
                                 ("no", _l("No, it is not solved yet"))],
                        validators=[required(_l("Choose yes or no.")),
                                    AnyOf(["yes", "no"], message=_l("Choose yes or no."))])
    comment = TextAreaField(_l("Comment (optional)"), validators=[
        Optional(), Length(max=2000, message=_l("At most %(max)d characters."))])


class CompletionForm(BaseForm):
    """What the resident adds when the desk asked them to complete the complaint."""

    completion = TextAreaField(_l("What you add"), validators=[
        required(_l("Write what the complaint officer asked for.")),
        Length(max=2000, message=_l("At most %(max)d characters."))])
    attachments = MultipleFileField(_l("Photos or documents (optional)"))


class PublicView(BaseView):
    """Submit, receipt, track. Open to everyone: no ``@has_access`` on purpose."""

    route_base = ""
    class_permission_name = "Public"
    default_view = "submit"

    def create_blueprint(self, appbuilder, endpoint=None, static_folder=None):
        """The blueprint, with the no-store headers. CSRF is checked by the forms themselves
        (``validate_on_submit``) instead of the global CSRFProtect, so that an expired form
        comes back with what the resident typed rather than a bare 400 page."""
        blueprint = super().create_blueprint(appbuilder, endpoint, static_folder)
        blueprint.after_request(no_store)
        current_app.extensions["csrf"].exempt(blueprint)
        return blueprint

    @expose("/lapor", methods=["GET", "POST"])
    def submit(self):
        form = SubmitForm()
        if request.method == "POST":
            try:
                public.check_submit_allowed()
            except public.Refused as exc:
                return self._submit_page(form, str(exc), exc.code)
            if form.homepage.data:
                return self._submit_page(form, gettext("The complaint could not be sent."), 400)
            if form.validate_on_submit():
                try:
                    files = evidence.prepare_all(evidence.read_uploads(form.attachments.data))
                    complaint, _repeated = public.submit_from_page(
                        form.values(), form.submission_token.data, files)
                except evidence.FileRefused as exc:
                    form.attachments.errors = [str(exc)]
                    return self._submit_page(form, gettext("Please correct the marked fields."),
                                             400)
                except (public.Refused, evidence.StorageFailed) as exc:
                    return self._submit_page(form, str(exc), exc.code)
                public.grant_receipt(complaint)
                return redirect(url_for(f"{self.endpoint}.receipt"), code=303)
            return self._submit_page(form, gettext("Please correct the marked fields."), 400)
        return self._submit_page(form)

    def _submit_page(self, form, error=None, code=200):
        """The form (again, with what was typed and its submission token kept)."""
        text, token = public.new_question()
        form.question.data = token
        form.answer.data = ""
        if not public.submission_key(form.submission_token.data):
            form.submission_token.data = public.new_submission_token()
        headers = {"Retry-After": "5"} if code == 503 else {}
        files_sent = any((item.filename or "").strip() for item in form.attachments.data or ())
        privacy_link = Markup('<a href="{}">{}</a>').format(
            url_for(f"{self.endpoint}.privacy"), gettext("privacy notice"))
        return render_template("public/submit.html", form=form, question=text, error=error,
                               files_sent=files_sent and code != 200,
                               max_files=current_app.config["ATTACHMENT_MAX_PER_REQUEST"],
                               max_mb=current_app.config["ATTACHMENT_MAX_BYTES"] // 2 ** 20,
                               privacy_link=privacy_link), code, headers

    @expose("/privasi", methods=["GET"])
    def privacy(self):
        """What is collected, why, who sees it, how long it is kept, and how to ask."""
        return render_template("public/privacy.html",
                               years=settings.value(settings.RETENTION_YEARS))

    @expose("/lapor/tanda-terima", methods=["GET"])
    def receipt(self):
        complaint = public.granted_complaint()
        if complaint is None:
            return redirect(url_for(f"{self.endpoint}.status"))
        return render_template("public/receipt.html", item=complaint,
                               receipt=receipts.receipt_data(complaint, public=True),
                               status_url=informing.status_url(),
                               # Drawn by the qrcode library from our own address and the
                               # code (letters and digits): no text typed by anyone.
                               qr=Markup(receipts.qr_code_svg(complaint)),  # nosec B704
                               privacy=receipts.privacy_sentence())

    @expose("/lapor/tanda-terima.pdf", methods=["GET"])
    def receipt_pdf(self):
        complaint = public.granted_complaint()
        if complaint is None:
            return redirect(url_for(f"{self.endpoint}.status"))
        response = make_response(receipts.receipt_pdf(complaint, public=True))
        response.headers["Content-Type"] = "application/pdf"
        filename = "tanda-terima-" + complaint.register_number.replace("/", "-") + ".pdf"
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @expose("/status", methods=["GET", "POST"])
    def status(self):
        form = TrackForm()
        if request.method == "POST" and form.validate_on_submit():
            try:
                complaint = public.track(form.tracking_code.data, form.phone_last4.data)
            except public.Refused as exc:
                # Nothing typed is echoed: the answer must not differ by what was typed.
                form.tracking_code.data = form.phone_last4.data = ""
                return render_template("public/status.html", form=form,
                                       error=str(exc)), exc.code
            public.grant_receipt(complaint)
            return self._status_page(complaint)
        form.phone_last4.data = ""
        code = 400 if request.method == "POST" else 200
        return render_template("public/status.html", form=form), code

    def _status_page(self, complaint, feedback_form=None, notice=None, error=None, code=200,
                     completion_form=None):
        """The complaint as the public sees it, with the feedback or completion form when
        it applies."""
        view = public.public_view(complaint)
        if view["feedback_asked"] and feedback_form is None:
            feedback_form = FeedbackForm()
        if view["completion_asked"] and completion_form is None:
            completion_form = CompletionForm()
        return render_template(
            "public/status.html", form=None, view=view,
            files=evidence.shown_to_resident(complaint),
            max_files=current_app.config["ATTACHMENT_MAX_PER_REQUEST"],
            feedback_form=feedback_form if view["feedback_asked"] else None,
            completion_form=completion_form if view["completion_asked"] else None,
            notice=notice, error=error), code, {"Retry-After": "5"} if code == 503 else {}

    def _resident_answer(self, form_class, form_name, act):
        """A form the resident sends from the status page just opened (the session holds the
        complaint found with the tracking code and phone digits): ``act(complaint, form)``
        records it and returns the notice to show. Bad input comes back with what was typed."""
        complaint = public.granted_complaint()
        if complaint is None:
            form = TrackForm(formdata=None)
            return render_template("public/status.html", form=form, error=gettext(
                "Please look your complaint up again with the tracking code and phone digits, "
                "then answer.")), 400
        form = form_class()
        if not form.validate_on_submit():
            message = (gettext("The form had expired: please check it and send it again.")
                       if form.csrf_token.errors else None)
            return self._status_page(complaint, error=message, code=400, **{form_name: form})
        try:
            notice = public.record_answer(lambda: act(complaint, form))
        except public.Refused as exc:  # busy: the answer comes back as typed
            return self._status_page(complaint, error=str(exc), code=exc.code,
                                     **{form_name: form})
        except services.ServiceError as exc:  # refused (a file, the step): typed text kept
            return self._status_page(complaint, error=str(exc), code=exc.code,
                                     **{form_name: form})
        return self._status_page(complaint, notice=notice)

    @expose("/status/lampiran/<int:pk>", methods=["GET"])
    def attachment(self, pk):
        """A file of the complaint this session looked up (or just sent): one the desk made
        public, or one the resident sent. Anything else is a 404, whatever it is."""
        return self._resident_file(pk, thumbnail=False)

    @expose("/status/lampiran/<int:pk>/kecil", methods=["GET"])
    def attachment_thumbnail(self, pk):
        return self._resident_file(pk, thumbnail=True)

    def _resident_file(self, pk, thumbnail):
        complaint = public.granted_complaint()
        attachment = db.session.get(Attachment, pk) if complaint is not None else None
        if (attachment is None or attachment.complaint_id != complaint.id
                or not access.resident_may_read(attachment)
                or (thumbnail and attachment.thumbnail_key is None)):
            abort(404)
        return file_answer(attachment, thumbnail)

    @expose("/status/lengkapi", methods=["POST"])
    def complete(self):
        """The resident completes the complaint the desk asked them to complete."""

        def act(complaint, form):
            files = evidence.prepare_all(evidence.read_uploads(
                form.attachments.data, evidence.count_on(complaint)))
            public.submit_completion(complaint, form.completion.data.strip(), files)
            return gettext("Thank you: what you added was sent to the complaint officer, and "
                           "the complaint is being handled again.")

        return self._resident_answer(CompletionForm, "completion_form", act)

    @expose("/status/tanggapan", methods=["POST"])
    def feedback(self):
        """The resident's feedback after being informed: solved or not."""
        def act(complaint, form):
            solved = form.solved.data == "yes"
            feedback.submit_feedback(complaint, solved, form.comment.data)
            if solved:
                return gettext("Thank you: your answer was recorded and the complaint stays "
                               "closed.")
            return gettext("Thank you: your answer was recorded. The complaint officer will "
                           "decide whether to reopen it and you can follow it here.")

        return self._resident_answer(FeedbackForm, "feedback_form", act)
