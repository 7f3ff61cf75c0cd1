"""The staff REST API: complaints (resource ``complaint``) and their workflow steps.

FAB's ModelRestApi behind FAB's JWT login (``POST /api/v1/security/login``),
with the same roles, row-level rules and confidentiality as the screens.
Input is validated by the same WTForms rules as the screens; errors come back
as ``{"message": ...}`` or ``{"errors": {field: [messages]}}`` in the user's
language, never as database text. Entries are never deleted.
"""

import json

from flask import current_app, g, request
from flask_appbuilder.api import ModelRestApi, expose, permission_name, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from app import access, identity, response_templates, services, step_forms, workflow
from app.extensions import db
from app.forms import ComplaintApiForm
from app.models import Complaint, Dusun
from app.views.base import page_number_ok

IDENTITY_FIELDS = ("complainant_name", "complainant_address", "complainant_phone",
                   "complainant_email")
PUBLIC_COLUMNS = [
    "id", "register_number", "tracking_code", "status", "kind", "channel", "received_at",
    "subject", "category.name", "dusun.name", "rt_rw", "urgency", "assigned_officer.name",
    "verification_due", "due_date", "version", "voided", "identity_level",
]
EDITABLE = ("kind", "channel", "complainant_name", "complainant_address", "complainant_phone",
            "complainant_email", "subject", "description", "rt_rw", "location", "incident_date")


def _formdata(payload):
    """JSON values as form input, so the WTForms rules of the screens apply unchanged."""
    return MultiDict({k: "" if v is None else str(v) for k, v in payload.items()})


def step_operation_doc():
    """The OpenAPI text of the step endpoint, from the workflow's table: the steps staff
    may take (``workflow.STEPS``, those with a staff actor) and each one's fields."""
    steps = [step for step in workflow.STEPS.values() if step.actors & workflow.STAFF_ACTORS]
    lines = []
    for step in steps:
        line = f"{step.name} ({step.action})"
        if step.required:
            line += ": required " + ", ".join(step.required)
        if step.optional:
            line += ("; optional " if step.required else ": optional ") + ", ".join(step.optional)
        lines.append(line)
    fields = sorted({name for step in steps for name in step.fields})
    return "\n".join([
        "Take one workflow step.",
        "---",
        "post:",
        "  summary: Take one SOP step on a complaint",
        "  description: " + json.dumps(
            "The step's fields, by step. " + ". ".join(lines) + "."),
        "  parameters:",
        "  - in: path",
        "    name: pk",
        "    schema: {type: integer}",
        "  - in: path",
        "    name: step",
        "    schema:",
        "      type: string",
        "      enum: " + json.dumps([step.name for step in steps]),
        "  requestBody:",
        "    content:",
        "      application/json:",
        "        schema:",
        "          type: object",
        "          description: the step's fields, plus optional expected_version",
        "          properties: " + json.dumps({name: {} for name in fields + [
            "expected_version", "template_id"]}),
        "  responses:",
        "    200:",
        "      description: the complaint's new state",
        "    400: {description: missing or invalid fields}",
        "    403: {description: your role may not take this step}",
        "    404: {description: no such complaint (for you) or no such step}",
        "    409: {description: not possible from the current status, or stale version}",
    ])


def _documented(text):
    """Give the decorated endpoint ``text`` as its docstring (FAB reads OpenAPI from it)."""
    def document(function):
        function.__doc__ = text
        return function
    return document


