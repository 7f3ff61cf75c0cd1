"""The view from above (issue 25): a Camat compares the villages of their kecamatan, the
Inspektorat those of the kabupaten, and drills down to one village's figures. Counts only.

Two kecamatans, three villages: Babakan (the test database's village) and Karangsari in
Karangpucung, Majenang in Majenang. Every complaint is made here with hard-coded dates in
October 2026, so each expected figure below is counted by hand from the rows.
"""

import datetime as dt

import pytest
from flask import g
from sqlalchemy import text

from app.auth import security, villages
from app.extensions import db
from app.models import Complaint
from app.reporting import comparison, figures
from app.reporting.figures import Period
from app.services import complaints as services
from tests.conftest import login, make_user
from tests.test_access import watcher
from tests.test_village_isolation import add_village, b_complaint, village_user

OCTOBER = "/perbandingan/?period=month:2026-10"
D = dt.date
T = dt.datetime
# Words of the complaints' identities and texts (b_complaint's): never on a page from above.
PRIVATE = ("Warsini", "Sumur", "kering", "RT 01", "Siti Aminah", "Lampu jalan")


def _complaint(app, village_id, seq, received, due, status="forwarded", resolved=None,
               voided=False, answers=()):
    """A complaint of ``village_id`` with exactly these dates (set after registering)."""
    pk = b_complaint(app, village_id, seq)
    with app.app_context(), villages.acting_for(village_id):
        complaint = db.session.get(Complaint, pk)
        complaint.received_at, complaint.due_date, complaint.status = received, due, status
        complaint.resolved_at, complaint.voided = resolved, voided
        for step, day in answers:
            services.add_event(complaint, step, None, status, status, at=day)
        db.session.commit()
        db.session.remove()
    return pk


@pytest.fixture
def three_villages(app):
    with app.app_context():
        a = db.session.execute(text("SELECT min(id) FROM village")).scalar()
    b = add_village(app, "karangsari", "Karangsari")
    c = add_village(app, "majenang", "Majenang", kecamatan="Majenang")
    # Babakan: 4 received in October (one void does not count), 2 open at the end (one
    # received in September), 1 overdue; 3 resolved, 2 by their due date, 5 days median;
    # residents: 2 satisfied, 1 not.
    _complaint(app, a, 1, T(2026, 10, 5, 9), D(2026, 10, 20), "resolved",
               T(2026, 10, 10, 9), answers=[("confirm_solved", T(2026, 10, 12, 9))])
    _complaint(app, a, 2, T(2026, 10, 6, 9), D(2026, 10, 9), "resolved",
               T(2026, 10, 16, 9), answers=[("request_reopen", T(2026, 10, 18, 9))])
    _complaint(app, a, 3, T(2026, 10, 7, 9), D(2026, 10, 30), "resolved",
               T(2026, 10, 9, 9), answers=[("confirm_solved", T(2026, 10, 11, 9))])
    _complaint(app, a, 4, T(2026, 10, 1, 9), D(2026, 10, 15))
    _complaint(app, a, 5, T(2026, 9, 20, 9), D(2026, 11, 20), "in_review")
    _complaint(app, a, 6, T(2026, 10, 3, 9), D(2026, 10, 4), voided=True)
    # Karangsari: 3 received, 2 open and overdue, 1 resolved (too few for a share).
    _complaint(app, b, 11, T(2026, 10, 2, 9), D(2026, 10, 10))
    _complaint(app, b, 12, T(2026, 10, 3, 9), D(2026, 10, 12))
    _complaint(app, b, 13, T(2026, 10, 4, 9), D(2026, 10, 20), "resolved", T(2026, 10, 8, 9),
               answers=[("confirm_solved", T(2026, 10, 9, 9))])
    # Majenang (another kecamatan): 1 received, open, overdue.
    _complaint(app, c, 21, T(2026, 10, 2, 9), D(2026, 10, 5))
    figures.clear_cache()
    return dict(a=a, b=b, c=c)


EXPECTED = {
    "a": dict(received=4, open=2, overdue=1, resolved=3, on_time_percent=66.7, median_days=5.0,
              answers=3, satisfied_percent=66.7),
    "b": dict(received=3, open=2, overdue=2, resolved=1, on_time_percent=None, median_days=None,
              answers=1, satisfied_percent=None),
    "c": dict(received=1, open=1, overdue=1, resolved=0, on_time_percent=None, median_days=None,
              answers=0, satisfied_percent=None),
}


