"""Templates: the ready texts for the desk's notes, results and messages to residents.

One table (``ResponseTemplate``), one placeholder syntax, one fill function. The
admin keeps the templates per step and, optionally, per category; a template of
the ``inform`` step is a message to the resident, with an email subject and the
result whose message it drafts. The desk (and a liaison, for their own steps)
picks one and gets the step's text field filled with the complaint's data; the
inform page starts from the template of the complaint's result.

Placeholders are Indonesian words in braces (``{nomor_register}``). Only the
names in ``PLACEHOLDERS`` are allowed, with no format specification or attribute
access: ``str.format`` on an admin's text could otherwise reach object
attributes. A bad template is refused with an Indonesian message when it is
saved, and again (never a 500) if one reaches a form anyway. What a placeholder
shows follows the reader's rights (``access``): the tracking code only for the
desk, the name as the reader may see it.
"""

from string import Formatter

from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_

from app.auth import access
from app.auth.villages import current_village
from app.core import workflow
from app.core.timeutil import date_id
from app.core.vocabularies import resident_label
from app.extensions import db
from app.models import Category, ResponseTemplate
from app.services import complaints as services
from app.services.informing import INFORMABLE, status_url

# The step -> the form field its template fills.
TARGET_FIELDS = {"note": "note", "resolve": "public_note", "inform": "message"}

INFORM = "inform"

PLACEHOLDERS = {
    "nomor_register": _l("register number"),
    "kode_pelacakan": _l("tracking code"),
    "nama": _l("complainant's name (inform templates only)"),
    "kategori": _l("category"),
    "perihal": _l("subject"),
    "tenggat": _l("due date"),
    "tenggat_verifikasi": _l("verification due date"),
    "tenggat_tindak_lanjut": _l("first follow-up due date"),
    "tanggal_terima": _l("date received"),
    "status": _l("status"),
    "hasil": _l("kind of resolution"),
    "catatan_publik": _l("public note"),
    "alasan": _l("reason for rejection"),
    "instansi_tujuan": _l("office referred to"),
    "desa": _l("village"),
    "telepon_desa": _l("village phone"),
    "email_desa": _l("village email"),
    "alamat_status": _l("address of the public status page"),
}

# Notes and public notes can reach the public status page: no name there.
_NAME_STEPS = frozenset({INFORM})


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


def check(template):
    """Refuse a template that could not be used as saved: the admin's screen calls this.

    An empty subject or result (the form's "any result") is stored as none.
    """
    template.subject = (template.subject or "").strip() or None
    template.result = template.result or None
    if template.step != INFORM and (template.subject or template.result):
        raise TemplateError(gettext(
            "An email subject and a result only belong to templates for informing the "
            "complainant."))
    if template.result and template.result not in INFORMABLE:
        raise TemplateError(gettext("Choose resolved, rejected or referred as the result."))
    check_template(template.subject, template.step)
    check_template(template.body, template.step)


def values_for(complaint, user, for_resident=False, names=None):
    """What each placeholder becomes for ``complaint`` as ``user`` may read it.

    ``for_resident``: the reader is the complainant (an email to them,
    ``app.services.notifications``), who holds their own tracking code and name.
    ``names``: only these placeholders (the others are not worked out: the name asks who
    may read it, which a notification to each recipient would otherwise pay for).
    """
    village = current_village()
    makers = {
        "nomor_register": lambda: complaint.register_number or "",
        "kode_pelacakan": lambda: (complaint.tracking_code or "")
        if for_resident or access.tracking_code_visible(user)
        else access.hidden_identity_text(),
        "nama": lambda: complaint.complainant_name if for_resident
        else access.displayed_name(user, complaint),
        "kategori": lambda: complaint.category.name if complaint.category else "-",
        "perihal": lambda: complaint.subject or "",
        "tenggat": lambda: date_id(complaint.due_date) if complaint.due_date else "-",
        "tenggat_verifikasi": lambda: date_id(complaint.verification_due)
        if complaint.verification_due else "-",
        "tenggat_tindak_lanjut": lambda: date_id(complaint.followup_due)
        if complaint.followup_due else "-",
        "tanggal_terima": lambda: date_id(complaint.received_at)
        if complaint.received_at else "-",
        "status": lambda: str(resident_label("status", complaint.status)),
        "hasil": lambda: str(resident_label("outcome", complaint.outcome_type))
        if complaint.outcome_type else "-",
        "catatan_publik": lambda: complaint.public_note or "",
        "alasan": lambda: complaint.rejection_reason or complaint.public_note or "-",
        "instansi_tujuan": lambda: complaint.referred_to or "-",
        "desa": lambda: village.name,
        "telepon_desa": lambda: village.phone,
        "email_desa": lambda: village.email,
        "alamat_status": status_url,
    }
    with force_locale("id"):
        return {name: make() for name, make in makers.items()
                if names is None or name in names}


