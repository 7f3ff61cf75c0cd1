"""The system does the chasing: deadline reminders to officers, escalation to the desk, the
Kepala Desa's weekly digest. Dates are hard-coded (December 2026: the 24th and 25th are
holidays, the 26th and 27th a weekend)."""

import datetime as dt

import pytest

from app.extensions import db
from app.models import Complaint, Notification
from app.services import deadlines, reminders
from tests.conftest import make_complaint, make_officer, make_user, set_fields
from tests.test_notifications import step, verify


def remind(app, at):
    with app.app_context():
        try:
            return reminders.remind(at)
        finally:
            db.session.remove()


def kinds(app, user_id):
    with app.app_context():
        return [(n.kind, n.complaint_id) for n in
                db.session.query(Notification).filter_by(user_id=user_id).order_by(Notification.id)]


@pytest.fixture
def forwarded(app):
    """A complaint forwarded to an officer with a login: (pk, desk id, officer's user id)."""
    desk = make_user(app, "desk", "Petugas Pengelola")
    kadus_user = make_user(app, "kadus", "Petugas Penghubung")
    kadus = make_officer(app, name="Sutrisno", user_id=kadus_user)
    pk = make_complaint(app, desk)
    verify(app, pk, desk)
    step(app, pk, "forward", desk, officer_id=kadus)
    with app.app_context():
        db.session.query(Notification).delete()  # the forward's own notices: not reminders
        db.session.commit()
    return pk, desk, kadus_user


@pytest.mark.parametrize("due, at, expected", [
    (dt.date(2026, 12, 4), dt.datetime(2026, 12, 3, 8), "due_tomorrow"),   # Thu for Fri
    (dt.date(2026, 12, 4), dt.datetime(2026, 12, 4, 8), "due_today"),
    (dt.date(2026, 12, 7), dt.datetime(2026, 12, 4, 8), "due_tomorrow"),   # Fri for Mon
    (dt.date(2026, 12, 7), dt.datetime(2026, 12, 5, 8), None),             # Saturday
    (dt.date(2026, 12, 28), dt.datetime(2026, 12, 23, 8), "due_tomorrow"),  # over Christmas
    (dt.date(2026, 12, 4), dt.datetime(2026, 12, 2, 8), None),             # two days ahead
])
def test_an_officer_is_reminded_the_working_day_before_and_on_the_deadline(
        app, forwarded, due, at, expected):
    pk, _desk, kadus_user = forwarded
    set_fields(app, pk, due_date=due, followup_due=dt.date(2027, 1, 29))
    remind(app, at)
    assert kinds(app, kadus_user) == ([(expected, pk)] if expected else [])
    remind(app, at + dt.timedelta(minutes=10))  # the job runs every few minutes
    assert kinds(app, kadus_user) == ([(expected, pk)] if expected else [])


def test_a_closed_complaint_is_not_reminded(app, forwarded):
    pk, _desk, kadus_user = forwarded
    set_fields(app, pk, due_date=dt.date(2026, 12, 4), status="resolved")
    remind(app, dt.datetime(2026, 12, 4, 8))
    assert kinds(app, kadus_user) == []


def test_the_desk_hears_of_a_complaint_past_its_verification_deadline(app):
    desk = make_user(app, "desk", "Petugas Pengelola")
    pk = make_complaint(app, desk)
    set_fields(app, pk, verification_due=dt.date(2026, 12, 1))
    remind(app, dt.datetime(2026, 12, 1, 9))
    assert kinds(app, desk) == []
    remind(app, dt.datetime(2026, 12, 2, 9))
    remind(app, dt.datetime(2026, 12, 3, 9))
    assert kinds(app, desk) == [("verification_late", pk)]
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        assert deadlines.is_verification_late(complaint, dt.date(2026, 12, 2))
        assert db.session.query(Complaint.id).filter(
            deadlines.verification_late_condition(dt.date(2026, 12, 2))).all() == [(pk,)]


