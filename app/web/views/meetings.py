"""Review meeting screens: list (upcoming first), page, schedule, move, minutes, cancel, PDF,
.ics."""

import datetime as dt
import re

from flask import abort, flash, g, make_response, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.exceptions import FABException
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField, DateField, FieldList, Form, FormField, SelectMultipleField, StringField,
    TextAreaField, TimeField,
)
from wtforms.validators import Length, Optional, ValidationError

from app.auth import access
from app.core import workflow
from app.core.timeutil import datetime_id, today_wib
from app.core.vocabularies import OUTCOME_TYPES
from app.documents.berita_acara import berita_acara_pdf
from app.models import Meeting
from app.models.meetings import CANCELLED, HELD, SCHEDULED
from app.services import evidence, meetings
from app.web.forms import BaseForm, required, typed_required
from app.web.views.base import SafeModelView

MEETING_STATUSES = {
    SCHEDULED: _l("Scheduled"),
    HELD: _l("Held"),
    CANCELLED: _l("Cancelled"),
}
GUEST_ROWS = 4
OTHER_ROWS = 3
# The meeting list's filter, shown above it: which meetings, by date (default "recent").
RECENT_DAYS = 30
PERIODS = {
    "recent": _l("Upcoming and last %(days)d days", days=RECENT_DAYS),
    "upcoming": _l("Upcoming"),
    "past": _l("Past"),
    "all": _l("All"),
}


class LocalDateField(DateField):
    """A date input whose parse error is in the user's language."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(gettext("Enter a valid date.")) from None


class LocalTimeField(TimeField):
    """A time input (hours and minutes) whose parse error is in the user's language."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(gettext("Enter a valid time, for example 09:00.")) from None




class GuestForm(Form):
    """One invited party: a name and their role (complainant, person complained about...)."""

    name = StringField(_l("Name"), validators=[
        Length(max=120, message=_l("At most %(max)d characters."))])
    role = StringField(_l("Role"), validators=[
        Length(max=120, message=_l("At most %(max)d characters."))])

    def validate_role(self, field):
        if bool((self.name.data or "").strip()) != bool((field.data or "").strip()):
            raise ValidationError(_l("Give both the name and the role of an invited party."))


class ScheduleForm(BaseForm):
    complaint_ids = SelectMultipleField(_l("Complaints to discuss"), coerce=int,
                                        validate_choice=False)
    date = LocalDateField(_l("Date"), validators=[typed_required()])
    start_time = LocalTimeField(_l("Start (WIB)"), validators=[typed_required()])
    end_time = LocalTimeField(_l("End (WIB)"), validators=[Optional()])
    place = StringField(_l("Place"), validators=[
        required(), Length(max=200, message=_l("At most %(max)d characters."))])
    agenda = TextAreaField(_l("Agenda"), validators=[
        required(), Length(max=5000, message=_l("At most %(max)d characters."))])
    officer_ids = SelectMultipleField(_l("Attending officers"), coerce=int, validate_choice=False)
    guests = FieldList(FormField(GuestForm), label=_l("Invited parties"),
                       min_entries=GUEST_ROWS, max_entries=20)
    already_held = BooleanField(
        _l("This meeting already took place: record it and write its minutes now"))


class MoveForm(BaseForm):
    """A new date, time or place for a scheduled meeting."""

    date = LocalDateField(_l("Date"), validators=[typed_required()])
    start_time = LocalTimeField(_l("Start (WIB)"), validators=[typed_required()])
    end_time = LocalTimeField(_l("End (WIB)"), validators=[Optional()])
    place = StringField(_l("Place"), validators=[
        required(), Length(max=200, message=_l("At most %(max)d characters."))])


class MinutesForm(BaseForm):
    findings = TextAreaField(_l("Findings on the truth and completeness of the data"),
                             validators=[required()])
    root_cause = TextAreaField(_l("Root cause"))
    recommendations = TextAreaField(_l("Recommendations"), validators=[required()])
    public_recommendations = TextAreaField(
        _l("Recommendations for the public"),
        description=_l("Shown to everyone on the statistics page: no names, addresses or "
                       "complainants' words. Leave empty to publish nothing."),
        validators=[Length(max=2000, message=_l("At most %(max)d characters."))])
    decided_steps = TextAreaField(_l("Decided steps"))
    others = FieldList(FormField(GuestForm), label=_l("Other attendees"),
                       min_entries=OTHER_ROWS, max_entries=20)


