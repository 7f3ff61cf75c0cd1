"""The desk's "Kotak masuk": emails read from the village mailbox, and what becomes of each."""

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.auth import access
from app.core.timeutil import datetime_id
from app.extensions import db
from app.models import Complaint, InboxAttachment, InboxMessage
from app.services import complaints as services, inbox
from app.web.views.base import YesNoColumns
from app.web.views.evidence import file_answer

STATE_LABELS = {
    inbox.NEW: _l("New"),
    inbox.REGISTERED: _l("Registered as a complaint"),
    inbox.LINKED: _l("Added to a complaint"),
    inbox.NOT_COMPLAINT: _l("Not a complaint"),
}


class InboxModelView(YesNoColumns, ModelView):
    """``/inbox``: the list and each message with its three ways out (register it, add it to
    a complaint, set it aside as not a complaint). The desk and the admin only."""

    datamodel = SQLAInterface(InboxMessage)
    class_permission_name = "Inbox"
    route_base = "/inbox"
    method_permission_name = {"register": "handle", "link": "handle",
                              "not_complaint": "handle", "file": "show"}
    exclude_route_methods = {"add", "edit", "delete", "download", "action", "action_post",
                             "api", "api_read", "api_get", "api_create", "api_update",
                             "api_delete", "api_column_add", "api_column_edit",
                             "api_readvalues"}
    list_title = _l("Inbox")
    show_title = _l("Email")
    label_columns = {"fetched_at": _l("Received"), "sent_at": _l("Sent on"),
                     "sender": _l("Sender"), "subject": _l("Subject"), "state": _l("Status")}
    list_columns = ["fetched_at", "sender", "subject", "state"]
    search_columns = ["sender", "subject", "state"]
    order_columns = ["fetched_at"]
    base_order = ("fetched_at", "desc")
    formatters_columns = {"fetched_at": datetime_id,
                          "state": lambda v: str(STATE_LABELS.get(v, v))}
    show_template = "inbox/show.html"
    list_template = "inbox/list.html"

    def _message(self, pk):
        message = db.session.get(InboxMessage, pk)
        if message is None:
            abort(404)
        return message

    def render_template(self, template, **kwargs):
        """Every page of the inbox says when the mailbox was last read, and whether it
        worked (a failure stays on screen until a reading succeeds)."""
        return super().render_template(template, last_fetch=inbox.last_fetch(), **kwargs)

    @expose("/show/<int:pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        message = self._message(pk)
        return self.render_template(self.show_template, item=message, title=self.show_title,
                                    state=STATE_LABELS.get(message.state, message.state),
                                    new=message.state == inbox.NEW)

    @expose("/file/<int:pk>", methods=["GET"])
    @expose("/file/<int:pk>/<any(thumb):thumb>", methods=["GET"])
    @has_access
    def file(self, pk, thumb=None):
        """A photo or PDF of an email not yet passed to a complaint (afterwards it is the
        complaint's, served by ``/attachment`` with the complaint's access rules), served as
        the complaint's files are (``file_answer``: a PDF only as a download)."""
        file = db.session.get(InboxAttachment, pk)
        if file is None or not file.storage_key:
            abort(404)
        return file_answer(file, thumbnail=bool(thumb))

    @expose("/register/<int:pk>", methods=["GET"])
    @has_access
    def register(self, pk):
        """The add form, prefilled from the message (the complaint register's own form)."""
        message = self._message(pk)
        return redirect(url_for("ComplaintModelView.add", inbox=message.id))

    @expose("/link/<int:pk>", methods=["POST"])
    @has_access
    def link(self, pk):
        message = self._message(pk)
        number = (request.form.get("register_number") or "").strip()
        complaint = access.restrict(db.session.query(Complaint), g.user).filter(
            Complaint.register_number == number).first() if number else None
        try:
            inbox.link_to_complaint(message, complaint, g.user)
        except services.ServiceError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for("InboxModelView.show", pk=pk))
        flash(gettext("The email was added to the timeline of %(number)s.", number=number),
              "success")
        return redirect(url_for("ComplaintModelView.show", pk=complaint.id))

    @expose("/not-complaint/<int:pk>", methods=["POST"])
    @has_access
    def not_complaint(self, pk):
        message = self._message(pk)
        try:
            inbox.mark_not_complaint(message, request.form.get("reason"), g.user)
        except services.ServiceError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for("InboxModelView.show", pk=pk))
        flash(gettext("The email was set aside as not a complaint."), "success")
        return redirect(url_for("InboxModelView.list"))
