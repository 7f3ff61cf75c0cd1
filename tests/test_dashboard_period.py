"""The dashboard opens on the last 12 months, with one period control."""

import datetime as dt
import re

from app.core.timeutil import today_wib
from app.reporting.figures import Period, Scope
from app.web.views.dashboard import parse_scope, period_choices
from tests.conftest import make_complaint
from tests.test_dashboard import _login


def test_the_last_12_months_are_this_month_and_the_eleven_before_up_to_today():
    assert Period.last_12_months(dt.date(2026, 12, 3)) == \
        Period(dt.date(2026, 1, 1), dt.date(2026, 12, 3), "last12")
    assert Period.last_12_months(dt.date(2026, 11, 30)) == \
        Period(dt.date(2025, 12, 1), dt.date(2026, 11, 30), "last12")
    assert Period.last_12_months(dt.date(2026, 1, 15)) == \
        Period(dt.date(2025, 2, 1), dt.date(2026, 1, 15), "last12")


def test_no_period_asked_means_the_last_12_months_and_a_bad_one_falls_back_to_it(app):
    today = dt.date(2026, 12, 3)
    with app.test_request_context():
        scope, problems = parse_scope({}, today)
        assert (scope.period.start, scope.period.end, problems) == \
            (dt.date(2026, 1, 1), today, [])
        scope, problems = parse_scope({"period": "fortnight"}, today)
        assert scope.period.kind == "last12"
        assert problems == ["Periode tidak dikenal; menampilkan 12 bulan terakhir."]


def test_the_one_control_reads_like_the_separate_arguments(app):
    today = dt.date(2026, 12, 3)
    with app.test_request_context():
        for one, separate, expected in (
                ("month:2026-03", {"period": "month", "month": "2026-03"},
                 Period.month(2026, 3)),
                ("quarter:2025-4", {"period": "quarter", "year": "2025", "quarter": "4"},
                 Period.quarter(2025, 4)),
                ("year:2024", {"period": "year", "year": "2024"}, Period.year(2024))):
            assert parse_scope({"period": one}, today)[0].period == expected
            assert parse_scope(separate, today)[0].period == expected
        custom = {"period": "custom", "start": "2026-02-01", "end": "2026-02-20"}
        assert parse_scope(custom, today)[0].period == \
            Period(dt.date(2026, 2, 1), dt.date(2026, 2, 20))
        options = period_choices(Scope(Period.month(2026, 3)), today)
        assert [value for value, _text, selected in options if selected] == ["month:2026-03"]
        assert options[0][:2] == ("last12", "12 bulan terakhir")
        assert options[-1][0] == "custom"
        # A month older than the list still shows as chosen.
        old = period_choices(Scope(Period.month(2024, 5)), today)
        assert [value for value, _text, selected in old if selected] == ["month:2024-05"]


def test_the_page_opens_on_the_last_12_months_with_one_period_control(app, client):
    _login(app, client)
    today = today_wib()
    eleven_months_ago = dt.date(today.year - (today.month <= 11), (today.month - 12) % 12 + 1, 2)
    for day in (today, eleven_months_ago, eleven_months_ago - dt.timedelta(days=40)):
        make_complaint(app, received_at=dt.datetime.combine(day, dt.time(9)))
    page = client.get("/dashboard/").get_data(as_text=True)
    assert re.search(r"<small>12 bulan terakhir \(", page)
    assert re.search(r'id="figure-received">\s*<span class="number">2</span>', page)
    # One period control: no month, quarter or year field competing with it.
    assert page.count('name="period"') == 1
    assert not re.search(r'name="(month|quarter|year)"', page)
    assert re.search(r'<option value="last12" selected>12 bulan terakhir</option>', page)
    # The charts and the report follow the same period.
    assert "period=last12" in page
