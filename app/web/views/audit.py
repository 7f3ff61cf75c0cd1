"""The audit log screen: the admin reads and filters it, and exports it for an inspector."""

from flask import Response, g
from flask_appbuilder import expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.urltools import get_filter_args
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from app.core.timeutil import datetime_id, now_wib
from app.models import AuditEntry
from app.services import audit
from app.web.views.base import SafeModelView

# The most rows one export holds (an inspector narrows by dates or data with the filters).
EXPORT_LIMIT = 100_000


class AuditInterface(SQLAInterface):
    """Fills each entry's shown values for the request's user (personal values by the rules
    of ``app.access``), so the list, the detail page and the export show the same."""

    def query(self, *args, **kwargs):
        count, entries = super().query(*args, **kwargs)
        for entry in entries:
            entry.shown_old, entry.shown_new = audit.shown(g.user, entry)
        return count, entries

    def get(self, *args, **kwargs):
        entry = super().get(*args, **kwargs)
        if entry is not None:
            entry.shown_old, entry.shown_new = audit.shown(g.user, entry)
        return entry


class AuditLogModelView(SafeModelView):
    """Every recorded change, newest first. Nobody can change it (nor can the database)."""

    datamodel = AuditInterface(AuditEntry)
    class_permission_name = "AuditLog"
    route_base = "/auditlog"
    method_permission_name = {"list": "list", "show": "show", "export": "export"}
    exclude_route_methods = {"add", "edit", "delete", "download", "action", "action_post"}
    list_title = _l("Audit log")
    show_title = _l("Audit log entry")
    label_columns = {
        "occurred_at": _l("Time"), "actor_name": _l("User"), "entity": _l("Data"),
        "entity_label": _l("Record"), "action": _l("Action"), "field": _l("Field"),
        "shown_old": _l("Old value"), "shown_new": _l("New value"),
    }
    list_columns = show_columns = ["occurred_at", "actor_name", "entity", "entity_label",
                                   "action", "field", "shown_old", "shown_new"]
    search_columns = ["occurred_at", "actor_name", "entity", "entity_label", "action", "field"]
    # The kind of record is chosen from the list, not typed ("complaint", "officer"...).
    search_form_extra_fields = {
        "entity": SelectField(
            _l("Data"), widget=Select2Widget(),
            choices=[(name, label) for name, (_model, label) in audit.ENTITIES.items()]
            + list(audit.OTHER_ENTITIES.items())),
    }
    order_columns = ["occurred_at", "actor_name", "entity"]
    base_order = ("id", "desc")
    formatters_columns = {
        "occurred_at": datetime_id,
        "entity": audit.entity_label,
        "action": audit.action_label,
        "shown_old": lambda v: v if v is not None else "-",
        "shown_new": lambda v: v if v is not None else "-",
    }
    list_template = "audit/list.html"

    @expose("/export.csv")
    @has_access
    def export(self):
        """The log as CSV, narrowed by the list's filters (same URL arguments)."""
        filters = self.datamodel.get_filters(self.search_columns)
        get_filter_args(filters)
        _count, entries = self.datamodel.query(filters, "id", "asc", page=0,
                                               page_size=EXPORT_LIMIT)
        name = f"log-audit-{now_wib():%Y%m%d-%H%M}.csv"
        return Response(audit.csv_text(entries, g.user), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"',
                                 "Cache-Control": "no-store"})