def fill_text(text, step, complaint, user, for_resident=False):
    """``text`` with its placeholders filled for ``complaint`` as ``user`` may read it.

    The one place a template becomes text; ``TemplateError`` when it is bad.
    """
    return fill_texts([text], step, complaint, user, for_resident)[0]


def fill_texts(texts, step, complaint, user, for_resident=False):
    """Each of ``texts`` filled as ``fill_text`` fills it, the values worked out once: a
    notification is one text in two languages and a subject, and working the values out
    was most of what filling each cost."""
    names = set()
    for text in texts:
        names.update(check_template(text, step))
    values = values_for(complaint, user, for_resident, names)
    return [(text or "").format_map(values) for text in texts]


def fill(template, complaint, user):
    """The template's text filled in for ``complaint``; ``TemplateError`` when it is bad."""
    return fill_text(template.body, template.step, complaint, user)


def templates_for(step, complaint):
    """Active templates of ``step`` usable for ``complaint``, the most specific first.

    A template for the complaint's category comes before one for all; for informing,
    one written for the complaint's result before one for any result.
    """
    if step not in TARGET_FIELDS:
        return []
    category_id = complaint.category_id if complaint is not None else None
    query = db.session.query(ResponseTemplate).filter(
        ResponseTemplate.step == step, ResponseTemplate.active.is_(True),
        or_(ResponseTemplate.category_id.is_(None), ResponseTemplate.category_id == category_id))
    if step == INFORM:
        status = complaint.status if complaint is not None else None
        query = query.filter(or_(ResponseTemplate.result.is_(None),
                                 ResponseTemplate.result == status))
    return sorted(query, key=lambda t: (t.result is None, t.category_id is None, t.title))


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
    """Fill the step form's text field (and an email subject) from template ``template_id``."""
    template = find(step, complaint, template_id)
    form[TARGET_FIELDS[step]].data = fill(template, complaint, user)
    if template.subject and "subject" in form:
        form["subject"].data = fill_text(template.subject, step, complaint, user)
    return template


def draft(complaint, user):
    """(subject, message) to the resident, from the best template for the complaint's result.

    Without any such template the built-in default of the result is used.
    """
    found = templates_for(INFORM, complaint)
    if found:
        subject, body = found[0].subject, found[0].body
    else:
        subject, body = _default_message(complaint.status)
    subject = subject or _default_message(complaint.status)[0]
    return (fill_text(subject, INFORM, complaint, user),
            fill_text(body, INFORM, complaint, user).strip())


def _default_message(result):
    for _title, step, default_result, _category, subject, body in DEFAULT_TEMPLATES:
        if step == INFORM and default_result == result:
            return subject, body
    return "Pemberitahuan pengaduan {nomor_register}", ""


