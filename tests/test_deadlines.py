"""Fair deadlines: tiers and holidays edited by the admin, the paused clock, one extension."""

import datetime as dt
import json

from app.extensions import db
from app.models import Category, Complaint, ComplaintEvent, DeadlineTier, Holiday
from app.services import complaints as services
from app.services.deadlines import holidays, working_days_between
from tests.conftest import login, make_complaint, make_user, post_form
from tests.test_steps import api_login, category_id

MONDAY_16_MARCH = dt.datetime(2026, 3, 16, 9, 0)
# Expected due dates below are counted by hand on the calendar (the holidays are the
# config's 2026 list, seeded into the table), never with add_working_days: the n-th
# working day after the start, the start itself not counted.


def take(app, pk, user_id, step, at, **fields):
    """One step through the service, as ``user_id``, backdated to ``at``."""
    with app.test_request_context():
        user = app.appbuilder.sm.get_user_by_id(user_id)
        services.apply_step(db.session.get(Complaint, pk), step, fields, user, at=at)
        db.session.remove()


def load(app, pk):
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        db.session.expunge(complaint)
        return complaint


def test_working_days_between_skip_weekends_and_holidays(app):
    with app.app_context():
        off = holidays()
        assert dt.date(2026, 3, 23) in off  # cuti bersama Idul Fitri, seeded from the config
        assert working_days_between(dt.date(2026, 3, 6), dt.date(2026, 3, 9), off) == 1  # Fri->Mon
        assert working_days_between(dt.date(2026, 3, 18), dt.date(2026, 3, 25), off) == 1
        assert working_days_between(dt.date(2026, 3, 9), dt.date(2026, 3, 13), off) == 4
        assert working_days_between(dt.date(2026, 3, 9), dt.date(2026, 3, 9), off) == 0


def test_the_clock_pauses_while_waiting_for_the_complainant(app, client):
    desk = make_user(app, "desk", "Petugas Pengelola")
    pk = make_complaint(app, received_at=MONDAY_16_MARCH)
    before = load(app, pk)
    # From Monday 16 March: Tue 17 (1), Wed 18 (2); Thu 19 Nyepi, Fri 20 Idul Fitri, the
    # weekend, Mon 23 and Tue 24 cuti bersama; Wed 25 (3), Thu 26 (4), Fri 27 (5), Mon 30 (6),
    # Tue 31 (7), Wed 1 April (8), Thu 2 (9); Fri 3 Good Friday; Mon 6 (10), Tue 7 (11),
    # Wed 8 (12), Thu 9 (13), Fri 10 (14).
    assert before.verification_due == dt.date(2026, 3, 25)  # 3 working days
    assert before.due_date == dt.date(2026, 4, 10)  # 14 working days

    # Asked on Wednesday 18 March; the answer comes on Wednesday 25 March. Nyepi, Idul Fitri,
    # the weekend and cuti bersama lie between: the clock stood still for one working day.
    take(app, pk, desk, "request_completion", dt.datetime(2026, 3, 18, 10), missing="RT/RW?")
    assert load(app, pk).paused_since == dt.date(2026, 3, 18)
    take(app, pk, desk, "complete", dt.datetime(2026, 3, 25, 11), completion="RT 02/RW 03")
    after = load(app, pk)
    assert after.status == "received" and after.paused_since is None and after.paused_days == 1
    # One working day later each: Fri 10 April -> Mon 13 April, Wed 25 -> Thu 26 March.
    assert after.due_date == dt.date(2026, 4, 13)
    assert after.verification_due == dt.date(2026, 3, 26)

    # Verifying recomputes from the tier and keeps the paused day: 14 + 1 working days
    # from 16 March is Mon 13 April (counted above).
    take(app, pk, desk, "verify", dt.datetime(2026, 3, 26, 9), kind="pengaduan",
         category_id=category_id(app), urgency="normal")
    assert load(app, pk).due_date == dt.date(2026, 4, 13)

    with app.app_context():
        code = db.session.get(Complaint, pk).tracking_code
    status = client.post("/api/v1/public/status",
                         json={"tracking_code": code, "phone_last4": "7890"}).get_json()
    move = status["due_date_moves"][0]
    assert (move["kind"], move["days"]) == ("paused", 1)
    assert "Menunggu kelengkapan dari pelapor" in move["reason"]
    assert status["due_date"] == load(app, pk).due_date.isoformat()


