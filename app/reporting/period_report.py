"""The period report for the Kepala Desa (SOP D.5): a PDF, always in Indonesian.

Letterhead, the period, the key figures, summary tables (by category, status
and dusun), the dashboard's charts, the complaints open at the period's end
(overdue ones marked), and the complaint officer's signature. Every number
comes from ``app.reporting.figures``, as on the dashboard.
"""

from io import BytesIO
from xml.sax.saxutils import escape

from flask import current_app
from flask_babel import force_locale, gettext

from app.core.timeutil import date_id, today_wib
from app.core.vocabularies import STATUSES, label
from app.documents.letterhead import letterhead_lines, signatory
from app.extensions import db
from app.models import Category, Dusun
from app.reporting import charts, figures as dashboard_data
from app.services import deadlines


def report_pdf(user, scope, today=None):
    """The report of ``scope`` (period, dusun, category) as ``user`` may see it, as PDF bytes."""
    # reportlab loads only when a PDF is asked for, not in every worker at start.
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import (
        HRFlowable, Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle,
    )

    today = today or today_wib()
    village = current_app.config["VILLAGE"]
    styles = getSampleStyleSheet()
    head = ParagraphStyle("head", parent=styles["Normal"], alignment=1,
                          fontName="Helvetica-Bold", fontSize=12, leading=15)
    small = ParagraphStyle("small", parent=styles["Normal"], alignment=1, fontSize=8, leading=10)
    title = ParagraphStyle("title", parent=head, fontSize=13, spaceBefore=8, spaceAfter=2)
    body = ParagraphStyle("body", parent=styles["Normal"], fontSize=10, leading=14)
    cell = ParagraphStyle("cell", parent=styles["Normal"], fontSize=8.5, leading=11)
    section = ParagraphStyle("section", parent=body, fontName="Helvetica-Bold", spaceBefore=10,
                             spaceAfter=4)
    center = ParagraphStyle("center", parent=body, alignment=1)
    width = A4[0] - 40 * mm

    def para(text, style=body):
        return Paragraph(escape(str(text) if text not in (None, "") else "-"), style)

    def grid(rows, widths, total=False):
        table = Table([[para(v, cell) for v in row] for row in rows], colWidths=widths,
                      repeatRows=1)
        style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                 ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                 ("VALIGN", (0, 0), (-1, -1), "TOP")]
        if total:
            style.append(("BACKGROUND", (0, -1), (-1, -1), colors.whitesmoke))
        table.setStyle(TableStyle(style))
        return table

    def summary(name, heading):
        data = dashboard_data.CHARTS_BY_NAME[name].compute(user, scope, today)
        rows = [(heading, gettext("Number of complaints"))]
        rows += list(zip(data.labels, data.series[0][1])) if data.series else []
        rows.append((gettext("Total"), sum(data.series[0][1]) if data.series else 0))
        return grid(rows, [60 * mm, 25 * mm], total=True)

    def chart_image(chart):
        png, _ = charts.chart_png(chart, user, scope)
        reader = ImageReader(BytesIO(png))
        w, h = reader.getSize()
        target = width / 2 - 3 * mm
        return Image(BytesIO(png), width=target, height=target * h / w)

    with force_locale("id"):
        period = scope.period
        filters = _filter_text(scope)
        story = [para(line, head) for line in letterhead_lines()[:3]]
        story += [para(letterhead_lines()[3], small),
                  HRFlowable(width="100%", thickness=2, color=colors.black, spaceBefore=4),
                  para(gettext("COMPLAINT HANDLING REPORT"), title),
                  para(gettext("Period: %(period)s", period=period.label()), center)]
        if filters:
            story.append(para(filters, center))

        story.append(para(gettext("Key figures"), section))
        rows = [(gettext("Figure"), gettext("Value"))]
        rows += [(str(f.title), dashboard_data.format_figure(f, v))
                 for f, v in dashboard_data.key_figures(user, scope, today)]
        story.append(grid(rows, [80 * mm, 40 * mm]))
        story.append(para(gettext(
            "Open and overdue are counted as of %(date)s; received, resolved and the breakdowns "
            "count the complaints of the period.", date=date_id(period.as_of(today))), cell))

        story.append(para(gettext("Summary"), section))
        tables = Table([[summary("category", gettext("Category")),
                         summary("status", gettext("Status"))]],
                       colWidths=[width / 2, width / 2], style=[("VALIGN", (0, 0), (-1, -1), "TOP")])
        story += [tables, Spacer(1, 3 * mm), summary("dusun", gettext("Dusun"))]

        story.append(para(gettext("Charts"), section))
        images = [chart_image(c) for c in dashboard_data.CHARTS if c.in_report]
        pairs = [images[i:i + 2] + [""] * (2 - len(images[i:i + 2]))
                 for i in range(0, len(images), 2)]
        story.append(Table(pairs, colWidths=[width / 2, width / 2],
                           style=[("VALIGN", (0, 0), (-1, -1), "TOP")]))

        open_rows = dashboard_data.open_complaints(user, scope, today)
        as_of = period.as_of(today)
        story.append(para(gettext("Complaints open on %(date)s (%(count)s)",
                                  date=date_id(as_of), count=len(open_rows)), section))
        rows = [("No", gettext("Register no."), gettext("Subject"), gettext("Status"),
                 gettext("Officer"), gettext("Due date"))]
        for index, c in enumerate(open_rows, start=1):
            due = date_id(c.due_date)
            if deadlines.is_past_due(c, as_of):  # open on that day (open_complaints)
                due += " " + gettext("(OVERDUE)")
            rows.append((index, c.register_number, c.subject, str(label(STATUSES, c.status)),
                         c.assigned_officer.name if c.assigned_officer else "-", due))
        if not open_rows:
            rows.append(("", "-", gettext("No open complaints."), "", "", ""))
        story.append(grid(rows, [9 * mm, 30 * mm, 50 * mm, 25 * mm, 30 * mm, 26 * mm]))

        officer = signatory("petugas_pengelola", "(" + "." * 30 + ")")
        signature = Table([
            ["", para(f"{village['name']}, {date_id(today)}", center)],
            ["", para(gettext("Complaint officer"), center)],
            ["", Spacer(1, 20 * mm)],
            ["", para(officer, center)],
        ], colWidths=[width / 2, width / 2])
        story += [Spacer(1, 8 * mm), KeepTogether(signature)]
        doc_title = gettext("Complaint handling report %(period)s", period=period.label())

    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm, title=doc_title)
    doc.build(story)
    return buffer.getvalue()


def _filter_text(scope):
    parts = []
    if scope.dusun_id:
        parts.append(gettext("Dusun: %(name)s", name=db.session.get(Dusun, scope.dusun_id).name))
    if scope.category_id:
        parts.append(gettext("Category: %(name)s",
                             name=db.session.get(Category, scope.category_id).name))
    return " · ".join(parts)
