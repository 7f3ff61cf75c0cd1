"""Serving and handling evidence files for staff: every file through a view that asks
``access`` about its complaint, never a public URL.

Reading a file needs the ``file`` permission (the roles that open complaints) and
``evidence.readable_by`` on the row (``access.can_read_attachment``, and a meeting's rule for
its papers): a file of a complaint the user may not open is a 404, like the complaint itself. Adding, withdrawing and the public flag are services in
``app.services.evidence``; these views parse the form, call them, flash and redirect.
"""

from io import BytesIO

from flask import abort, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext

from app.auth import access
from app.extensions import db
from app.models import Attachment, Complaint, Meeting
from app.services import evidence, storage
from app.models.evidence import PDF


def file_answer(attachment, thumbnail=False, name=None):
    """The stored file as an answer: an image inline (it was re-encoded here), a PDF only as
    a download, never shown in the browser. ``name``: the file name to give instead of the
    uploaded one (the public list: an uploaded name may name someone)."""
    try:
        data = evidence.content(attachment, thumbnail)
    except storage.StorageError:
        abort(503)
    if data is None:
        abort(404)
    name = name or attachment.original_name
    if attachment.kind != PDF:
        name = name.rsplit(".", 1)[0] + ".jpg"  # what is served is the JPEG made here
    response = send_file(BytesIO(data), mimetype="image/jpeg" if thumbnail
                         else attachment.content_type,
                         as_attachment=attachment.kind == PDF, download_name=name,
                         max_age=0, etag=False, conditional=False)
    # A document is data, never a page: no script, no plugin, even if opened directly.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


class AttachmentView(BaseView):
    """``/attachment/<id>`` (the file), ``/attachment/<id>/thumb``, and adding, withdrawing
    and showing a file to the resident from the complaint's page."""

    route_base = "/attachment"
    class_permission_name = "Attachment"
    method_permission_name = {"file": "file", "thumbnail": "file", "add": "add",
                              "withdraw": "withdraw", "publish": "publish",
                              "add_to_meeting": "publish", "public_list": "publish"}
    default_view = "file"

    def _readable(self, pk):
        attachment = db.session.get(Attachment, pk)
        if attachment is None or not evidence.readable_by(g.user, attachment):
            abort(404)
        return attachment

    @expose("/<int:pk>", methods=["GET"])
    @has_access
    def file(self, pk):
        return file_answer(self._readable(pk))

    @expose("/<int:pk>/thumb", methods=["GET"])
    @has_access
    def thumbnail(self, pk):
        attachment = self._readable(pk)
        if attachment.thumbnail_key is None:
            abort(404)
        return file_answer(attachment, thumbnail=True)

    def _complaint_page(self, complaint_id, meeting_id=None):
        if complaint_id is None:
            return redirect(url_for("MeetingModelView.show", pk=meeting_id) + "#lampiran")
        return redirect(url_for("ComplaintModelView.show", pk=complaint_id) + "#lampiran")

    @expose("/add/<int:complaint_id>", methods=["POST"])
    @has_access
    def add(self, complaint_id):
        """Files added by the desk or the officer handling the complaint, at any step."""
        complaint = db.session.get(Complaint, complaint_id)
        if complaint is None or not access.can_view(g.user, complaint):
            abort(404)
        try:
            rows = evidence.attach(complaint, request.files.getlist("attachments"), g.user,
                                   is_public=request.form.get("is_public") == "y",
                                   note=request.form.get("note", "")[:2000])
        except evidence.ServiceError as exc:
            flash(str(exc), "danger")
        else:
            flash(gettext("Added: %(names)s.", names=", ".join(r.original_name for r in rows)),
                  "success")
        return self._complaint_page(complaint_id)

    @expose("/withdraw/<int:pk>", methods=["POST"])
    @has_access
    def withdraw(self, pk):
        """Withdraw a wrong file with a reason: it stays, hidden, and the timeline says so."""
        attachment = self._readable(pk)
        try:
            evidence.withdraw(attachment, request.form.get("reason", "")[:2000], g.user)
        except evidence.ServiceError as exc:
            flash(str(exc), "danger")
        else:
            flash(gettext("%(name)s was withdrawn.", name=attachment.original_name), "success")
        return self._complaint_page(attachment.complaint_id, attachment.meeting_id)

    @expose("/meeting/<int:meeting_id>", methods=["POST"])
    @has_access
    def add_to_meeting(self, meeting_id):
        """The scanned signed berita acara and other papers of a meeting's minutes (the desk:
        the same permission as deciding what the resident sees)."""
        meeting = db.session.get(Meeting, meeting_id)
        if meeting is None or not evidence.meeting_readable(g.user, meeting_id):
            abort(404)
        try:
            rows = evidence.attach_to_meeting(meeting, request.files.getlist("attachments"),
                                              g.user)
        except evidence.ServiceError as exc:
            flash(str(exc), "danger")
        else:
            flash(gettext("Added: %(names)s.", names=", ".join(r.original_name for r in rows)),
                  "success")
        return self._complaint_page(None, meeting_id)

    @expose("/publish/<int:pk>", methods=["POST"])
    @has_access
    def publish(self, pk):
        """The desk shows a file on the resident's status page, or takes it off again."""
        attachment = self._readable(pk)
        try:
            evidence.set_public(attachment, request.form.get("is_public") == "y", g.user)
        except evidence.ServiceError as exc:
            flash(str(exc), "danger")
        return self._complaint_page(attachment.complaint_id, attachment.meeting_id)

    @expose("/public-list/<int:pk>", methods=["POST"])
    @has_access
    def public_list(self, pk):
        """The desk puts a public photo beside its published resolved problem on the
        "Sudah ditangani" list (``chosen=y``), or takes it off."""
        attachment = self._readable(pk)
        if attachment.complaint is None:
            abort(404)
        chosen = request.form.get("chosen") == "y"
        if not chosen and attachment.complaint.public_photo_id != attachment.id:
            return self._complaint_page(attachment.complaint_id)
        try:
            evidence.set_public_photo(attachment.complaint, attachment.id if chosen else None,
                                      g.user)
        except evidence.ServiceError as exc:
            flash(str(exc), "danger")
        else:
            flash(gettext("Shown on the public \"Already handled\" list.") if chosen
                  else gettext("Taken off the public \"Already handled\" list."), "success")
        return self._complaint_page(attachment.complaint_id)