def test_a_friday_to_monday_pause_costs_one_working_day(app):
    desk = make_user(app, "desk", "Petugas Pengelola")
    pk = make_complaint(app, received_at=dt.datetime(2026, 3, 2, 9))
    # From Monday 2 March: 3-6 (1-4), 9-13 (5-9), 16-18 (10-12); 19, 20, 23 and 24 are
    # holidays; Wed 25 (13), Thu 26 (14).
    assert load(app, pk).due_date == dt.date(2026, 3, 26)
    take(app, pk, desk, "request_completion", dt.datetime(2026, 3, 6, 15), missing="Lokasi?")
    take(app, pk, desk, "verify", dt.datetime(2026, 3, 9, 8), kind="pengaduan",
         category_id=category_id(app), urgency="normal")
    with app.app_context():
        assert load(app, pk).due_date == dt.date(2026, 3, 27)  # one working day later
        data = json.loads(db.session.query(ComplaintEvent).filter_by(
            complaint_id=pk, step="verify").one().data)
    assert data["due_moved"]["days"] == 1


def test_the_deadline_can_be_extended_once_by_the_desk_only(app, client, login_as):
    make_user(app, "desk", "Petugas Pengelola")
    make_user(app, "kadus", "Petugas Penghubung")
    pk = make_complaint(app, status="forwarded", received_at=dt.datetime(2026, 11, 23, 9))
    # From Monday 23 November: 24-27 (1-4), 30 Nov-4 Dec (5-9), 7-11 (10-14): Fri 11 December.
    assert load(app, pk).due_date == dt.date(2026, 12, 11)
    url = f"/api/v1/complaint/{pk}/steps/extend_deadline"
    assert client.post(url, json={"days": 5, "reason": "x"},
                       headers=api_login(client, "kadus")).status_code in (403, 404)
    desk = api_login(client, "desk")
    missing = client.post(url, json={"days": 5}, headers=desk)
    assert missing.status_code == 400
    first = client.post(url, json={"days": 5, "reason": "Menunggu material dari kabupaten"},
                        headers=desk)
    assert first.status_code == 200, first.get_json()
    assert load(app, pk).due_date == dt.date(2026, 12, 18)  # Mon 14 (1) .. Fri 18 (5)
    second = client.post(url, json={"days": 3, "reason": "Lagi"}, headers=desk)
    assert second.status_code == 409
    assert "Tenggat hanya boleh diperpanjang satu kali" in second.get_json()["message"]
    assert "Menunggu material dari kabupaten" in second.get_json()["message"]
    complaint = load(app, pk)
    assert (complaint.extension_days, complaint.extension_reason) == (
        5, "Menunggu material dari kabupaten")

    # The screen says the same, and the public page says why the date moved.
    login_as("desk", "desk2")
    page = post_form(client, f"/complaint/step/{pk}/extend_deadline",
                     {"days": "2", "reason": "Sekali lagi"}).get_data(as_text=True)
    assert "hanya boleh diperpanjang satu kali" in page
    with app.app_context():
        code = db.session.get(Complaint, pk).tracking_code
    status = client.post("/api/v1/public/status",
                         json={"tracking_code": code, "phone_last4": "7890"}).get_json()
    assert status["due_date_moves"][-1]["kind"] == "extended"
    assert status["due_date_moves"][-1]["note"] == "Menunggu material dari kabupaten"