def test_the_desk_hears_of_a_first_follow_up_past_due_until_a_progress_note(app, forwarded):
    pk, desk, _kadus = forwarded
    other = make_complaint(app, desk, subject="Saluran tersumbat")
    verify(app, other, desk)
    with app.app_context():
        officer = db.session.get(Complaint, pk).assigned_officer_id
    step(app, other, "forward", desk, officer_id=officer)
    step(app, other, "note", desk, note="Sudah dicek ke lokasi")  # the first follow-up
    for complaint in (pk, other):
        set_fields(app, complaint, followup_due=dt.date(2026, 12, 1),
                   due_date=dt.date(2027, 1, 29))
    remind(app, dt.datetime(2026, 12, 2, 9))
    assert [k for k in kinds(app, desk) if k[0] == "followup_late"] == [("followup_late", pk)]
    with app.app_context():
        late = deadlines.followup_late_condition(dt.date(2026, 12, 2))
        assert db.session.query(Complaint.id).filter(late).all() == [(pk,)]
        assert deadlines.is_followup_late(db.session.get(Complaint, pk), dt.date(2026, 12, 2))
        assert not deadlines.is_followup_late(db.session.get(Complaint, other),
                                              dt.date(2026, 12, 2))


def test_the_kepala_desa_gets_one_weekly_digest_on_the_configured_day_and_hour(
        app, monkeypatch):
    monkeypatch.setitem(app.config, "DIGEST_WEEKDAY", 3)  # Wednesday
    monkeypatch.setitem(app.config, "DIGEST_HOUR", 7)
    head = make_user(app, "kades", "Kepala Desa")
    desk = make_user(app, "desk", "Petugas Pengelola")
    kadus = make_officer(app, name="Sutrisno")
    for subject, received in (("Lampu mati", dt.datetime(2026, 11, 30, 9)),
                              ("Jalan rusak", dt.datetime(2026, 12, 1, 9)),
                              ("Lama", dt.datetime(2026, 11, 1, 9))):
        pk = make_complaint(app, desk, subject=subject)
        set_fields(app, pk, received_at=received)
    set_fields(app, pk, status="forwarded", assigned_officer_id=kadus,
               due_date=dt.date(2026, 11, 20))
    remind(app, dt.datetime(2026, 12, 2, 6, 59))
    assert kinds(app, head) == []
    remind(app, dt.datetime(2026, 12, 2, 7, 0))
    remind(app, dt.datetime(2026, 12, 2, 9, 0))
    assert kinds(app, head) == [("digest", None)]
    with app.app_context():
        [text] = [n.text for n in db.session.query(Notification).filter_by(user_id=head)]
    assert text.startswith("Ringkasan mingguan pengaduan 25 November 2026 - 2 Desember 2026")
    assert "2 diterima, 0 selesai; terlambat: Sutrisno 1" in text
    remind(app, dt.datetime(2026, 12, 9, 7, 30))  # next week's
    assert kinds(app, head) == [("digest", None), ("digest", None)]


def test_the_sop_deadlines_are_flagged_on_the_page_and_the_list_and_have_their_own_lists(
        app, client, login_as, forwarded):
    pk, desk, _kadus = forwarded
    login_as("head", "kades")
    waiting = make_complaint(app, desk, subject="Belum diverifikasi")
    on_time = make_complaint(app, desk, subject="Masih dalam tenggat")
    set_fields(app, waiting, verification_due=dt.date(2026, 1, 5))
    set_fields(app, on_time, verification_due=dt.date(2099, 1, 5))
    set_fields(app, pk, followup_due=dt.date(2026, 1, 5), due_date=dt.date(2099, 1, 5))

    page = client.get(f"/complaint/show/{waiting}").get_data(as_text=True)
    assert "verifikasi terlambat" in page and "tindak lanjut pertama terlambat" not in page
    page = client.get(f"/complaint/show/{pk}").get_data(as_text=True)
    assert "tindak lanjut pertama terlambat" in page and "verifikasi terlambat" not in page

    listing = client.get("/complaint/list/").get_data(as_text=True)
    assert listing.count("overdue late-verification") == 1
    assert listing.count("overdue late-followup") == 1

    late_verification = client.get("/complaint/late-verification/list/").get_data(as_text=True)
    assert "Belum diverifikasi" in late_verification
    assert "Masih dalam tenggat" not in late_verification and "Lampu jalan" not in \
        late_verification
    late_followup = client.get("/complaint/late-followup/list/").get_data(as_text=True)
    assert "Lampu jalan mati" in late_followup and "Belum diverifikasi" not in late_followup

    step(app, pk, "note", desk, note="Sudah dicek ke lokasi")  # the first follow-up
    assert "Lampu jalan mati" not in client.get("/complaint/late-followup/list/").get_data(
        as_text=True)
