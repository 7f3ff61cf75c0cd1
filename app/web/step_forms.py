"""One small form per workflow step, with the fields the step needs (app.core.workflow).

The same forms validate the screens (with CSRF) and the staff API (without),
so a step is checked the same way wherever it comes from.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from app.auth import identity
from app.core import workflow
from app.core.timeutil import datetime_id
from app.core.vocabularies import KINDS, OUTCOME_TYPES, URGENCIES, choices
from app.extensions import db
from app.models import Category, Officer
from app.models.villages import KABUPATEN, KECAMATAN
from app.services import referrals
from app.services.complaints import assignable_officers, public_photo_choices
from app.web.forms import BaseForm, required, working_days_field

NOTE_MAX = 5000


def _text(label, needed=True, max_length=NOTE_MAX):
    checks = [required()] if needed else [Optional()]
    return TextAreaField(label, validators=checks + [
        Length(max=max_length, message=_l("At most %(max)d characters."))])


class StepForm(BaseForm):
    """Base: carries the version of the complaint the user saw (no lost update)."""

    expected_version = HiddenField()

    def fill_choices(self, complaint):
        """Load the choices that depend on the database or the complaint."""

    def fields(self):
        """The step's fields as a dict for ``services.apply_step``."""
        return {name: field.data for name, field in self._fields.items()
                if name not in ("csrf_token", "expected_version")}


class VerifyForm(StepForm):
    kind = SelectField(_l("Kind"), choices=choices(KINDS), validators=[required()])
    category_id = SelectField(_l("Category"), validators=[required()])
    urgency = SelectField(_l("Urgency"), choices=choices(URGENCIES), default="normal",
                          validators=[required()])
    identity_level = SelectField(
        _l("Identity protection"), validators=[Optional()],
        description=_l("Can only be raised. Confidential: for instance suspected misconduct "
                       "of a village officer."))
    reported_officer_id = SelectField(_l("Officer complained about (if any)"),
                                      validators=[Optional()])
    note = _text(_l("Note"), needed=False)

    def fill_choices(self, complaint):
        categories = db.session.query(Category).filter_by(active=True).order_by(Category.name)
        self.category_id.choices = [("", "")] + [(str(c.id), c.name) for c in categories]
        self.reported_officer_id.choices = [("", _l("(none)"))] + _officer_choices()
        current = complaint.identity_level if complaint is not None else None
        # Every level stays a valid choice, so a lower one is refused with a clear
        # message (services) rather than a bare "not a valid choice".
        self.identity_level.choices = identity.level_choices() if self.is_submitted() \
            else identity.level_choices(current)
        if not self.is_submitted():
            self.identity_level.data = current
            self.kind.data = complaint.kind
            self.urgency.data = complaint.urgency
            self.category_id.data = str(complaint.category_id or "")
            self.reported_officer_id.data = str(complaint.reported_officer_id or "")


class RequestCompletionForm(StepForm):
    missing = _text(_l("What is missing (the complainant will read this)"))


class ForwardForm(StepForm):
    officer_id = SelectField(_l("Officer"), validators=[required()])
    reported_to = SelectField(
        _l("Verification result passed to"), default="kepala_desa",
        choices=[("kepala_desa", _l("Village head")),
                 ("sekretaris_desa", _l("Village secretary"))])
    note = _text(_l("Note"), needed=False)

    def fill_choices(self, complaint):
        self.officer_id.choices = [("", "")] + _assignable_choices(complaint, self.is_submitted())


class VerifyForwardForm(VerifyForm):
    """Verify and forward in one form: the verify step's fields, then the forward step's
    (the note goes with the forward, for the officer who reads it)."""

    officer_id = SelectField(_l("Forward to"), validators=[required()],
                             description=_l("The Kepala Dusun of the complaint's dusun first."))
    reported_to = SelectField(
        _l("Verification result passed to"), default="kepala_desa",
        choices=[("kepala_desa", _l("Village head")),
                 ("sekretaris_desa", _l("Village secretary"))])
    note = _text(_l("Note for the officer"), needed=False)

    def fill_choices(self, complaint):
        super().fill_choices(complaint)
        self.officer_id.choices = [("", "")] + _assignable_choices(complaint, self.is_submitted())

    def step_fields(self):
        """``(verify fields, forward fields)`` for ``services.verify_and_forward``."""
        data = self.fields()
        forward = {name: data.get(name) for name in workflow.STEPS["forward"].fields}
        verify = {name: data.get(name) for name in workflow.STEPS["verify"].fields
                  if name not in forward and name in data}
        return verify, forward


class NoteForm(StepForm):
    note = _text(_l("Progress note"))
    is_public = BooleanField(_l("Show on the public status page"))


class ScheduleMeetingForm(StepForm):
    note = _text(_l("Note"), needed=False)


