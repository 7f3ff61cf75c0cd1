"""The period report for the Kepala Desa (SOP D.5): a PDF, always in Indonesian.

Letterhead, the period, the key figures, summary tables (by category, status
and dusun), the dashboard's charts, the complaints open at the period's end
(overdue ones marked), and the complaint officer's signature. Every number
comes from ``app.reporting.figures``, as on the dashboard.
"""

from io import BytesIO
from xml.sax.saxutils import escape

from flask_babel import force_locale, gettext

from app.auth.villages import current_village
from app.core.timeutil import date_id, today_wib
from app.core.vocabularies import STATUSES, label
from app.documents.letterhead import heading_style, letterhead, signatory
from app.extensions import db
from app.models import Category, Dusun
from app.reporting import annual, charts, figures as dashboard_data
from app.services import deadlines


def report_pdf(user, scope, today=None, annual=False):
    """The report of ``scope`` (period, dusun, category) as ``user`` may see it, as PDF bytes."""
    # reportlab loads only when a PDF is asked for, not in every worker at start.
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import (
        Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle,
    )

    today = today or today_wib()
    village = current_village()
    styles = getSampleStyleSheet()
    title = heading_style("title", fontSize=13, leading=15, spaceBefore=8, spaceAfter=2)
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
        story = letterhead()
        heading = gettext("ANNUAL REPORT ON COMPLAINT HANDLING") if annual \
            else gettext("COMPLAINT HANDLING REPORT")
        story += [para(heading, title),
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

        if annual:
            story += _annual_sections(user, period.start.year, today, para, grid, section,
                                      cell, mm)
        open_rows = dashboard_data.open_complaints(user, scope, today)
        as_of = period.as_of(today)
        heading = gettext("Open complaints carried into %(year)s (%(count)s)",
                          year=period.start.year + 1, count=len(open_rows)) \
            if annual and as_of == period.end else \
            gettext("Complaints open on %(date)s (%(count)s)", date=date_id(as_of),
                    count=len(open_rows))
        story.append(para(heading, section))
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
            ["", para(f"{village.name}, {date_id(today)}", center)],
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


def _annual_sections(user, year, today, para, grid, section, cell, mm):
    """The annual report's own sections: deadlines, outcomes, residents' answers and
    reopenings, the year's meetings and what became of their complaints."""
    scope = dashboard_data.Scope(dashboard_data.Period.year(year))
    story = [para(gettext("Performance against each deadline"), section)]
    rows = [(gettext("Deadline"), gettext("Met"), gettext("Missed"), gettext("Still running"),
             gettext("Met (%)"))]
    performance = annual.deadline_performance(user, year, today)
    for name, title in annual.DEADLINES:
        result = performance[name]
        percent = result.percent_met
        rows.append((str(title), result.met, result.missed, result.pending,
                     "-" if percent is None else f"{percent:.1f}%".replace(".", ",")))
    story.append(grid(rows, [50 * mm, 25 * mm, 25 * mm, 30 * mm, 25 * mm]))
    story.append(para(gettext("Over the complaints received in the year; a deadline that "
                              "passed without the step counts as missed."), cell))

    story.append(para(gettext("Outcomes by type"), section))
    outcomes = dashboard_data.by_outcome(user, scope, today)
    rows = [(gettext("Outcome"), gettext("Number of complaints"))]
    rows += list(zip(outcomes.labels, outcomes.series[0][1])) if outcomes.series else []
    rows.append((gettext("Total"), sum(outcomes.series[0][1]) if outcomes.series else 0))
    story.append(grid(rows, [80 * mm, 40 * mm], total=True))

    story.append(para(gettext("Residents' answers and reopenings"), section))
    answers = dashboard_data.feedback_summary(user, scope.period.start, scope.period.end)
    satisfied = answers["satisfied_percent"]
    rows = [(gettext("Figure"), gettext("Value")),
            (gettext("Said the problem is solved"), answers["solved"]),
            (gettext("Said it is not solved (asked to reopen)"), answers["not_solved"]),
            (gettext("Residents satisfied"), "-" if satisfied is None else f"{satisfied}%"),
            (gettext("Reopened by the complaint officer"), answers["reopened"]),
            (gettext("Kept closed"), answers["kept_closed"])]
    story.append(grid(rows, [80 * mm, 40 * mm]))

    story.append(para(gettext("Recommendations of the review meetings"), section))
    rows = [(gettext("Date"), gettext("Recommendations"), gettext("What became of them"))]
    for meeting, complaints in annual.meetings_of_year(user, year):
        outcome = "; ".join(f"{c.register_number}: {label(STATUSES, c.status)}"
                            for c in complaints) or "-"
        text = meeting.recommendations or "-"
        if meeting.decided_steps:
            text += "\n" + gettext("Decided steps: %(steps)s", steps=meeting.decided_steps)
        rows.append((date_id(meeting.starts_at), text, outcome))
    if len(rows) == 1:
        rows.append(("-", gettext("No review meeting was held this year."), ""))
    story.append(grid(rows, [28 * mm, 82 * mm, 60 * mm]))
    return story


def _filter_text(scope):
    parts = []
    if scope.dusun_id:
        parts.append(gettext("Dusun: %(name)s", name=db.session.get(Dusun, scope.dusun_id).name))
    if scope.category_id:
        parts.append(gettext("Category: %(name)s",
                             name=db.session.get(Category, scope.category_id).name))
    return " · ".join(parts)
