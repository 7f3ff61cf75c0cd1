"""The villages compared, for the Camat and the Inspektorat: one row of figures per village.

Every figure is the dashboard's own rule (``app.reporting.figures``: received in the period,
open and overdue as the register stood at the period's end, resolved within the deadline,
median days to resolve, residents satisfied), counted for all the villages of the viewer's
scope at once: a handful of ``GROUP BY village_id`` queries, not a set of queries per
village (a kabupaten has hundreds). The villages are those of ``villages.village_ids()``:
the access layer's listener adds ``village_id IN (...)`` to each query, so the counts come
from the village-prefixed indexes (migration 0027) and never from another kecamatan.

Counts only: no resident's identity and no complaint's text is read. A share or a median
over fewer than ``public_statistics.MIN_COUNT`` complaints or answers is not shown, as on
the public statistics page (one answer at 100% tells what that resident said).

``drill_down_charts`` are the dashboard's charts for one village, with the small groups of
the category, channel, dusun and outcome charts merged (``public_statistics.merge_small``).
"""

import statistics
from dataclasses import dataclass
from typing import Optional

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from app.auth import access, villages
from app.core.timeutil import today_wib
from app.extensions import db
from app.models import Complaint, ComplaintEvent, Village
from app.reporting import figures
from app.reporting.public_statistics import MIN_COUNT, merge_small
from app.services import deadlines

READER = access.AGGREGATES  # counts over every complaint of the village: nobody's identity
SATISFIED, NOT_SATISFIED = "confirm_solved", "request_reopen"
CHART_TOP = 20  # the chart shows the villages with the most overdue complaints


@dataclass
class VillageRow:
    """One village's figures for the period (None: nothing to measure, or too few)."""

    id: int
    name: str
    kecamatan: str
    received: int = 0
    open: int = 0
    overdue: int = 0
    resolved: int = 0
    on_time_percent: Optional[float] = None
    median_days: Optional[float] = None
    answers: int = 0
    satisfied_percent: Optional[float] = None


# (name, column title, unit): the table's columns after the village, each sortable.
COLUMNS = (
    ("received", _l("Received in the period"), "count"),
    ("open", _l("Open"), "count"),
    ("overdue", _l("Overdue"), "count"),
    ("on_time_percent", _l("Resolved within the deadline"), "percent"),
    ("median_days", _l("Median days to resolve"), "days"),
    ("satisfied_percent", _l("Residents satisfied"), "percent"),
)
SORTS = ("name",) + tuple(name for name, _, _ in COLUMNS)


def scope_villages():
    """The villages of this request's scope (a Camat's kecamatan, the kabupaten), by name."""
    ids = villages.village_ids()
    query = select(Village.id, Village.name, Village.kecamatan).order_by(Village.name, Village.id)
    if ids != villages.EVERY:
        query = query.where(Village.id.in_(sorted(ids)))
    return db.session.execute(query).all()


def _base():
    """The complaints that count (not void), of the scope's villages (the listener)."""
    return figures._visible(READER, figures.Scope())


def _per_village(query, *columns):
    """{village_id: (values...)} of ``query`` grouped by village. Counts are ``count(*)``:
    ``count(complaint.id)`` made PostgreSQL read each row for its id, where the covering
    indexes answer alone (5.8 s against 1.1 s at 10 million complaints)."""
    rows = query.with_entities(Complaint.village_id, *columns).group_by(Complaint.village_id)
    return {row[0]: tuple(row[1:]) for row in rows}


def _medians(period):
    """{village_id: median days to resolve} of the period's resolved complaints."""
    resolved = figures._resolved_in(_base(), period)
    seconds = figures._seconds_to_resolve()
    if db.session.get_bind().dialect.name == "postgresql":
        return {village: figures._days(value) for village, (value,) in _per_village(
            resolved, func.percentile_cont(0.5).within_group(seconds)).items()
            if value is not None}
    per_village = {}
    for village, value in resolved.with_entities(Complaint.village_id, seconds):
        per_village.setdefault(village, []).append(float(value))
    return {village: figures._days(statistics.median(values))
            for village, values in per_village.items()}


def _answers(period):
    """{village_id: {step: count}} of the residents' answers given in the period."""
    query = _base().join(Complaint.events).filter(
        ComplaintEvent.step.in_((SATISFIED, NOT_SATISFIED)),
        ComplaintEvent.occurred_at >= period.start_time(),
        ComplaintEvent.occurred_at < period.end_time(),
    ).with_entities(Complaint.village_id, ComplaintEvent.step, func.count(ComplaintEvent.id)) \
        .group_by(Complaint.village_id, ComplaintEvent.step)
    answers = {}
    for village, step, count in query:
        answers.setdefault(village, {})[step] = count
    return answers


def _percent(part, whole):
    """``part`` of ``whole`` in percent, to one decimal; None under ``MIN_COUNT``."""
    return round(100.0 * part / whole, 1) if whole >= MIN_COUNT else None


