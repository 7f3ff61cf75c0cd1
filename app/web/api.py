"""The staff REST API: complaints (resource ``complaint``) and their workflow steps.

FAB's ModelRestApi behind FAB's JWT login (``POST /api/v1/security/login``),
with the same roles, row-level rules and confidentiality as the screens.
Input is validated by the same WTForms rules as the screens; errors come back
as ``{"message": ...}`` or ``{"errors": {field: [messages]}}`` in the user's
language, never as database text. Entries are never deleted.
"""

import json

import prison
import yaml
from flask import current_app, g, request
from flask_appbuilder.api import BaseApi, ModelRestApi, expose, permission_name, protect, safe
from flask_appbuilder.api.convert import Model2SchemaConverter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from marshmallow import EXCLUDE, Schema, fields, validate
from werkzeug.datastructures import MultiDict

from app.auth import access, identity
from app.core import workflow
from app.core.timeutil import WIB
from app.core.values import int_or_none, truthy
from app.core.vocabularies import CHANNELS, KINDS, OUTCOME_TYPES, STATUSES, URGENCIES
from app.extensions import db
from app.models import Complaint, Dusun
from app.services import complaints as services, duplicates, response_templates
from app.web import step_forms
from app.web.forms import MAX_DESCRIPTION, ComplaintApiForm
from app.web.views.base import page_number_ok

IDENTITY_FIELDS = access.IDENTITY_COLUMNS
EDITABLE = ("kind", "channel", "without_identity", "complainant_name", "complainant_address",
            "complainant_phone", "complainant_email", "subject", "description", "rt_rw",
            "location", "incident_date")


class WibDateTime(fields.DateTime):
    """A stored WIB wall-clock time, answered with its offset (``+07:00``), so that it is
    the ISO 8601 ``date-time`` the document promises and a client abroad reads it right."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=WIB)
        return super()._serialize(value, attr, obj, **kwargs)


def _one_of(vocabulary, **kwargs):
    return fields.String(validate=validate.OneOf(list(vocabulary)), **kwargs)


def _text(maximum=None, **kwargs):
    return fields.String(validate=validate.Length(max=maximum) if maximum else None, **kwargs)


class NamedRowSchema(Schema):
    """A related row (category, dusun, officer) as the complaint names it."""

    name = fields.String(required=True)


class ComplaintListSchema(Schema):
    """A complaint as the list answers it; identity fields follow access.identity_visible."""

    id = fields.Integer(required=True)
    register_number = fields.String()
    tracking_code = fields.String(allow_none=True, metadata={
        "description": "Only the complaint desk reads it; null for every other role"})
    status = _one_of(STATUSES)
    kind = _one_of(KINDS)
    channel = _one_of(CHANNELS)
    received_at = WibDateTime(metadata={"description": "WIB, with its offset (+07:00)"})
    subject = fields.String()
    category = fields.Nested(NamedRowSchema, allow_none=True)
    dusun = fields.Nested(NamedRowSchema, allow_none=True)
    rt_rw = fields.String(allow_none=True)
    urgency = _one_of(URGENCIES)
    assigned_officer = fields.Nested(NamedRowSchema, allow_none=True)
    verification_due = fields.Date(allow_none=True)
    due_date = fields.Date(allow_none=True)
    version = fields.Integer(metadata={"description": "Send it back when editing"})
    voided = fields.Boolean()
    identity_level = _one_of(identity.LEVELS)
    without_identity = fields.Boolean(metadata={
        "description": "Recorded without identity (tanpa identitas): never informed"})
    complainant_name = fields.String(allow_none=True, metadata={
        "description": "null when your role may not read the identity "
                       "(see complainant_display)"})
    complainant_display = fields.String(dump_only=True, metadata={
        "description": "The name as you may read it: in full, as initials (masked), or a "
                       "placeholder such as (anonymous) or (confidential)"})


class ComplaintShowSchema(ComplaintListSchema):
    """One complaint in full; identity fields are null where the user may not read them."""

    complainant_address = fields.String(allow_none=True)
    complainant_phone = fields.String(allow_none=True)
    complainant_email = fields.String(allow_none=True)
    description = fields.String()
    location = fields.String(allow_none=True)
    incident_date = fields.Date(allow_none=True)
    public_note = fields.String(allow_none=True)
    outcome_type = _one_of(OUTCOME_TYPES, allow_none=True)
    outcome_text = fields.String(allow_none=True)
    rejection_reason = fields.String(allow_none=True)
    referred_to = fields.String(allow_none=True)
    resolved_at = WibDateTime(allow_none=True)
    void_reason = fields.String(allow_none=True)
    followup_due = fields.Date(allow_none=True)
    paused_since = fields.Date(allow_none=True)
    paused_days = fields.Integer()
    extension_days = fields.Integer()
    extension_reason = fields.String(allow_none=True)


PHONE_HELP = {"description": "Indonesian phone number (08..., 628..., +62...); stored as +62..."}
NO_IDENTITY_HELP = {"description": "A complaint box note or phone call whose sender gave no "
                                   "identity: name, address and phone are not sent and "
                                   "'tanpa identitas' is recorded; never informed"}
IDENTITY_HELP = "; required unless without_identity is true"


class ComplaintEditSchema(Schema):
    """The fields an edit may send (PUT; any other field is refused); the rules are
    ComplaintApiForm's."""

    kind = _one_of(KINDS)
    channel = _one_of(CHANNELS)
    without_identity = fields.Boolean(metadata=NO_IDENTITY_HELP)
    complainant_name = _text(120)
    complainant_address = _text(255)
    complainant_phone = _text(40, metadata=PHONE_HELP)
    complainant_email = _text(120, allow_none=True, metadata={"format": "email"})
    subject = _text(200)
    description = _text(MAX_DESCRIPTION)
    rt_rw = _text(10, allow_none=True)
    location = _text(255, allow_none=True)
    incident_date = fields.Date(allow_none=True, metadata={"description": "Not in the future"})
    dusun_id = fields.Integer(allow_none=True, metadata={"description": "A dusun's id"})
    identity_level = _one_of(identity.LEVELS, metadata={
        "description": "Only ever raised (named, masked, anonymous, confidential)"})
    version = fields.Integer(required=True, metadata={
        "description": "The complaint's version as you last read it"})


