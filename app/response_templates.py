"""Response templates (canned responses): ready texts for the note, resolve and inform steps.

The admin keeps them per step and, optionally, per category; the desk (and a
liaison, for their own steps) picks one and gets the step's text field filled
with the complaint's data. Placeholders are Indonesian words in braces
(``{nomor_register}``). Only the names in ``PLACEHOLDERS`` are allowed, with no
format specification or attribute access: ``str.format`` on an admin's text
could otherwise reach object attributes. A bad template is refused with an
Indonesian message when it is saved, and again (never a 500) if one reaches a
form anyway.
"""

from string import Formatter

from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_

from app import access, services
from app.choices import STATUSES, label
from app.extensions import db
from app.models import Category, ResponseTemplate
from app.timeutil import date_id

# The step -> the form field its template fills.
TARGET_FIELDS = {"note": "note", "resolve": "public_note", "inform": "message"}

PLACEHOLDERS = {
    "nomor_register": _l("register number"),
    "kode_pelacakan": _l("tracking code"),
    "nama": _l("complainant's name (inform templates only)"),
    "kategori": _l("category"),
    "perihal": _l("subject"),
    "tenggat": _l("due date"),
    "tanggal_terima": _l("date received"),
    "status": _l("status"),
    "desa": _l("village"),
}

# Notes and public notes can reach the public status page: no name there.
_NAME_STEPS = frozenset({"inform"})


class TemplateError(services.ServiceError):
    """A template that cannot be used as typed; the message says what to fix."""


def placeholder_help():
    return ", ".join("{%s} (%s)" % (name, text) for name, text in PLACEHOLDERS.items())


def check_template(body, step=None):
    """Refuse unknown or malformed placeholders; return the names used."""
    try:
        parts = list(Formatter().parse(body or ""))
    except ValueError:
        raise TemplateError(gettext(
            "The template has an unmatched brace. Write placeholders as {nomor_register}; "
            "for a brace itself write {{ or }}.")) from None
    names = []
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            raise TemplateError(gettext(
                "Unknown placeholder {%(name)s}. You can use: %(allowed)s.",
                name=(name + (("!" + conversion) if conversion else "")
                      + ((":" + spec) if spec else "")),
                allowed=", ".join("{" + n + "}" for n in PLACEHOLDERS)))
        if name == "nama" and step is not None and step not in _NAME_STEPS:
            raise TemplateError(gettext(
                "{nama} can only be used in templates for informing the complainant: notes "
                "and results can appear on the public status page."))
        names.append(name)
    return names


def values_for(complaint, user):
    """What each placeholder becomes for ``complaint`` as ``user`` may read it."""
    with force_locale("id"):
        return {
            "nomor_register": complaint.register_number or "",
            "kode_pelacakan": (complaint.tracking_code or "") if access.tracking_code_visible(user)
            else access.hidden_identity_text(),
            "nama": access.displayed_name(user, complaint),
            "kategori": complaint.category.name if complaint.category else "-",
            "perihal": complaint.subject or "",
            "tenggat": date_id(complaint.due_date) if complaint.due_date else "-",
            "tanggal_terima": date_id(complaint.received_at) if complaint.received_at else "-",
            "status": str(label(STATUSES, complaint.status)),
            "desa": current_app.config["VILLAGE"]["name"],
        }


def fill(template, complaint, user):
    """The template's text filled in for ``complaint``; ``TemplateError`` when it is bad."""
    check_template(template.body, template.step)
    return template.body.format_map(values_for(complaint, user))


def templates_for(step, complaint):
    """Active templates of ``step`` for ``complaint``'s category or for all, specific first."""
    if step not in TARGET_FIELDS:
        return []
    category_id = complaint.category_id if complaint is not None else None
    query = db.session.query(ResponseTemplate).filter(
        ResponseTemplate.step == step, ResponseTemplate.active.is_(True),
        or_(ResponseTemplate.category_id.is_(None), ResponseTemplate.category_id == category_id))
    return sorted(query, key=lambda t: (t.category_id is None, t.title))


def find(step, complaint, template_id):
    """The template ``template_id`` if it may be used for ``step`` on ``complaint``."""
    try:
        wanted = int(template_id)
    except (TypeError, ValueError):
        wanted = None
    for template in templates_for(step, complaint):
        if template.id == wanted:
            return template
    raise TemplateError(gettext("This response template cannot be used for this step."))


def prefill(form, step, complaint, template_id, user):
    """Fill the step form's text field from template ``template_id``."""
    template = find(step, complaint, template_id)
    form[TARGET_FIELDS[step]].data = fill(template, complaint, user)
    return template


DEFAULT_TEMPLATES = (
    ("Sedang dikoordinasikan", "note", None,
     "Pengaduan {nomor_register} tentang \"{perihal}\" sedang dikoordinasikan dengan petugas "
     "terkait. Perkembangan akan kami sampaikan paling lambat {tenggat}."),
    ("Menunggu kelengkapan data", "note", None,
     "Penanganan pengaduan {nomor_register} menunggu kelengkapan data dari pelapor."),
    ("Peninjauan lokasi", "note", "Infrastruktur dan lingkungan",
     "Petugas telah meninjau lokasi terkait \"{perihal}\". Perbaikan dijadwalkan dan "
     "diperkirakan selesai sebelum {tenggat}."),
    ("Selesai ditindaklanjuti", "resolve", None,
     "Pengaduan {nomor_register} tentang \"{perihal}\" telah selesai ditindaklanjuti oleh "
     "Pemerintah Desa {desa}. Terima kasih atas partisipasi Anda."),
    ("Dokumen siap diambil", "resolve", "Administrasi kependudukan",
     "Dokumen yang Anda ajukan telah selesai diproses dan dapat diambil di kantor desa pada "
     "jam kerja dengan membawa tanda terima {nomor_register}."),
    ("Bantuan sosial: data diperbarui", "resolve", "Bantuan sosial",
     "Data penerima bantuan sosial terkait pengaduan {nomor_register} telah diperiksa dan "
     "diperbarui bersama petugas kesejahteraan desa."),
    ("Pemberitahuan hasil", "inform", None,
     "Yth. Bapak/Ibu {nama},\n\nPengaduan Anda nomor {nomor_register} (kategori {kategori}) "
     "tentang \"{perihal}\" kini berstatus: {status}. Status dapat dilihat kapan saja dengan "
     "kode pelacakan {kode_pelacakan}.\n\nTerima kasih.\n"
     "Petugas Pengelola Pengaduan Desa {desa}"),
)


def seed_response_templates():
    """Add the default Indonesian templates when there are none yet (idempotent)."""
    if db.session.query(ResponseTemplate.id).first():
        return
    categories = {c.name: c.id for c in db.session.query(Category)}
    for title, step, category, body in DEFAULT_TEMPLATES:
        db.session.add(ResponseTemplate(title=title, step=step, body=body, active=True,
                                        category_id=categories.get(category)))