class ComplaintApi(ModelRestApi):
    """``/api/v1/complaint/``: list, get, add (register), edit, and ``/<id>/steps/<step>``."""

    resource_name = "complaint"
    class_permission_name = "ComplaintApi"
    datamodel = SQLAInterface(Complaint)
    allow_browser_login = False
    exclude_route_methods = {"delete", "info"}
    base_filters = [["id", access.VisibleComplaintsFilter, lambda: None]]
    base_order = ("received_at", "desc")
    list_columns = PUBLIC_COLUMNS + ["complainant_name"]
    show_columns = PUBLIC_COLUMNS + list(IDENTITY_FIELDS) + [
        "description", "location", "incident_date", "public_note", "outcome_type",
        "outcome_text", "rejection_reason", "referred_to", "resolved_at", "void_reason",
        "followup_due", "paused_since", "paused_days", "extension_days", "extension_reason",
    ]
    # Filters are built by access.complaint_filters (_init_properties): a filter on the
    # name or the tracking code only looks where the user may read it.
    search_columns = ["register_number", "tracking_code", "complainant_name", "status", "kind",
                      "channel", "urgency", "received_at", "due_date", "category", "dusun",
                      "assigned_officer"]
    order_columns = ["received_at", "register_number", "due_date", "status", "urgency"]
    # The schemas FAB derives from these document the API; input is checked by _validated().
    add_columns = list(EDITABLE) + ["received_at", "identity_level"]
    edit_columns = list(EDITABLE) + ["identity_level"]

    def _init_properties(self):
        super()._init_properties()
        self._filters = access.complaint_filters(self.search_columns, self.datamodel,
                                                 self.search_filters)

    def get_list_headless(self, **kwargs):
        """FAB's list, after refusing paging and sorting it should not do (clear 400s)."""
        args = kwargs.get("rison") or {}
        page_size = args.get("page_size", self.page_size)
        largest = self.max_page_size or current_app.config["FAB_API_MAX_PAGE_SIZE"]
        if not page_number_ok(args.get("page", 0)):
            return self.response_400(message=gettext("Invalid page number."))
        if not isinstance(page_size, int) or not 1 <= page_size <= largest:
            return self.response_400(message=gettext(
                "Rows per page must be between 1 and %(largest)d.", largest=largest))
        column = args.get("order_column")
        if column and (column not in self.order_columns
                       or not access.sort_allowed(g.user, column)):
            return self.response_400(message=gettext(
                "This list cannot be sorted by \"%(column)s\".", column=str(column)[:60]))
        return super().get_list_headless(**kwargs)

    def _mask(self, row, item):
        """Blank what ``g.user`` may not read; ``complainant_display`` is the name as shown."""
        visible = access.identity_visible(g.user, item)
        if not visible:
            for field in IDENTITY_FIELDS:
                if field in row:
                    row[field] = None
        if "tracking_code" in row and not access.tracking_code_visible(g.user):
            row["tracking_code"] = None
        row["complainant_display"] = access.displayed_name(g.user, item)
        return visible

    def pre_get(self, data):
        item = db.session.get(Complaint, data.get("id"))
        if item is not None and self._mask(data["result"], item):
            identity.record_view(g.user, item, "api")

    def pre_get_list(self, data):
        items = {c.id: c for c in db.session.query(Complaint).filter(Complaint.id.in_(data["ids"]))}
        for pk, row in zip(data["ids"], data["result"]):
            self._mask(row, items[pk])

    def _visible(self, pk):
        return self.datamodel.get(pk, self._base_filters)

    def _validated(self, payload, partial_item=None):
        """Run the screens' rules on ``payload``; return (form, errors)."""
        if partial_item is not None:
            merged = {name: getattr(partial_item, name) for name in EDITABLE}
            merged["dusun_id"] = partial_item.dusun_id
            merged.update(payload)
            payload = merged
        form = ComplaintApiForm(formdata=_formdata(payload), meta={"csrf": False})
        errors = {} if form.validate() else {k: [str(m) for m in v] for k, v in form.errors.items()}
        dusun_id = payload.get("dusun_id")
        if dusun_id not in (None, "") and db.session.get(Dusun, services._int(dusun_id)) is None:
            errors["dusun_id"] = [gettext("Choose a dusun from the list.")]
        return form, errors

    def _json(self):
        payload = request.get_json(silent=True)
        return payload if isinstance(payload, dict) else None

    def post_headless(self):
        """Register a complaint (any channel); answers its number and tracking code."""
        payload = self._json()
        if payload is None:
            return self.response_400(message=gettext("Send the data as a JSON object."))
        form, errors = self._validated(payload)
        if errors:
            return self.response(400, errors=errors)
        level = payload.get("identity_level") or identity.NAMED
        if level not in identity.LEVELS:
            return self.response(400, errors={"identity_level": [
                gettext("Choose an identity protection level from the list.")]})
        complaint = Complaint()
        form.populate_obj(complaint)
        complaint.identity_level = level
        complaint.dusun_id = services._int(payload.get("dusun_id"))
        services.register_complaint(complaint, g.user)
        return self.response(201, id=complaint.id, register_number=complaint.register_number,
                             tracking_code=complaint.tracking_code, status=complaint.status)

    def put_headless(self, pk):
        """Edit the complaint's recorded data; ``version`` (as last read) is required."""
        item = self._visible(pk)
        if item is None:
            return self.response_404()
        payload = self._json()
        if payload is None:
            return self.response_400(message=gettext("Send the data as a JSON object."))
        if "version" not in payload:
            return self.response_400(
                message=gettext("Send the complaint's version as you last read it."))
        unknown = sorted(set(payload) - set(EDITABLE) - {"dusun_id", "version", "identity_level"})
        if unknown:
            return self.response_400(
                message=gettext("These fields cannot be changed here: %(fields)s.",
                                fields=", ".join(unknown)))
        try:  # refused before the fields are read, as a stale screen is
            services.check_editable(item, payload["version"])
        except services.ServiceError as exc:
            return self.response(exc.code, message=str(exc))
        form, errors = self._validated(
            {k: v for k, v in payload.items() if k not in ("version", "identity_level")},
            partial_item=item)
        if errors:
            return self.response(400, errors=errors)
        changes = {name: form[name].data for name in EDITABLE}
        changes["dusun_id"] = services._int(payload.get("dusun_id", item.dusun_id))
        if "identity_level" in payload:
            changes["identity_level"] = payload["identity_level"]
        try:
            services.edit_complaint(item, changes, g.user, payload["version"])
        except services.ServiceError as exc:
            if exc.field:
                return self.response(400, errors={exc.field: [str(exc)]})
            return self.response(exc.code, message=str(exc))
        return self.response(200, id=item.id, version=item.version, status=item.status)

    @expose("/<int:pk>/steps/<step>", methods=["POST"])
    @protect()
    @safe
    @permission_name("step")
    @_documented(step_operation_doc())
    def step(self, pk, step):
        item = self._visible(pk)
        if item is None or step not in step_forms.FORMS:
            return self.response_404()
        try:  # workflow.check_step's order: role (403) and status (409) before the fields
            services.check_step_open(item, step, g.user)
        except services.ServiceError as exc:
            return self.response(exc.code, message=str(exc))
        payload = self._json()
        if payload is None:
            return self.response_400(message=gettext("Send the data as a JSON object."))
        if (step == "verify" and not payload.get("identity_level")
                and services._truthy(payload.get("is_confidential"))):
            payload["identity_level"] = identity.CONFIDENTIAL  # the old field, still accepted
        form = step_forms.build(step, item, formdata=_formdata(payload), csrf=False)
        if payload.get("template_id") not in (None, ""):
            target = response_templates.TARGET_FIELDS.get(step)
            if target is None:
                return self.response_400(message=gettext(
                    "This step has no response templates."))
            if not (payload.get(target) or "").strip():
                try:
                    response_templates.prefill(form, step, item, payload["template_id"],
                                               g.user)
                except services.ServiceError as exc:
                    return self.response_400(message=str(exc))
        if not form.validate():
            return self.response(400, errors={k: [str(m) for m in v]
                                              for k, v in form.errors.items()})
        expected = payload.get("expected_version")
        try:
            services.apply_step(item, step, form.fields(), g.user, expected)
        except services.StaleComplaint as exc:
            return self.response(409, message=str(exc))
        except services.ServiceError as exc:
            return self.response(getattr(exc, "code", 400), message=str(exc))
        return self.response(200, id=item.id, register_number=item.register_number,
                             status=item.status, version=item.version,
                             identity_level=item.identity_level,
                             assigned_officer=item.assigned_officer.name
                             if item.assigned_officer else None)

    @expose("/<int:pk>/templates/<step>", methods=["GET"])
    @protect()
    @safe
    @permission_name("step")
    def templates(self, pk, step):
        """The response templates of a step, filled in for this complaint.
        ---
        get:
          summary: Response templates for a step (note, resolve, inform), filled in
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          - in: path
            name: step
            schema: {type: string, enum: [note, resolve, inform]}
          responses:
            200:
              description: >-
                result is a list of {id, title, category, field, text}; ``text`` is null
                and ``error`` says why when a template cannot be filled in. Send
                ``template_id`` with the step to use one.
            404: {description: no such complaint (for you) or no templates for this step}
        """
        item = self._visible(pk)
        if item is None or step not in response_templates.TARGET_FIELDS:
            return self.response_404()
        result = []
        for template in response_templates.templates_for(step, item):
            entry = {"id": template.id, "title": template.title,
                     "category": template.category.name if template.category else None,
                     "field": response_templates.TARGET_FIELDS[step], "text": None,
                     "error": None}
            try:
                entry["text"] = response_templates.fill(template, item, g.user)
            except services.ServiceError as exc:
                entry["error"] = str(exc)
            result.append(entry)
        return self.response(200, result=result)
