"""The complaint register screens: list, add, edit, the complaint's page, receipt, void."""

from flask import abort, flash, g, make_response, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.widgets import FormWidget
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import (FilterContains, FilterEqual, FilterIn,
                                                  FilterNotEqual)
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import inspect
from wtforms import HiddenField, MultipleFileField

from app.auth import access, identity
from app.core import workflow
from app.core.numbering import normalize_tracking_code
from app.core.timeutil import date_id, datetime_id, today_wib
from app.core.vocabularies import CHANNELS, KINDS, STATUSES, URGENCIES, label
from app.documents import receipts
from app.extensions import db
from app.core.values import int_or_none
from app.models import Complaint, InboxMessage
from app.services import (
    complaints as services,
    deadlines,
    evidence,
    inbox,
)
from app.web import forms
from app.web.perf import EagerInterface
from app.web.views import duplicates as duplicates_panel
from app.web.views.base import SafeModelView
from app.web.views.complaint_steps import ComplaintStepPages, PERMISSION_NAME, contact_links

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
    "due_display": _l("Due date"),
    "verification_due": _l("Verification due"),
    "followup_due": _l("First follow-up due"),
    "public_note": _l("Public note"),
    "identity_level": _l("Identity protection"),
    "attachments": _l("Photos or documents (optional)"),
    "without_identity": _l("Without identity (tanpa identitas)"),
    "voided": _l("Voided"),
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
    "identity_level": lambda: forms.identity_level_field(description=identity.DESK_LEVEL_HELP),
    "without_identity": forms.without_identity_field,
}


def _form_fields():
    return {name: make() for name, make in _FORM_FIELDS.items()}


def _register_number(value):
    """The number with break opportunities after its slashes, so a phone wraps it whole."""
    return Markup("/<wbr>").join((value or "").split("/"))


def _due_display(item):
    """The due date for lists, marked when overdue (``deadlines.is_overdue``), and a mark when
    the verification or first follow-up deadline has passed (``deadlines``' rules)."""
    if deadlines.is_overdue(item):
        text = Markup('<span class="overdue">{0} &#9888;</span>').format(date_id(item.due_date))
    else:
        text = Markup("{0}").format(date_id(item.due_date))
    today = today_wib()
    if deadlines.is_verification_late(item, today):
        text += Markup(' <span class="overdue late-verification">{0}</span>').format(
            gettext("verification late"))
    elif item.id in _late_followup_ids(today):
        text += Markup(' <span class="overdue late-followup">{0}</span>').format(
            gettext("first follow-up late"))
    return text


def _late_followup_ids(today):
    """Ids of the complaints whose first follow-up is late: one query per request, not per row."""
    cache = g.setdefault("_late_followup_ids", {})
    if today not in cache:
        cache[today] = {row[0] for row in db.session.query(Complaint.id).filter(
            deadlines.followup_late_condition(today))}
    return cache[today]


class ComplaintInterface(EagerInterface):
    """The register's interface, with the list columns that depend on the viewer or the day.

    ``complainant_display`` is the name as the current user may read it
    (``access.displayed_name``), ``due_display`` the due date marked when overdue: the
    model holds the data, the web layer decides what the user reads.
    """

    COMPUTED = {
        "complainant_display": lambda item: access.displayed_name(g.user, item),
        "due_display": _due_display,
    }

    def _get_attr_value(self, item, col):
        compute = self.COMPUTED.get(col)
        if compute is not None:
            return compute(item)
        return super()._get_attr_value(item, col)


def _status_badge(value):
    return Markup('<span class="status status-{0}">{1}</span>').format(
        value, label(STATUSES, value)
    )


class ComplaintFormWidget(FormWidget):
    """The add and edit form, labels above the fields on a phone (FAB's is a table)."""

    template = "complaint/_form_widget.html"