def test_tiers_per_category_and_urgency_and_config_fallback(app, client, login_as):
    desk = make_user(app, "desk", "Petugas Pengelola")
    suspected = category_id(app, "Dugaan penyimpangan")
    pk = make_complaint(app, received_at=dt.datetime(2026, 11, 23, 9))
    take(app, pk, desk, "verify", dt.datetime(2026, 11, 23, 10), kind="pengaduan",
         category_id=suspected, urgency="urgent")
    # Investigation, 60 working days from Monday 23 November: 24-27 Nov (4), 30 Nov-4 Dec (9),
    # 7-11 Dec (14), 14-18 Dec (19), 21-23 Dec (22; 24 and 25 are holidays), 28 Dec-1 Jan
    # (27; the table holds 2026's holidays only), 4-8 Jan (32), 11-15 (37), 18-22 (42),
    # 25-29 (47), 1-5 Feb (52), 8-12 Feb (57), Mon 15 (58), Tue 16 (59), Wed 17 Feb (60).
    assert load(app, pk).due_date == dt.date(2027, 2, 17)
    urgent = make_complaint(app, received_at=dt.datetime(2026, 11, 23, 9))
    take(app, urgent, desk, "verify", dt.datetime(2026, 11, 23, 10), kind="pengaduan",
         category_id=category_id(app), urgency="urgent")
    assert load(app, urgent).due_date == dt.date(2026, 11, 26)  # urgent: Tue, Wed, Thu (3)

    login_as("admin")
    with app.app_context():
        general = db.session.query(DeadlineTier).filter_by(category_id=None, urgency=None).one().id
    post_form(client, f"/deadlinetier/edit/{general}", {
        "category": "__None", "urgency": "", "verification_days": "2", "followup_days": "4", "resolution_days": "20",
        "description": "Umum"})
    fresh = make_complaint(app, received_at=dt.datetime(2026, 11, 23, 9))
    # General tier now 20: 24-27 Nov (4), 30 Nov-4 Dec (9), 7-11 (14), 14-18 (19), Mon 21 (20).
    assert load(app, fresh).due_date == dt.date(2026, 12, 21)

    clash = post_form(client, "/deadlinetier/add", {
        "urgency": "urgent", "verification_days": "1", "followup_days": "1",
        "resolution_days": "2", "description": "Ganda"}).get_data(as_text=True)
    assert "Sudah ada tingkat tenggat untuk kategori dan urgensi ini" in clash
    assert "Ganda" in clash  # what was typed stays
    bad = post_form(client, "/deadlinetier/add", {
        "urgency": "", "verification_days": "0", "followup_days": "1", "resolution_days": "2"})
    assert "Antara 1 dan 365." in bad.get_data(as_text=True)

    with app.app_context():
        db.session.query(DeadlineTier).delete()
        db.session.commit()
    fallback = make_complaint(app, received_at=dt.datetime(2026, 11, 23, 9), urgency="high")
    # No tier left, the config's 7 days for "high": 24-27 Nov (4), 30 Nov (5), 1 (6), 2 Dec (7).
    assert load(app, fallback).due_date == dt.date(2026, 12, 2)


def test_the_admin_keeps_the_holidays_including_cuti_bersama(app, client, login_as):
    login_as("admin")
    monday = dt.datetime(2026, 11, 23, 9)
    assert load(app, make_complaint(app, received_at=monday)).verification_due == \
        dt.date(2026, 11, 26)
    page = post_form(client, "/holiday/add", {
        "date": "2026-11-24", "name": "Cuti bersama uji", "kind": "cuti_bersama"})
    assert page.status_code == 200
    with app.app_context():
        row = db.session.query(Holiday).filter_by(date=dt.date(2026, 11, 24)).one()
        assert (row.year, row.kind) == (2026, "cuti_bersama")
    assert load(app, make_complaint(app, received_at=monday)).verification_due == \
        dt.date(2026, 11, 27)
    again = post_form(client, "/holiday/add", {"date": "2026-11-24", "name": "Lagi",
                                               "kind": "national"}).get_data(as_text=True)
    assert "24 November 2026 sudah ada dalam daftar." in again
    listing = client.get("/holiday/list/?_flt_0_year=2026").get_data(as_text=True)
    assert "Cuti bersama uji" in listing and "Hari Raya Natal" in listing


def test_forwarding_sets_the_first_follow_up_due(app, client, login_as):
    from tests.conftest import make_officer

    desk = login_as("desk")
    officer = make_officer(app, name="Kasi Pem", position="kasi")
    pk = make_complaint(app, status="verified")
    take(app, pk, desk, "forward", dt.datetime(2026, 11, 23, 9), officer_id=officer,
         reported_to="kepala_desa")
    # Five working days after Monday 23 November: 24-27 (4), Mon 30 November (5).
    assert load(app, pk).followup_due == dt.date(2026, 11, 30)
    page = client.get(f"/complaint/show/{pk}").get_data(as_text=True)
    assert "Batas tindak lanjut pertama" in page and "30 November 2026" in page

    # The screen's forward (today, not backdated) sets it too.
    other = make_complaint(app, status="verified")
    post_form(client, f"/complaint/step/{other}/forward", {"officer_id": officer,
                                                           "reported_to": "kepala_desa"})
    assert load(app, other).followup_due is not None
