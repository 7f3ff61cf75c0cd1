"""Charts are drawn in the web worker, one at a time, and kept in one bounded cache.

A chart is drawn once per key (chart, scope, whose complaints, day, language, data
stamp) and served from the cache after; requests at once each get a whole PNG; a
change of the data or of a name is a new key, so the next view draws it again.
"""

import datetime as dt
import threading
import time

import pytest

from app.extensions import db
from app.models import Category
from app.reporting import charts, figures as dashboard_data
from app.reporting.figures import Period, Scope
from tests.test_dashboard import _add, _desk

MARCH = Scope(Period.month(2026, 3))
PNG_START, PNG_END = b"\x89PNG\r\n\x1a\n", b"IEND\xaeB`\x82"


def is_png(data):
    """A whole PNG file: its signature first and its closing IEND chunk last."""
    return data.startswith(PNG_START) and data.endswith(PNG_END)


class Drawings:
    """Stands in for ``charts._render``: draws for real, and counts the drawings and how
    many ran at the same moment (each held a little longer, so that overlaps show)."""

    def __init__(self, real, hold=0.0):
        self.real, self.hold = real, hold
        self.names, self.running, self.most_at_once = [], 0, 0
        self.lock = threading.Lock()

    def __call__(self, chart, data):
        with self.lock:
            self.names.append(chart.name)
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            time.sleep(self.hold)
            return self.real(chart, data)
        finally:
            with self.lock:
                self.running -= 1


@pytest.fixture
def drawings(monkeypatch):
    counter = Drawings(charts._render, hold=0.2)
    monkeypatch.setattr(charts, "_render", counter)
    charts.clear_cache()
    yield counter
    charts.clear_cache()


@pytest.fixture
def desk(app):
    """The desk user, with two complaints of March 2026 in "Bantuan sosial"."""
    desk = _desk(app)
    for day in (2, 3):
        _add(app, desk, dt.datetime(2026, 3, day, 9), dusun="Dusun I", category="Bantuan sosial")
    return desk


def chart_png(app, user_id, name, scope=MARCH):
    """``charts.chart_png`` as a request of ``user_id`` would ask it."""
    with app.test_request_context():
        user = app.appbuilder.sm.get_user_by_id(user_id)
        return charts.chart_png(dashboard_data.CHARTS_BY_NAME[name], user, scope)


def at_once(calls):
    """Run ``calls`` in threads started together; their results in order."""
    results = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_a_chart_is_drawn_once_per_key_then_served_from_the_cache(app, desk, drawings):
    png, key = chart_png(app, desk, "category")
    assert is_png(png)
    assert chart_png(app, desk, "category") == (png, key)
    assert chart_png(app, desk, "category") == (png, key)
    assert drawings.names == ["category"]
    # Another chart, or another scope, is another key.
    assert is_png(chart_png(app, desk, "status")[0])
    assert is_png(chart_png(app, desk, "category", Scope(Period.month(2026, 4)))[0])
    assert drawings.names == ["category", "status", "category"]


def test_two_requests_for_one_chart_at_once_both_get_it_drawn_once(app, desk, drawings):
    first, second = at_once([lambda: chart_png(app, desk, "category")] * 2)
    assert is_png(first[0]) and first == second
    assert drawings.names == ["category"]


def test_charts_asked_for_at_once_are_drawn_one_at_a_time(app, desk, drawings):
    names = ["status", "category", "channel", "dusun"]
    results = at_once([lambda name=name: chart_png(app, desk, name) for name in names])
    assert all(is_png(png) for png, _ in results)
    assert sorted(drawings.names) == sorted(names)
    assert drawings.most_at_once == 1


def test_a_new_complaint_or_a_renamed_category_draws_the_chart_again(app, desk, drawings):
    before, key = chart_png(app, desk, "category")
    _add(app, desk, dt.datetime(2026, 3, 9, 9), dusun="Dusun I", category="Bantuan sosial")
    added, added_key = chart_png(app, desk, "category")
    assert added_key != key and added != before
    with app.app_context():
        db.session.query(Category).filter_by(name="Bantuan sosial").one().name = "Bansos"
        db.session.commit()
    renamed, renamed_key = chart_png(app, desk, "category")
    assert renamed_key != added_key and renamed != added
    assert drawings.names == ["category"] * 3


def test_the_cache_keeps_the_newest_charts_only(app, desk, drawings, monkeypatch):
    # One cache holds a chart's figures and its PNG: room for two charts here.
    monkeypatch.setattr(dashboard_data, "CACHE_SIZE", 4)
    months = [Scope(Period.month(2026, month)) for month in (1, 2, 3)]
    for scope in months:
        chart_png(app, desk, "status", scope)
    assert len(drawings.names) == 3
    chart_png(app, desk, "status", months[2])  # the newest: kept
    assert len(drawings.names) == 3
    chart_png(app, desk, "status", months[0])  # the oldest, dropped to make room: drawn again
    assert len(drawings.names) == 4
    assert len(dashboard_data._cache) == 4
