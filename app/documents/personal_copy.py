"""The resident's copy of everything the village holds about them (UU 27/2022): a PDF of
their complaints, the fields and the public lines of each timeline, nothing of anyone else."""

from io import BytesIO
from xml.sax.saxutils import escape

from flask_babel import force_locale, gettext
from sqlalchemy import select

from app.auth.villages import current_village
from app.core import workflow
from app.core.timeutil import date_id, datetime_id, now_wib
from app.core.vocabularies import CHANNELS, KINDS, label, resident_label
from app.extensions import db
from app.models import ComplaintEvent


def _public_lines(complaint):
    """The timeline lines the resident may read (public ones: step, date and public note)."""
    return db.session.scalars(
        select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id,
                                     ComplaintEvent.is_public.is_(True))
        .order_by(ComplaintEvent.id)).all()


def copy_fields(complaint):
    """``(label, value)`` of everything held about the resident in ``complaint``."""
    return [
        (gettext("No. Register"), complaint.register_number),
        (gettext("Tracking code"), complaint.tracking_code),
        (gettext("Received"), datetime_id(complaint.received_at)),
        (gettext("Channel"), label(CHANNELS, complaint.channel)),
        (gettext("Kind"), label(KINDS, complaint.kind)),
        (gettext("Name"), complaint.complainant_name),
        (gettext("Address"), complaint.complainant_address),
        (gettext("Phone"), complaint.complainant_phone),
        (gettext("Email"), complaint.complainant_email or "-"),
        (gettext("Subject"), complaint.subject),
        (gettext("Description"), complaint.description),
        (gettext("Dusun"), complaint.dusun.name if complaint.dusun else "-"),
        (gettext("RT/RW"), complaint.rt_rw or "-"),
        (gettext("Location"), complaint.location or "-"),
        (gettext("Incident date"), date_id(complaint.incident_date) if complaint.incident_date
         else "-"),
        (gettext("Status"), resident_label("status", complaint.status)),
        (gettext("Outcome"), resident_label("outcome", complaint.outcome_type)
         if complaint.outcome_type else "-"),
        (gettext("Public note"), complaint.public_note or "-"),
    ]


def copy_pdf(complaints):
    """The resident's copy: each complaint's data and its public timeline, in Indonesian."""
    # reportlab loads only when a copy is made, not in every worker at start.
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

    village = current_village()
    styles = getSampleStyleSheet()
    buffer = BytesIO()
    with force_locale("id"):
        title = gettext("Copy of your personal data held by the village")
        doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                                topMargin=15 * mm, bottomMargin=15 * mm, title=title)
        story = [Paragraph(escape(f"PEMERINTAH DESA {village.name.upper()}"),
                           styles["Title"]),
                 Paragraph(escape(title), styles["Heading2"]),
                 Paragraph(escape(gettext("Made on %(when)s at the resident's request (Law No. "
                                          "27 of 2022).", when=datetime_id(now_wib()))),
                           styles["Normal"])]
        for complaint in complaints:
            story += [Spacer(1, 5 * mm), Paragraph(escape(complaint.register_number),
                                                   styles["Heading3"])]
            rows = [[Paragraph(escape(str(k)), styles["Normal"]),
                     Paragraph(escape(str(v or "-")), styles["Normal"])]
                    for k, v in copy_fields(complaint)]
            story.append(Table(rows, colWidths=[45 * mm, 125 * mm]))
            story.append(Paragraph(escape(gettext("Progress")), styles["Heading4"]))
            for event in _public_lines(complaint):
                text = f"{datetime_id(event.occurred_at)}: {resident_label('step', event.step)}"
                if event.audience == workflow.PUBLIC and event.note:
                    text += f" ({event.note})"
                story.append(Paragraph(escape(text), styles["Normal"]))
        doc.build(story)
    return buffer.getvalue()
