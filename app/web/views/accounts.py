"""Officer accounts: the admin's one form, the one-time link page, deactivation and handing
on open complaints; and the two pages anyone reaches from the login form."""

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import Length, Optional

from app.auth import limits
from app.core.errors import ServiceError
from app.core.vocabularies import POSITIONS, label
from app.extensions import db
from app.models import Dusun, Officer
from app.services import accounts, complaints as services, informing
from app.web.forms import BaseForm, PhoneNumber, email_field, required

# "Lupa kata sandi": per client address and per login name or email asked about.
RESET_LIMIT_PER_CLIENT = "5 per hour;20 per day"
RESET_LIMIT_PER_NAME = "3 per hour;10 per day"

_POSITIONS = [(key, POSITIONS[key]) for key in accounts.POSITION_ROLES]


class NewOfficerForm(BaseForm):
    name = StringField(_l("Name"), validators=[required(), Length(max=120)])
    position = SelectField(_l("Position"), choices=_POSITIONS, validators=[required()])
    dusun_id = SelectField(_l("Dusun (Kepala Dusun only)"), choices=[], validate_choice=False)
    field_of_work = StringField(_l("Field of work"), validators=[Optional(), Length(max=120)])
    phone = StringField(_l("Phone / WhatsApp"), validators=[Optional(), Length(max=40),
                                                           PhoneNumber()])
    email = email_field()
    username = StringField(_l("Login name"), validators=[required(), Length(max=64)],
                           description=_l("Small letters, digits, dots or dashes, e.g. "
                                          "kadus.sukamaju"))


class PasswordForm(BaseForm):
    password = PasswordField(_l("New password"), validators=[required()])
    repeated = PasswordField(_l("The new password again"), validators=[required()])


class ForgotForm(BaseForm):
    identifier = StringField(_l("Login name or email"), validators=[required(),
                                                                   Length(max=320)])