class ComplaintAddSchema(ComplaintEditSchema):
    """A complaint to register (POST; other fields are ignored); the rules are
    ComplaintApiForm's."""

    class Meta:
        exclude = ("version",)
        unknown = EXCLUDE

    channel = _one_of(CHANNELS, required=True)
    complainant_name = _text(120, metadata={"description": "Required" + IDENTITY_HELP})
    complainant_address = _text(255, metadata={"description": "Required" + IDENTITY_HELP})
    complainant_phone = _text(40, metadata={
        "description": PHONE_HELP["description"] + IDENTITY_HELP})
    subject = _text(200, required=True)
    description = _text(MAX_DESCRIPTION, required=True)
    received_at = fields.String(allow_none=True, validate=validate.Regexp(
        r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})?$"), metadata={
        "description": "WIB time YYYY-MM-DD HH:MM:SS, not in the future; empty for now"})


class _SelectedColumns(Model2SchemaConverter):
    """``q=(columns:!(...))`` answers the documented fields it names, not FAB's own schema."""

    def convert(self, columns, model=None, nested=True, parent_schema_name=None):
        return ComplaintShowSchema(only=set(columns) | {"complainant_display"})


# What every operation of the staff API may answer besides its own codes, as documented
# responses; FAB's components describe 400, 401, 403, 404, 422 and 500.
_ERROR = {"type": "object", "properties": {
    "message": {"type": "string"},
    "errors": {"type": "object", "additionalProperties": {"type": "array",
                                                         "items": {"type": "string"}}}}}
EXTRA_RESPONSES = {
    code: {"description": text, "content": {"application/json": {"schema": _ERROR}}}
    for code, text in (
        ("405", "This address does not take this method (e.g. a complaint id that is not a "
                "number)"),
        ("409", "Conflict: the complaint changed since you read it, or it is void"),
        ("413", "The request body is too large"),
        ("503", "The database is busy; nothing was changed, send again"),
    )}

