"""The complaint register screens: list, add, edit, the complaint's page, receipt, void."""

from flask import abort, flash, g, make_response, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import HiddenField

from app import access, forms, services
from app.choices import CHANNELS, KINDS, STATUSES, URGENCIES, label
from app.models import Complaint
from app.timeutil import date_id, datetime_id
from app.views.base import SafeModelView

COLUMN_LABELS = {
    "register_number": _l("Register no."),
    "tracking_code": _l("Tracking code"),
    "kind": _l("Kind"),
    "channel": _l("Channel"),
    "received_at": _l("Received"),
    "complainant_name": _l("Complainant"),
    "complainant_display": _l("Complainant"),
    "complainant_address": _l("Address"),
    "complainant_phone": _l("Phone / WhatsApp"),
    "complainant_email": _l("Email"),
    "subject": _l("Subject"),
    "description": _l("Description"),
    "dusun": _l("Dusun"),
    "rt_rw": _l("RT/RW"),
    "location": _l("Location"),
    "incident_date": _l("Incident date"),
    "category": _l("Category"),
    "urgency": _l("Urgency"),
    "status": _l("Status"),
    "assigned_officer": _l("Officer"),
    "due_date": _l("Due date"),
    "public_note": _l("Public note"),
}

_FORM_FIELDS = {
    "kind": forms.kind_field,
    "channel": forms.channel_field,
    "urgency": forms.urgency_field,
    "complainant_name": forms.name_field,
    "complainant_address": forms.address_field,
    "complainant_phone": forms.phone_field,
    "complainant_email": forms.email_field,
    "subject": forms.subject_field,
    "description": forms.description_field,
    "rt_rw": forms.rt_rw_field,
    "location": forms.location_field,
    "received_at": forms.received_at_field,
    "incident_date": forms.incident_date_field,
}


def _form_fields():
    return {name: make() for name, make in _FORM_FIELDS.items()}


def _or_dash(value):
    return value if value is not None else "-"


def _status_badge(value):
    return Markup('<span class="status status-{0}">{1}</span>').format(
        value, label(STATUSES, value)
    )


class ComplaintModelView(SafeModelView):
    """The register (buku pengaduan). Entries are never deleted; ``status`` is never a form field."""

    datamodel = SQLAInterface(Complaint)
    class_permission_name = "Complaint"
    route_base = "/complaint"
    method_permission_name = {
        "receipt": "receipt",
        "receipt_pdf": "receipt",
        "void": "void",
    }
    exclude_route_methods = {"delete", "download"}

    list_title = _l("Complaint register")
    show_title = _l("Complaint")
    add_title = _l("Register a complaint")
    edit_title = _l("Edit complaint")
    label_columns = COLUMN_LABELS

    list_columns = [
        "register_number", "received_at", "complainant_display", "subject", "category",
        "urgency", "status", "assigned_officer", "due_date",
    ]
    order_columns = ["register_number", "received_at", "subject", "urgency", "status", "due_date"]
    base_order = ("received_at", "desc")
    search_columns = [
        "register_number", "tracking_code", "complainant_name", "subject", "status",
        "category", "channel", "kind", "dusun", "urgency", "assigned_officer", "received_at",
        "due_date",
    ]
    base_filters = [["id", access.VisibleComplaintsFilter, lambda: None]]

    add_columns = [
        "kind", "channel", "received_at", "complainant_name", "complainant_address",
        "complainant_phone", "complainant_email", "subject", "description", "dusun", "rt_rw",
        "location", "incident_date", "category", "urgency",
    ]
    edit_columns = [
        "kind", "channel", "complainant_name", "complainant_address", "complainant_phone",
        "complainant_email", "subject", "description", "dusun", "rt_rw", "location",
        "incident_date", "expected_version",
    ]
    add_form_extra_fields = _form_fields()
    edit_form_extra_fields = {**_form_fields(), "expected_version": HiddenField()}
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "dusun": [["active", FilterEqual, True]],
        "category": [["active", FilterEqual, True]],
    }
    formatters_columns = {
        "received_at": datetime_id,
        "due_date": date_id,
        "status": _status_badge,
        "urgency": lambda v: label(URGENCIES, v),
        "kind": lambda v: label(KINDS, v),
        "channel": lambda v: label(CHANNELS, v),
        "category": _or_dash,
        "assigned_officer": _or_dash,
        "dusun": _or_dash,
    }
    show_template = "complaint/show.html"

    def prefill_form(self, form, pk):
        item = self.datamodel.get(pk, self._base_filters)
        form.expected_version.data = item.version

    def pre_add(self, item):
        services.register_complaint(item, g.user, commit=False)

    def pre_update(self, item):
        services.check_version(item, getattr(item, "expected_version", None))
        services.touch(item, g.user)

    def post_add_redirect(self):
        return redirect(url_for(f"{self.endpoint}.show", pk=self._last_added_pk))

    def post_add(self, item):
        self._last_added_pk = item.id

    def _visible(self, pk):
        """The complaint at ``pk`` if this user may open it, else 404 (no hint it exists)."""
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        return item

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        item = self._visible(pk)
        user = g.user
        return self.render_template(
            self.show_template,
            item=item,
            title=self.show_title,
            identity_visible=access.identity_visible(user, item),
            can_edit=self.appbuilder.sm.has_access("can_edit", self.class_permission_name),
            can_receipt=self.appbuilder.sm.has_access("can_receipt", self.class_permission_name),
            can_void=self.appbuilder.sm.has_access("can_void", self.class_permission_name),
            labels=COLUMN_LABELS,
        )

    @expose("/receipt/<pk>", methods=["GET"])
    @has_access
    def receipt(self, pk):
        from app import receipts

        item = self._visible(pk)
        return self.render_template(
            "complaint/receipt.html", item=item, receipt=receipts.receipt_data(item)
        )

    @expose("/receipt/<pk>/pdf", methods=["GET"])
    @has_access
    def receipt_pdf(self, pk):
        from app import receipts

        item = self._visible(pk)
        response = make_response(receipts.receipt_pdf(item))
        response.headers["Content-Type"] = "application/pdf"
        filename = "tanda-terima-" + item.register_number.replace("/", "-") + ".pdf"
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @expose("/void/<pk>", methods=["POST"])
    @has_access
    def void(self, pk):
        item = self._visible(pk)
        try:
            services.void_complaint(
                item, request.form.get("reason"), g.user, request.form.get("expected_version")
            )
        except services.ServiceError as exc:
            flash(str(exc), "danger")
        else:
            flash(gettext("Register entry %(number)s is void.", number=item.register_number),
                  "success")
        return redirect(url_for(f"{self.endpoint}.show", pk=pk))
