"""The public statistics (/statistik and GET /api/v1/public/statistics): aggregates for everyone.

Expected numbers are written by hand from the complaints each test makes; every
public answer is scanned for the complainants' names, addresses, phones and words.
"""

import datetime as dt

import pytest

from app.core.timeutil import now_wib, today_wib
from app.demo import load_demo
from app.extensions import db
from app.models import Complaint, ComplaintEvent, Dusun, Meeting
from app.reporting import public_statistics
from tests.conftest import make_complaint, set_fields

NAMES = ("Siti Aminah Rahayu", "Bambang Sutejo", "Warsini Lestari", "Ahmad Fauzi Rohman")
ADDRESS = "Jalan Kenanga 7 RT 02/RW 03"
PHONE = "+6281234567890"
WORDS = "Lampu di depan rumah Pak Kadus mati karena kabelnya dicuri tetangga"
SUBJECT = "Kabel lampu dicuri orang"
INTERNAL = "Catatan rapat internal: pengadu minta namanya dirahasiakan"
SECRETS = NAMES + (ADDRESS, PHONE, "081234567890", "6281234567890", WORDS, SUBJECT, INTERNAL)


@pytest.fixture(autouse=True)
def cold_cache():
    public_statistics.clear_cache()
    yield
    public_statistics.clear_cache()


def _dusun_ids(app):
    with app.app_context():
        ids = {d.name: d.id for d in db.session.query(Dusun)}
        db.session.remove()
        return ids


def _complaint(app, name, dusun_id, channel="walk_in", **fields):
    return make_complaint(app, complainant_name=name, complainant_address=ADDRESS,
                          complainant_phone=PHONE, description=WORDS, subject=SUBJECT,
                          dusun_id=dusun_id, channel=channel, **fields)


def _resolve(app, pk, days, due_in_days=14):
    """Test set-up: resolved ``days`` after it was received, due ``due_in_days`` after it."""
    with app.app_context():
        received = db.session.get(Complaint, pk).received_at
        db.session.remove()
    set_fields(app, pk, status="resolved", resolved_at=received + dt.timedelta(days=days),
               closed_at=received + dt.timedelta(days=days),
               due_date=(received + dt.timedelta(days=due_in_days)).date())


def _answer(app, pk, step):
    """Test set-up: the resident's answer as its timeline event (append-only: an insert)."""
    with app.app_context():
        db.session.add(ComplaintEvent(complaint_id=pk, step=step, occurred_at=now_wib(),
                                      audience="desk"))
        db.session.commit()
        db.session.remove()


def _scan(response):
    text = response.get_data(as_text=True)
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} in {response.request.path}"
    return text


def _register(app):
    """Five complaints in Dusun I (3 walk-in, 2 by phone), two in Dusun II (walk-in, email),
    one in Dusun III (email), one void in Dusun IV; three resolved (2, 4 and 20 days; the last
    one after its due date)."""
    dusun = _dusun_ids(app)
    first = [_complaint(app, NAMES[i % 4], dusun["Dusun I"],
                        channel="walk_in" if i < 3 else "phone") for i in range(5)]
    _complaint(app, NAMES[1], dusun["Dusun II"], channel="walk_in")
    _complaint(app, NAMES[1], dusun["Dusun II"], channel="email")
    _complaint(app, NAMES[2], dusun["Dusun III"], channel="email")
    void = _complaint(app, NAMES[3], dusun["Dusun IV"])
    set_fields(app, void, voided=True, void_reason="Tercatat dua kali")
    _resolve(app, first[0], 2)
    _resolve(app, first[1], 4)
    _resolve(app, first[2], 20)
    return first


def test_merge_small_folds_every_group_under_three_into_others():
    merge = public_statistics.merge_small
    assert merge([("A", 5), ("B", 2), ("C", 1), ("D", 0)], others="Lain") == [
        {"label": "A", "count": 5}, {"label": "Lain", "count": 3, "merged": True}]
    # "Others" would be one group of 1 under another name: the smallest shown group joins.
    assert merge([("A", 5), ("B", 4), ("C", 1)], others="Lain") == [
        {"label": "A", "count": 5}, {"label": "Lain", "count": 5, "merged": True}]
    # Fewer than three in all: one row, its count not given.
    assert merge([("A", 1), ("B", 1)], others="Lain") == [
        {"label": "Lain", "count": None, "merged": True}]
    assert merge([("A", 3), ("B", 3)], others="Lain") == [
        {"label": "A", "count": 3}, {"label": "B", "count": 3}]
    assert merge([]) == []