class ComplaintModelView(ComplaintStepPages, SafeModelView):
    """The register (buku pengaduan). Entries are never deleted; ``status`` is never a form field."""

    datamodel = ComplaintInterface(Complaint, eager=("category", "dusun", "assigned_officer"))
    class_permission_name = PERMISSION_NAME
    route_base = "/complaint"
    method_permission_name = {
        "receipt": "receipt",
        "receipt_pdf": "receipt",
        "void": "void",
        "step": "step",
        "forward_many": "bulk_step",
        "forward_selected": "bulk_step",
        "schedule_selected": "bulk_step",
        "find": "list",
        "verify_forward": "step",
    }
    exclude_route_methods = {"delete", "download"}

    list_title = _l("Complaint register")
    show_title = _l("Complaint")
    add_title = _l("Register a complaint")
    edit_title = _l("Edit complaint")
    label_columns = COLUMN_LABELS

    # Most important first; on a phone a row is a card of the number, subject, status, due date
    # and dusun (app.css).
    list_columns = [
        "register_number", "subject", "status", "received_at", "complainant_display",
        "category", "urgency", "assigned_officer", "due_display", "dusun",
    ]
    order_columns = ["register_number", "received_at", "subject", "urgency", "status", "due_date"]
    base_order = ("received_at", "desc")
    search_columns = [
        "register_number", "tracking_code", "complainant_name", "subject", "status",
        "category", "channel", "kind", "dusun", "urgency", "assigned_officer", "received_at",
        "due_date", "voided",
    ]
    # Searches on the identity or the tracking code only look where the user may read
    # them: access.complaint_filters, installed in _init_properties.
    base_filters = [["id", access.VisibleComplaintsFilter, lambda: None]]

    add_columns = [
        "kind", "channel", "received_at", "without_identity", "complainant_name",
        "complainant_address",
        "complainant_phone", "complainant_email", "subject", "description", "dusun", "rt_rw",
        "location", "incident_date", "category", "urgency", "identity_level", "attachments",
        "inbox_message",
    ]
    edit_columns = [
        "kind", "channel", "without_identity", "complainant_name", "complainant_address", "complainant_phone",
        "complainant_email", "subject", "description", "dusun", "rt_rw", "location",
        "incident_date", "identity_level", "expected_version",
    ]
    # The photo a resident sent by WhatsApp, the scanned note from the complaint box;
    # inbox_message: the email the form was prefilled from (app.services.inbox), if any.
    add_form_extra_fields = {
        **_form_fields(),
        "inbox_message": HiddenField(),
        "attachments": MultipleFileField(
            _l("Photos or documents (optional)"),
            description=_l("Up to 3 photos or PDF documents, 10 MB each.")),
    }
    edit_form_extra_fields = {**_form_fields(), "expected_version": HiddenField()}
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "dusun": [["active", FilterEqual, True]],
        "category": [["active", FilterEqual, True]],
    }
    formatters_columns = {
        "register_number": _register_number,
        "received_at": datetime_id,
        "due_date": date_id,
        "status": _status_badge,
        "urgency": lambda v: label(URGENCIES, v),
        "kind": lambda v: label(KINDS, v),
        "channel": lambda v: label(CHANNELS, v),
        "identity_level": identity.level_label,
    }
    add_widget = edit_widget = ComplaintFormWidget
    show_template = "complaint/show.html"
    add_template = "complaint/add.html"  # lists possible duplicates as the desk types
    list_template = "complaint/list.html"  # adds the export buttons (app/views/register_io.py)

    def _init_properties(self):
        """FAB's filters, built by ``access`` so every search is kept to what may be read."""
        super()._init_properties()
        self._filters = access.complaint_filters(self.search_columns, self.datamodel)

    # The register opens on what is still to do; closed complaints are behind the state links
    # above the list (``register_states``). The narrowed lists (overdue, late) set None.
    default_state = "todo"

    def _get_list_widget(self, filters, **kwargs):
        """FAB's list, narrowed to the complaints still to do when the URL asks for nothing
        else, with the state links (``widgets["states"]``)."""
        state = current_state(request.args) if self.default_state else None
        if state and state == self.default_state \
                and not any(k.startswith("_flt_") for k in request.args):
            filters.add_filter("status", FilterIn, sorted(REGISTER_STATES[state]))
            filters.add_filter("voided", FilterNotEqual, "y")
        widgets = super()._get_list_widget(filters, **kwargs)
        if self.default_state:
            widgets["states"] = register_states(state)
        return widgets

    def _get_search_widget(self, form=None, exclude_cols=None, widgets=None):
        """FAB's search form, offering the tracking code only to those who may read it."""
        if not access.tracking_code_visible(g.user):
            exclude_cols = list(exclude_cols or []) + [access.TRACKING_CODE]
        widgets = super()._get_search_widget(form, exclude_cols, widgets)
        widgets["search"].template_args["include_cols"] = [
            column for column in self.search_columns if column not in (exclude_cols or [])]
        return widgets

    def prefill_form(self, form, pk):
        """Fill the edit form; its fields show the full identity, so the view is logged."""
        item = self.datamodel.get(pk, self._base_filters)
        form.expected_version.data = item.version
        form.identity_level.choices = identity.level_choices(item.identity_level)
        if access.identity_visible(g.user, item):
            identity.record_view(g.user, item, "edit")

    def _get_add_widget(self, form, exclude_cols=None, widgets=None):
        """The add form, prefilled from an email of the inbox when ``?inbox=<id>`` names a
        message not handled yet, naming the email's files that come with it."""
        message_id = int_or_none(request.args.get("inbox"))
        message = db.session.get(InboxMessage, message_id) if message_id is not None else None
        if message is not None and message.state == inbox.NEW:
            # Named above the form: the email's stored files come with the complaint.
            g.inbox_files = [f.original_name for f in message.files if f.storage_key]
            if request.method == "GET":
                for name, value in inbox.prefill(message).items():
                    form[name].data = value
                form.inbox_message.data = str(message.id)
        return super()._get_add_widget(form, exclude_cols=exclude_cols, widgets=widgets)

    def pre_add(self, item):
        """Register the complaint with its files, together or not at all (FAB's later commit
        finds nothing left). A refused file comes back on the form with what was typed. One
        made from an email marks that email registered in the same transaction (refused,
        nothing saved, when the email was handled meanwhile)."""
        files = evidence.prepare_all(evidence.read_uploads(
            item.__dict__.pop("attachments", None) or ()))
        message_id = int_or_none(getattr(item, "inbox_message", None))
        message = db.session.get(InboxMessage, message_id) if message_id is not None else None
        if message_id is not None:
            inbox.check_new(message)
        with evidence.saved_together(files) as staged:
            services.register_complaint(item, g.user, commit=False)
            if message is not None:
                inbox.mark_registered(message, item, g.user)
            evidence.record(staged, g.user, item, at=item.created_at)
            db.session.commit()

    def pre_update(self, item):
        """Save the edit with ``services.edit_complaint`` (FAB's later commit finds nothing left).

        FAB has put the form's values on ``item``; the identity level and the "without
        identity" mark go back to the stored ones so the service can judge the change.
        """
        changes = {attr.key: attr.value for attr in inspect(item).attrs
                   if attr.history.has_changes()}
        for name in ("identity_level", "without_identity"):
            history = inspect(item).attrs[name].history
            if history.deleted:
                setattr(item, name, history.deleted[0])
        services.edit_complaint(item, changes, g.user, getattr(item, "expected_version", None))

    def _init_forms(self):
        """FAB's forms, their optional lists (dusun, category) blank with a word, not ``__None``
        (FAB's blank option has no text, and WTForms then shows its value)."""
        super()._init_forms()
        for form in (self.add_form, self.edit_form):
            for name in ("dusun", "category"):
                field = getattr(form, name, None)
                if field is not None and "blank_text" not in field.kwargs:
                    field.kwargs["blank_text"] = _l("(not chosen)")

    def post_add_redirect(self):
        """To the new entry, which offers its receipt and tracking code first (``registered``)."""
        return redirect(url_for(f"{self.endpoint}.show", pk=self._last_added_pk, registered=1))

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
        visible = access.identity_visible(user, item)
        if visible:
            identity.record_view(user, item, "show")
        return self.render_template(
            self.show_template,
            item=item,
            title=self.show_title,
            identity_visible=visible,
            tracking_code_visible=access.tracking_code_visible(user),
            display_name=access.displayed_name(user, item),
            hidden_notice=access.hidden_identity_notice(item),
            no_identity_notice=services.no_identity_refusal() if item.without_identity else None,
            dup=duplicates_panel.panel(item, user, self.appbuilder),
            identity_label=identity.level_label(item.identity_level),
            can_edit=self.appbuilder.sm.has_access("can_edit", self.class_permission_name),
            can_receipt=self.appbuilder.sm.has_access("can_receipt", self.class_permission_name),
            can_void=self.appbuilder.sm.has_access("can_void", self.class_permission_name),
            steps=self._open_steps(item),
            verify_forward_url=self._verify_forward_url(item),
            contact=contact_links(item) if visible else None,
            just_registered=request.args.get("registered") == "1" and not item.voided,
            labels=COLUMN_LABELS,
            readable_notes={event.id for event in item.events
                            if access.can_read_note(user, item, event)},
            hidden_note=access.hidden_note_text(),
            resident_notes={event.id for event in item.events
                            if access.resident_reads_note(item, event)},
            **self._files(item),
            verification_late=deadlines.is_verification_late(item, today_wib()),
            followup_late=deadlines.is_followup_late(item, today_wib()),
        )

    def _files(self, item):
        """The complaint's files this user may read, by the timeline line they came with, and
        what the user may do with them."""
        sm = self.appbuilder.sm
        files = evidence.shown_to(g.user, item)
        by_event = {}
        for attachment in files:
            by_event.setdefault(attachment.event_id, []).append(attachment)
        return {
            "files": files,
            "files_by_event": by_event,
            "can_attach": not item.voided and sm.has_access("can_add", "Attachment"),
            "can_withdraw": sm.has_access("can_withdraw", "Attachment"),
            "can_publish": sm.has_access("can_publish", "Attachment"),
            "may_withdraw": {a.id for a in files if not a.withdrawn
                             and access.may_withdraw_attachment(g.user, a)},
            # The photos the desk may put beside a published resolved problem on /statistik.
            "public_list_choices": {a.id for a in files if access.may_show_on_public_list(a)}
            if services.may_have_public_photo(item) else set(),
        }

    # The quick search's questions, in order: a tracking code is exact, a register number may be
    # typed in part ("12/XI"), a name in part. The first that finds something answers.
    QUICK_SEARCH = (
        (access.TRACKING_CODE, FilterEqual, normalize_tracking_code),
        ("register_number", FilterContains, str.strip),
        ("complainant_name", FilterContains, str.strip),
    )

    def _quick_matches(self, column, filter_class, value):
        """(count, first id) of the complaints this user may open whose ``column`` matches.

        Built by ``access.complaint_filters`` like the list's own search, so a name is only
        looked up where the user may read it and a tracking code only by the desk.
        """
        filters = access.complaint_filters(self.search_columns, self.datamodel)
        filters.add_filter(column, filter_class, value)
        count, items = self.datamodel.query(filters.get_joined_filters(self._base_filters),
                                            page=0, page_size=1)
        return count, (items[0].id if items else None)

    @expose("/find", methods=["GET"])
    @has_access
    def find(self):
        """The quick search box (register and home page): one complaint found opens at once;
        several open the register filtered on what matched; none says so."""
        text = (request.args.get("q") or "").strip()[:100]
        register = url_for(f"{self.endpoint}.list")
        if not text:
            return redirect(register)
        for column, filter_class, normalize in self.QUICK_SEARCH:
            value = normalize(text)
            if not value:
                continue
            count, first = self._quick_matches(column, filter_class, value)
            if count == 1:
                return redirect(url_for(f"{self.endpoint}.show", pk=first))
            if count > 1:
                index = [type(f) for f in self._filters.get_search_filters()[column]].index(
                    filter_class)
                return redirect(url_for(f"{self.endpoint}.list",
                                        **{f"_flt_{index}_{column}": value}))
        flash(gettext("No complaint found for \"%(text)s\".", text=text), "warning")
        return redirect(register)

    @expose("/receipt/<pk>", methods=["GET"])
    @has_access
    def receipt(self, pk):
        item = self._visible(pk)
        if access.identity_visible(g.user, item):
            identity.record_view(g.user, item, "receipt")
        return self.render_template(
            "complaint/receipt.html", item=item, receipt=receipts.receipt_data(item),
            privacy=receipts.privacy_sentence(), how_to=receipts.how_to_follow(item),
            # Drawn by the qrcode library from our own address and the code: no typed text.
            qr=Markup(receipts.qr_code_svg(item)))  # nosec B704

    @expose("/receipt/<pk>/pdf", methods=["GET"])
    @has_access
    def receipt_pdf(self, pk):
        item = self._visible(pk)
        if access.identity_visible(g.user, item):
            identity.record_view(g.user, item, "receipt_pdf")
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