class VisibleMeetingsFilter(BaseFilter):
    """FAB base filter: the meetings the request's user may read."""

    name = "visible"
    arg_name = "visible"

    def apply(self, query, value):
        return meetings.restrict_meetings(query, access.current_user())


def _status_label(value):
    return MEETING_STATUSES.get(value, value)


def _register_numbers(complaints):
    return ", ".join(c.register_number for c in complaints)


class MeetingInterface(SQLAInterface):
    """The meetings' interface: a list's "complaints" column holds only the complaints
    the request's user may see (``meetings.complaints_shown``, one query per page)."""

    def get_values(self, lst, list_columns):
        lst = list(lst)
        if "complaints" not in list_columns:
            yield from super().get_values(lst, list_columns)
            return
        shown = meetings.complaints_shown(lst, access.current_user())
        others = [column for column in list_columns if column != "complaints"]
        for item, values in zip(lst, super().get_values(lst, others)):
            values["complaints"] = shown[item.id]
            yield values


_OUTCOME_KEY = re.compile(r"^outcome-(\d+)-(type|text|note)$")


def parse_outcomes(formdata):
    """{complaint id: fields of the resolve step} for every complaint with something typed."""
    typed = {}
    names = {"type": "outcome_type", "text": "outcome_text", "note": "public_note"}
    for key, value in formdata.items():
        match = _OUTCOME_KEY.match(key)
        if match:
            typed.setdefault(int(match.group(1)), {})[names[match.group(2)]] = value.strip()
    return {cid: fields for cid, fields in typed.items() if any(fields.values())}


