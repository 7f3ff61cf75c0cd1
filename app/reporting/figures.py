"""Every number the Kepala Desa reads: home page counts, key figures, the charts' data.

One module, so the dashboard, the PDF report and the tests all count the same
way. Functions return plain data (numbers, lists of labels and values); the
charts (``app.reporting.charts``) only draw them.

The rules, for every figure:

* void register entries never count;
* a ``Scope`` narrows to a period (by received date, resolved date or "as of"
  the period's end, as each figure says) and optionally one dusun or category;
* only complaints the user may see count (``access.restrict``).

The key figures and the charts are lists of specs (``KEY_FIGURES``, ``CHARTS``):
a new figure or chart is one more entry, and the dashboard, the report and the
cache pick it up.
"""

import datetime as dt
import hashlib
import statistics
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable, Optional

from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import joinedload

from app.auth import access, villages
from app.core import workflow
from app.core.timeutil import ROMAN_MONTHS, today_wib
from app.core.vocabularies import CHANNELS, OUTCOME_TYPES, STATUSES, label
from app.extensions import db
from app.models import Category, Complaint, ComplaintEvent, Dusun, Officer
from app.services import deadlines, feedback

MONTH_NAMES = (
    _l("January"), _l("February"), _l("March"), _l("April"), _l("May"), _l("June"),
    _l("July"), _l("August"), _l("September"), _l("October"), _l("November"), _l("December"),
)
MONTH_ABBR = (
    _l("Jan"), _l("Feb"), _l("Mar"), _l("Apr"), _l("May"), _l("Jun"),
    _l("Jul"), _l("Aug"), _l("Sep"), _l("Oct"), _l("Nov"), _l("Dec"),
)
PERIOD_KINDS = ("last12", "month", "quarter", "year", "custom")
TREND_MONTHS = 12


# --- Period and filters -----------------------------------------------------------------------


def date_text(value):
    """'23 November 2026' in the user's language."""
    return f"{value.day} {MONTH_NAMES[value.month - 1]} {value.year}"


