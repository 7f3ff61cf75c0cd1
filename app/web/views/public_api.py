"""The public JSON API: submit and track for the village website, a WhatsApp bot, other channels.

Same rules as the pages (``app.public.resident``): the same fields and messages, the
same rate limits, the same identical "not found", no personal data. Open to
everyone (no ``@protect``); documented in ``/api/v1/_openapi`` under "Public".
"""

import yaml
from flask import request
from flask_appbuilder.api import BaseApi, expose
from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from app.public import resident as public
from app.services import complaints as services, evidence, feedback
from app.web.views.public import ComplaintFields, CompletionForm, FeedbackForm, TrackForm, no_store

# The fields of a complaint sent to the public API, as JSON or as a multipart form (with
# files); one schema for both in the OpenAPI document.
PUBLIC_COMPLAINT_SCHEMA = yaml.safe_load("""
type: object
required: [name, address, phone, subject, description]
properties:
  name: {type: string, maxLength: 120, description: Complainant's name}
  address: {type: string, maxLength: 255}
  phone:
    type: string
    maxLength: 40
    description: Indonesian phone number (08..., 628..., +62...); stored as +62...
  email: {type: string, format: email, maxLength: 120}
  kind: {type: string, enum: [pengaduan, laporan, saran], default: pengaduan}
  subject: {type: string, maxLength: 200}
  description: {type: string, maxLength: 5000, description: What, where, when}
  dusun: {type: string, description: A dusun name from the village's list}
  rt_rw: {type: string, maxLength: 10, example: 02/03}
  incident_date: {type: string, format: date, description: Not in the future}
  identity_level:
    type: string
    enum: [named, masked, anonymous, confidential]
    default: named
    description: >-
      Who may see the complainant's identity: named (the officers handling
      it), masked (initials only outside the complaint desk), anonymous (the
      desk only), confidential (the whole complaint: the desk and the village
      head only)
""")

_SUBMIT_FIELDS = ("name", "address", "phone", "email", "kind", "subject", "description", "dusun",
                  "rt_rw", "incident_date", "identity_level")


def _submitted_fields(fields):
    """The request's fields as form data: a multipart form (with files) as sent, else the JSON
    object (``_json_as_formdata``). None when the body is neither."""
    if request.mimetype == "multipart/form-data":
        return MultiDict([(name, request.form[name]) for name in fields if name in request.form])
    return _json_as_formdata(fields)


def _json_as_formdata(fields):
    """The request's JSON object as form data, so the page's validators apply unchanged.

    Returns None when the body is not a JSON object of plain values.
    """
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return None
    data = MultiDict()
    for name in fields:
        value = body.get(name)
        if value is None:
            continue
        if isinstance(value, (dict, list)):
            return None
        data[name] = value if isinstance(value, str) else str(value)
    return data


