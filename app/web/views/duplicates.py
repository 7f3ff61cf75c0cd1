"""Duplicates on the screens: the candidates of a complaint, link it to a main one, unlink."""

from flask import abort, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext

from app.auth import access
from app.core.numbering import InvalidPhone, normalize_phone
from app.core.values import int_or_none
from app.core.vocabularies import STATUSES, label
from app.extensions import db
from app.models import Complaint
from app.services import complaints as services, duplicates


def panel(item, user, appbuilder):
    """What the duplicates panel of a complaint's page or verify form shows ``user``: the
    candidates and the link forms for the desk (``can_link`` on ``Duplicate``), the links
    themselves (to complaints ``user`` may open) for everyone."""
    may_link = appbuilder.sm.has_access("can_link", DuplicateView.class_permission_name)
    main = item.duplicate_of
    return {
        "may_link": may_link and not item.voided,
        "candidates": duplicates.candidates_of(item, user) if may_link else [],
        "reasons": duplicates.reason_labels(),
        "main": main if main is not None and access.can_view(user, main) else None,
        "linked": [d for d in item.duplicates if access.can_view(user, d)],
    }


class DuplicateView(BaseView):
    """``/duplicate/<id>/link`` and ``/duplicate/<id>/unlink``: the desk's forms of the
    duplicates panel (on the complaint's page and the verify form)."""

    route_base = "/duplicate"
    class_permission_name = "Duplicate"
    method_permission_name = {"link": "link", "unlink": "link", "candidates": "link"}

    def _complaint(self, pk):
        complaint = db.session.get(Complaint, pk)
        if complaint is None or not access.can_view(g.user, complaint):
            abort(404)
        return complaint

    def _back(self, complaint):
        return redirect(request.form.get("next") if request.form.get("next", "").startswith(
            "/complaint/") else url_for("ComplaintModelView.show", pk=complaint.id))

    @expose("/candidates", methods=["GET"])
    @has_access
    def candidates(self):
        """Possible duplicates of what the add form holds so far (its script asks as the desk
        types): a complaint can be linked only once registered, on its page."""
        args = request.args
        try:
            phone = normalize_phone(args.get("phone", "")) if args.get("phone") else None
        except InvalidPhone:
            phone = None
        found = duplicates.candidates(g.user, args.get("subject", "")[:200],
                                      int_or_none(args.get("dusun")),
                                      int_or_none(args.get("category")), phone)
        reasons = duplicates.reason_labels()
        return jsonify(candidates=[{
            "id": other.id, "register_number": other.register_number, "subject": other.subject,
            "status": str(label(STATUSES, other.status)),
            "reasons": [reasons[reason] for reason in why],
            "url": url_for("ComplaintModelView.show", pk=other.id)} for other, why in found])

    @expose("/<int:pk>/link", methods=["POST"])
    @has_access
    def link(self, pk):
        complaint = self._complaint(pk)
        main_id = int_or_none(request.form.get("main_id"))
        main = db.session.get(Complaint, main_id) if main_id is not None else None
        try:
            duplicates.link(complaint, main, g.user, request.form.get("note"),
                            request.form.get("expected_version"))
        except services.ServiceError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            flash(gettext("%(number)s is now handled together with %(main)s.",
                          number=complaint.register_number, main=main.register_number),
                  "success")
        return self._back(complaint)

    @expose("/<int:pk>/unlink", methods=["POST"])
    @has_access
    def unlink(self, pk):
        complaint = self._complaint(pk)
        try:
            duplicates.unlink(complaint, request.form.get("reason"), g.user,
                              request.form.get("expected_version"))
        except services.ServiceError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            flash(gettext("%(number)s is handled on its own again.",
                          number=complaint.register_number), "success")
        return self._back(complaint)
