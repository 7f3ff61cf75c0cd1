"""The Kepala Desa's dashboard: every number checked against the register itself.

The expected values are counted here, in plain Python over the stored rows,
independently of ``app.reporting.figures``'s queries.
"""

import datetime as dt
import re
import statistics

import pytest

from app.core.vocabularies import CHANNELS, OUTCOME_TYPES, STATUSES
from app.extensions import db
from app.models import Category, Complaint, Dusun, Officer
from app.reporting import charts, figures as dashboard_data
from app.reporting.figures import Period, Scope
from app.services import complaints as services
from tests.conftest import COMPLAINT_FIELDS, make_officer, make_user

PERIOD = Period.month(2026, 3)
AS_OF = PERIOD.end


def _desk(app):
    return make_user(app, "petugas", "Petugas Pengelola")


def _add(app, desk_id, received, *, dusun=None, category=None, channel="walk_in", officer=None,
         resolve_after=None, outcome="administrative", reject_after=None, void=False):
    """One complaint registered at ``received``, taken through the steps asked for."""
    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(desk_id)
        dusun_row = db.session.query(Dusun).filter_by(name=dusun).one() if dusun else None
        complaint = Complaint(**{**COMPLAINT_FIELDS, "channel": channel, "received_at": received,
                                 "dusun": dusun_row})
        services.register_complaint(complaint, user, at=received)
        clock = received
        if reject_after is not None:
            services.apply_step(complaint, "reject", {"reason": "Di luar kewenangan"}, user,
                                at=clock + dt.timedelta(days=reject_after))
        if category:
            clock += dt.timedelta(hours=3)
            cat = db.session.query(Category).filter_by(name=category).one()
            services.apply_step(complaint, "verify", {"kind": "pengaduan", "category_id": cat.id,
                                                      "urgency": "normal"}, user, at=clock)
        if officer:
            clock += dt.timedelta(hours=1)
            services.apply_step(complaint, "forward", {"officer_id": officer}, user, at=clock)
        if resolve_after is not None:
            services.apply_step(complaint, "resolve", {
                "outcome_type": outcome, "outcome_text": "Sudah diperbaiki",
                "public_note": "Selesai"}, user, at=received + dt.timedelta(days=resolve_after))
        if void:
            services.void_complaint(complaint, "Salah catat", user)
        pk = complaint.id
        db.session.remove()
        return pk


@pytest.fixture
def register(app):
    """A small register over a few months of 2025/2026, with every kind of case."""
    desk = _desk(app)
    kadus = make_officer(app, name="Kadus Satu")
    kasi = make_officer(app, name="Kasi Pelayanan", position="kasi")
    t = dt.datetime
    _add(app, desk, t(2026, 3, 2, 9), dusun="Dusun I", category="Bantuan sosial", officer=kadus,
         resolve_after=5.5)
    _add(app, desk, t(2026, 3, 3, 10), dusun="Dusun I", category="Bantuan sosial", officer=kasi,
         resolve_after=30, outcome="corrective")           # resolved in April: open at AS_OF
    _add(app, desk, t(2026, 3, 5, 8), dusun="Dusun II", category="Lainnya", channel="website",
         officer=kadus)                                     # open and overdue at AS_OF
    _add(app, desk, t(2026, 3, 9, 8), dusun="Dusun II", channel="phone")  # received, never verified
    _add(app, desk, t(2026, 3, 30, 14), channel="email")    # open, not yet due at AS_OF
    _add(app, desk, t(2026, 3, 10, 8), dusun="Dusun III", reject_after=1)
    _add(app, desk, t(2026, 3, 11, 8), dusun="Dusun III", void=True)     # never counts
    _add(app, desk, t(2026, 2, 2, 8), dusun="Dusun I", category="Lainnya", officer=kasi,
         resolve_after=40, outcome="policy")                # resolved in March, late
    _add(app, desk, t(2026, 1, 15, 8), dusun="Dusun IV", category="Lainnya", officer=kasi)
    _add(app, desk, t(2025, 5, 15, 8), dusun="Dusun IV", category="Lainnya", officer=kasi,
         resolve_after=2)
    _add(app, desk, t(2025, 3, 15, 8), dusun="Dusun IV")  # before the 12-month window
    _add(app, desk, t(2026, 4, 2, 8), dusun="Dusun I")     # after the period
    return desk