def test_the_json_counts_the_register_with_small_groups_merged(app, client):
    _register(app)
    response = client.get("/api/v1/public/statistics")
    assert response.status_code == 200
    _scan(response)
    data = response.get_json()
    assert data["min_count"] == 3
    year = {p["key"]: p for p in data["periods"]}["year"]
    assert year["received"] == 8  # the void entry never counts
    assert year["resolved"] == 3
    assert year["resolved_on_time_percent"] == pytest.approx(66.7)
    assert year["median_days_to_resolve"] == 4.0
    assert year["satisfied_percent"] is None  # nobody answered yet
    assert year["by_dusun"] == [{"label": "Dusun I", "count": 5},
                                {"label": "Lainnya", "count": 3, "merged": True}]
    assert year["by_channel"] == [{"label": "Tatap muka", "count": 4},
                                  {"label": "Lainnya", "count": 4, "merged": True}]
    assert year["by_category"] == [{"label": "Belum diklasifikasi", "count": 8}]
    this_month = data["months"][-1]
    assert this_month["month"] == f"{today_wib():%Y-%m}"
    assert this_month["received"] == 8
    assert len(data["months"]) == 12


def test_satisfied_is_shown_only_from_three_answers(app, client):
    first = _register(app)
    _answer(app, first[0], "confirm_solved")
    _answer(app, first[1], "request_reopen")
    year = client.get("/api/v1/public/statistics").get_json()["periods"][0]
    assert year["satisfied_percent"] is None  # two answers would tell who said what
    _answer(app, first[2], "confirm_solved")
    year = client.get("/api/v1/public/statistics").get_json()["periods"][0]
    assert year["satisfied_percent"] == pytest.approx(66.7)


def test_a_share_over_fewer_than_three_resolved_is_not_shown(app, client):
    dusun = _dusun_ids(app)
    pk = _complaint(app, NAMES[0], dusun["Dusun I"])
    _resolve(app, pk, 3)
    year = client.get("/api/v1/public/statistics").get_json()["periods"][0]
    assert year["resolved"] == 1
    assert year["resolved_on_time_percent"] is None
    assert year["median_days_to_resolve"] is None


def test_the_page_shows_the_figures_as_plain_tables_for_everyone(app, client):
    _register(app)
    response = client.get("/statistik")
    assert response.status_code == 200
    page = _scan(response)
    assert "Statistik pengaduan" in page
    assert "<table" in page and "<img" not in page and "<script" not in page
    assert "Dusun I</th>" in page and "Dusun II</th>" not in page  # merged into Lainnya
    assert "66,7%" in page  # resolved within the deadline, written the Indonesian way
    assert "4,0 hari" in page


def test_meetings_publish_only_their_public_recommendations(app, client):
    pk = make_complaint(app)
    with app.app_context():
        db.session.add(Meeting(starts_at=now_wib() - dt.timedelta(days=1), place="Balai Desa",
                               agenda="Pembahasan", status="held",
                               complaints=[db.session.get(Complaint, pk)],
                               recommendations=INTERNAL, minutes_at=now_wib(),
                               public_recommendations="Lampu jalan diperiksa tiap bulan."))
        db.session.add(Meeting(starts_at=now_wib() - dt.timedelta(days=2), place="Balai Desa",
                               agenda="Pembahasan", status="held", recommendations=INTERNAL))
        db.session.commit()
        db.session.remove()
    data = client.get("/api/v1/public/statistics").get_json()
    assert [r["text"] for r in data["recommendations"]] == ["Lampu jalan diperiksa tiap bulan."]
    page = _scan(client.get("/statistik"))
    assert "Lampu jalan diperiksa tiap bulan." in page


def test_statistics_are_cached_until_the_register_changes(app, client):
    dusun = _dusun_ids(app)
    _complaint(app, NAMES[0], dusun["Dusun I"])
    first = client.get("/api/v1/public/statistics")
    computed = public_statistics.stats["computed"]
    again = client.get("/api/v1/public/statistics", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert first.headers["Cache-Control"] == "no-cache"
    assert client.get("/statistik").status_code == 200
    assert public_statistics.stats["computed"] == computed  # the page used the same answer
    _complaint(app, NAMES[1], dusun["Dusun II"])
    changed = client.get("/api/v1/public/statistics", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    assert changed.get_json()["periods"][0]["received"] == 2
    assert public_statistics.stats["computed"] == computed + 1


@pytest.mark.parametrize("path", ["/lapor", "/status"])
def test_the_public_pages_link_to_the_statistics(client, path):
    assert 'href="/statistik"' in client.get(path).get_data(as_text=True)


def test_the_statistics_with_the_demo_data_name_nobody(app, client):
    """The demo register: every public statistics answer is free of its names, addresses and
    phones, and every group shown holds at least three complaints."""
    with app.app_context():
        load_demo(count=60, seed=3)
        rows = db.session.query(Complaint.complainant_name, Complaint.complainant_address,
                                Complaint.complainant_phone, Complaint.description).all()
        db.session.remove()
    responses = [client.get("/statistik"), client.get("/api/v1/public/statistics")]
    for response in responses:
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        for name, address, phone, description in rows:
            for secret in (name, address, phone, phone[3:], description):
                assert secret not in text
    data = responses[1].get_json()
    assert data["periods"][1]["received"] > 0
    for period in data["periods"]:
        for key in ("by_category", "by_channel", "by_dusun"):
            assert all(g["count"] is None or g["count"] >= 3 for g in period[key])
    assert data["recommendations"], "the demo's held meetings publish a recommendation"
