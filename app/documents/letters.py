"""The letter to the complainant with the result, on the village letterhead (always Indonesian)."""

from io import BytesIO
from xml.sax.saxutils import escape

from flask_babel import force_locale, gettext

from app.auth.villages import current_village
from app.core.timeutil import date_id, today_wib
from app.documents.letterhead import letterhead, signatory


def letter_pdf(complaint, message):
    """A printable A4 letter to the complainant with the message, on the village letterhead."""
    # reportlab loads only when a PDF is asked for, not in every worker at start.
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    village = current_village()
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["Normal"], fontSize=11, leading=15)
    right = ParagraphStyle("right", parent=body, alignment=2)

    def para(text, style=body):
        return Paragraph(escape(text or "").replace("\n", "<br/>"), style)

    with force_locale("id"):
        story = letterhead()
        story += [Spacer(1, 4 * mm),
                  para(f"{village.name}, {date_id(today_wib())}", right),
                  para(gettext("Regarding: result of your complaint %(number)s",
                               number=complaint.register_number)),
                  Spacer(1, 4 * mm),
                  para(gettext("To")), para(complaint.complainant_name),
                  para(complaint.complainant_address), Spacer(1, 6 * mm),
                  para(message), Spacer(1, 12 * mm),
                  para(gettext("Complaint officer"), right), Spacer(1, 18 * mm),
                  para(signatory("petugas_pengelola", "(" + "." * 30 + ")"), right)]
    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, leftMargin=25 * mm, rightMargin=20 * mm,
                      topMargin=15 * mm, bottomMargin=15 * mm,
                      title=f"Surat {complaint.register_number}").build(story)
    return buffer.getvalue()