# (title, step, result, category, email subject, body)
DEFAULT_TEMPLATES = (
    ("Sedang dikoordinasikan", "note", None, None, None,
     "Pengaduan {nomor_register} tentang \"{perihal}\" sedang dikoordinasikan dengan petugas "
     "terkait. Perkembangan akan kami sampaikan paling lambat {tenggat}."),
    ("Menunggu kelengkapan data", "note", None, None, None,
     "Penanganan pengaduan {nomor_register} menunggu kelengkapan data dari pelapor."),
    ("Peninjauan lokasi", "note", None, "Infrastruktur dan lingkungan", None,
     "Petugas telah meninjau lokasi terkait \"{perihal}\". Perbaikan dijadwalkan dan "
     "diperkirakan selesai sebelum {tenggat}."),
    ("Selesai ditindaklanjuti", "resolve", None, None, None,
     "Pengaduan {nomor_register} tentang \"{perihal}\" telah selesai ditindaklanjuti oleh "
     "Pemerintah Desa {desa}. Terima kasih atas partisipasi Anda."),
    ("Dokumen siap diambil", "resolve", None, "Administrasi kependudukan", None,
     "Dokumen yang Anda ajukan telah selesai diproses dan dapat diambil di kantor desa pada "
     "jam kerja dengan membawa tanda terima {nomor_register}."),
    ("Bantuan sosial: data diperbarui", "resolve", None, "Bantuan sosial", None,
     "Data penerima bantuan sosial terkait pengaduan {nomor_register} telah diperiksa dan "
     "diperbarui bersama petugas kesejahteraan desa."),
    ("Pemberitahuan hasil", INFORM, None, None, "Pemberitahuan pengaduan {nomor_register}",
     "Yth. Bapak/Ibu {nama},\n\nPengaduan Anda nomor {nomor_register} (kategori {kategori}) "
     "tentang \"{perihal}\" kini berstatus: {status}. Status dapat dilihat kapan saja dengan "
     "kode pelacakan {kode_pelacakan}.\n\nTerima kasih.\n"
     "Petugas Pengelola Pengaduan Desa {desa}"),
    ("Pemberitahuan: selesai ditindaklanjuti", INFORM, workflow.RESOLVED, None,
     "Hasil penanganan pengaduan {nomor_register}",
     "Yth. Bapak/Ibu {nama},\n\n"
     "Pengaduan Anda nomor {nomor_register} tentang \"{perihal}\" telah selesai "
     "ditindaklanjuti oleh Pemerintah Desa {desa}.\n\n"
     "Hasil: {hasil}.\n{catatan_publik}\n\n"
     "Jika ada yang ingin ditanyakan, silakan hubungi kami di {telepon_desa} "
     "(telepon/WhatsApp) atau {email_desa}, atau datang ke kantor desa. Status pengaduan "
     "dapat dilihat di {alamat_status} dengan kode pelacakan {kode_pelacakan}.\n\n"
     "Terima kasih atas partisipasi Anda.\nPetugas Pengelola Pengaduan Desa {desa}"),
    ("Pemberitahuan: tidak dapat ditindaklanjuti", INFORM, workflow.REJECTED, None,
     "Pemberitahuan pengaduan {nomor_register}",
     "Yth. Bapak/Ibu {nama},\n\n"
     "Pengaduan Anda nomor {nomor_register} tentang \"{perihal}\" tidak dapat kami "
     "tindak lanjuti.\n\nAlasan: {alasan}\n\n"
     "Jika ada yang ingin ditanyakan atau Anda ingin melengkapi pengaduan, silakan hubungi "
     "kami di {telepon_desa} (telepon/WhatsApp) atau {email_desa}, atau datang ke kantor "
     "desa.\n\nTerima kasih.\nPetugas Pengelola Pengaduan Desa {desa}"),
    ("Pemberitahuan: dilimpahkan", INFORM, workflow.REFERRED, None,
     "Pengaduan {nomor_register} dilimpahkan",
     "Yth. Bapak/Ibu {nama},\n\n"
     "Pengaduan Anda nomor {nomor_register} tentang \"{perihal}\" berada di luar "
     "kewenangan desa dan telah kami limpahkan kepada {instansi_tujuan}.\n{catatan_publik}\n\n"
     "Jika ada yang ingin ditanyakan, silakan hubungi kami di {telepon_desa} "
     "(telepon/WhatsApp) atau {email_desa}, atau datang ke kantor desa.\n\n"
     "Terima kasih.\nPetugas Pengelola Pengaduan Desa {desa}"),
)


def seed_response_templates(village_id):
    """Add the default Indonesian templates to village ``village_id`` when it has none yet
    (idempotent)."""
    if db.session.query(ResponseTemplate.id).filter_by(village_id=village_id).first():
        return
    categories = {c.name: c.id for c in
                  db.session.query(Category).filter_by(village_id=village_id)}
    for title, step, result, category, subject, body in DEFAULT_TEMPLATES:
        db.session.add(ResponseTemplate(title=title, step=step, result=result, subject=subject,
                                        body=body, active=True, village_id=village_id,
                                        category_id=categories.get(category)))
