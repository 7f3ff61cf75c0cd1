"""The dashboard at scale: a repeat view computes nothing, and any change shows next view.

The page's figures and every chart's data are cached on ``data_stamp`` (three
index look-ups); these tests hold that the stamp moves on each kind of change
and that a cached view still shows the register as it stands.
"""

import datetime as dt
import re

import pytest

from app.extensions import db
from app.models import Complaint
from app.reporting import charts, figures as dashboard_data
from app.services import complaints as services
from tests.test_dashboard import _add, _desk, _login

URL = "/dashboard/?period=month&month=2026-03"
ITEMS = len(dashboard_data.CHARTS) + len(dashboard_data.KEY_FIGURES)


def _received_figure(page):
    return int(re.search(r'id="figure-received">\s*<span class="number">(\d+)</span>',
                         page).group(1))


def _stamp(app):
    with app.app_context():
        return dashboard_data.data_stamp()


def test_the_stamp_moves_on_a_new_entry_a_step_an_edit_and_a_void(app):
    desk = _desk(app)
    empty = _stamp(app)
    pk = _add(app, desk, dt.datetime(2026, 3, 2, 9), dusun="Dusun I")
    registered = _stamp(app)
    assert registered != empty
    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(desk)
        complaint = db.session.get(Complaint, pk)
        services.apply_step(complaint, "verify", {"kind": "pengaduan", "category_id": 1,
                                                  "urgency": "normal"}, user)
    stepped = _stamp(app)
    assert stepped != registered
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        complaint.subject = "Judul diperbaiki"
        db.session.commit()
    edited = _stamp(app)
    assert edited != stepped
    with app.app_context():
        services.void_complaint(db.session.get(Complaint, pk), "Salah catat",
                                app.appbuilder.sm.get_user_by_id(desk))
    assert _stamp(app) != edited


def test_a_repeat_view_computes_nothing_and_a_new_complaint_shows_next_view(app, client):
    desk = _desk(app)
    _add(app, desk, dt.datetime(2026, 3, 2, 9), dusun="Dusun I")
    _add(app, desk, dt.datetime(2026, 3, 5, 9), dusun="Dusun II")
    _login(app, client)
    charts.clear_cache()
    before = dict(dashboard_data.data_stats)
    first = client.get(URL).get_data(as_text=True)
    assert dashboard_data.data_stats["computed"] == before["computed"] + ITEMS
    assert _received_figure(first) == 2
    # The images of the same view reuse the page's figures: only drawing is left.
    for source in re.findall(r'<img src="([^"]+)"', first):
        assert client.get(source.replace("&amp;", "&")).status_code == 200
    again = client.get(URL).get_data(as_text=True)
    assert dashboard_data.data_stats["computed"] == before["computed"] + ITEMS
    assert _received_figure(again) == 2
    _add(app, desk, dt.datetime(2026, 3, 9, 9), dusun="Dusun II")
    changed = client.get(URL).get_data(as_text=True)
    assert dashboard_data.data_stats["computed"] == before["computed"] + 2 * ITEMS
    assert _received_figure(changed) == 3


# --- Whose figures, and the names they carry (issue 17, point 5) ------------------------------

MARCH = "period=month&month=2026-03"


def _chart_numbers(page, name):
    """{label: value} of a chart's "Numbers" table on the dashboard page."""
    block = page.split(f'id="chart-{name}"', 1)[1].split('class="col-sm-12', 1)[0]
    return {label: int(value) for label, value in
            re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td>", block)}


def _seen(client):
    """What one user reads: the received figure, the category numbers, the category PNG."""
    response = client.get(f"/dashboard/?{MARCH}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    image = client.get(f"/dashboard/chart/category.png?{MARCH}")
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    return _received_figure(page), _chart_numbers(page, "category"), image.data


@pytest.fixture
def head_named(app):
    """Three complaints of March 2026 in "Bantuan sosial"; the third names the Kepala Desa
    (his login is linked to the officer record it reports). Desk and head each logged in."""
    from tests.conftest import login, make_officer, make_user

    desk = _desk(app)
    head = make_user(app, "kades", "Kepala Desa")
    officer = make_officer(app, name="Sidik Noer Amin", position="kepala_desa", user_id=head)
    ids = [_add(app, desk, dt.datetime(2026, 3, day, 9), dusun="Dusun I",
                category="Bantuan sosial") for day in (2, 3, 4)]
    with app.app_context():
        db.session.get(Complaint, ids[-1]).reported_officer_id = officer
        db.session.commit()
    clients = {"desk": app.test_client(), "head": app.test_client()}
    login(clients["desk"], "petugas")
    login(clients["head"], "kades")
    return clients


@pytest.mark.parametrize("first, second", [("desk", "head"), ("head", "desk")])
def test_the_desk_and_the_head_named_in_a_complaint_each_read_their_own_figures(
        head_named, first, second):
    clients = head_named
    alone = {}
    for who in ("desk", "head"):  # each one's view with nobody's figures cached
        charts.clear_cache()
        alone[who] = _seen(clients[who])
    assert alone["desk"][:2] == (3, {"Bantuan sosial": 3})
    assert alone["head"][:2] == (2, {"Bantuan sosial": 2})
    assert alone["desk"][2] != alone["head"][2]

    charts.clear_cache()
    for who in (first, second):
        assert _seen(clients[who]) == alone[who], who


def test_a_renamed_category_dusun_or_officer_shows_in_the_next_view(app, client):
    from app.models import Category, Dusun, Officer
    from tests.conftest import make_officer

    desk = _desk(app)
    _add(app, desk, dt.datetime(2026, 3, 2, 9), dusun="Dusun I", category="Bantuan sosial")
    _login(app, client)
    charts.clear_cache()
    before = _seen(client)
    assert before[1] == {"Bantuan sosial": 1}
    with app.app_context():
        db.session.query(Category).filter_by(name="Bantuan sosial").one().name = "Bansos dan BLT"
        db.session.commit()
    after = _seen(client)
    assert after[1] == {"Bansos dan BLT": 1}
    assert after[2] != before[2]
    charts.clear_cache()
    assert _seen(client) == after  # what a first view draws

    officer = make_officer(app, name="Kadus Satu")
    for model, pk in ((Dusun, None), (Officer, officer)):
        stamp = _stamp(app)
        with app.app_context():
            row = db.session.get(model, pk) if pk else db.session.query(model).first()
            row.name = row.name + " (baru)"
            db.session.commit()
        assert _stamp(app) != stamp, model.__name__