_STAFF_SPEC = yaml.safe_load("""
get_list:
  get:
    responses:
      200:
        description: Complaints you may read, newest first
        content:
          application/json:
            schema:
              type: object
              properties:
                count: {type: integer}
                ids: {type: array, items: {type: integer}}
                result:
                  type: array
                  items: {$ref: '#/components/schemas/ComplaintApi.get_list'}
                label_columns: {type: object, additionalProperties: {type: string}}
                description_columns: {type: object, additionalProperties: {type: string}}
                list_columns: {type: array, items: {type: string}}
                order_columns: {type: array, items: {type: string}}
                list_title: {type: string}
      400: {$ref: '#/components/responses/400'}
      401: {$ref: '#/components/responses/401'}
      403: {$ref: '#/components/responses/403'}
      405: {$ref: '#/components/responses/405'}
      422: {$ref: '#/components/responses/422'}
get:
  get:
    responses:
      200:
        description: One complaint
        content:
          application/json:
            schema:
              type: object
              properties:
                id: {type: integer}
                result: {$ref: '#/components/schemas/ComplaintApi.get'}
                label_columns: {type: object, additionalProperties: {type: string}}
                description_columns: {type: object, additionalProperties: {type: string}}
                show_columns: {type: array, items: {type: string}}
                show_title: {type: string}
      400: {$ref: '#/components/responses/400'}
      401: {$ref: '#/components/responses/401'}
      403: {$ref: '#/components/responses/403'}
      404: {$ref: '#/components/responses/404'}
      405: {$ref: '#/components/responses/405'}
      422: {$ref: '#/components/responses/422'}
post:
  post:
    responses:
      201:
        description: Registered; its number and tracking code
        content:
          application/json:
            schema:
              type: object
              properties:
                id: {type: integer}
                register_number: {type: string}
                tracking_code: {type: string}
                status: {type: string}
      400:
        description: >-
          Invalid input: ``errors`` maps each field to its messages, or ``message`` says
          what is wrong with the body
        content:
          application/json:
            schema: {$ref: '#/components/schemas/ApiError'}
      401: {$ref: '#/components/responses/401'}
      403: {$ref: '#/components/responses/403'}
      405: {$ref: '#/components/responses/405'}
      413: {$ref: '#/components/responses/413'}
      422: {$ref: '#/components/responses/422'}
      503: {$ref: '#/components/responses/503'}
put:
  put:
    responses:
      200:
        description: Saved; the complaint's new version
        content:
          application/json:
            schema:
              type: object
              properties:
                id: {type: integer}
                version: {type: integer}
                status: {type: string}
      400:
        description: >-
          Invalid input: ``errors`` maps each field to its messages, or ``message`` says
          what is wrong with the body (no version, a field that cannot be changed)
        content:
          application/json:
            schema: {$ref: '#/components/schemas/ApiError'}
      401: {$ref: '#/components/responses/401'}
      403: {$ref: '#/components/responses/403'}
      404: {$ref: '#/components/responses/404'}
      405: {$ref: '#/components/responses/405'}
      409: {$ref: '#/components/responses/409'}
      413: {$ref: '#/components/responses/413'}
      422: {$ref: '#/components/responses/422'}
      503: {$ref: '#/components/responses/503'}
""")


class ApiErrorSchema(Schema):
    """An error answer: one ``message``, or ``errors`` mapping each field to its messages."""

    __component_name__ = "ApiError"

    message = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


def _columns(schema):
    """FAB's column names for ``schema``'s fields (``category`` -> ``category.name``); fields
    the answer adds itself (``complainant_display``) are not columns."""
    return [f"{name}.name" if isinstance(field, fields.Nested) else name
            for name, field in schema().fields.items() if not field.dump_only]


def _formdata(payload):
    """JSON values as form input, so the WTForms rules of the screens apply unchanged."""
    # JSON false must stay false: WTForms' BooleanField reads the text "False" as ticked.
    return MultiDict({k: "" if v is None else "false" if v is False else str(v)
                      for k, v in payload.items()})


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
        "      content:",
        "        application/json:",
        "          schema: " + json.dumps(STEP_ANSWER),
        "    400: {$ref: '#/components/responses/400'}",
        "    401: {$ref: '#/components/responses/401'}",
        "    403: {$ref: '#/components/responses/403'}",
        "    404: {$ref: '#/components/responses/404'}",
        "    405: {$ref: '#/components/responses/405'}",
        "    409: {$ref: '#/components/responses/409'}",
    ])