class ResolveForm(StepForm):
    outcome_type = SelectField(_l("Outcome"), choices=[("", "")] + choices(OUTCOME_TYPES),
                               validators=[required()])
    outcome_text = _text(_l("What was done"))
    public_note = _text(_l("Public note (the complainant will read this)"))
    publishable = BooleanField(_l("Publish on the \"Already handled\" list"), description=_l(
        "Everyone will see the category, the dusun, the month and the text below: never a "
        "name, an address or the complainant's words."))
    public_summary = _text(_l("What was done, for the public list"), needed=False,
                           max_length=1000)
    public_photo_id = SelectField(_l("Photo after the work, for the public list"),
                                  validators=[Optional()], description=_l(
        "One of this complaint's photos shown to the public and added by staff (add it on "
        "the complaint's page first). Leave empty for no photo."))

    def fill_choices(self, complaint):
        photos = public_photo_choices(complaint) if complaint is not None else []
        self.public_photo_id.choices = [("", _l("(no photo)"))] + [
            (str(p.id), f"{p.original_name} ({datetime_id(p.created_at)})") for p in photos]
        if self.is_submitted():
            # Every number stays a valid choice, so a wrong one is refused by the service
            # with a message that says why rather than a bare "not a valid choice".
            chosen = self.public_photo_id.data or ""
            if chosen.isdigit() and chosen not in dict(self.public_photo_id.choices):
                self.public_photo_id.choices.append((chosen, chosen))


class RejectForm(StepForm):
    reason = _text(_l("Reason (the complainant will read this)"))


class ReferForm(StepForm):
    """To the kecamatan or the kabupaten inside the system (``app.services.referrals``: they
    answer in the system, the clock waits), or to an office outside it (named here)."""

    refer_up = SelectField(_l("Refer to"), validators=[Optional()], choices=[
        ("", _l("An office outside the system (name it below)")),
        (KECAMATAN, _l("The Camat of our kecamatan, in the system")),
        (KABUPATEN, _l("The Inspektorat of our kabupaten, in the system"))])
    office = StringField(_l("Office"), validators=[Optional(), Length(max=200)],
                         description=_l("For example a dinas of the kabupaten. Empty when "
                                        "referring inside the system."))
    referral_note = _text(_l("Note for the higher office"), needed=False)
    public_note = _text(_l("Public note"), needed=False)

    def fields(self):
        """A referral inside the system reaches the office of the village's own area."""
        values = super().fields()
        if values.get("refer_up") and not values.get("office"):
            values["office"] = referrals.office_name(values["refer_up"])
        return values


class InformForm(StepForm):
    channel = SelectField(_l("Channel"), validators=[required()], choices=[
        ("whatsapp", _l("WhatsApp")), ("phone", _l("Phone call")), ("email", _l("Email")),
        ("letter", _l("Letter")), ("in_person", _l("In person"))])
    message = _text(_l("Message"))


class CompleteForm(StepForm):
    completion = _text(_l("What the complainant completed"))


class ExtendDeadlineForm(StepForm):
    days = working_days_field(_l("Extend by (working days)"), maximum=60)
    reason = _text(_l("Reason (the complainant will read this)"))


class ReopenForm(StepForm):
    public_note = _text(_l("Public note (the complainant will read this)"))
    officer_id = SelectField(_l("Officer (empty: the same officer)"), validators=[Optional()])

    def fill_choices(self, complaint):
        self.officer_id.choices = [("", "")] + _assignable_choices(complaint, self.is_submitted())


class KeepClosedForm(StepForm):
    reason = _text(_l("Reason (the complainant will read this)"))


FORMS = {
    "verify": VerifyForm,
    "request_completion": RequestCompletionForm,
    "forward": ForwardForm,
    "note": NoteForm,
    "schedule_meeting": ScheduleMeetingForm,
    "resolve": ResolveForm,
    "reject": RejectForm,
    "refer": ReferForm,
    "inform": InformForm,
    "complete": CompleteForm,
    "extend_deadline": ExtendDeadlineForm,
    "reopen": ReopenForm,
    "keep_closed": KeepClosedForm,
}


def _officer_choices():
    officers = (db.session.query(Officer).filter_by(active=True)
                .options(joinedload(Officer.dusun)).order_by(Officer.name))
    return [(str(o.id), _officer_label(o)) for o in officers]


def _officer_label(officer):
    """The officer's name and position, and for a Kepala Dusun their dusun."""
    if officer.position == "kepala_dusun" and officer.dusun is not None:
        return f"{officer} · {officer.dusun}"
    return str(officer)


def _assignable_choices(complaint, submitted):
    """The officers offered for ``complaint``: those it may be given to
    (``services.assignment_refusal``'s rule). A submitted form accepts every active
    officer, so the service refuses the others with a message that says why."""
    if submitted:
        return _officer_choices()
    return [(str(o.id), _officer_label(o)) for o in assignable_officers(complaint)]


def build_verify_forward(complaint, formdata=None):
    """The verify-and-forward form for ``complaint``, bound to ``formdata`` when given."""
    form = VerifyForwardForm() if formdata is None else VerifyForwardForm(formdata=formdata)
    form.fill_choices(complaint)
    if not form.expected_version.data:
        form.expected_version.data = str(complaint.version)
    return form


def build(step, complaint, formdata=None, csrf=True):
    """The form of ``step`` for ``complaint``, bound to ``formdata`` when given."""
    form_class = FORMS[step]
    meta = {} if csrf else {"csrf": False}
    if formdata is None:
        form = form_class(meta=meta)
    else:
        form = form_class(formdata=formdata, meta=meta)
    form.fill_choices(complaint)
    if complaint is not None and not form.expected_version.data:
        form.expected_version.data = str(complaint.version)
    return form