class PublicApi(BaseApi):
    """``POST /api/v1/public/complaints`` and ``POST /api/v1/public/status``."""

    resource_name = "public"
    class_permission_name = "PublicApi"
    openapi_spec_tag = "Public"

    def create_blueprint(self, appbuilder, *args, **kwargs):
        blueprint = super().create_blueprint(appbuilder, *args, **kwargs)
        blueprint.after_request(no_store)
        return blueprint

    def add_apispec_components(self, api_spec):
        super().add_apispec_components(api_spec)
        api_spec.components.schema("PublicComplaint", PUBLIC_COMPLAINT_SCHEMA)

    def _bad_body(self):
        return self.response_400(message=gettext("Send a JSON object with the fields."))

    @expose("/complaints", methods=["POST"])
    def complaints(self):
        """Submit a complaint, report or suggestion, as the website form does.
        ---
        post:
          summary: Submit a complaint (channel "website"; it lands in the register as received)
          description: >-
            Rate limited per client address (PUBLIC_SUBMIT_LIMIT, shared with the /lapor page).
            No login. The answer holds no personal data. With an Idempotency-Key, a repeat of
            the request (e.g. after a lost answer) registers nothing new and answers 200 with
            the same numbers (within PUBLIC_RECEIPT_MINUTES; later 409).
          parameters:
            - in: header
              name: Idempotency-Key
              required: false
              schema: {type: string, pattern: '^[A-Za-z0-9_.:-]{16,100}$'}
              description: A random value (e.g. a UUID), new for each complaint
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/PublicComplaint'}
              multipart/form-data:
                schema:
                  allOf:
                    - {$ref: '#/components/schemas/PublicComplaint'}
                    - type: object
                      properties:
                        attachments:
                          type: array
                          maxItems: 3
                          items: {type: string, format: binary}
                          description: >-
                            Up to 3 photos (JPEG, PNG, WebP) or PDF documents of at most 10 MB
                            each; photos are re-encoded without their EXIF and GPS data
                encoding:
                  attachments: {contentType: 'image/jpeg, image/png, image/webp, application/pdf'}
          responses:
            201:
              description: Registered
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      tracking_code: {type: string, example: ABCDEFGH2345}
                      register_number: {type: string, example: 001/PGD/XI/2026}
            400:
              description: >-
                Invalid input; ``message`` maps each field to its Indonesian messages
                (or is one text when the body is not a JSON object)
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message:
                        oneOf:
                          - type: string
                          - type: object
                            additionalProperties: {type: array, items: {type: string}}
            200:
              description: A repeat of an Idempotency-Key already registered; the same numbers
            409:
              description: The Idempotency-Key registered a complaint too long ago
            413:
              description: The request body is too large
            429:
              description: Too many submissions from this client
            503:
              description: The database is busy; nothing was registered, send again (Retry-After)
        """
        try:
            public.check_submit_allowed()
        except public.Refused as exc:
            return self.response(exc.code, message=str(exc))
        key = request.headers.get("Idempotency-Key")
        if key is not None and public.submission_key(key) is None:
            return self.response_400(message=gettext(
                "Idempotency-Key: use 16 to 100 letters, digits or - _ . : (a random value, "
                "such as a UUID)."))
        data = _submitted_fields(_SUBMIT_FIELDS)
        if data is None:
            return self._bad_body()
        form = ComplaintFields(formdata=data, meta={"csrf": False})
        if not form.validate():
            return self.response_400(message={k: [str(m) for m in v]
                                              for k, v in form.errors.items()})
        try:
            files = evidence.prepare_all(evidence.read_uploads(
                request.files.getlist("attachments")))
        except evidence.FileRefused as exc:
            return self.response_400(message={"attachments": [str(exc)]})
        try:
            complaint, repeated = public.submit_complaint(form.values(), key, source="api",
                                                          files=files)
        except evidence.StorageFailed as exc:
            response = self.response(exc.code, message=str(exc))
            response.headers["Retry-After"] = "60"
            return response
        except public.Refused as exc:
            response = self.response(exc.code, message=str(exc))
            if exc.code == 503:
                response.headers["Retry-After"] = "5"
            return response
        return self.response(200 if repeated else 201, tracking_code=complaint.tracking_code,
                             register_number=complaint.register_number)

    @expose("/status", methods=["POST"])
    def status(self):
        """Follow a complaint with its tracking code and the phone number's last 4 digits.
        ---
        post:
          summary: The public view of one complaint
          description: >-
            An unknown code and a wrong phone give the same 404 (body and timing). Rate
            limited per client (PUBLIC_STATUS_LIMIT) and per code (PUBLIC_CODE_LIMIT); a code
            is locked for the day after PUBLIC_CODE_DAILY_FAILURES failed tries (429).
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [tracking_code, phone_last4]
                  properties:
                    tracking_code: {type: string, example: ABCDEFGH2345}
                    phone_last4: {type: string, pattern: '^[0-9]{4}$', example: '7890'}
          responses:
            200:
              description: >-
                Status, its label, the public timeline (labels, dates, officers' positions
                only), category, due date, public note and outcome
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      register_number: {type: string}
                      status: {type: string}
                      status_label: {type: string}
                      kind_label: {type: string}
                      category: {type: string, nullable: true}
                      received: {type: string, format: date}
                      due_date: {type: string, format: date, nullable: true}
                      public_note: {type: string, nullable: true}
                      outcome_label: {type: string, nullable: true}
                      due_date_moves:
                        type: array
                        description: Why the due date moved (paused clock, extension, reopening)
                        items:
                          type: object
                          properties:
                            date: {type: string, format: date}
                            kind: {type: string, enum: [paused, referred, extended, reopened]}
                            reason: {type: string}
                            days: {type: integer, nullable: true}
                            due_date: {type: string, format: date, nullable: true}
                            note: {type: string, nullable: true}
                      feedback_asked:
                        type: boolean
                        description: Whether POST /feedback is open for this complaint now
                      feedback_until: {type: string, format: date, nullable: true}
                      reopen_requested: {type: boolean}
                      handled_together:
                        type: boolean
                        description: Handled together with other residents' complaints about the same problem (never which)
                      timeline:
                        type: array
                        items:
                          type: object
                          properties:
                            date: {type: string, format: date}
                            date_label: {type: string}
                            step: {type: string}
                            label: {type: string}
                            status: {type: string}
                            status_label: {type: string}
                            officer_position: {type: string, nullable: true}
                            note: {type: string, nullable: true}
            400:
              description: Missing or malformed fields
            404:
              description: No complaint with this code and these digits
            429:
              description: Too many requests, or the code is locked for today
        """
        data = _json_as_formdata(("tracking_code", "phone_last4"))
        if data is None:
            return self._bad_body()
        form = TrackForm(formdata=data, meta={"csrf": False})
        if not form.validate():
            return self.response_400(message={k: [str(m) for m in v]
                                              for k, v in form.errors.items()})
        try:
            complaint = public.track(form.tracking_code.data, form.phone_last4.data)
        except public.Refused as exc:
            return self.response(exc.code, message=str(exc))
        return self.response(200, **public.public_view(complaint))

    @expose("/feedback", methods=["POST"])
    def feedback(self):
        """The resident's answer after being informed: is the problem solved?
        ---
        post:
          summary: Say whether the problem is solved ("no" asks the desk to reopen)
          description: >-
            Open only while the status answer has feedback_asked true: the complaint is
            informed, not yet answered, and within FEEDBACK_WINDOW_DAYS working days (default
            10) of being informed. Same code and phone check, rate limits and 404 as /status.
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [tracking_code, phone_last4, solved]
                  properties:
                    tracking_code: {type: string}
                    phone_last4: {type: string, pattern: '^[0-9]{4}$'}
                    solved: {type: string, enum: ['yes', 'no']}
                    comment: {type: string, maxLength: 2000}
          responses:
            200:
              description: Recorded; the answer is the complaint's public view
            400:
              description: Missing or malformed fields
            404:
              description: No complaint with this code and these digits
            409:
              description: No answer is asked for now (not informed, already answered, window over)
            429:
              description: Too many requests, or the code is locked for today
            413:
              description: The request body is too large
            503:
              description: The database is busy; nothing was recorded, send again
        """
        data = _json_as_formdata(("tracking_code", "phone_last4", "solved", "comment"))
        if data is None:
            return self._bad_body()
        body = request.get_json(silent=True)
        if isinstance(body.get("solved"), bool):
            data["solved"] = "yes" if body["solved"] else "no"
        return self._resident_answer(data, FeedbackForm, lambda complaint, form: (
            feedback.submit_feedback(complaint, form.solved.data == "yes", form.comment.data)))

    @expose("/completion", methods=["POST"])
    def completion(self):
        """The resident completes a complaint the desk asked to complete.
        ---
        post:
          summary: Send what the complaint officer asked for (status "needs_completion")
          description: >-
            Open only while the status answer has completion_asked true. The complaint goes
            back to "received" and its deadline resumes. Same code and phone check, rate
            limits and 404 as /status.
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [tracking_code, phone_last4, completion]
                  properties:
                    tracking_code: {type: string}
                    phone_last4: {type: string, pattern: '^[0-9]{4}$'}
                    completion: {type: string, maxLength: 2000}
              multipart/form-data:
                schema:
                  type: object
                  required: [tracking_code, phone_last4, completion]
                  properties:
                    tracking_code: {type: string}
                    phone_last4: {type: string, pattern: '^[0-9]{4}$'}
                    completion: {type: string, maxLength: 2000}
                    attachments:
                      type: array
                      maxItems: 3
                      items: {type: string, format: binary}
                      description: Up to 3 photos or PDF documents of at most 10 MB each
          responses:
            200:
              description: Recorded; the answer is the complaint's public view
            400:
              description: Missing or malformed fields
            404:
              description: No complaint with this code and these digits
            409:
              description: Nothing is asked now (the complaint does not wait for completion)
            429:
              description: Too many requests, or the code is locked for today
            413:
              description: The request body is too large
            503:
              description: The database is busy; nothing was recorded, send again
        """
        data = _submitted_fields(("tracking_code", "phone_last4", "completion"))
        if data is None:
            return self._bad_body()

        def act(complaint, form):
            files = evidence.prepare_all(evidence.read_uploads(
                request.files.getlist("attachments"), evidence.count_on(complaint)))
            public.submit_completion(complaint, form.completion.data.strip(), files)

        return self._resident_answer(data, CompletionForm, act)

    def _resident_answer(self, data, form_class, act):
        """Check the code and phone digits and the answer's own fields (400 naming each bad
        field), find the complaint, ``act(complaint, form)``; answer its public view."""
        track_form = TrackForm(formdata=data, meta={"csrf": False})
        answer_form = form_class(formdata=data, meta={"csrf": False})
        valid = track_form.validate()
        valid = answer_form.validate() and valid
        if not valid:
            errors = {**track_form.errors, **answer_form.errors}
            return self.response_400(message={k: [str(m) for m in v] for k, v in errors.items()})
        try:
            complaint = public.track(track_form.tracking_code.data, track_form.phone_last4.data)
            public.record_answer(lambda: act(complaint, answer_form))
        except (public.Refused, services.ServiceError) as exc:
            return self.response(exc.code, message=str(exc))
        return self.response(200, **public.public_view(complaint))
