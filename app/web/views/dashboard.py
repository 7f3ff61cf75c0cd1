"""The Kepala Desa's dashboard: key figures, charts as PNG, and the period report as PDF.

The page and every chart read the same query string (period, dusun, category),
so all charts follow the filters; a chart is served from ``app.reporting.charts``' cache
and answers 304 when the browser already holds it.
"""

import datetime as dt
import hashlib
import re

from flask import abort, flash, g, make_response, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext

from app.core.timeutil import today_wib
from app.extensions import db
from app.models import Category, Dusun
from app.reporting import charts, figures as dashboard_data
from app.reporting.figures import Period, Scope
from app.reporting.period_report import report_pdf

MAX_RANGE_DAYS = 5 * 366


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _one_control(args):
    """The page's one period control sends ``period=month:2026-11`` (``quarter:2026-4``,
    ``year:2026``): spread it into the arguments links and older bookmarks use
    (``period=month&month=2026-11``)."""
    kind, _, value = (args.get("period") or "").partition(":")
    if not value:
        return args
    spread = {key: args.get(key) for key in args}
    spread["period"] = kind
    if kind == "month":
        spread["month"] = value
    elif kind in ("quarter", "year"):
        year, _, quarter = value.partition("-")
        spread["year"], spread["quarter"] = year, quarter or None
    return spread


