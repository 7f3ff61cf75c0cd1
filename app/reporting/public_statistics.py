"""The public statistics (/statistik and its JSON): how the village handles complaints.

Everything here is an aggregate of the whole register (void entries never count),
computed by the dashboard's own functions (``app.reporting.figures``) as the
``access.AGGREGATES`` reader, so the public reads the same numbers as the
Kepala Desa. What is published and why:

* this year and the last 12 months: received, resolved, the share resolved within
  the deadline, the median days to resolve, residents satisfied;
* received and resolved per month over the last 12 months (this year's months are
  among them): village-wide totals, which name no group a resident belongs to;
* received by category, by channel and by dusun, with every group under
  ``MIN_COUNT`` merged into "Others" (``merge_small``), so that no group of one or
  two complaints points at a resident of a small dusun or a rare category;
* a share or median over fewer than ``MIN_COUNT`` complaints or answers is not shown
  (one answer at 100% would tell what that resident said);
* the review meetings' recommendations in the text the desk wrote for the public
  (``Meeting.public_recommendations``), never the minutes themselves;
* the resolved problems the desk marked publishable ("Sudah ditangani"): category,
  dusun, month, the public summary of what was done and the photo after the work the
  desk chose (one it marked public and staff added), nothing else of the complaint.

The whole answer is cached per data stamp (``figures.data_stamp`` and the
meetings' own stamp), day and language: a repeat view costs the stamp's index
look-ups.
"""

import datetime as dt
import hashlib
import threading
from collections import OrderedDict

from flask_babel import get_locale, gettext
from sqlalchemy import and_, func, select

from app.auth import access, villages
from app.core.timeutil import date_id, today_wib
from app.extensions import db
from app.models import Attachment, Category, Complaint, Dusun, Meeting
from app.reporting import figures
from app.reporting.figures import MONTH_NAMES, Period, Scope

MIN_COUNT = 3
PUBLISHED_LIMIT = 30  # "Sudah ditangani": the newest this many
RECOMMENDATIONS_LIMIT = 20
READER = access.AGGREGATES
CACHE_SIZE = 8  # a day and two languages, with room for a change of stamp

_cache = OrderedDict()
_cache_lock = threading.Lock()
stats = {"computed": 0}


def merge_small(rows, minimum=MIN_COUNT, others=None):
    """``[(label, count)]`` with every count under ``minimum`` merged into one "Others" row.

    While "Others" itself holds fewer than ``minimum`` (one small group alone would be
    shown by its count under another name), the smallest group still shown joins it.
    If the whole is under ``minimum``, one row remains whose count is None ("fewer
    than 3"). Largest first, "Others" last; groups of 0 are left out.
    """
    others = others if others is not None else gettext("Small groups, merged")
    shown = sorted(((label, count) for label, count in rows if count), key=lambda r: -r[1])
    merged = 0
    while shown and shown[-1][1] < minimum:
        merged += shown.pop()[1]
    while 0 < merged < minimum and shown:
        merged += shown.pop()[1]
    result = [{"label": str(label), "count": count} for label, count in shown]
    if merged:
        result.append({"label": others, "count": merged if merged >= minimum else None,
                       "merged": True})
    return result


def _at_least(value, count):
    """``value`` when measured over at least ``MIN_COUNT`` complaints or answers, else None."""
    return value if count >= MIN_COUNT else None


def periods(today):
    """(key, Period, label) of this year and of the 12 months ending with this month."""
    this_year = Period(dt.date(today.year, 1, 1), dt.date(today.year, 12, 31), "year")
    months = figures.trend_months(Scope(Period.this_month(today)))
    last_12 = Period(dt.date(*months[0], 1), Period.month(*months[-1]).end)
    twelve = gettext("Last 12 months (%(start)s – %(end)s)",
                     start=f"{MONTH_NAMES[last_12.start.month - 1]} {last_12.start.year}",
                     end=f"{MONTH_NAMES[last_12.end.month - 1]} {last_12.end.year}")
    return [("year", this_year, this_year.label()), ("last_12_months", last_12, twelve)]


def _groups(compute, scope, today):
    data = compute(READER, scope, today)
    return merge_small(zip(data.labels, data.series[0][1]) if data.series else [])


def period_figures(period, today):
    """The published figures of one period (see the module's docstring)."""
    scope = Scope(period)
    resolved = figures.resolved_count(READER, scope, today)
    answers = figures.feedback_answer_count(READER, scope, today)
    return {
        "received": figures.received_count(READER, scope, today),
        "resolved": resolved,
        "resolved_on_time_percent": _at_least(
            figures.resolved_on_time_percent(READER, scope, today), resolved),
        "median_days_to_resolve": _at_least(
            figures.median_days_to_resolve(READER, scope, today), resolved),
        "satisfied_percent": _at_least(
            figures.satisfied_percent(READER, scope, today), answers),
        "by_category": _groups(figures.by_category, scope, today),
        "by_channel": _groups(figures.by_channel, scope, today),
        "by_dusun": _groups(figures.by_dusun, scope, today),
    }


