"""The receipt (tanda terima) a resident takes home: as data, as HTML and as PDF.

reportlab is imported here only, when a PDF is asked for, so that starting the
app stays fast.
"""

from io import BytesIO
from xml.sax.saxutils import escape

from flask_babel import force_locale, gettext

from app.auth import access
from app.auth.villages import public_base
from app.core.numbering import group_tracking_code
from app.core.timeutil import date_id, datetime_id
from app.core.vocabularies import CHANNELS, KINDS, POSITIONS, label
from app.documents.letterhead import heading_style, letterhead
from app.extensions import db
from app.models import Attachment, Officer
from app.services import settings
from app.services.accounts import qr_svg
from app.services.informing import status_url, status_url_with_code


def privacy_url():
    """The public page that says what is done with a resident's data."""
    return public_base() + "/privasi"


def privacy_sentence():
    """The receipt's one sentence on the resident's data (repeating the form's consent)."""
    return gettext("Your data is used only to handle this complaint and is removed %(years)s "
                   "years after it is closed; your rights: %(url)s",
                   years=settings.value(settings.RETENTION_YEARS), url=privacy_url())


def receiver_name(complaint):
    """Who received the complaint: the officer linked to the login, else 'website'."""
    user = complaint.created_by
    if user is None:
        return gettext("Village website (online)")
    officer = db.session.query(Officer).filter_by(user_id=user.id).first()
    if officer is not None:
        return officer.name
    return f"{user.first_name} {user.last_name}".strip()


def receiver_position(complaint):
    """Who received the complaint, for the public: the officer's position, never the name."""
    user = complaint.created_by
    if user is None:
        return gettext("Village website (online)")
    officer = db.session.query(Officer).filter_by(user_id=user.id).first()
    if officer is not None:
        return str(label(POSITIONS, officer.position))
    return gettext("Village office")


def receipt_data(complaint, public=False, viewer=None):
    """The receipt's lines as (label, value) pairs, in the current language.

    The complainant's name is what ``viewer`` (default: the request's user) may
    read (``access.displayed_name``): in full for the desk, initials or a
    placeholder otherwise.

    ``public`` leaves out the complainant's name and names the receiving
    officer by position only: the public pages show no personal data, not even
    to the person who just typed it.
    """
    viewer = viewer if viewer is not None else access.current_user()
    rows = [
        (gettext("Register no."), complaint.register_number),
        (gettext("Tracking code"), group_tracking_code(complaint.tracking_code)),
        (gettext("Received"), datetime_id(complaint.received_at, with_day=True)),
        (gettext("Channel"), str(label(CHANNELS, complaint.channel))),
        (gettext("Kind"), str(label(KINDS, complaint.kind))),
        (gettext("Complainant"), access.displayed_name(viewer, complaint)),
        (gettext("Subject"), complaint.subject),
        (gettext("Received by"), receiver_name(complaint)),
        (gettext("Verification due"), date_id(complaint.verification_due)),
    ]
    names = attachment_names(complaint)
    if names:
        rows.append((gettext("Attachments"), names))
    if public:
        rows = [(key, receiver_position(complaint) if key == gettext("Received by") else value)
                for key, value in rows if key != gettext("Complainant")]
    return rows


def attachment_names(complaint):
    """The names of the files sent with the complaint (at its registration), comma separated.

    The receipt acknowledges what was handed in; files added later by the officers are not
    on it."""
    names = db.session.scalars(
        db.select(Attachment.original_name)
        .where(Attachment.complaint_id == complaint.id, Attachment.withdrawn_at.is_(None),
               Attachment.created_at <= complaint.created_at)
        .order_by(Attachment.id))
    return ", ".join(names)


def how_to_follow(complaint):
    """How the receipt's holder follows the complaint: the status page, or, for an entry
    recorded without identity, why the status page cannot find it."""
    if complaint.without_identity:
        return gettext(
            "This complaint was recorded without identity (tanpa identitas). It is handled "
            "like any other, but the public status page cannot find it (there are no phone "
            "digits to check) and the result cannot be sent to the complainant.")
    return gettext(
        "Keep this receipt. Check the progress of your complaint at %(url)s "
        "with the tracking code and the last 4 digits of your phone number, "
        "or scan the QR code.",
        url=status_url(),
    )


def qr_target(complaint):
    """What the receipt's QR code opens: the status page with the tracking code in its
    fragment (filled in by the page, never sent to the server); the bare status page for
    an entry without identity, which the status page cannot find."""
    if complaint.without_identity:
        return status_url()
    return status_url_with_code(complaint.tracking_code)


def qr_code_svg(complaint):
    """The receipt's QR code (``qr_target``) as an SVG element to put in the receipt page
    (without the XML declaration of a standalone file)."""
    svg = qr_svg(qr_target(complaint))
    return svg[svg.index("<svg"):]


def receipt_pdf(complaint, public=False, viewer=None):
    """The receipt as an A5 PDF in Indonesian: the tracking code large and in groups beside a
    QR code that opens the status page with the code filled in (``qr_target``).

    ``public``: without the complainant's or the officer's name (see ``receipt_data``).
    """
    # reportlab loads only when a PDF is asked for, not in every worker at start.
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A5
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle,
    )
    with force_locale("id"):
        rows = receipt_data(complaint, public=public, viewer=viewer)
        title = gettext("RECEIPT OF COMPLAINT")
        how_to = how_to_follow(complaint)
        privacy = privacy_sentence()
        code_label = gettext("Tracking code")
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["Normal"], fontSize=9, leading=12)
    title_style = heading_style("title", fontSize=12, leading=14, spaceBefore=6)

    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A5, leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=10 * mm, bottomMargin=10 * mm,
                            title=f"{title} {complaint.register_number}")
    story = letterhead(a5=True)
    story += [Paragraph(escape(title), title_style), Spacer(1, 4 * mm)]
    table = Table([[Paragraph(escape(k), body), Paragraph(escape(v or "-"), body)] for k, v in rows],
                  colWidths=[38 * mm, 86 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold")]))
    story += [table, Spacer(1, 4 * mm)]
    qr = QrCodeWidget(qr_target(complaint))
    x1, y1, x2, y2 = qr.getBounds()
    size = 32 * mm
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(qr)
    code_style = ParagraphStyle("code", parent=body, fontName="Courier-Bold", fontSize=17,
                                leading=22, spaceAfter=4)
    beside = [Paragraph(escape(code_label), body),
              Paragraph(escape(group_tracking_code(complaint.tracking_code)), code_style),
              Paragraph(escape(how_to), body)]
    story.append(Table([[drawing, beside]], colWidths=[36 * mm, 88 * mm],
                       style=[("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story += [Spacer(1, 3 * mm), Paragraph(escape(privacy), body)]
    doc.build(story)
    return buffer.getvalue()