@dataclass(frozen=True)
class Period:
    """A closed range of dates [start, end] and how it was chosen."""

    start: dt.date
    end: dt.date
    kind: str = "custom"

    @classmethod
    def month(cls, year, month):
        first = dt.date(year, month, 1)
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        return cls(first, following - dt.timedelta(days=1), "month")

    @classmethod
    def quarter(cls, year, number):
        first = cls.month(year, 3 * number - 2)
        return cls(first.start, cls.month(year, 3 * number).end, "quarter")

    @classmethod
    def year(cls, year):
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), "year")

    @classmethod
    def last_12_months(cls, today=None):
        """This month and the eleven before it, up to today: what the dashboard opens on."""
        today = today or today_wib()
        year, month = (today.year, today.month - 11) if today.month == 12 else \
            (today.year - 1, today.month + 1)
        return cls(dt.date(year, month, 1), today, "last12")

    @classmethod
    def this_month(cls, today=None):
        today = today or today_wib()
        return cls.month(today.year, today.month)

    def label(self):
        """'November 2026', 'Triwulan IV 2026', 'Tahun 2026' or a range of dates."""
        if self.kind == "month":
            return f"{MONTH_NAMES[self.start.month - 1]} {self.start.year}"
        if self.kind == "quarter":
            return gettext("Quarter %(number)s %(year)s",
                           number=ROMAN_MONTHS[(self.start.month - 1) // 3], year=self.start.year)
        if self.kind == "year":
            return gettext("Year %(year)s", year=self.start.year)
        if self.kind == "last12":
            return gettext("Last 12 months (%(start)s – %(end)s)", start=date_text(self.start),
                           end=date_text(self.end))
        return f"{date_text(self.start)} – {date_text(self.end)}"

    def as_of(self, today=None):
        """The day "open" and "overdue" are counted on: the period's end, or today if sooner."""
        return min(self.end, today or today_wib())

    def start_time(self):
        return dt.datetime.combine(self.start, dt.time())

    def end_time(self):
        """The first moment after the period (ranges are half-open on times)."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time())


@dataclass(frozen=True)
class Scope:
    """What the dashboard shows: a period and optionally one dusun and one category."""

    period: Period = field(default_factory=Period.this_month)
    dusun_id: Optional[int] = None
    category_id: Optional[int] = None

    def key(self):
        """A hashable summary, for the chart cache."""
        return (self.period.start, self.period.end, self.period.kind, self.dusun_id,
                self.category_id)


def _visible(user, scope):
    """The complaints that count for ``user`` under ``scope``'s dusun and category filters."""
    query = access.restrict(db.session.query(Complaint), user).filter(Complaint.voided.is_(False))
    if scope.dusun_id:
        query = query.filter(Complaint.dusun_id == scope.dusun_id)
    if scope.category_id:
        query = query.filter(Complaint.category_id == scope.category_id)
    return query


def _received_in(query, period):
    return query.filter(Complaint.received_at >= period.start_time(),
                        Complaint.received_at < period.end_time())


def _resolved_in(query, period):
    return query.filter(Complaint.resolved_at >= period.start_time(),
                        Complaint.resolved_at < period.end_time())


def _open_at(query, day):
    """Received by the end of ``day`` and not closed then (open as the register stood that day)."""
    moment = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
    still_open = (Complaint.closed_at.is_(None) & Complaint.status.in_(workflow.OPEN_STATUSES)) \
        | (Complaint.closed_at >= moment)
    return query.filter(Complaint.received_at < moment, still_open)


def _overdue_at(query, day):
    """Open as the register stood on ``day`` and past due then (``deadlines.past_due``)."""
    return _open_at(query, day).filter(deadlines.past_due(day))


def _count(query):
    return query.with_entities(func.count(Complaint.id)).scalar() or 0


# --- Home page ------------------------------------------------------------------------------


def home_summary(user):
    """Open, overdue and new complaints among those ``user`` may see."""
    query = access.restrict(db.session.query(Complaint), user).filter(Complaint.voided.is_(False))
    open_q = query.filter(Complaint.status.in_(workflow.OPEN_STATUSES))
    return {
        "open": open_q.with_entities(func.count(Complaint.id)).scalar(),
        "overdue": query.filter(deadlines.overdue_condition(today_wib()))
        .with_entities(func.count(Complaint.id)).scalar(),
        "new": query.filter(Complaint.status == workflow.RECEIVED)
        .with_entities(func.count(Complaint.id)).scalar(),
    }


def forwarded_to(user, limit=20):
    """The complaints forwarded to ``user`` (as an officer) and still open, the soonest due
    first: what a Kepala Dusun or another liaison has to do, on their home page."""
    mine = access.officer_ids_of(user)
    if not mine:
        return []
    return (access.restrict(db.session.query(Complaint), user)
            .options(joinedload(Complaint.dusun))
            .filter(Complaint.assigned_officer_id.in_(mine), Complaint.voided.is_(False),
                    Complaint.status.in_(workflow.OPEN_STATUSES))
            .order_by(Complaint.due_date.is_(None), Complaint.due_date, Complaint.id)
            .limit(limit).all())


# --- Key figures ----------------------------------------------------------------------------


def open_count(user, scope, today=None):
    """Open at the period's end (today for the current period)."""
    return _count(_open_at(_visible(user, scope), scope.period.as_of(today)))


def overdue_count(user, scope, today=None):
    """Open and past the due date at the period's end."""
    return _count(_overdue_at(_visible(user, scope), scope.period.as_of(today)))


def received_count(user, scope, today=None):
    """Entered in the register during the period."""
    return _count(_received_in(_visible(user, scope), scope.period))


def distinct_problems_count(user, scope, today=None):
    """Entered during the period, counting a problem once: duplicates linked to a main
    complaint ("duplikat dari") are left out, so ten residents' reports of one broken
    bridge count ten in ``received_count`` and one here."""
    query = _received_in(_visible(user, scope), scope.period)
    return _count(query.filter(Complaint.duplicate_of_id.is_(None)))


def resolved_count(user, scope, today=None):
    """Resolved (the SOP's "resolve" step) during the period."""
    return _count(_resolved_in(_visible(user, scope), scope.period))


def _resolved_rows(user, scope):
    query = _resolved_in(_visible(user, scope), scope.period)
    return query.with_entities(Complaint.received_at, Complaint.resolved_at,
                               Complaint.due_date).all()


def resolved_on_time_percent(user, scope, today=None):
    """Share (%) of the period's resolved complaints resolved by their due date; None if none."""
    rows = _resolved_rows(user, scope)
    if not rows:
        return None
    on_time = sum(1 for _, resolved, due in rows if due is None or resolved.date() <= due)
    return round(100.0 * on_time / len(rows), 1)


def days_between(start, end):
    """Calendar days from receipt to resolution, to one decimal."""
    return _days((end - start).total_seconds())


def _days(seconds):
    return round(float(seconds) / 86400, 1)


def median_days_to_resolve(user, scope, today=None):
    """Median calendar days from receipt to resolution, over the period's resolved; None if none."""
    rows = _resolved_rows(user, scope)
    if not rows:
        return None
    return round(statistics.median(days_between(r, s) for r, s, _ in rows), 1)


@dataclass(frozen=True)
class KeyFigure:
    """One number at the top of the dashboard and the report."""

    name: str
    title: object
    compute: Callable
    unit: str = "count"  # count, percent, days
    tone: str = ""       # css hint: "overdue" is drawn in red


def _feedback_answers(user, scope):
    """{step: count} of the residents' answers given in the period."""
    return feedback.step_counts(user, scope.period.start, scope.period.end,
                                ("confirm_solved", "request_reopen"),
                                complaints=_visible(user, scope))


def feedback_answer_count(user, scope, today=None):
    """How many residents answered "solved" or "not solved" in the period."""
    return sum(_feedback_answers(user, scope).values())


def satisfied_percent(user, scope, today=None):
    """Share (%) of the residents who answered in the period that said "solved"; None if none."""
    answers = _feedback_answers(user, scope)
    total = sum(answers.values())
    return round(100.0 * answers["confirm_solved"] / total, 1) if total else None


def reopen_requests_count(user, scope, today=None):
    """Residents who said "not solved" in the period (each a reopen request to the desk)."""
    return _feedback_answers(user, scope)["request_reopen"]


KEY_FIGURES = [
    KeyFigure("open", _l("Open"), open_count),
    KeyFigure("overdue", _l("Overdue"), overdue_count, tone="overdue"),
    KeyFigure("received", _l("Received in the period"), received_count),
    KeyFigure("problems", _l("Distinct problems received"), distinct_problems_count),
    KeyFigure("resolved", _l("Resolved in the period"), resolved_count),
    KeyFigure("on_time", _l("Resolved within the deadline"), resolved_on_time_percent, "percent"),
    KeyFigure("median_days", _l("Median days to resolve"), median_days_to_resolve, "days"),
    KeyFigure("satisfied", _l("Residents satisfied"), satisfied_percent, "percent"),
    KeyFigure("reopen_requests", _l("Asked to reopen"), reopen_requests_count),
]


def key_figures(user, scope, today=None):
    """[(KeyFigure, value)] in display order."""
    return [(figure, figure.compute(user, scope, today)) for figure in KEY_FIGURES]


def format_figure(figure, value):
    """The value as text: '-' when there is nothing to measure."""
    if value is None:
        return "-"
    if figure.unit == "percent":
        return f"{value:.1f}%".replace(".", ",")
    if figure.unit == "days":
        return gettext("%(days)s days", days=f"{value:.1f}".replace(".", ","))
    return str(value)


# --- Charts' data ---------------------------------------------------------------------------


@dataclass
class ChartData:
    """Category labels along one axis, one or more named series of values."""

    labels: list
    series: list  # [(name, [values])]
    zero_is_data: bool = False  # a median of 0 days is a result; a count of 0 is nothing

    def is_empty(self):
        if self.zero_is_data:
            return not any(v is not None for _, values in self.series for v in values)
        return not self.labels or not any(v for _, values in self.series for v in values if v)

    def as_dict(self):
        """{label: value} of the first series (what tests and tables read)."""
        return dict(zip(self.labels, self.series[0][1])) if self.series else {}


def trend_months(scope):
    """The 12 (year, month) pairs ending with the period's last month."""
    year, month = scope.period.end.year, scope.period.end.month
    months = []
    for _ in range(TREND_MONTHS):
        months.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(months))


def _trend_period(scope):
    months = trend_months(scope)
    return Period(dt.date(*months[0], 1), Period.month(*months[-1]).end)


def month_label(year, month):
    return f"{MONTH_ABBR[month - 1]} {str(year)[2:]}"


def _by_month(query, column, months):
    year, month = func.extract("year", column), func.extract("month", column)
    counts = {(int(y), int(m)): n for y, m, n in
              query.with_entities(year, month, func.count(Complaint.id)).group_by(year, month)}
    return [counts.get(ym, 0) for ym in months]


def received_resolved_by_month(user, scope, today=None):
    """Received and resolved per month, 12 months up to the period's end."""
    months = trend_months(scope)
    window = _trend_period(scope)
    base = _visible(user, scope)
    return ChartData(
        [month_label(*ym) for ym in months],
        [(gettext("Received"), _by_month(_received_in(base, window), Complaint.received_at,
                                         months)),
         (gettext("Resolved"), _by_month(_resolved_in(base, window), Complaint.resolved_at,
                                         months))],
    )


def _seconds_to_resolve():
    """Seconds from receipt to resolution, worked out by the database: a year of resolved
    complaints is tens of thousands of rows, and reading each as two datetimes took
    most of the chart's time."""
    if db.session.get_bind().dialect.name == "sqlite":
        days = func.julianday(Complaint.resolved_at) - func.julianday(Complaint.received_at)
        return func.round(days * 86400)
    return func.extract("epoch", Complaint.resolved_at - Complaint.received_at)


def median_days_by_month(user, scope, today=None):
    """Median days to resolve of the complaints resolved in each of the 12 months (None: none)."""
    months = trend_months(scope)
    year, month = func.extract("year", Complaint.resolved_at), \
        func.extract("month", Complaint.resolved_at)
    rows = _resolved_in(_visible(user, scope), _trend_period(scope)) \
        .with_entities(year, month, _seconds_to_resolve())
    per_month = {ym: [] for ym in months}
    for y, m, seconds in rows:
        per_month[(int(y), int(m))].append(_days(seconds))
    values = [round(statistics.median(d), 1) if d else None for d in per_month.values()]
    return ChartData([month_label(*ym) for ym in months], [(gettext("Median days"), values)],
                     zero_is_data=True)


def _grouped(query, column, label_of, order=None):
    """Counts per value of ``column``, largest first (or in ``order``), labelled."""
    rows = dict(query.with_entities(column, func.count(Complaint.id)).group_by(column).all())
    keys = [k for k in order if k in rows] if order else sorted(rows, key=lambda k: -rows[k])
    return ChartData([label_of(k) for k in keys], [(gettext("Complaints"), [rows[k] for k in keys])])


def _names(model):
    return dict(db.session.query(model.id, model.name).all())


def by_status(user, scope, today=None):
    """The period's received complaints by their current status (in the SOP's order)."""
    return _grouped(_received_in(_visible(user, scope), scope.period), Complaint.status,
                    lambda k: str(label(STATUSES, k)), order=list(STATUSES))


def by_category(user, scope, today=None):
    names = _names(Category)
    return _grouped(_received_in(_visible(user, scope), scope.period), Complaint.category_id,
                    lambda k: names.get(k) or gettext("Not classified yet"))


def by_channel(user, scope, today=None):
    return _grouped(_received_in(_visible(user, scope), scope.period), Complaint.channel,
                    lambda k: str(label(CHANNELS, k)))


def by_dusun(user, scope, today=None):
    names = _names(Dusun)
    return _grouped(_received_in(_visible(user, scope), scope.period), Complaint.dusun_id,
                    lambda k: names.get(k) or gettext("No dusun"))


def overdue_by_officer(user, scope, today=None):
    """Overdue at the period's end, per officer the complaint is forwarded to."""
    names = _names(Officer)
    query = _overdue_at(_visible(user, scope), scope.period.as_of(today))
    return _grouped(query, Complaint.assigned_officer_id,
                    lambda k: names.get(k) or gettext("Not forwarded yet"))


def by_outcome(user, scope, today=None):
    """The period's resolved complaints by the kind of outcome (SOP D.5)."""
    return _grouped(_resolved_in(_visible(user, scope), scope.period), Complaint.outcome_type,
                    lambda k: str(label(OUTCOME_TYPES, k)) if k else gettext("Not stated"),
                    order=list(OUTCOME_TYPES) + [None])


@dataclass(frozen=True)
class Chart:
    """One chart: its data function, how to draw it, and its texts."""

    name: str
    title: object
    compute: Callable
    kind: str = "hbar"  # hbar, bars (grouped by month), line
    value_label: object = _l("Number of complaints")
    in_report: bool = True


CHARTS = [
    Chart("received_resolved", _l("Received and resolved per month"), received_resolved_by_month,
          "bars"),
    Chart("status", _l("By status"), by_status),
    Chart("category", _l("By category"), by_category),
    Chart("channel", _l("By channel"), by_channel),
    Chart("dusun", _l("By dusun"), by_dusun),
    Chart("median_days", _l("Median days to resolve per month"), median_days_by_month, "line",
          value_label=_l("Days")),
    Chart("overdue_officer", _l("Overdue per officer"), overdue_by_officer),
    Chart("outcome", _l("Outcome types"), by_outcome),
]
CHARTS_BY_NAME = {chart.name: chart for chart in CHARTS}


# --- Lists and the cache key ----------------------------------------------------------------


def open_complaints(user, scope, today=None):
    """The complaints open at the period's end, oldest due date first (for the report)."""
    query = _open_at(_visible(user, scope), scope.period.as_of(today))
    return query.order_by(Complaint.due_date, Complaint.register_year,
                          Complaint.register_seq).all()


def data_stamp():
    """A value that changes whenever anything a figure or a chart shows does.

    Complaints: every change of a complaint sets its ``changed_at`` (to now, to the
    second) and raises its ``version``; every step appends an event. So the newest
    complaint id, the latest change, the sum of versions of the complaints changed in
    that latest second (two edits within one second) and the last event id together
    move on any change. Each is an index look-up (migration 0010 indexes
    ``changed_at``): a repeat view costs next to nothing even at a million complaints.

    The names the charts are labelled with (categories, dusun, officers) live in
    their own tables, edited by the admin: ``reference_stamp`` covers them, so a
    renamed category shows in the next view. Deadline tiers and holidays need no
    place here: they only decide the due date stored on a complaint when it is set,
    which is a change of that complaint.
    """
    latest = select(func.max(Complaint.changed_at)).scalar_subquery()
    complaints = tuple(db.session.query(
        select(func.max(Complaint.id)).scalar_subquery(),
        latest,
        select(func.coalesce(func.sum(Complaint.version), 0))
        .where(Complaint.changed_at == latest).scalar_subquery(),
        select(func.max(ComplaintEvent.id)).scalar_subquery()).one())
    return complaints + (reference_stamp(),)


def reference_stamp():
    """A digest of every category, dusun and officer name (tens of rows: one small query)."""
    rows = db.session.execute(union_all(
        select(literal("category"), Category.id, Category.name),
        select(literal("dusun"), Dusun.id, Dusun.name),
        select(literal("officer"), Officer.id, Officer.name),
    )).all()
    return hashlib.sha256(repr(sorted(tuple(row) for row in rows)).encode()).hexdigest()


# --- The one cache: figures and the charts drawn from them ----------------------------------

# Figures are small; a chart's PNG is a few tens of KB: at most a few MB in all.
CACHE_SIZE = 640
_cache = OrderedDict()  # key: value, oldest first
_cache_lock = threading.Lock()
data_stats = {"computed": 0, "hits": 0}


MISSING = object()


def cache_get(key):
    """The value kept for ``key`` (now the newest), or ``MISSING``."""
    with _cache_lock:
        value = _cache.get(key, MISSING)
        if value is not MISSING:
            _cache.move_to_end(key)
        return value


def cache_put(key, value):
    """Keep ``value`` for ``key``, dropping the oldest beyond ``CACHE_SIZE``."""
    with _cache_lock:
        _cache[key] = value
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def whose(user):
    """Which complaints count for ``user``, as a cache key: the rows ``access.restrict``
    lets through, written out.

    The key is ``access.restrict``'s own condition with this user's officer ids in it,
    so two users share cached figures exactly when they may see the same rows: the
    desk and the admin share "all", a Kepala Desa named in complaints gets "all but
    those reporting officer 7", a liaison their own share. A rule added to
    ``access.restrict`` later is in the key without a change here.
    """
    condition = access.restrict(select(Complaint.id), user).whereclause
    if condition is None:
        return "all"
    return str(condition.compile(compile_kwargs={"literal_binds": True}))


def cache_key(item, user, scope, stamp=None, today=None):
    """What a chart or key figure ``item`` shows depends on, as a hashable key.

    The item, the scope, the villages (``villages.scope_key``), whose complaints count (``whose``), the day (open and
    overdue move with the date), the language (labels are translated) and
    ``data_stamp``. The figures and the charts' images (``app.reporting.charts``) are
    both kept in the one cache below under it.
    """
    return (type(item).__name__, item.name, scope.key(), villages.scope_key(), whose(user),
            today or today_wib(), str(get_locale()),
            stamp if stamp is not None else data_stamp())


def cached(item, user, scope, stamp=None, today=None):
    """``item.compute(user, scope)`` (a chart or a key figure), computed once per state
    (``cache_key``). The page and the chart images of one view share the result, and a
    repeat view computes nothing.
    """
    today = today or today_wib()
    key = ("figure",) + cache_key(item, user, scope, stamp, today)
    value = cache_get(key)
    if value is not MISSING:
        data_stats["hits"] += 1
        return value
    data_stats["computed"] += 1
    value = item.compute(user, scope, today)
    cache_put(key, value)
    return value


def cached_key_figures(user, scope, stamp=None, today=None):
    """``key_figures`` through the cache."""
    stamp = stamp if stamp is not None else data_stamp()
    return [(figure, cached(figure, user, scope, stamp, today)) for figure in KEY_FIGURES]


def clear_cache():
    """Forget every computed figure and drawn chart (tests start cold with it)."""
    with _cache_lock:
        _cache.clear()


def feedback_summary(user, start, end):
    """Residents' answers and reopen requests from ``start`` to ``end`` (dates, inclusive).

    Among the complaints ``user`` may see: how many said solved / not solved, the share
    satisfied (percent of answers, None without answers), how many reopen requests the desk
    reopened or kept closed, and how many still wait for the desk's answer (now).
    """
    counts = feedback.step_counts(user, start, end, ("confirm_solved", "request_reopen",
                                                     "reopen", "keep_closed"))
    answers = counts["confirm_solved"] + counts["request_reopen"]
    return {
        "start": start,
        "end": end,
        "solved": counts["confirm_solved"],
        "not_solved": counts["request_reopen"],
        "satisfied_percent": round(100 * counts["confirm_solved"] / answers) if answers else None,
        "reopened": counts["reopen"],
        "kept_closed": counts["keep_closed"],
        "pending": feedback.pending_reopen_requests(user),
    }