def _rows(app, **where):
    with app.app_context():
        query = db.session.query(Complaint).filter_by(voided=False, **where)
        rows = query.all()
        for row in rows:
            db.session.expunge(row)
        return rows


def _in(moment, period):
    return moment is not None and period.start <= moment.date() <= period.end


def _open_at(row, day):
    if row.received_at.date() > day:
        return False
    if row.closed_at is None:
        return row.status in ("received", "needs_completion", "verified", "forwarded",
                              "in_review")
    return row.closed_at.date() > day


def _values(app, desk, name, scope=Scope(PERIOD)):
    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(desk)
        chart = dashboard_data.CHARTS_BY_NAME[name]
        data = chart.compute(user, scope)
        return data


def _figures(app, desk, scope=Scope(PERIOD)):
    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(desk)
        return {f.name: value for f, value in dashboard_data.key_figures(user, scope)}


def test_key_figures_match_the_register(app, register):
    rows = _rows(app)
    resolved = [r for r in rows if _in(r.resolved_at, PERIOD)]
    days = [(r.resolved_at - r.received_at).total_seconds() / 86400 for r in resolved]
    on_time = [r for r in resolved if r.resolved_at.date() <= r.due_date]
    expected = {
        "open": sum(_open_at(r, AS_OF) for r in rows),
        "overdue": sum(_open_at(r, AS_OF) and r.due_date < AS_OF for r in rows),
        "received": sum(_in(r.received_at, PERIOD) for r in rows),
        "problems": sum(_in(r.received_at, PERIOD) for r in rows),  # no duplicates here
        "resolved": len(resolved),
        "on_time": round(100 * len(on_time) / len(resolved), 1),
        "median_days": round(statistics.median(days), 1),
        "satisfied": None,  # no resident has answered in the fixture
        "reopen_requests": 0,
    }
    assert _figures(app, register) == expected
    # The fixture's story, in words: six open at the end of March (four of March's, one of them
    # resolved only in April; January's; March 2025's), two resolved in March, one of them late.
    assert expected["received"] == 6 and expected["open"] == 6 and expected["resolved"] == 2
    assert expected["on_time"] == 50.0


def test_received_and_resolved_per_month_cover_twelve_months(app, register):
    rows = _rows(app)
    data = _values(app, register, "received_resolved")
    months = [(2025, m) for m in range(4, 13)] + [(2026, m) for m in range(1, 4)]
    assert len(data.labels) == 12 and data.labels[0] == "Apr 25" and data.labels[-1] == "Mar 26"
    received = [sum(1 for r in rows if (r.received_at.year, r.received_at.month) == ym)
                for ym in months]
    resolved = [sum(1 for r in rows if r.resolved_at and
                    (r.resolved_at.year, r.resolved_at.month) == ym) for ym in months]
    assert data.series[0] == ("Diterima", received)
    assert data.series[1] == ("Selesai", resolved)
    assert sum(received) == 9  # the March 2025 and April 2026 ones fall outside


def test_median_days_per_month(app, register):
    rows = _rows(app)
    data = _values(app, register, "median_days")
    by_label = dict(zip(data.labels, data.series[0][1]))
    march = [(r.resolved_at - r.received_at).total_seconds() / 86400 for r in rows
             if r.resolved_at and (r.resolved_at.year, r.resolved_at.month) == (2026, 3)]
    assert by_label["Mar 26"] == round(statistics.median(march), 1)
    assert by_label["Mei 25"] == 2.0
    assert by_label["Feb 26"] is None  # nothing resolved: a gap, not a zero


