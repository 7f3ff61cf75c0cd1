"""The dashboard at scale: a repeat view computes nothing, and any change shows next view.

The page's figures and every chart's data are cached on ``data_stamp`` (three
index look-ups); these tests hold that the stamp moves on each kind of change
and that a cached view still shows the register as it stands.
"""

import datetime as dt
import re

from app import charts, dashboard_data, services
from app.extensions import db
from app.models import Complaint
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
