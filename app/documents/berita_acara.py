"""The berita acara (minutes) of a review meeting as an official PDF, always in Indonesian.

reportlab is imported inside the function, when a PDF is asked for.
"""

from io import BytesIO
from xml.sax.saxutils import escape

from flask_babel import force_locale, gettext

from app.auth.villages import current_village
from app.core.timeutil import date_id
from app.core.vocabularies import OUTCOME_TYPES, POSITIONS, label
from app.documents.letterhead import heading_style, letterhead, signatory
from app.services.meetings import attendance, meeting_complaints


def attendees(meeting, present=True):
    """(name, role, kind) rows: the officers, then the other parties, who attended
    (``present``) or who were invited and did not come (``present=False``). Before the
    attendance is recorded, everyone invited counts as attending."""
    recorded = attendance(meeting)

    def chosen(rows):
        return [person for person, came in rows
                if (came if recorded["recorded"] else True) == present]

    with force_locale("id"):
        rows = [(o.name, str(label(POSITIONS, o.position)), gettext("Officer"))
                for o in chosen(recorded["officers"])]
        rows += [(g.name, g.role, gettext("Invited")) for g in chosen(recorded["guests"])]
    return rows


def berita_acara_pdf(meeting, user):
    """BERITA ACARA RAPAT PEMBAHASAN PENGADUAN: letterhead, day and date written out,
    place, attendees, complaints and their outcomes, discussion, recommendations,
    and signatures of the complaint officer and the Kepala Desa.

    Lists only the complaints ``user`` may see (``meetings.meeting_complaints``).
    """
    # reportlab loads only when a PDF is asked for, not in every worker at start.
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle,
    )

    village = current_village()
    styles = getSampleStyleSheet()
    title = heading_style("title", fontSize=13, leading=15, spaceBefore=8, spaceAfter=6)
    body = ParagraphStyle("body", parent=styles["Normal"], fontSize=10, leading=14,
                          alignment=4)
    cell = ParagraphStyle("cell", parent=styles["Normal"], fontSize=9, leading=12)
    section = ParagraphStyle("section", parent=body, fontName="Helvetica-Bold", spaceBefore=8,
                             alignment=0)
    center = ParagraphStyle("center", parent=body, alignment=1)

    def para(text, style=body):
        return Paragraph(escape(text or "-").replace("\n", "<br/>"), style)

    def grid(rows, widths):
        table = Table([[para(str(v), cell) for v in row] for row in rows], colWidths=widths,
                      repeatRows=1)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        return table

    with force_locale("id"):
        start = meeting.starts_at
        when = date_id(start, with_day=True)
        hours = f"{start:%H.%M}" + (f"–{meeting.ends_at:%H.%M}" if meeting.ends_at else "")
        opening = gettext(
            "On %(date)s, at %(hours)s WIB, at %(place)s, a meeting was held to review "
            "complaints, with the agenda: %(agenda)s.",
            date=when, hours=hours, place=meeting.place, agenda=meeting.agenda)
        story = letterhead()
        story += [para("BERITA ACARA RAPAT PEMBAHASAN PENGADUAN", title),
                  para(opening), Spacer(1, 3 * mm),
                  para(gettext("Attendees"), section)]
        rows = [("No", gettext("Name"), gettext("Position / role"), gettext("As"))]
        rows += [(i, *row) for i, row in enumerate(attendees(meeting), start=1)]
        story.append(grid(rows, [10 * mm, 60 * mm, 70 * mm, 30 * mm]))
        absent = attendees(meeting, present=False)
        if absent:
            story.append(para(gettext("Invited, did not attend: %(names)s.",
                                      names=", ".join(f"{name} ({role})"
                                                      for name, role, _kind in absent)), cell))

        story.append(para(gettext("Complaints discussed"), section))
        rows = [("No", gettext("Register no."), gettext("Subject"), gettext("Outcome"))]
        complaints = meeting_complaints(meeting, user)
        for i, c in enumerate(complaints, start=1):
            outcome = label(OUTCOME_TYPES, c.outcome_type) if c.outcome_type else "-"
            rows.append((i, c.register_number, c.subject, str(outcome)))
        story.append(grid(rows, [10 * mm, 40 * mm, 80 * mm, 40 * mm]))

        story.append(para(gettext("Discussion"), section))
        story.append(para(gettext("Findings on the truth and completeness of the data"), cell))
        story.append(para(meeting.findings))
        story.append(para(gettext("Root cause"), cell))
        story.append(para(meeting.root_cause))
        story.append(para(gettext("Recommendations"), section))
        story.append(para(meeting.recommendations))
        story.append(para(gettext("Decided steps"), section))
        story.append(para(meeting.decided_steps))
        decided = [c for c in complaints if c.outcome_type]
        if decided:
            story.append(para(gettext("Follow-up per complaint"), section))
            for c in decided:
                story.append(para(f"{c.register_number} ({label(OUTCOME_TYPES, c.outcome_type)}): "
                                  f"{c.outcome_text or '-'}"))
        story.append(Spacer(1, 4 * mm))
        story.append(para(gettext("These minutes were made truthfully, to be used as needed.")))

        officer = signatory("petugas_pengelola", "(" + "." * 30 + ")")
        headman = signatory("kepala_desa", village.head_name)
        place_date = f"{village.name}, {date_id(meeting.minutes_at or start)}"
        signatures = Table([
            ["", para(place_date, center)],
            [para(gettext("Complaint officer"), center),
             para(gettext("Village head of %(name)s", name=village.name), center)],
            [Spacer(1, 20 * mm), Spacer(1, 20 * mm)],
            [para(officer, center), para(headman, center)],
        ], colWidths=[85 * mm, 85 * mm])
        story.append(Spacer(1, 6 * mm))
        story.append(KeepTogether(signatures))

    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm,
                            title=f"Berita acara rapat {date_id(start)}")
    doc.build(story)
    return buffer.getvalue()