def compare(period, today=None):
    """[VillageRow] of every village of the scope, by name, for ``period``."""
    day = period.as_of(today or today_wib())
    received = _per_village(figures._received_in(_base(), period), func.count())
    open_overdue = _per_village(
        figures._open_at(_base(), day), func.count(),
        func.sum(case((deadlines.past_due(day), 1), else_=0)))
    resolved = _per_village(
        figures._resolved_in(_base(), period), func.count(),
        func.sum(case((figures.on_time_condition(), 1), else_=0)))
    medians = _medians(period)
    answers = _answers(period)
    rows = []
    for village_id, name, kecamatan in scope_villages():
        row = VillageRow(village_id, name, kecamatan or "")
        row.received = received.get(village_id, (0,))[0]
        row.open, row.overdue = (int(n or 0) for n in open_overdue.get(village_id, (0, 0)))
        row.resolved, on_time = (int(n or 0) for n in resolved.get(village_id, (0, 0)))
        row.on_time_percent = _percent(on_time, row.resolved)
        row.median_days = medians.get(village_id) if row.resolved >= MIN_COUNT else None
        said = answers.get(village_id, {})
        row.answers = said.get(SATISFIED, 0) + said.get(NOT_SATISFIED, 0)
        row.satisfied_percent = _percent(said.get(SATISFIED, 0), row.answers)
        rows.append(row)
    return rows


def sort_rows(rows, by="name", descending=False):
    """``rows`` in the order of column ``by``; villages without a value last either way."""
    if by not in SORTS or by == "name":
        return sorted(rows, key=lambda row: (row.name.lower(), row.id), reverse=descending)
    measured = [row for row in rows if getattr(row, by) is not None]
    unmeasured = [row for row in rows if getattr(row, by) is None]
    measured.sort(key=lambda row: (getattr(row, by), row.name.lower()), reverse=descending)
    return measured + sorted(unmeasured, key=lambda row: row.name.lower())


# --- The cache and the chart -------------------------------------------------------------------

@dataclass(frozen=True)
class _Item:
    """What ``figures.cache_key`` needs of a cached thing: a kind and a name."""

    name: str


COMPARISON = _Item("comparison")


def cached_compare(period, stamp=None, today=None):
    """``compare`` through the dashboard's one cache: the key holds the period, the villages
    of the scope (``villages.scope_key``), the day and the data stamp of those villages."""
    today = today or today_wib()
    key = ("comparison",) + figures.cache_key(COMPARISON, READER, figures.Scope(period), stamp,
                                              today)
    rows = figures.cache_get(key)
    if rows is figures.MISSING:
        figures.data_stats["computed"] += 1
        rows = compare(period, today)
        figures.cache_put(key, rows)
    else:
        figures.data_stats["hits"] += 1
    return rows


def overdue_by_village(rows):
    """ChartData: overdue per village, the ``CHART_TOP`` with the most first."""
    top = sorted((row for row in rows if row.overdue), key=lambda row: (-row.overdue, row.name))
    top = top[:CHART_TOP]
    return figures.ChartData([row.name for row in top],
                             [(gettext("Overdue"), [row.overdue for row in top])])


def _overdue_chart_data(user, scope, today=None):
    return overdue_by_village(cached_compare(scope.period, today=today))


OVERDUE_CHART = figures.Chart("overdue_village", _l("Overdue per village"), _overdue_chart_data)


# --- One village, seen from above --------------------------------------------------------------

def _merged(compute):
    """A chart function whose groups under ``MIN_COUNT`` are merged (or, all small, left out)."""
    def merged(user, scope, today=None):
        data = compute(user, scope, today)
        rows = merge_small(zip(data.labels, data.series[0][1])) if data.series else []
        rows = [row for row in rows if row["count"] is not None]
        return figures.ChartData([row["label"] for row in rows],
                                 [(gettext("Complaints"), [row["count"] for row in rows])])
    return merged


# The dashboard's charts as a Camat reads them: the same, small groups merged. Their own
# names, so that their cached data is never the village's own unmerged charts'.
_MERGED = {"category", "channel", "dusun", "outcome"}
DRILL_DOWN_CHARTS = [
    figures.Chart(f"above_{chart.name}", chart.title,
                  _merged(chart.compute) if chart.name in _MERGED else chart.compute,
                  chart.kind, chart.value_label)
    for chart in figures.CHARTS if chart.name != "overdue_officer"
]
DRILL_DOWN_BY_NAME = {chart.name: chart for chart in DRILL_DOWN_CHARTS}

# Key figures that are a share or a median, and the count each is measured over.
_MEASURED_OVER = {"on_time": "resolved", "median_days": "resolved", "satisfied": "answers"}


def drill_down_figures(scope, stamp=None, today=None):
    """The dashboard's key figures of the village this context acts for, [(KeyFigure, value)],
    with a share or median over fewer than ``MIN_COUNT`` left out (None)."""
    values = figures.cached_key_figures(READER, scope, stamp, today)
    counts = {figure.name: value for figure, value in values}
    counts["answers"] = figures.feedback_answer_count(READER, scope, today)
    return [(figure, value if figure.name not in _MEASURED_OVER
             or (counts[_MEASURED_OVER[figure.name]] or 0) >= MIN_COUNT else None)
            for figure, value in values]
