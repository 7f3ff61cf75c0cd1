"""Form fields and validators shared by the staff screens and the public form."""

import functools
import re

import flask_babel
from flask_babel import lazy_gettext as _l
from flask_appbuilder.fieldwidgets import DatePickerWidget, DateTimePickerWidget
from flask_wtf import FlaskForm
from markupsafe import escape
from wtforms import (BooleanField, DateField, DateTimeField, IntegerField, PasswordField, SelectField,
                     StringField, TextAreaField)
from wtforms.validators import (DataRequired, Email, InputRequired, Length, NumberRange,
                                Optional, StopValidation, ValidationError)

from app.auth import identity
from app.core.numbering import InvalidPhone, normalize_phone
from app.core.timeutil import now_wib
from app.core.vocabularies import CHANNELS, KINDS, NO_IDENTITY_CHANNELS, URGENCIES, choices

MAX_DESCRIPTION = 5000


class CatalogueTranslations:
    """WTForms' own messages ("Not a valid choice.") from our catalogue.

    WTForms ships no Indonesian, and Flask-WTF looks only in WTForms' folder;
    translations/update.sh puts WTForms' messages into our catalogue instead.
    """

    def gettext(self, string):
        return flask_babel.get_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        return flask_babel.get_translations().ungettext(singular, plural, n)


CATALOGUE = CatalogueTranslations()


# Characters nobody types and PostgreSQL cannot store (NUL) or that only garble a page:
# C0 controls but tab and line breaks, and lone surrogates (possible in JSON bodies).
_UNTYPABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def strip_untypable(value):
    """``value`` without control characters and lone surrogates (other values unchanged).

    A NUL used to reach PostgreSQL and answer 500 (found by tests/test_fuzz.py).
    """
    return _UNTYPABLE.sub("", value) if isinstance(value, str) else value


class TranslatedMeta:
    """A form ``Meta`` whose built-in messages come from our catalogue, and whose text fields
    drop characters nobody can type (``strip_untypable``) before validation."""

    def get_translations(self, form):
        return CATALOGUE

    def bind_field(self, form, unbound_field, options):
        if issubclass(unbound_field.field_class, StringField) and \
                not issubclass(unbound_field.field_class, PasswordField):
            options["filters"] = [*unbound_field.kwargs.get("filters", ()), strip_untypable]
        return unbound_field.bind(form=form, **options)


class BaseForm(FlaskForm):
    """Our forms: Flask-WTF (CSRF) with every message in the user's language."""

    class Meta(TranslatedMeta):
        pass


class _LazyToken:
    """A CSRF token made the first time it is shown."""

    def __init__(self, make):
        self._make = make
        self._text = None

    def __str__(self):
        if self._text is None:
            self._text = self._make()
        return self._text

    def __html__(self):
        return escape(str(self))


class LazyTokenCSRF(FlaskForm.Meta.csrf_class):
    """Flask-WTF's CSRF check, with the form's new token signed only when a page shows it.

    Signing costs about as much as the status look-up's query, and the look-up's
    answer shows no form. The check of the token sent is Flask-WTF's, unchanged.
    """

    def generate_csrf_token(self, csrf_token_field):
        return _LazyToken(functools.partial(super().generate_csrf_token, csrf_token_field))


class PhoneNumber:
    """Accept an Indonesian phone number and store it as +62...; keep the typed text on error."""

    def __call__(self, form, field):
        if not field.data:
            return
        try:
            field.data = normalize_phone(field.data)
        except InvalidPhone:
            raise ValidationError(
                _l("Enter a reachable Indonesian phone number, for example 0812 3456 7890.")
            ) from None


class NotInFuture:
    """A date or time that has not happened yet cannot be when something was received."""

    def __call__(self, form, field):
        if field.data is None:
            return
        now = now_wib()
        limit = now.date() if not hasattr(field.data, "hour") else now
        if field.data > limit:
            raise ValidationError(_l("This date is in the future."))


class IdentityRequired(DataRequired):
    """Required, unless the form records a sender who gave no identity (``without_identity``
    ticked): then the field is left empty and its other checks are skipped."""

    def __call__(self, form, field):
        flag = getattr(form, "without_identity", None)
        if flag is not None and flag.data:
            field.errors[:] = []
            field.data = ""
            raise StopValidation()
        super().__call__(form, field)