@pytest.mark.parametrize("chart, column, labels", [
    ("status", "status", lambda key, names: str(STATUSES[key])),
    ("channel", "channel", lambda key, names: str(CHANNELS[key])),
    ("category", "category_id", lambda key, names: names["category"].get(key, "Belum diklasifikasi")),
    ("dusun", "dusun_id", lambda key, names: names["dusun"].get(key, "Tanpa dusun")),
])
def test_breakdowns_of_the_periods_complaints(app, register, chart, column, labels):
    rows = [r for r in _rows(app) if _in(r.received_at, PERIOD)]
    with app.app_context():
        names = {"category": dict(db.session.query(Category.id, Category.name).all()),
                 "dusun": dict(db.session.query(Dusun.id, Dusun.name).all())}
    expected = {}
    with app.test_request_context():  # labels in the default language, Indonesian
        for row in rows:
            key = labels(getattr(row, column), names)
            expected[key] = expected.get(key, 0) + 1
    assert _values(app, register, chart).as_dict() == expected


def test_overdue_per_officer_and_outcomes(app, register):
    rows = _rows(app)
    with app.app_context():
        officers = dict(db.session.query(Officer.id, Officer.name).all())
    overdue = {}
    for row in rows:
        if _open_at(row, AS_OF) and row.due_date < AS_OF:
            key = officers.get(row.assigned_officer_id, "Belum diteruskan")
            overdue[key] = overdue.get(key, 0) + 1
    assert _values(app, register, "overdue_officer").as_dict() == overdue
    assert overdue["Kasi Pelayanan"] == 2  # January's, and early March's resolved only in April
    outcomes = {}
    with app.test_request_context():
        for row in rows:
            if _in(row.resolved_at, PERIOD):
                key = str(OUTCOME_TYPES[row.outcome_type])
                outcomes[key] = outcomes.get(key, 0) + 1
    assert _values(app, register, "outcome").as_dict() == outcomes


def test_dusun_and_category_filters_narrow_every_number(app, register):
    with app.app_context():
        dusun = db.session.query(Dusun.id).filter_by(name="Dusun I").scalar()
        category = db.session.query(Category.id).filter_by(name="Lainnya").scalar()
    scope = Scope(PERIOD, dusun_id=dusun)
    assert _values(app, register, "dusun", scope).as_dict() == {"Dusun I": 2}
    assert _figures(app, register, scope)["received"] == 2
    scope = Scope(Period.quarter(2026, 1), category_id=category)
    rows = [r for r in _rows(app, category_id=category)
            if _in(r.received_at, Period.quarter(2026, 1))]
    assert _figures(app, register, scope)["received"] == len(rows) == 3
    assert set(_values(app, register, "category", scope).as_dict()) == {"Lainnya"}


def _login(app, client, role="Kepala Desa", username="kades"):
    from tests.conftest import login

    make_user(app, username, role)
    login(client, username)


def test_dashboard_page_shows_every_chart_as_png(app, client, register):
    _login(app, client)
    page = client.get("/dashboard/?period=month&month=2026-03").get_data(as_text=True)
    assert "Maret 2026" in page
    sources = re.findall(r'<img src="([^"]+)"', page)
    assert len(sources) == len(dashboard_data.CHARTS)
    for source in sources:
        response = client.get(source.replace("&amp;", "&"))
        assert response.status_code == 200
        assert response.content_type == "image/png"
        assert response.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert re.search(r'id="figure-received">\s*<span class="number">6</span>', page)


def test_empty_register_says_no_data_and_still_draws(app, client):
    _login(app, client)
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "Belum ada data" in page
    for source in re.findall(r'<img src="([^"]+)"', page):
        response = client.get(source.replace("&amp;", "&"))
        assert response.status_code == 200 and response.data.startswith(b"\x89PNG")