def parse_scope(args, today=None):
    """Read period, dusun and category from ``args``; return ``(scope, problems)``.

    Anything that cannot be read is named in ``problems`` (translated) and
    replaced by the default (the last 12 months, all dusun, all categories), so a bad
    link never breaks the page.
    """
    today = today or today_wib()
    problems = []
    args = _one_control(args)
    kind = args.get("period") or "last12"
    period = None
    if kind not in dashboard_data.PERIOD_KINDS:
        problems.append(gettext("Unknown period; showing the last 12 months."))
    elif kind == "last12":
        period = Period.last_12_months(today)
    elif kind == "month":
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", args.get("month") or today.strftime("%Y-%m"))
        if match and 1 <= int(match.group(2)) <= 12 and 2000 <= int(match.group(1)) <= 2100:
            period = Period.month(int(match.group(1)), int(match.group(2)))
        else:
            problems.append(gettext("Choose a month such as 2026-11."))
    elif kind in ("quarter", "year"):
        year = _int(args.get("year") or today.year)
        quarter = _int(args.get("quarter") or (today.month - 1) // 3 + 1)
        if year is None or not 2000 <= year <= 2100:
            problems.append(gettext("Choose a year between 2000 and 2100."))
        elif kind == "year":
            period = Period.year(year)
        elif quarter is None or not 1 <= quarter <= 4:
            problems.append(gettext("Choose a quarter from 1 to 4."))
        else:
            period = Period.quarter(year, quarter)
    else:
        try:
            start = dt.date.fromisoformat(args.get("start") or "")
            end = dt.date.fromisoformat(args.get("end") or "")
        except ValueError:
            problems.append(gettext("Enter both dates of the range, for example 2026-01-01."))
        else:
            if end < start:
                problems.append(gettext("The range ends before it starts."))
            elif (end - start).days > MAX_RANGE_DAYS:
                problems.append(gettext("Choose a range of at most five years."))
            else:
                period = Period(start, end, "custom")
    dusun_id = _int(args.get("dusun")) or None
    category_id = _int(args.get("category")) or None
    if dusun_id and db.session.get(Dusun, dusun_id) is None:
        problems.append(gettext("Unknown dusun; showing all."))
        dusun_id = None
    if category_id and db.session.get(Category, category_id) is None:
        problems.append(gettext("Unknown category; showing all."))
        category_id = None
    return Scope(period or Period.last_12_months(today), dusun_id, category_id), problems


def scope_args(scope):
    """The query string that reproduces ``scope`` (for chart and report links)."""
    period = scope.period
    args = {"period": period.kind}
    if period.kind == "last12":
        pass  # worked out again from the day the link is opened
    elif period.kind == "month":
        args["month"] = f"{period.start:%Y-%m}"
    elif period.kind in ("quarter", "year"):
        args["year"] = period.start.year
        if period.kind == "quarter":
            args["quarter"] = (period.start.month - 1) // 3 + 1
    else:
        args["start"], args["end"] = period.start.isoformat(), period.end.isoformat()
    if scope.dusun_id:
        args["dusun"] = scope.dusun_id
    if scope.category_id:
        args["category"] = scope.category_id
    return args


def period_choices(scope, today=None):
    """The options of the page's one period control, ``(value, text, selected)``: the last
    12 months (the default), each of those months, the quarters and the years of the last
    few years, and a date range (given below it)."""
    today = today or today_wib()
    chosen = scope.period
    options = [("last12", gettext("Last 12 months"), chosen.kind == "last12")]
    year, month = today.year, today.month
    for _ in range(12):
        one = Period.month(year, month)
        options.append((f"month:{year}-{month:02d}", one.label(),
                        chosen.kind == "month" and chosen.start == one.start))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    for year in range(today.year, today.year - 2, -1):
        for quarter in range((today.month - 1) // 3 + 1 if year == today.year else 4, 0, -1):
            one = Period.quarter(year, quarter)
            options.append((f"quarter:{year}-{quarter}", one.label(),
                            chosen.kind == "quarter" and chosen.start == one.start))
    for year in range(today.year, today.year - 6, -1):
        options.append((f"year:{year}", Period.year(year).label(),
                        chosen.kind == "year" and chosen.start.year == year))
    options.append(("custom", gettext("Date range (below)"), chosen.kind == "custom"))
    if not any(selected for _, _, selected in options):  # an older month or quarter
        options.insert(1, (f"{chosen.kind}:{chosen.start:%Y-%m}" if chosen.kind == "month"
                           else f"{chosen.kind}:{chosen.start.year}-"
                           f"{(chosen.start.month - 1) // 3 + 1}", chosen.label(), True))
    return options


def filter_names(scope):
    """'Dusun I', 'Bantuan sosial': the filters in words, for titles and the report."""
    parts = []
    if scope.dusun_id:
        parts.append(db.session.get(Dusun, scope.dusun_id).name)
    if scope.category_id:
        parts.append(db.session.get(Category, scope.category_id).name)
    return parts


class DashboardView(BaseView):
    """Dashboard page, its charts and the period report (Kepala Desa, desk, admin)."""

    route_base = "/dashboard"
    class_permission_name = "Dashboard"
    method_permission_name = {"index": "show", "chart": "show", "report": "report",
                              "annual": "report"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        scope, problems = parse_scope(request.args)
        stamp = dashboard_data.data_stamp()
        args = scope_args(scope)
        chart_list = [
            (chart, url_for("DashboardView.chart", name=chart.name, v=hash_stamp(stamp), **args),
             dashboard_data.cached(chart, g.user, scope, stamp))
            for chart in dashboard_data.CHARTS
        ]
        figures = [(figure, value, dashboard_data.format_figure(figure, value))
                   for figure, value in dashboard_data.cached_key_figures(g.user, scope, stamp)]
        today = today_wib()
        return self.render_template(
            "dashboard/index.html", title=gettext("Dashboard"), scope=scope, problems=problems,
            figures=figures, charts=chart_list, args=args, filters=filter_names(scope),
            empty=all(data.is_empty() for _, _, data in chart_list),
            dusuns=db.session.query(Dusun).order_by(Dusun.name).all(),
            categories=db.session.query(Category).order_by(Category.name).all(),
            periods=period_choices(scope, today),
            can_report=self.appbuilder.sm.has_access("can_report", self.class_permission_name),
            can_book=self.appbuilder.sm.has_access("can_export", "RegisterFile"),
        )

    @expose("/chart/<name>.png")
    @has_access
    def chart(self, name):
        chart = dashboard_data.CHARTS_BY_NAME.get(name)
        if chart is None:
            abort(404)
        scope, _ = parse_scope(request.args)
        png, key = charts.chart_png(chart, g.user, scope)
        response = make_response(png)
        response.headers["Content-Type"] = "image/png"
        response.headers["Cache-Control"] = "private, no-cache"
        response.set_etag(hashlib.sha256(repr(key).encode()).hexdigest()[:32])
        return response.make_conditional(request)

    @expose("/report.pdf")
    @has_access
    def report(self):
        scope, _ = parse_scope(request.args)
        response = make_response(report_pdf(g.user, scope))
        response.headers["Content-Type"] = "application/pdf"
        name = f"laporan-pengaduan-{scope.period.start:%Y-%m-%d}-{scope.period.end:%Y-%m-%d}.pdf"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @expose("/annual.pdf")
    @has_access
    def annual(self):
        """The laporan tahunan of ``?year=`` (default this year) for the Kepala Desa and BPD."""
        today = today_wib()
        year = _year(request.args.get("year"), today)
        if year is None:
            flash(gettext("Choose a year between 2000 and %(year)s.", year=today.year), "warning")
            return redirect(url_for("DashboardView.index"))
        response = make_response(report_pdf(g.user, Scope(Period.year(year)), today, annual=True))
        response.headers["Content-Type"] = "application/pdf"
        response.headers["Content-Disposition"] = \
            f'attachment; filename="laporan-tahunan-pengaduan-{year}.pdf"'
        return response


def _year(text, today):
    """The year of ``?year=``: this year when absent, None when it is not a year we report."""
    if text in (None, ""):
        return today.year
    try:
        year = int(text)
    except ValueError:
        return None
    return year if 2000 <= year <= today.year else None


def hash_stamp(stamp):
    """A short token of the data's state, so a changed chart gets a new image address."""
    return hashlib.sha256(repr(stamp).encode()).hexdigest()[:12]

