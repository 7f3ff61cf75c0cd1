"""The bell's page ("Tugas saya"), the channel choices, and the admin's outbox."""

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import Length

from app.auth.security import actors_of
from app.core import workflow
from app.core.errors import ServiceError
from app.core.timeutil import now_wib, today_wib
from app.core.values import mail_can_reach
from app.extensions import db
from app.models import OutboxMessage
from app.models.notifications import OUTBOX_STATUSES
from app.services import notifications, outbox
from app.web.forms import BaseForm


class SettingsForm(BaseForm):
    email = BooleanField(_l("Email"))
    telegram = BooleanField(_l("Telegram"))
    telegram_chat_id = StringField(_l("Telegram chat id"), validators=[
        Length(max=40, message=_l("At most %(max)d characters."))])


def _complaint_page(user):
    """The endpoint where ``user`` opens a complaint: the register's page, or for a Camat or
    the Inspektorat the page of what a village referred to them."""
    if workflow.OVERSIGHT in actors_of(user):
        return "ReferralView.show"
    return "ComplaintModelView.show"


class TasksView(BaseView):
    """``/tasks/``: what waits for me, what is due today and overdue, and my notifications,
    newest first; opening one marks it read. Every staff role (``can_tasks`` on
    ``MyTasks``); each user only ever reads their own notifications."""

    route_base = "/tasks"
    class_permission_name = "MyTasks"
    method_permission_name = {"tasks": "tasks", "open": "tasks", "read_all": "tasks",
                              "settings": "tasks"}
    default_view = "tasks"

    @expose("/")
    @has_access
    def tasks(self):
        today = today_wib()
        return self.render_template(
            "notifications/tasks.html", tasks=notifications.tasks_of(g.user, today),
            complaint_page=_complaint_page(g.user),
            items=notifications.recent(g.user), today=today,
            unread=notifications.unread_count(g.user), title=gettext("My tasks"))

    @expose("/open/<int:pk>")
    @has_access
    def open(self, pk):
        notification = notifications.open_notification(g.user, pk)
        if notification is None:
            abort(404)
        if notification.complaint_id is None:
            return redirect(url_for("TasksView.tasks"))
        return redirect(url_for(_complaint_page(g.user), pk=notification.complaint_id))

    @expose("/read-all", methods=["POST"])
    @has_access
    def read_all(self):
        count = notifications.mark_all_read(g.user)
        flash(gettext("%(count)d notifications marked read.", count=count), "info")
        return redirect(url_for("TasksView.tasks"))

    @expose("/settings", methods=["GET", "POST"])
    @has_access
    def settings(self):
        choice = notifications.settings_of(g.user.id)
        form = SettingsForm(data={"email": choice.email, "telegram": choice.telegram,
                                  "telegram_chat_id": choice.telegram_chat_id or ""})
        telegram = notifications.telegram_available()
        # A login without a real address (an officer without email) is not offered email;
        # the stored choice stays for when the admin adds an address.
        email_reachable = mail_can_reach(g.user.email)
        if request.method == "POST" and form.validate_on_submit():
            try:
                notifications.save_settings(
                    g.user, form.email.data if email_reachable else choice.email,
                    telegram and form.telegram.data,
                    form.telegram_chat_id.data if telegram else choice.telegram_chat_id)
            except ServiceError as exc:
                db.session.rollback()
                flash(str(exc), "danger")
            else:
                flash(gettext("Your notification choices were saved."), "success")
                return redirect(url_for("TasksView.settings"))
        return self.render_template("notifications/settings.html", form=form,
                                    telegram=telegram, email_reachable=email_reachable,
                                    title=gettext("Notification channels"))


class OutboxView(BaseView):
    """``/outbox/``: the messages waiting, sent and failed, with their errors; a failed one
    can be sent again. The admin only (``can_list`` / ``can_resend`` on ``Outbox``)."""

    route_base = "/outbox"
    class_permission_name = "Outbox"
    method_permission_name = {"outbox": "list", "resend": "resend"}
    default_view = "outbox"

    @expose("/")
    @has_access
    def outbox(self):
        status = request.args.get("status") or None
        if status is not None and status not in OUTBOX_STATUSES:
            abort(400)
        query = db.session.query(OutboxMessage)
        if status:
            query = query.filter(OutboxMessage.status == status)
        rows = query.order_by(OutboxMessage.id.desc()).limit(200).all()
        return self.render_template("notifications/outbox.html", rows=rows, status=status,
                                    counts=outbox.counts(), statuses=OUTBOX_STATUSES,
                                    title=gettext("Outbox"))

    @expose("/resend/<int:pk>", methods=["POST"])
    @has_access
    def resend(self, pk):
        if outbox.resend(pk, now_wib()):
            flash(gettext("The message is queued to be sent again."), "success")
        else:
            flash(gettext("Only a failed message can be sent again."), "warning")
        return redirect(url_for("OutboxView.outbox", status="failed"))