def months(today):
    """Received and resolved in each of the last 12 months (oldest first)."""
    data = figures.received_resolved_by_month(READER, Scope(Period.this_month(today)),
                                                     today)
    keys = figures.trend_months(Scope(Period.this_month(today)))
    received, resolved = data.series[0][1], data.series[1][1]
    return [{"month": f"{year:04d}-{month:02d}",
             "label": f"{MONTH_NAMES[month - 1]} {year}",
             "received": received[i], "resolved": resolved[i]}
            for i, (year, month) in enumerate(keys)]


def recommendations(start, end):
    """The public text of the recommendations of meetings held from ``start`` to ``end``."""
    rows = (db.session.query(Meeting.starts_at, Meeting.public_recommendations)
            .filter(Meeting.status == "held", Meeting.public_recommendations.isnot(None),
                    Meeting.public_recommendations != "",
                    Meeting.starts_at >= dt.datetime.combine(start, dt.time()),
                    Meeting.starts_at < dt.datetime.combine(end + dt.timedelta(days=1),
                                                            dt.time()))
            .order_by(Meeting.starts_at.desc()).limit(RECOMMENDATIONS_LIMIT))
    return [{"date": starts.date().isoformat(), "date_label": date_id(starts),
             "text": text.strip()} for starts, text in rows]


def _is_published():
    """The one rule of what is on "Sudah ditangani": resolved, marked publishable by the
    desk, not void, with the desk's public text."""
    return and_(Complaint.publishable.is_(True), Complaint.voided.is_(False),
                Complaint.resolved_at.isnot(None), Complaint.public_summary.isnot(None),
                Complaint.public_summary != "")


def published(limit=PUBLISHED_LIMIT):
    """"Sudah ditangani": resolved problems the desk marked publishable, newest first.

    Only the category, the dusun, the month of resolution, the public summary and the
    photo after the work the desk chose (``published_photo`` serves it): the summary is
    the desk's own text for everyone; no name, address or resident's words.
    """
    rows = (db.session.query(Complaint.resolved_at, Category.name, Dusun.name,
                             Complaint.public_summary, Complaint.public_photo_id)
            .outerjoin(Category, Category.id == Complaint.category_id)
            .outerjoin(Dusun, Dusun.id == Complaint.dusun_id)
            .filter(_is_published())
            .order_by(Complaint.resolved_at.desc(), Complaint.id.desc()).limit(limit))
    return [{"month": f"{resolved:%Y-%m}",
             "month_label": f"{MONTH_NAMES[resolved.month - 1]} {resolved.year}",
             "category": category or gettext("Not classified yet"),
             "dusun": dusun or gettext("No dusun"),
             "what_was_done": summary.strip(),
             "photo_id": _shown_photo(photo_id)}
            for resolved, category, dusun, summary, photo_id in rows]


def _shown_photo(photo_id):
    return photo_id if photo_id is not None and published_photo(photo_id) else None


def published_photo(attachment_id):
    """The photo after the work shown on "Sudah ditangani" with id ``attachment_id``, or
    None: the one its published complaint names, and still a photo the public may see
    (``access.may_show_on_public_list``: hidden or withdrawn since, it is not served)."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not access.may_show_on_public_list(attachment):
        return None
    named = db.session.scalar(select(Complaint.id).where(
        Complaint.id == attachment.complaint_id, Complaint.public_photo_id == attachment.id,
        _is_published()))
    return attachment if named is not None else None


def meetings_stamp():
    """Moves when a meeting's minutes (and so its public recommendations) are recorded."""
    return tuple(db.session.query(func.count(Meeting.id), func.max(Meeting.id),
                                  func.max(Meeting.minutes_at)).one())


def data_stamp():
    """What the statistics depend on besides the day and the language."""
    return figures.data_stamp() + meetings_stamp()


def statistics(today=None):
    """The whole public answer (a plain dict), from the cache while nothing changed."""
    today = today or today_wib()
    stamp = data_stamp()
    key = (villages.scope_key(), stamp, today, str(get_locale()))
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    value = _compute(today, stamp)
    with _cache_lock:
        _cache[key] = value
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def _compute(today, stamp):
    stats["computed"] += 1
    chosen = periods(today)
    window = chosen[1][1]
    return {
        "as_of": today.isoformat(),
        "as_of_label": date_id(today),
        "data_stamp": _stamp_text(stamp),
        "min_count": MIN_COUNT,
        "periods": [{"key": key, "label": label, "start": period.start.isoformat(),
                     "end": period.end.isoformat(), **period_figures(period, today)}
                    for key, period, label in chosen],
        "months": months(today),
        "recommendations": recommendations(min(window.start, chosen[0][1].start), today),
        "resolved_publicly": published(),
    }


def _stamp_text(stamp):
    """The stamp as a short opaque text (an ETag for the village website's cache)."""
    return hashlib.sha256(repr(stamp).encode()).hexdigest()[:16]


def clear_cache():
    with _cache_lock:
        _cache.clear()
