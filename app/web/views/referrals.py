"""The Camat's and the Inspektorat's pages: the complaints villages referred to them, each
read-only with its files, and the answer that goes back to the village
(``app.services.referrals``; who reads what: ``app.auth.access``)."""

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length

from app.auth import access, identity, villages
from app.services import evidence, referrals
from app.services.complaints import ServiceError
from app.web.forms import BaseForm, required

ANSWER_MAX = 5000


class AnswerForm(BaseForm):
    answer = TextAreaField(_l("Answer"), validators=[
        required(_l("The answer cannot be empty.")),
        Length(max=ANSWER_MAX, message=_l("At most %(max)d characters."))])
    expected_version = HiddenField()


class ReferralView(BaseView):
    """``/referral/``: the queue; ``/referral/<id>``: one referred complaint and the answer
    form (only what a village referred to this login's level and area; anything else is a
    404, with no hint that it exists)."""

    route_base = "/referral"
    class_permission_name = "Referral"
    method_permission_name = {"queue": "list", "show": "show", "answer": "answer"}
    default_view = "queue"

    @expose("/", methods=["GET"])
    @has_access
    def queue(self):
        rows = referrals.queue(g.user)
        names = {village.id: village.name for village in villages.all_villages()}
        return self.render_template("referral/queue.html", rows=rows, village_names=names,
                                    title=gettext("Referred to us"))

    def _complaint(self, pk):
        complaint = referrals.referred_complaint(g.user, pk)
        if complaint is None:
            abort(404)
        return complaint

    def _page(self, complaint, form):
        user = g.user
        visible = access.identity_visible(user, complaint)
        if visible:
            identity.record_view(user, complaint, "referral")
        files = evidence.shown_to(user, complaint)
        by_event = {}
        for attachment in files:
            by_event.setdefault(attachment.event_id, []).append(attachment)
        mine = [r for r in referrals.referrals_of(complaint)
                if r.id in referrals.referral_ids_for(user, complaint)]
        waiting = referrals.open_referral(complaint)
        return self.render_template(
            "referral/show.html", item=complaint, form=form,
            title=f"{complaint.register_number} {complaint.subject}",
            village=villages.village_data(complaint.village_id),
            referrals=mine, may_answer=waiting is not None and waiting in mine,
            identity_visible=visible, display_name=access.displayed_name(user, complaint),
            hidden_notice=access.hidden_identity_notice(complaint),
            readable_notes={event.id for event in complaint.events
                            if access.can_read_note(user, complaint, event)},
            hidden_note=access.hidden_note_text(),
            files=files, files_by_event=by_event, can_attach=False, can_withdraw=False,
            can_publish=False, may_withdraw=set(), public_list_choices=set())

    @expose("/<int:pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        complaint = self._complaint(pk)
        form = AnswerForm(formdata=None)
        form.expected_version.data = complaint.version
        return self._page(complaint, form)

    @expose("/<int:pk>/answer", methods=["POST"])
    @has_access
    def answer(self, pk):
        complaint = self._complaint(pk)
        form = AnswerForm(request.form)
        if form.validate():
            try:
                referrals.answer(complaint, form.answer.data, g.user,
                                 form.expected_version.data)
            except ServiceError as exc:
                flash(str(exc), "danger")
            else:
                flash(gettext("Your answer was sent back to the village."), "success")
                return redirect(url_for("ReferralView.show", pk=pk))
            complaint = self._complaint(pk)
        return self._page(complaint, form)