class NoIdentityChannel:
    """Only a box note or a phone call can come from a sender who gave no identity."""

    def __call__(self, form, field):
        channel = getattr(form, "channel", None)
        if field.data and channel is not None and channel.data not in NO_IDENTITY_CHANNELS:
            raise ValidationError(_l(
                "Only a complaint box note or a phone call can be recorded without identity."))


def without_identity_field():
    return BooleanField(_l("Without identity (tanpa identitas)"), default=False,
                        validators=[NoIdentityChannel()], description=_l(
                            "A complaint box note or a phone call whose sender gave no name, "
                            "address or phone. It is handled like any other complaint, but "
                            "the result cannot be sent to anyone and the public status page "
                            "cannot find it."))


def required(message=None):
    return DataRequired(message=message or _l("This field is required."))


def typed_required():
    """Required, judged on what was typed: a number, date or time that could not be read
    keeps its own message ("not a valid ..."), which DataRequired would hide."""
    return InputRequired(message=_l("This field is required."))


def working_days_field(text, maximum):
    """A whole number of working days, 1 to ``maximum``."""
    return IntegerField(text, validators=[typed_required(), NumberRange(
        min=1, max=maximum, message=_l("Between %(min)s and %(max)s."))])


def identity_level_field(description=identity.LEVEL_HELP, **kwargs):
    """How much of the complainant's identity officers may see (app.auth.identity); the help
    text speaks to the resident unless a desk's one is given."""
    return SelectField(_l("Identity protection"), choices=identity.level_choices(),
                       default=identity.NAMED, description=description, **kwargs)


def kind_field(**kwargs):
    return SelectField(_l("Kind"), choices=choices(KINDS), default="pengaduan", **kwargs)


def channel_field():
    return SelectField(_l("Channel"), choices=choices(CHANNELS), default="walk_in",
                       validators=[required()])


def urgency_field():
    return SelectField(_l("Urgency"), choices=choices(URGENCIES), default="normal",
                       validators=[required()])


def name_field():
    return StringField(_l("Complainant name"), validators=[
        IdentityRequired(message=_l("The complainant's name is required.")),
        Length(max=120, message=_l("At most %(max)d characters.")),
    ])


def address_field():
    return StringField(_l("Address"), validators=[
        IdentityRequired(message=_l("The complainant's address is required.")),
        Length(max=255, message=_l("At most %(max)d characters.")),
    ])


def phone_field():
    return StringField(_l("Phone / WhatsApp"), validators=[
        IdentityRequired(message=_l("A phone number we can call back is required.")),
        Length(max=40, message=_l("At most %(max)d characters.")),
        PhoneNumber(),
    ])


def email_field():
    return StringField(_l("Email"), validators=[
        Optional(),
        Length(max=120, message=_l("At most %(max)d characters.")),
        Email(message=_l("Enter a valid email address."), check_deliverability=False),
    ])


def subject_field():
    return StringField(_l("Subject"), validators=[
        required(_l("Say briefly what the complaint is about.")),
        Length(max=200, message=_l("At most %(max)d characters.")),
    ])


def description_field():
    return TextAreaField(_l("Description"), validators=[
        required(_l("Describe the problem: what, where and when.")),
        Length(max=MAX_DESCRIPTION, message=_l("At most %(max)d characters.")),
    ])


def rt_rw_field():
    return StringField(_l("RT/RW"), validators=[
        Optional(), Length(max=10, message=_l("At most %(max)d characters.")),
    ])


def location_field():
    return StringField(_l("Location"), validators=[
        Optional(), Length(max=255, message=_l("At most %(max)d characters.")),
    ])


def received_at_field():
    return DateTimeField(_l("Received"), format="%Y-%m-%d %H:%M:%S",
                         widget=DateTimePickerWidget(),
                         validators=[Optional(), NotInFuture()],
                         description=_l("Leave empty for the current time."))


def incident_date_field():
    return DateField(_l("Incident date"), format="%Y-%m-%d", widget=DatePickerWidget(),
                     validators=[Optional(), NotInFuture()])


class ComplaintApiForm(BaseForm):
    """The register's rules for the staff API (same fields and messages as the screens)."""

    kind = kind_field()
    channel = channel_field()
    received_at = received_at_field()
    without_identity = without_identity_field()
    complainant_name = name_field()
    complainant_address = address_field()
    complainant_phone = phone_field()
    complainant_email = email_field()
    subject = subject_field()
    description = description_field()
    rt_rw = rt_rw_field()
    location = location_field()
    incident_date = incident_date_field()