# The register's states, as the links above the list name them: still to do (being worked
# on, or a resident's request to reopen waiting for the desk), and closed.
REGISTER_STATES = {
    "todo": workflow.OPEN_STATUSES | {workflow.REOPEN_REQUESTED},
    "closed": workflow.CLOSED_STATUSES,
}
STATE_LABELS = {"todo": _l("Still to do"), "closed": _l("Closed"), "all": _l("All")}


def current_state(args):
    """Which state of the register ``args`` (the list's URL arguments) shows: "todo" when
    they ask for nothing else, "closed" or "todo" when they are that state's link, "all"
    with ``state=all``; None for any other search."""
    if args.get("state") == "all":
        return "all"
    filtered = [key for key in args if key.startswith("_flt_")]
    if not filtered:
        return "todo"
    statuses = {value for key in filtered if key.endswith("_status") for value in args.getlist(key)}
    for state, wanted in REGISTER_STATES.items():
        if statuses == set(wanted) and len(filtered) == 2:
            return state
    return None


def register_states(current):
    """(label, url, current) of the register's state links."""
    return [(STATE_LABELS["todo"], status_list_url(sorted(REGISTER_STATES["todo"])),
             current == "todo"),
            (STATE_LABELS["closed"], status_list_url(sorted(REGISTER_STATES["closed"])),
             current == "closed"),
            (STATE_LABELS["all"], url_for("ComplaintModelView.list", state="all"),
             current == "all")]