def _row_values(row):
    return {name: getattr(row, name) for name in EXPECTED["a"]}


@pytest.mark.parametrize("area, seen", [("kecamatan", ("a", "b")), ("kabupaten", ("a", "b", "c"))])
def test_the_comparison_counts_each_village_of_the_area(app, three_villages, area, seen):
    """The figures of each village of the area, counted against the rows made above; no
    village of another kecamatan."""
    user_id = watcher(app, "pengawas", area)
    with app.test_request_context():
        g._login_user = app.appbuilder.sm.get_user_by_id(user_id)  # as Flask-Login sets it
        rows = comparison.compare(Period.month(2026, 10), today=D(2026, 12, 3))
        db.session.remove()
    assert {row.id: _row_values(row) for row in rows} == \
        {three_villages[key]: EXPECTED[key] for key in seen}


@pytest.mark.parametrize("area, seen, unseen", [("kecamatan", ("Babakan", "Karangsari"),
                                                 ("Majenang",)),
                                                ("kabupaten", ("Babakan", "Karangsari",
                                                               "Majenang"), ())])
def test_the_comparison_page(app, client, three_villages, area, seen, unseen):
    watcher(app, "pengawas", area)
    login(client, "pengawas")
    response = client.get(OCTOBER)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for name in seen:
        assert f">{name}</a>" in page
    for name in unseen:
        assert name not in page
    for word in PRIVATE:
        assert word not in page
    # Babakan's row: 4 received, 2 open, 1 overdue, 66,7% on time, 5,0 days, 66,7% satisfied.
    row = page.split(f'id="village-{three_villages["a"]}"')[1].split("</tr>")[0]
    cells = [cell.split(">")[-1] for cell in row.split("</td>")[1:-1]]
    assert cells[-6:] == ["4", "2", "1", "66,7%", "5,0", "66,7%"]
    chart = client.get("/perbandingan/chart.png?period=month:2026-10")
    assert chart.status_code == 200 and chart.headers["Content-Type"] == "image/png"


def test_sorting_by_overdue(app, client, three_villages):
    watcher(app, "pengawas", "kabupaten")
    login(client, "pengawas")
    page = client.get(OCTOBER + "&sort=overdue&desc=1").get_data(as_text=True)
    order = [page.index(f'id="village-{three_villages[key]}"') for key in ("b", "a", "c")]
    assert order[0] < order[1] and order[0] < order[2]  # Karangsari's 2 first
    assert client.get(OCTOBER + "&sort=nonsense").status_code == 200


def test_the_chart_data_names_villages_only(app, three_villages):
    """The chart's data: village names and counts, nothing of a complaint."""
    watcher(app, "pengawas", "kabupaten")
    with app.test_request_context(), villages.every_village():
        rows = comparison.compare(Period.month(2026, 10), today=D(2026, 12, 3))
        data = comparison.overdue_by_village(rows)
        db.session.remove()
    assert data.as_dict() == {"Karangsari": 2, "Babakan": 1, "Majenang": 1}
    assert not any(word in repr(data) + repr(rows) for word in PRIVATE)


def test_drill_down_in_and_out_of_the_area(app, client, three_villages):
    """A Camat opens a village of their kecamatan (its own figures), not one of another: 404."""
    watcher(app, "pengawas", "kecamatan")
    login(client, "pengawas")
    response = client.get(f"/perbandingan/desa/{three_villages['b']}?period=month:2026-10")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Karangsari" in page
    figure = page.split('id="figure-overdue"')[1].split("</span>")[0]
    assert figure.endswith(">2")
    for word in PRIVATE:
        assert word not in page
    chart = client.get(f"/perbandingan/desa/{three_villages['b']}/chart/above_status.png"
                       "?period=month:2026-10")
    assert chart.status_code == 200 and chart.headers["Content-Type"] == "image/png"
    for path in (f"/perbandingan/desa/{three_villages['c']}",
                 f"/perbandingan/desa/{three_villages['c']}/chart/above_status.png",
                 "/perbandingan/desa/999999",
                 f"/perbandingan/desa/{three_villages['b']}/chart/nope.png"):
        assert client.get(path).status_code == 404, path


