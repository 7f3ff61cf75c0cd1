"""Perbandingan desa: the villages of a Camat's kecamatan (the Inspektorat's kabupaten) side
by side for a period, and one village's dashboard figures on a click. Read-only, counts only
(``app.reporting.comparison``); the villages are those of the access layer's scope, and a
village outside it is not found.
"""

import hashlib

from flask import abort, g, make_response, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext

from app.auth import villages
from app.core.timeutil import today_wib
from app.extensions import db
from app.models import Oversight, Village
from app.models.villages import KECAMATAN
from app.reporting import charts, comparison, figures
from app.web.views.dashboard import hash_stamp, parse_scope, period_choices, scope_args

PERIOD_ARGS = ("period", "month", "year", "quarter", "start", "end")


def _scope():
    """The period of the query string (the dashboard's control); dusun and category are a
    village's own lists and play no part here."""
    return parse_scope({key: request.args.get(key) for key in PERIOD_ARGS
                        if request.args.get(key) is not None})


def area_title(user):
    """'Kecamatan Karangpucung' or 'Kabupaten Cilacap' of an oversight login, else None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    row = db.session.get(Oversight, user.id)
    if row is None:
        return None
    if row.area == KECAMATAN:
        return gettext("Kecamatan %(name)s, Kabupaten %(kabupaten)s", name=row.kecamatan,
                       kabupaten=row.kabupaten)
    return gettext("Kabupaten %(name)s", name=row.kabupaten)


def _png(png, key):
    response = make_response(png)
    response.headers["Content-Type"] = "image/png"
    response.headers["Cache-Control"] = "private, no-cache"
    response.set_etag(hashlib.sha256(repr(key).encode()).hexdigest()[:32])
    return response.make_conditional(request)


class ComparisonView(BaseView):
    """The villages compared, their chart, and one village's figures (Camat, Inspektorat)."""

    route_base = "/perbandingan"
    class_permission_name = "Comparison"
    method_permission_name = {"index": "show", "chart": "show", "village": "show",
                              "village_chart": "show"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        scope, problems = _scope()
        by = request.args.get("sort") if request.args.get("sort") in comparison.SORTS else "name"
        descending = request.args.get("desc") == "1"
        stamp = figures.data_stamp()
        rows = comparison.sort_rows(comparison.cached_compare(scope.period, stamp), by, descending)
        args = scope_args(scope)
        chart = comparison.OVERDUE_CHART
        return self.render_template(
            "oversight/comparison.html", title=gettext("Village comparison"), scope=scope,
            problems=problems, rows=rows, columns=comparison.COLUMNS, sort=by,
            descending=descending, args=args, periods=period_choices(scope, today_wib()),
            area=area_title(g.user), min_count=comparison.MIN_COUNT,
            chart_src=url_for("ComparisonView.chart", v=hash_stamp(stamp), **args),
            chart_data=figures.cached(chart, comparison.READER, scope, stamp),
            chart=chart, several_kecamatan=len({row.kecamatan for row in rows}) > 1)

    @expose("/chart.png")
    @has_access
    def chart(self):
        scope, _ = _scope()
        return _png(*charts.chart_png(comparison.OVERDUE_CHART, comparison.READER, scope))

    @expose("/desa/<int:village_id>")
    @has_access
    def village(self, village_id):
        village = _in_scope(village_id)
        scope, problems = _scope()
        args = scope_args(scope)
        with villages.acting_for(village.id):
            stamp = figures.data_stamp()
            chart_list = [
                (chart, url_for("ComparisonView.village_chart", village_id=village.id,
                                name=chart.name, v=hash_stamp(stamp), **args),
                 figures.cached(chart, comparison.READER, scope, stamp))
                for chart in comparison.DRILL_DOWN_CHARTS]
            values = comparison.drill_down_figures(scope, stamp)
        key_figures = [(figure, value, figures.format_figure(figure, value))
                       for figure, value in values]
        return self.render_template(
            "oversight/village.html", title=village.name, village_row=village, scope=scope,
            problems=problems, figures=key_figures, charts=chart_list, args=args,
            periods=period_choices(scope, today_wib()), min_count=comparison.MIN_COUNT,
            empty=all(data.is_empty() for _, _, data in chart_list))

    @expose("/desa/<int:village_id>/chart/<name>.png")
    @has_access
    def village_chart(self, village_id, name):
        village = _in_scope(village_id)
        chart = comparison.DRILL_DOWN_BY_NAME.get(name)
        if chart is None:
            abort(404)
        scope, _ = _scope()
        with villages.acting_for(village.id):
            return _png(*charts.chart_png(chart, comparison.READER, scope))


def _in_scope(village_id):
    """The village ``village_id`` if it is one of this login's villages; else 404 (a village
    of another kecamatan is not said to exist)."""
    ids = villages.village_ids()
    if ids != villages.EVERY and village_id not in ids:
        abort(404)
    village = db.session.get(Village, village_id)
    if village is None:
        abort(404)
    return village