class OfficerAccountView(BaseView):
    """The admin adds an officer with their login in one form and hands over the first
    password link; an officer who leaves is deactivated; the desk hands their open
    complaints on."""

    route_base = "/officer-account"
    class_permission_name = "OfficerAccount"
    method_permission_name = {"new": "add", "link": "add", "deactivate": "deactivate",
                              "reassign": "reassign"}
    default_view = "new"

    def _officer(self, pk):
        officer = db.session.get(Officer, pk)
        if officer is None:
            abort(404)
        return officer

    @expose("/new", methods=["GET", "POST"])
    @has_access
    def new(self):
        form = NewOfficerForm()
        form.dusun_id.choices = [("", "-")] + [
            (str(d.id), d.name) for d in db.session.query(Dusun).filter_by(active=True)
            .order_by(Dusun.name)]
        if request.method == "POST" and form.validate():
            try:
                officer, token = accounts.add_officer(form.data, g.user)
            except ServiceError as exc:
                field = getattr(form, exc.field or "", None)
                if field is not None:
                    field.errors = list(field.errors) + [str(exc)]
                else:
                    flash(str(exc), "danger")
            else:
                flash(gettext("Officer %(name)s added with the login %(username)s.",
                              name=officer.name, username=officer.user.username), "success")
                return self._link_page(officer, token)
        return self.render_template("accounts/new.html", form=form,
                                    title=gettext("Add an officer with a login"))

    def _link_page(self, officer, token):
        url = accounts.link_url(token)
        text = gettext("Assalamualaikum %(name)s, this is your link to set the password of your "
                       "login %(username)s for the village complaint system. It works once, "
                       "within one hour: %(url)s", name=officer.name,
                       username=officer.user.username, url=url)
        emailed = False
        if request.form.get("send_email") and accounts.has_email(officer.user):
            try:
                informing.send_email(officer.user.email,
                                              gettext("Set your password"), text)
                emailed = True
            except ServiceError as exc:
                flash(str(exc), "danger")
        return self.render_template(
            "accounts/link.html", officer=officer, url=url, emailed=emailed,
            whatsapp=accounts.whatsapp_url(officer.phone, text),
            # The SVG is drawn by the qrcode library from our own link, no user text in it.
            qr=Markup(accounts.qr_svg(url)),  # nosec B704
            hours=int(accounts.LINK_LIFETIME.seconds / 3600),
            position=label(POSITIONS, officer.position),
            title=gettext("Password link for %(name)s", name=officer.name))

    @expose("/<int:pk>/link", methods=["POST"])
    @has_access
    def link(self, pk):
        """A new one-time link (the first one expired or was lost); earlier ones stop working."""
        officer = self._officer(pk)
        if officer.user is None or not officer.user.active:
            flash(gettext("This officer has no active login."), "danger")
            return redirect(url_for("OfficerModelView.show", pk=pk))
        token = accounts.new_link(officer.user, accounts.SET)
        db.session.commit()
        return self._link_page(officer, token)

    @expose("/<int:pk>/deactivate", methods=["GET", "POST"])
    @has_access
    def deactivate(self, pk):
        officer = self._officer(pk)
        if request.method == "POST":
            open_complaints = accounts.deactivate(officer, g.user)
            flash(gettext("%(name)s is deactivated: their login no longer works. Their name "
                          "stays on past events and documents.", name=officer.name), "success")
            if open_complaints:
                return redirect(url_for("OfficerAccountView.reassign", pk=pk))
            return redirect(url_for("OfficerModelView.list"))
        return self.render_template(
            "accounts/deactivate.html", officer=officer,
            complaints=accounts.open_complaints(officer),
            title=gettext("Deactivate %(name)s", name=officer.name))

    @expose("/<int:pk>/reassign", methods=["GET", "POST"])
    @has_access
    def reassign(self, pk):
        officer = self._officer(pk)
        complaints = accounts.open_complaints(officer)
        if request.method == "POST":
            try:
                moved = accounts.reassign(request.form.getlist("complaint"),
                                          request.form.get("officer_id"), g.user)
            except ServiceError as exc:
                flash(str(exc), "danger")
            else:
                flash(gettext("%(count)s complaints handed on to %(name)s.", count=len(moved),
                              name=moved[0].assigned_officer.name), "success")
                return redirect(url_for("OfficerAccountView.reassign", pk=pk))
        candidates = [o for o in services.assignable_officers(None) if o.id != officer.id]
        return self.render_template(
            "accounts/reassign.html", officer=officer, complaints=complaints,
            candidates=candidates, title=gettext("Open complaints of %(name)s",
                                                 name=officer.name))


class AccountLinkView(BaseView):
    """Open to everyone: setting a password through a one-time link, and asking for one."""

    route_base = ""
    class_permission_name = "AccountLink"
    installation_wide = True  # a login's own password: the installation's

    @expose("/akun/sandi/<token>", methods=["GET", "POST"])
    def set_password(self, token):
        form = PasswordForm()
        if accounts.valid_link(token) is None:
            return self.render_template("accounts/password.html", form=None,
                                        title=gettext("Set your password")), 410
        if request.method == "POST" and form.validate():
            try:
                user = accounts.use_link(token, form.password.data, form.repeated.data)
            except ServiceError as exc:
                target = getattr(form, exc.field or "", None)
                if target is not None:
                    target.errors = list(target.errors) + [str(exc)]
                else:
                    flash(str(exc), "danger")
            else:
                flash(gettext("Your password is set. Log in with %(username)s and the new "
                              "password.", username=user.username), "success")
                return redirect(url_for("AuthDBView.login"))
        return self.render_template("accounts/password.html", form=form,
                                    title=gettext("Set your password"))

    @expose("/lupa-sandi", methods=["GET", "POST"])
    def forgot(self):
        form = ForgotForm()
        sent = False
        if request.method == "POST" and form.validate():
            identifier = form.identifier.data.strip().lower()
            if limits.over_limit("reset", limits.client_key(), RESET_LIMIT_PER_CLIENT) or \
                    limits.over_limit("reset-name", identifier, RESET_LIMIT_PER_NAME):
                flash(gettext("Too many requests. Please try again later."), "danger")
                return self.render_template("accounts/forgot.html", form=form, sent=False,
                                            title=gettext("Forgot password")), 429
            accounts.request_reset(identifier)
            sent = True
        return self.render_template("accounts/forgot.html", form=form, sent=sent,
                                    title=gettext("Forgot password"))