def test_small_shares_are_not_shown_in_the_drill_down(app, client, three_villages):
    """Karangsari resolved one complaint and had one answer: no share, no median."""
    watcher(app, "pengawas", "kecamatan")
    login(client, "pengawas")
    page = client.get(f"/perbandingan/desa/{three_villages['b']}?period=month:2026-10") \
        .get_data(as_text=True)
    for name in ("on_time", "median_days", "satisfied"):
        assert page.split(f'id="figure-{name}"')[1].split("</span>")[0].endswith(">-"), name
    page = client.get(f"/perbandingan/desa/{three_villages['a']}?period=month:2026-10") \
        .get_data(as_text=True)
    assert page.split('id="figure-on_time"')[1].split("</span>")[0].endswith(">66,7%")


@pytest.mark.parametrize("role", ["desk", "head"])
def test_a_village_login_gets_no_comparison(app, client, three_villages, role):
    village_user(app, three_villages["a"], role, f"a_{role}")
    login(client, f"a_{role}")
    assert client.get(OCTOBER).status_code == 403
    assert client.get(f"/perbandingan/desa/{three_villages['a']}").status_code == 403


@pytest.mark.parametrize("area, heading", [("kecamatan", "Kecamatan Karangpucung"),
                                           ("kabupaten", "Kabupaten Cilacap")])
def test_their_home_page(app, client, three_villages, area, heading):
    watcher(app, "pengawas", area)
    login(client, "pengawas")
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert heading in page and 'href="/perbandingan/"' in page


def test_the_comparison_is_cached_per_scope(app, client, three_villages):
    """A second view computes nothing; a Camat and the Inspektorat never share rows."""
    watcher(app, "camat", "kecamatan")
    watcher(app, "inspektorat", "kabupaten")
    login(client, "camat")
    client.get(OCTOBER)
    computed = figures.data_stats["computed"]
    assert "Majenang" not in client.get(OCTOBER).get_data(as_text=True)
    assert figures.data_stats["computed"] == computed
    client.get("/logout/")
    login(client, "inspektorat")
    assert ">Majenang</a>" in client.get(OCTOBER).get_data(as_text=True)


def test_the_oversight_command(app, three_villages):
    """``flask oversight add|list|remove``: the row and the role; Indonesian refusals."""
    make_user(app, "camat_baru", security.DESK)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["oversight", "add", "camat_baru", "kecamatan", "Majenang"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = app.appbuilder.sm.find_user(username="camat_baru")
        assert [role.name for role in user.roles] == [security.CAMAT]
        assert villages.oversight_of(user) == {three_villages["c"]}
        db.session.remove()
    assert "camat_baru\tkecamatan\tMajenang\tCilacap" in \
        runner.invoke(args=["oversight", "list"]).output
    result = runner.invoke(args=["oversight", "add", "camat_baru", "kecamatan", "Antah"])
    assert result.exit_code != 0 and "Tidak ada desa" in result.output
    result = runner.invoke(args=["oversight", "add", "tidak_ada", "kabupaten", "Cilacap"])
    assert result.exit_code != 0 and "tidak_ada" in result.output
    village_user(app, three_villages["a"], "desk", "a_desk")
    result = runner.invoke(args=["oversight", "add", "a_desk", "kabupaten", "Cilacap"])
    assert result.exit_code != 0 and "a_desk" in result.output
    assert runner.invoke(args=["oversight", "remove", "camat_baru"]).exit_code == 0
    with app.app_context():
        user = app.appbuilder.sm.find_user(username="camat_baru")
        assert villages.oversight_of(user) is None and user.roles == []
        db.session.remove()


def test_the_apps_postgresql_connections_run_without_jit(app):
    """PostgreSQL's JIT compiler cost the villages compared 1.9 s of a 2.3 s query at 10
    million complaints (docs/performance.md): every connection the app makes turns it off.
    (SQLite has no JIT: there the same hook sets the busy timeout, checked alike.)"""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            assert db.session.execute(text("SHOW jit")).scalar() == "off"
        else:
            timeout = app.config["DATABASE_LOCK_TIMEOUT"]
            assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == timeout * 1000
        db.session.remove()
