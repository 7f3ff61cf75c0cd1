"""The dashboard's slow figures are answered from indexes, not by reading the register.

At 100,000 complaints a cold dashboard took 0.55 s, most of it in the figures
below, each reading every open complaint (or every timeline) row by row;
migration 0011 gave them indexes that hold all they test (tests/bench/bench.py
measures the effect). SQLite says in its query plan whether the table itself is
read: these tests fail when a change to a query or an index makes it so again.
"""

import datetime as dt

import pytest
from sqlalchemy import event

from app.extensions import db
from app.reporting import figures as dashboard_data
from app.reporting.figures import Period, Scope
from tests.conftest import make_officer
from tests.test_dashboard import _add, _desk

ITEMS = {item.name: item for item in dashboard_data.KEY_FIGURES}
ITEMS.update({"chart:" + chart.name: chart for chart in dashboard_data.CHARTS})


def _plans(app, user_id, item):
    """The query plan of every statement ``item`` runs for this month, as SQLite's lines."""
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "complaint" in statement:
            statements.append((statement, parameters))

    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(user_id)
        scope = Scope(Period.month(2026, 3))
        event.listen(db.engine, "before_cursor_execute", capture)
        try:
            item.compute(user, scope, dt.date(2026, 3, 31))
        finally:
            event.remove(db.engine, "before_cursor_execute", capture)
        with db.engine.connect() as conn:
            return [(statement, [row[-1] for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters)])
                for statement, parameters in statements]


@pytest.mark.parametrize("name", ["open", "overdue", "satisfied", "reopen_requests",
                                  "chart:overdue_officer", "chart:received_resolved",
                                  "chart:median_days"])
def test_the_figure_reads_an_index_not_the_register(app, name):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("query plans are read from SQLite")
    desk = _desk(app)
    kadus = make_officer(app, name="Kadus Satu")
    _add(app, desk, dt.datetime(2026, 2, 2, 9), dusun="Dusun I", category="Bantuan sosial",
         officer=kadus)
    _add(app, desk, dt.datetime(2026, 3, 2, 9), dusun="Dusun II", category="Lainnya",
         officer=kadus, resolve_after=4)
    plans = _plans(app, desk, ITEMS[name])
    assert plans, "the figure ran no query on the register"
    for statement, lines in plans:
        for line in lines:
            reads_register = line.startswith(("SCAN complaint", "SEARCH complaint"))
            assert not reads_register or "COVERING INDEX" in line \
                or "INTEGER PRIMARY KEY" in line \
                or "ix_complaint_event_step_occurred" in line, (line, statement)