def test_bad_filters_explain_and_fall_back_to_this_month(app, client):
    _login(app, client)
    response = client.get("/dashboard/?period=custom&start=2026-05-01&end=2026-04-01&dusun=999")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Rentang berakhir sebelum dimulai" in page
    assert "Dusun tidak dikenal" in page
    assert client.get("/dashboard/chart/nope.png").status_code == 404
    assert client.get("/dashboard/chart/status.png?period=month&month=13-2026").status_code == 200


def test_repeat_view_renders_nothing_and_a_change_shows_next_view(app, client, register):
    _login(app, client)
    charts.clear_cache()
    url = "/dashboard/chart/status.png?period=month&month=2026-03"
    first = client.get(url)
    renders = charts.stats["renders"]
    again = client.get(url)
    assert charts.stats["renders"] == renders and again.data == first.data
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"].strip('"')}) \
        .status_code == 304
    # The desk verifies one of March's complaints: the status chart must change.
    with app.app_context():
        pk = db.session.query(Complaint.id).filter_by(status="received").order_by(
            Complaint.id).first()[0]
        complaint = db.session.get(Complaint, pk)
        user = app.appbuilder.sm.get_user_by_id(register)
        services.apply_step(complaint, "verify", {"kind": "pengaduan", "category_id": 1,
                                                  "urgency": "normal"}, user)
    changed = client.get(url)
    assert charts.stats["renders"] == renders + 1
    assert changed.data != first.data


def test_period_report_pdf_holds_the_periods_totals(app, client, register):
    from io import BytesIO

    from pypdf import PdfReader

    _login(app, client)
    response = client.get("/dashboard/report.pdf?period=month&month=2026-03")
    assert response.status_code == 200 and response.content_type == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(response.data)).pages)
    text = " ".join(text.split())
    figures = _figures(app, register)
    assert "LAPORAN PENANGANAN PENGADUAN" in text and "Periode: Maret 2026" in text
    assert "PEMERINTAH DESA BABAKAN" in text
    assert f"Diterima dalam periode {figures['received']}" in text
    assert f"Selesai dalam periode {figures['resolved']}" in text
    assert f"Belum selesai {figures['open']}" in text and f"Terlambat {figures['overdue']}" in text
    assert "Selesai tepat waktu 50,0%" in text
    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(register)
        open_numbers = [c.register_number for c in
                        dashboard_data.open_complaints(user, Scope(PERIOD))]
    assert len(open_numbers) == figures["open"]
    for number in open_numbers:
        assert number in text
    assert "Petugas Pengelola Pengaduan" in text
    assert "Jumlah 6" in text  # the summary tables add up to the period's received


def test_report_on_an_empty_register(app, client):
    _login(app, client)
    response = client.get("/dashboard/report.pdf?period=year&year=2026")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_the_home_page_leads_the_head_to_the_dashboard(app, client):
    _login(app, client)
    assert 'href="/dashboard/"' in client.get("/").get_data(as_text=True)


def test_satisfaction_and_reopen_requests_count_the_residents_answers_in_the_period(app):
    from app.services import feedback
    from tests.test_feedback import informed

    answers = [True, True, True, False]
    for solved in answers:
        pk, _code = informed(app)
        with app.app_context():
            feedback.submit_feedback(db.session.get(Complaint, pk), solved)
    desk = make_user(app, "meja", "Petugas Pengelola")
    this_month = Scope(Period.this_month())
    figures = _figures(app, desk, this_month)
    assert (figures["satisfied"], figures["reopen_requests"]) == (75.0, 1)
    assert _figures(app, desk, Scope(Period.year(2020)))["satisfied"] is None  # no answers then