def status_list_url(statuses):
    """The register list of the complaints, not void, in ``statuses``: what the home page's
    figures count, so each figure opens the list of exactly the complaints it counted."""
    view = ComplaintModelView
    search = access.complaint_filters(view.search_columns).get_search_filters()

    def index(column, filter_class):
        return [type(f) for f in search[column]].index(filter_class)

    statuses = list(statuses)
    status_filter = FilterEqual if len(statuses) == 1 else FilterIn
    return url_for(f"{view.__name__}.list", **{
        f"_flt_{index('status', status_filter)}_status": statuses,
        f"_flt_{index('voided', FilterNotEqual)}_voided": "y",  # not void
    })


class OverdueFilter(BaseFilter):
    """Open complaints past their due date."""

    name = "overdue"
    arg_name = "overdue"

    def apply(self, query, value):
        return query.filter(deadlines.overdue_condition())


class OverdueComplaintModelView(ComplaintModelView):
    """The register narrowed to overdue complaints (same permissions as the register)."""

    route_base = "/complaint/overdue"
    list_title = _l("Overdue complaints")
    default_state = None
    base_order = ("due_date", "asc")
    base_filters = ComplaintModelView.base_filters + [["id", OverdueFilter, lambda: None]]


class LateVerificationFilter(BaseFilter):
    """Complaints not verified by their verification deadline (``deadlines``' rule)."""

    name = "late_verification"
    arg_name = "late_verification"

    def apply(self, query, value):
        return query.filter(deadlines.verification_late_condition(today_wib()))


class LateFollowupFilter(BaseFilter):
    """Forwarded complaints without a first follow-up by its deadline (``deadlines``' rule)."""

    name = "late_followup"
    arg_name = "late_followup"

    def apply(self, query, value):
        return query.filter(deadlines.followup_late_condition(today_wib()))


class LateVerificationComplaintModelView(ComplaintModelView):
    """The register narrowed to complaints past the verification deadline."""

    route_base = "/complaint/late-verification"
    list_title = _l("Verification late")
    default_state = None
    base_order = ("received_at", "asc")
    base_filters = ComplaintModelView.base_filters + [["id", LateVerificationFilter,
                                                       lambda: None]]


class LateFollowupComplaintModelView(ComplaintModelView):
    """The register narrowed to forwarded complaints past the first follow-up deadline."""

    route_base = "/complaint/late-followup"
    list_title = _l("First follow-up late")
    default_state = None
    base_order = ("received_at", "asc")
    base_filters = ComplaintModelView.base_filters + [["id", LateFollowupFilter, lambda: None]]