# What a step answers: the complaint's new state.
STEP_ANSWER = {"type": "object", "properties": {
    "id": {"type": "integer"}, "register_number": {"type": "string"},
    "status": {"type": "string", "enum": list(STATUSES)}, "version": {"type": "integer"},
    "identity_level": {"type": "string", "enum": list(identity.LEVELS)},
    "assigned_officer": {"type": "string", "nullable": True}}}


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
    # What FAB reads for the list and the page: the documented schemas' fields (a related
    # row by its name), so the document and the answers cannot drift apart.
    list_columns = _columns(ComplaintListSchema)
    show_columns = _columns(ComplaintShowSchema)
    # Filters are built by access.complaint_filters (_init_properties): a filter on the
    # name or the tracking code only looks where the user may read it.
    search_columns = ["register_number", "tracking_code", "complainant_name", "status", "kind",
                      "channel", "urgency", "received_at", "due_date", "category", "dusun",
                      "assigned_officer"]
    order_columns = ["received_at", "register_number", "due_date", "status", "urgency"]
    # These schemas document the API (and dump its answers); input is checked by _validated().
    list_model_schema = ComplaintListSchema()
    show_model_schema = ComplaintShowSchema()
    add_model_schema = ComplaintAddSchema()
    edit_model_schema = ComplaintEditSchema()
    model2schemaconverter = _SelectedColumns
    openapi_spec_methods = _STAFF_SPEC
    openapi_spec_component_schemas = (ApiErrorSchema,)
    responses = {**BaseApi.responses, **EXTRA_RESPONSES}

    def create_blueprint(self, appbuilder, *args, **kwargs):
        blueprint = super().create_blueprint(appbuilder, *args, **kwargs)
        blueprint.before_request(self._refuse_unreadable_query)
        return blueprint

    def _refuse_unreadable_query(self):
        """A ``q`` that breaks the rison reader itself (``q=1e+5`` is a ValueError, not
        its parse error) gets a 400 here; FAB's own decorator would answer 500."""
        value = request.args.get("q")
        if not value:
            return None
        try:
            prison.loads(value)
        except prison.decoder.ParserException:
            return None  # FAB answers these itself (or reads them as JSON)
        except Exception:  # noqa: BLE001 - whatever else the reader raises is bad input
            return self.response_400(message=gettext("The q argument is not valid rison."))
        return None

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
        known = int_or_none(dusun_id) is not None and db.session.get(Dusun, int_or_none(dusun_id))
        if dusun_id not in (None, "") and not known:
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
        complaint.dusun_id = int_or_none(payload.get("dusun_id"))
        try:
            services.register_complaint(complaint, g.user)
        except services.ServiceError as exc:
            db.session.rollback()
            return self.response(400, errors={exc.field or "channel": [str(exc)]})
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
        changes["dusun_id"] = int_or_none(payload.get("dusun_id", item.dusun_id))
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
                and truthy(payload.get("is_confidential"))):
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
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        type: array
                        items:
                          type: object
                          properties:
                            id: {type: integer}
                            title: {type: string}
                            category: {type: string, nullable: true}
                            field: {type: string}
                            text: {type: string, nullable: true}
                            error: {type: string, nullable: true}
            401: {description: no valid login token}
            403: {description: your role may not take steps}
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

    @expose("/<int:pk>/duplicates", methods=["GET"])
    @protect()
    @safe
    @permission_name("link")
    def duplicate_candidates(self, pk):
        """Possible duplicates of a complaint, and its links.
        ---
        get:
          summary: Possible duplicates (open, last 60 days, same dusun and category or a similar subject; the same resident always) and the complaint's links
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          responses:
            200:
              description: candidates (only complaints you may open), the main complaint and the linked duplicates
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      candidates:
                        type: array
                        items:
                          type: object
                          properties:
                            id: {type: integer}
                            register_number: {type: string}
                            subject: {type: string}
                            status: {type: string}
                            received_at: {type: string, format: date-time}
                            reasons:
                              type: array
                              items: {type: string, enum: [same_resident, same_place_category, similar_subject]}
                      duplicate_of: {type: integer, nullable: true}
                      duplicates:
                        type: array
                        items: {type: integer}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
        """
        item = self._visible(pk)
        if item is None:
            return self.response_404()
        result = [{"id": other.id, "register_number": other.register_number,
                   "subject": other.subject, "status": other.status,
                   "received_at": other.received_at.replace(tzinfo=WIB).isoformat(),
                   "reasons": reasons}
                  for other, reasons in duplicates.candidates_of(item, g.user)]
        return self.response(200, candidates=result, duplicate_of=item.duplicate_of_id,
                             duplicates=[d.id for d in item.duplicates
                                         if access.can_view(g.user, d)])

    @expose("/<int:pk>/duplicate-of", methods=["POST"])
    @protect()
    @safe
    @permission_name("link")
    def duplicate_of(self, pk):
        """Link a complaint to its main complaint ("duplikat dari").
        ---
        post:
          summary: Link this complaint as a duplicate of a main complaint; it then follows the main one's status, deadlines and outcome
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [main_id]
                  properties:
                    main_id: {type: integer}
                    note: {type: string}
                    expected_version: {type: integer}
          responses:
            200:
              description: the duplicate's new state
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id: {type: integer}
                      duplicate_of: {type: integer, nullable: true}
                      status: {type: string}
                      version: {type: integer}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409: {$ref: '#/components/responses/409'}
        """
        item = self._visible(pk)
        if item is None:
            return self.response_404()
        payload = self._json()
        if payload is None:
            return self.response_400(message=gettext("Send the data as a JSON object."))
        main_id = int_or_none(payload.get("main_id"))
        if main_id is None:
            return self.response(400, errors={"main_id": [
                gettext("Choose the main complaint from the offered ones.")]})
        note = payload.get("note")
        if note is not None and not isinstance(note, str):
            return self.response(400, errors={"note": [gettext("Not a valid string.")]})
        main = self.datamodel.get(main_id, self._base_filters)
        return self._linked(lambda: duplicates.link(
            item, main, g.user, note, payload.get("expected_version")), item)

    @expose("/<int:pk>/unlink", methods=["POST"])
    @protect()
    @safe
    @permission_name("link")
    def unlink_duplicate(self, pk):
        """Undo a duplicate's link, with a reason.
        ---
        post:
          summary: Unlink a duplicate from its main complaint (a reason is required); it goes on on its own
          parameters:
          - in: path
            name: pk
            schema: {type: integer}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [reason]
                  properties:
                    reason: {type: string}
                    expected_version: {type: integer}
          responses:
            200:
              description: the complaint's new state
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id: {type: integer}
                      duplicate_of: {type: integer, nullable: true}
                      status: {type: string}
                      version: {type: integer}
            400: {$ref: '#/components/responses/400'}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
            409: {$ref: '#/components/responses/409'}
        """
        item = self._visible(pk)
        if item is None:
            return self.response_404()
        payload = self._json()
        if payload is None:
            return self.response_400(message=gettext("Send the data as a JSON object."))
        reason = payload.get("reason")
        if reason is not None and not isinstance(reason, str):
            return self.response(400, errors={"reason": [gettext("Not a valid string.")]})
        return self._linked(lambda: duplicates.unlink(
            item, reason, g.user, payload.get("expected_version")), item)

    def _linked(self, change, item):
        """Run a link or unlink; its refusal as 400 (per field), 403, 404 or 409."""
        try:
            change()
        except services.ServiceError as exc:
            db.session.rollback()
            if exc.field and getattr(exc, "code", 400) == 400:
                return self.response(400, errors={exc.field: [str(exc)]})
            return self.response(getattr(exc, "code", 400), message=str(exc))
        return self.response(200, id=item.id, duplicate_of=item.duplicate_of_id,
                             status=item.status, version=item.version)