class MeetingModelView(SafeModelView):
    """Review meetings. Created by the schedule form (never FAB's add); status moves only
    through scheduling, minutes and cancelling."""

    datamodel = MeetingInterface(Meeting)
    class_permission_name = "Meeting"
    route_base = "/meeting"
    exclude_route_methods = {"add", "edit", "delete", "download", "action", "action_post"}
    method_permission_name = {
        "schedule": "schedule",
        "minutes": "minutes",
        "cancel": "minutes",
        "move": "schedule",
        "berita_acara": "berita_acara",
        "ics": "ics",
    }

    list_title = _l("Review meetings")
    show_title = _l("Review meeting")
    label_columns = {
        "starts_at": _l("Date and time"),
        "place": _l("Place"),
        "agenda": _l("Agenda"),
        "status": _l("Status"),
        "complaints": _l("Complaints"),
    }
    list_columns = ["starts_at", "place", "complaints", "status"]
    search_columns = ["starts_at", "place", "status"]
    order_columns = ["starts_at", "place", "status"]
    base_order = ("starts_at", "asc")
    base_filters = [["id", VisibleMeetingsFilter, lambda: None]]
    formatters_columns = {
        "starts_at": lambda v: datetime_id(v, with_day=True),
        "status": _status_label,
        "complaints": _register_numbers,
    }

    list_template = "meetings/list.html"

    def period_args(self, period, today=None):
        """FAB's filter and order arguments of one choice of the list's period filter."""
        today = today or today_wib()
        newest_first = {f"_oc_{self.__class__.__name__}": "starts_at",
                        f"_od_{self.__class__.__name__}": "desc"}
        if period == "recent":
            since = today - dt.timedelta(days=RECENT_DAYS)
            return {"_flt_1_starts_at": f"{since:%Y-%m-%d} 00:00:00"}
        if period == "upcoming":
            return {"_flt_1_starts_at": f"{today:%Y-%m-%d} 00:00:00"}
        if period == "past":
            return {"_flt_2_starts_at": f"{today:%Y-%m-%d} 00:00:00", **newest_first}
        return newest_first

    @expose("/list/")
    @has_access
    def list(self):
        """The meetings, with the period filter above them; without any filter or sort asked
        for, the upcoming ones and those of the last 30 days."""
        if not request.args:
            return redirect(url_for(f"{self.endpoint}.list", **self.period_args("recent")))
        self.update_redirect()
        try:
            widgets = self._list()
        except FABException as exc:  # as FAB's own list does
            flash(gettext("An error occurred: %(error)s", error=exc), "warning")
            return redirect(self.get_redirect())
        asked = {k: v for k, v in request.args.items() if k.startswith(("_flt_", "_oc_", "_od_"))}
        periods = [(key, text, url_for(f"{self.endpoint}.list", **self.period_args(key)),
                    self.period_args(key) == asked) for key, text in PERIODS.items()]
        return self.render_template(self.list_template, title=self.list_title,
                                    widgets=widgets, periods=periods,
                                    can_schedule=self._can("can_schedule"))

    def _visible(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        return item

    def _can(self, permission):
        return self.appbuilder.sm.has_access(permission, self.class_permission_name)

    def _complaint_rows(self, meeting):
        """The meeting's complaints this user may see."""
        return meetings.meeting_complaints(meeting, g.user)

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        item = self._visible(pk)
        return self.render_template(
            "meetings/show.html", item=item, title=self.show_title,
            complaints=self._complaint_rows(item), statuses=MEETING_STATUSES,
            can_minutes=self._can("can_minutes"), can_pdf=self._can("can_berita_acara"),
            can_ics=self._can("can_ics"), can_move=self._can("can_schedule"),
            can_inform=self.appbuilder.sm.has_access("can_inform", "Inform"),
            minutes_refusal=meetings.minutes_open(item),
            attendance=meetings.attendance(item),
            files=evidence.on_meeting(item, g.user),
            can_attach=self.appbuilder.sm.has_access("can_publish", "Attachment"),
        )

    @expose("/schedule", methods=["GET", "POST"])
    @has_access
    def schedule(self):
        chosen = _ids(request.args.get("ids", ""))
        shown = meetings.visible_complaints(chosen, g.user) if chosen else \
            meetings.schedulable_complaints(g.user)
        posted = set(_ids(request.form.getlist("complaint_ids"))) - {c.id for c in shown}
        shown += meetings.visible_complaints(sorted(posted), g.user)
        form = ScheduleForm()
        officers = meetings.active_officers()
        form.officer_ids.choices = [(o.id, str(o)) for o in officers]
        form.complaint_ids.choices = [(c.id, c.register_number) for c in shown]
        if request.method == "GET":
            form.complaint_ids.data = [c.id for c in shown] if chosen else []
            form.place.data = form.place.data or gettext("Village office hall")
            form.already_held.data = request.args.get("held") == "1"
        if request.method == "POST" and form.validate():
            starts_at = dt.datetime.combine(form.date.data, form.start_time.data)
            ends_at = dt.datetime.combine(form.date.data, form.end_time.data) \
                if form.end_time.data else None
            guests = [(row.form.name.data, row.form.role.data) for row in form.guests
                      if (row.form.name.data or "").strip()]
            try:
                meeting = meetings.schedule_meeting(
                    form.complaint_ids.data, starts_at, ends_at, form.place.data,
                    form.agenda.data, form.officer_ids.data, guests, g.user,
                    already_held=form.already_held.data)
            except meetings.MeetingRefused as exc:
                _field_error(form, exc)
            else:
                if form.already_held.data:
                    flash(gettext("The meeting of %(when)s is recorded; now write its minutes "
                                  "and who attended.", when=datetime_id(meeting.starts_at)),
                          "success")
                    return redirect(url_for(f"{self.endpoint}.minutes", pk=meeting.id))
                flash(gettext("Review meeting scheduled for %(when)s; %(count)d complaint(s) "
                              "are now in review.", when=datetime_id(meeting.starts_at),
                              count=len(meeting.complaints)), "success")
                return redirect(url_for(f"{self.endpoint}.show", pk=meeting.id))
        return self.render_template("meetings/schedule.html", form=form, complaints=shown,
                                    title=gettext("Schedule a review meeting"))

    @expose("/minutes/<pk>", methods=["GET", "POST"])
    @has_access
    def minutes(self, pk):
        item = self._visible(pk)
        form = MinutesForm(obj=item if request.method == "GET" else None)
        outcomes = parse_outcomes(request.form) if request.method == "POST" else {}
        errors = {}
        refusal = meetings.minutes_open(item)
        if refusal and request.method == "GET":
            flash(refusal, "danger")
            return redirect(url_for(f"{self.endpoint}.show", pk=pk))
        present = _present(request.form) if request.method == "POST" else \
            _present_before(meetings.attendance(item))
        if request.method == "POST" and form.validate():
            texts = {name: form[name].data for name in
                     ("findings", "root_cause", "recommendations", "public_recommendations",
                      "decided_steps")}
            present["others"] = [(row.form.name.data, row.form.role.data) for row in form.others
                                 if (row.form.name.data or "").strip()]
            try:
                meetings.record_minutes(item, texts, outcomes, g.user, present)
            except meetings.MeetingRefused as exc:
                errors[exc.field or "form"] = str(exc)
                flash(str(exc), "danger")
            else:
                flash(gettext("Minutes saved; %(count)d complaint(s) resolved.",
                              count=len(outcomes)), "success")
                return redirect(url_for(f"{self.endpoint}.show", pk=pk))
        return self.render_template(
            "meetings/minutes.html", item=item, form=form, complaints=self._complaint_rows(item),
            outcomes=outcomes, errors=errors, outcome_types=OUTCOME_TYPES,
            attendance=meetings.attendance(item), present=present,
            in_review=workflow.IN_REVIEW, title=gettext("Minutes of the review meeting"))

    @expose("/cancel/<pk>", methods=["POST"])
    @has_access
    def cancel(self, pk):
        item = self._visible(pk)
        try:
            meetings.cancel_meeting(item, request.form.get("reason"), g.user)
        except meetings.MeetingRefused as exc:
            flash(str(exc), "danger")
        else:
            flash(gettext("The meeting was cancelled."), "success")
        return redirect(url_for(f"{self.endpoint}.show", pk=pk))

    @expose("/move/<pk>", methods=["GET", "POST"])
    @has_access
    def move(self, pk):
        """A new date, time or place for a scheduled meeting; the invited officers are told."""
        item = self._visible(pk)
        show = url_for(f"{self.endpoint}.show", pk=pk)
        if item.status != SCHEDULED:
            flash(gettext("Only a scheduled meeting can be moved."), "danger")
            return redirect(show)
        form = MoveForm()
        if request.method == "GET":
            form.date.data, form.start_time.data = item.starts_at.date(), item.starts_at.time()
            form.end_time.data = item.ends_at.time() if item.ends_at else None
            form.place.data = item.place
        if request.method == "POST" and form.validate():
            starts_at = dt.datetime.combine(form.date.data, form.start_time.data)
            ends_at = dt.datetime.combine(form.date.data, form.end_time.data) \
                if form.end_time.data else None
            try:
                meetings.move_meeting(item, starts_at, ends_at, form.place.data, g.user)
            except meetings.MeetingRefused as exc:
                _field_error(form, exc)
            else:
                flash(gettext("The meeting was moved to %(when)s; the invited officers are "
                              "told.", when=datetime_id(starts_at, with_day=True)), "success")
                return redirect(show)
        return self.render_template("meetings/move.html", item=item, form=form,
                                    cancel_url=show, title=gettext("Move the meeting"))

    @expose("/berita-acara/<pk>", methods=["GET"])
    @has_access
    def berita_acara(self, pk):
        item = self._visible(pk)
        if item.status != HELD:
            flash(gettext("The minutes of this meeting have not been recorded yet."), "danger")
            return redirect(url_for(f"{self.endpoint}.show", pk=pk))
        response = make_response(berita_acara_pdf(item, g.user))
        response.headers["Content-Type"] = "application/pdf"
        response.headers["Content-Disposition"] = \
            f'attachment; filename="berita-acara-rapat-{item.starts_at:%Y-%m-%d}-{item.id}.pdf"'
        return response

    @expose("/ics/<pk>", methods=["GET"])
    @has_access
    def ics(self, pk):
        item = self._visible(pk)
        response = make_response(meetings.meeting_ics(item, g.user, request.host.split(":")[0]))
        response.headers["Content-Type"] = "text/calendar; charset=utf-8"
        response.headers["Content-Disposition"] = \
            f'attachment; filename="rapat-{item.starts_at:%Y-%m-%d}-{item.id}.ics"'
        return response


def _present(formdata):
    """Who the minutes form marks present: the ticked officers and invited parties."""
    return {"officers": set(_ids(formdata.getlist("present_officer"))),
            "guests": set(_ids(formdata.getlist("present_guest")))}


def _present_before(recorded):
    """The minutes form's ticks before it is sent: as recorded, else everyone invited (the
    desk unticks who did not come)."""
    def ticked(rows):
        return {person.id for person, attended in rows
                if attended or (attended is None and not recorded["recorded"])}
    return {"officers": ticked(recorded["officers"]), "guests": ticked(recorded["guests"])}


def _ids(value):
    """Complaint ids from ``?ids=1,2`` or a list of form values; junk is ignored."""
    parts = value if isinstance(value, list) else str(value).split(",")
    return sorted({int(p) for p in parts if str(p).strip().isdigit()})


def _field_error(form, exc):
    """Show a refusal at its field (or at the top of the form)."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(exc)]
    flash(str(exc), "danger")