def test_a_median_of_zero_days_is_drawn_not_called_no_data(app):
    from app.reporting.figures import ChartData

    zero = ChartData(["Nov 26"], [("Median hari", [0.0])], zero_is_data=True)
    assert not zero.is_empty()
    assert ChartData(["Nov 26"], [("Median hari", [None])], zero_is_data=True).is_empty()
    assert ChartData(["A"], [("Jumlah", [0])]).is_empty()


def test_drawing_charts_leaves_no_figures_behind(app):
    """A server draws charts all day: figures are freed as their PNGs are made (a worker
    grew by about 0.3 MB per chart when they waited for a rare full collection). One that
    lived long enough to reach the oldest generation may wait for the next full one."""
    import gc

    from matplotlib.figure import Figure

    from app.reporting.figures import ChartData

    gc.collect()
    data = ChartData(["Nov 26", "Des 26"], [("Diterima", [3, 5]), ("Selesai", [1, 4])])
    with app.test_request_context():
        for _ in range(3):
            for chart in dashboard_data.CHARTS:
                png = charts.render(chart, data)  # where figures are made
                assert png.startswith(b"\x89PNG")
    assert len([o for o in gc.get_objects() if isinstance(o, Figure)]) <= 2


# --- Names that look like matplotlib math (issue 17, point 15) --------------------------------

MATH_NAMES = {"category": r"Jalan $\frac{a}{b}$ rusak $\nosuchsymbol$",
              "dusun": "Dusun $\\", "officer": r"Pak $\sqrt{x$ Kadus"}


def test_names_with_dollar_signs_draw_as_text_in_the_charts_and_the_report(app, client):
    """A category, dusun or officer name with ``$...$`` is text, never matplotlib math:
    every chart and the period report answer 200 with a valid PNG / PDF."""
    from io import BytesIO

    from pypdf import PdfReader

    desk = _desk(app)
    officer = make_officer(app, name=MATH_NAMES["officer"])
    with app.app_context():
        db.session.add(Category(name=MATH_NAMES["category"]))
        db.session.add(Dusun(name=MATH_NAMES["dusun"]))
        db.session.commit()
    for day in (2, 3):
        _add(app, desk, dt.datetime(2026, 3, day, 9), dusun=MATH_NAMES["dusun"],
             category=MATH_NAMES["category"], officer=officer)
    _login(app, client)
    charts.clear_cache()
    page = client.get("/dashboard/?period=month&month=2026-03")
    assert page.status_code == 200
    for chart in dashboard_data.CHARTS:
        response = client.get(f"/dashboard/chart/{chart.name}.png?period=month&month=2026-03")
        assert response.status_code == 200, chart.name
        assert response.data.startswith(b"\x89PNG\r\n\x1a\n"), chart.name
    report = client.get("/dashboard/report.pdf?period=month&month=2026-03")
    assert report.status_code == 200 and report.content_type == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(report.data)).pages)
    assert MATH_NAMES["category"] in " ".join(text.split())


def test_chart_texts_are_never_read_as_math(app):
    """Every text a chart draws (title, axis label, tick labels, legend) is shown as typed:
    the drawing turns matplotlib's math parsing off for all of them in one place."""
    from unittest import mock

    from matplotlib.figure import Figure
    from matplotlib.text import Text

    from app.reporting.figures import Chart, ChartData

    created = []
    original = Figure.savefig

    def savefig(figure, *args, **kwargs):
        result = original(figure, *args, **kwargs)
        created.extend(figure.findobj(Text))
        return result

    data = ChartData(["$a$", "b"], [("$s$", [1, 2]), ("t", [2, 1])])
    with app.test_request_context(), mock.patch.object(Figure, "savefig", savefig):
        for kind in ("hbar", "bars", "line"):
            charts.render(Chart("x", "$x$ judul", None, kind, value_label="$y$"), data)
    shown = [t for t in created if t.get_text()]
    assert {"$x$ judul", "$y$", "$a$", "$s$"} <= {t.get_text() for t in shown}
    assert not [t.get_text() for t in shown if t.get_parse_math() or t.get_usetex()]
