"""The Kepala Desa's dashboard: key figures, charts as PNG, and the period report as PDF.

The page and every chart read the same query string (period, dusun, category),
so all charts follow the filters; a chart is served from ``app.reporting.charts``' cache
and answers 304 when the browser already holds it.
"""

import datetime as dt
import hashlib
import re

from flask import abort, g, make_response, request, url_for
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


def parse_scope(args, today=None):
    """Read period, dusun and category from ``args``; return ``(scope, problems)``.

    Anything that cannot be read is named in ``problems`` (translated) and
    replaced by the default (this month, all dusun, all categories), so a bad
    link never breaks the page.
    """
    today = today or today_wib()
    problems = []
    kind = args.get("period") or "month"
    period = None
    if kind not in dashboard_data.PERIOD_KINDS:
        problems.append(gettext("Unknown period; showing this month."))
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
    return Scope(period or Period.this_month(today), dusun_id, category_id), problems


def scope_args(scope):
    """The query string that reproduces ``scope`` (for chart and report links)."""
    period = scope.period
    args = {"period": period.kind}
    if period.kind == "month":
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
    method_permission_name = {"index": "show", "chart": "show", "report": "report"}
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
            years=list(range(today.year, today.year - 6, -1)),
            can_report=self.appbuilder.sm.has_access("can_report", self.class_permission_name),
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


def hash_stamp(stamp):
    """A short token of the data's state, so a changed chart gets a new image address."""
    return hashlib.sha256(repr(stamp).encode()).hexdigest()[:12]

