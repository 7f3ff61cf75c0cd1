"""The public statistics (/statistik and GET /api/v1/public/statistics): aggregates for everyone.

Expected numbers are written by hand from the complaints each test makes; every
public answer is scanned for the complainants' names, addresses, phones and words.
"""

import datetime as dt
import re

import pytest

from app.auth import security
from app.core.errors import ServiceError
from app.core.timeutil import now_wib, today_wib
from app.demo import load_demo
from app.extensions import db
from app.models import Category, Complaint, ComplaintEvent, Dusun, Meeting
from app.reporting import public_statistics
from app.services import complaints as services
from tests.conftest import login, make_complaint, make_officer, make_user, post_form, set_fields

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
                                {"label": "Kelompok kecil (digabung)", "count": 3, "merged": True}]
    assert year["by_channel"] == [{"label": "Tatap muka", "count": 4},
                                  {"label": "Kelompok kecil (digabung)", "count": 4, "merged": True}]
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
    assert data["resolved_publicly"], "the demo publishes some resolved problems"


# --- "Sudah ditangani": resolved problems the desk chose to publish -------------------------

SUMMARY = "Lampu penerangan di RT 02 sudah diganti oleh petugas desa."


def _forwarded(app, **fields):
    """A complaint of Dusun II in "Pelayanan publik", verified and forwarded; the desk user."""
    desk = make_user(app, "meja", security.DESK)
    officer = make_officer(app, name="Kadus Dua")
    dusun = _dusun_ids(app)["Dusun II"]
    pk = make_complaint(app, desk, complainant_name=NAMES[0], complainant_address=ADDRESS,
                        description=WORDS, subject=SUBJECT, dusun_id=dusun, **fields)
    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(desk)
        complaint = db.session.get(Complaint, pk)
        category = db.session.query(Category).filter_by(name="Pelayanan publik").one()
        services.apply_step(complaint, "verify", {"kind": "pengaduan", "urgency": "normal",
                                                  "category_id": category.id}, user)
        services.apply_step(complaint, "forward", {"officer_id": officer}, user)
        db.session.remove()
    return pk, desk


def _resolve_step(app, pk, desk, **extra):
    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(desk)
        try:
            services.apply_step(db.session.get(Complaint, pk), "resolve", {
                "outcome_type": "administrative", "outcome_text": "Diganti",
                "public_note": "Sudah diperbaiki, terima kasih.", **extra}, user)
        finally:
            db.session.remove()


def test_a_problem_marked_publishable_shows_on_the_already_handled_list(app, client):
    pk, desk = _forwarded(app)
    _resolve_step(app, pk, desk, publishable="y", public_summary=SUMMARY)
    data = client.get("/api/v1/public/statistics").get_json()
    month = today_wib()
    assert data["resolved_publicly"] == [{
        "month": f"{month:%Y-%m}", "month_label": data["resolved_publicly"][0]["month_label"],
        "category": "Pelayanan publik", "dusun": "Dusun II", "what_was_done": SUMMARY,
        "photo_id": None, "photo_url": None, "photo_thumbnail_url": None}]
    page = _scan(client.get("/statistik"))
    assert SUMMARY in page and "Pelayanan publik · Dusun II" in page
    # Voided later: gone from the list.
    set_fields(app, pk, voided=True, void_reason="Salah catat")
    assert client.get("/api/v1/public/statistics").get_json()["resolved_publicly"] == []


def test_a_resolved_problem_is_not_published_unless_marked(app, client):
    pk, desk = _forwarded(app)
    _resolve_step(app, pk, desk, public_summary=SUMMARY)
    assert client.get("/api/v1/public/statistics").get_json()["resolved_publicly"] == []
    with app.app_context():
        assert db.session.get(Complaint, pk).publishable is False


@pytest.mark.parametrize("summary, message", [
    ("", "tuliskan apa yang dilakukan"),
    ("Lampu untuk Bu Aminah sudah diganti.", "tidak boleh menyebut nama pengadu"),
    ("Petugas datang ke Jalan Kenanga 7 RT 02/RW 03 dan memperbaiki lampu.",
     "tidak boleh menyebut nama pengadu atau alamatnya"),
    ("Hubungi 0812-3456-7890 bila lampu mati lagi.", "nomor telepon"),
    ("Benar, lampu di depan rumah Pak Kadus mati; sudah diperbaiki.", "mengutip"),
    ("x" * 1001, "paling banyak 1000"),
])
def test_a_public_text_that_points_at_the_resident_is_refused(app, summary, message):
    pk, desk = _forwarded(app)
    with pytest.raises(ServiceError, match=message):
        _resolve_step(app, pk, desk, publishable="y", public_summary=summary)
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        assert complaint.status == "forwarded" and not complaint.publishable


def test_the_desk_marks_a_problem_publishable_on_the_resolve_form(app, client):
    pk, _ = _forwarded(app)
    login(client, "meja")
    form = client.get(f"/complaint/step/{pk}/resolve").get_data(as_text=True)
    assert 'name="publishable"' in form and "Sudah ditangani" in form
    checkbox = re.search(r'<input[^>]*name="publishable"[^>]*>', form).group(0)
    assert "checked" not in checkbox  # default off
    refused = post_form(client, f"/complaint/step/{pk}/resolve", {
        "outcome_type": "administrative", "outcome_text": "Diganti",
        "public_note": "Sudah diperbaiki.", "publishable": "y",
        "public_summary": "Lampu Bu Aminah sudah menyala."})
    assert "tidak boleh menyebut nama pengadu" in refused.get_data(as_text=True)
    post_form(client, f"/complaint/step/{pk}/resolve", {
        "outcome_type": "administrative", "outcome_text": "Diganti",
        "public_note": "Sudah diperbaiki.", "publishable": "y", "public_summary": SUMMARY})
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        assert complaint.status == "resolved" and complaint.publishable
        assert complaint.public_summary == SUMMARY
