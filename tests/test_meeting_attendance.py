"""A meeting that already took place is recorded with its minutes at once, and the minutes
say who actually attended: on the meeting page, in the berita acara and in the database."""

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import text

from app.core.timeutil import now_wib
from app.extensions import db
from app.models import Meeting, Notification
from app.models.meetings import meeting_officer
from app.services import meetings
from tests.conftest import make_complaint, make_officer, make_user, post_form
from tests.test_meetings import advance, desk, schedule_form  # noqa: F401 (fixture)

YESTERDAY = (now_wib() - dt.timedelta(days=1)).date()


@pytest.fixture
def people(app):
    """Two officers invited (one with a login, who would be told of a scheduled meeting)."""
    kadus_user = make_user(app, "kadus1", "Petugas Penghubung")
    return {"user": kadus_user,
            "came": make_officer(app, name="Sutrisno", position="kepala_dusun",
                                 user_id=kadus_user),
            "away": make_officer(app, name="Nur Khasanah", position="kasi")}


def _record_past(app, client, desk, people, **changes):
    complaint = advance(app, desk["user_id"], make_complaint(app, subject="Lampu jalan mati"))
    data = schedule_form(complaint_ids=[str(complaint)], date=YESTERDAY.isoformat(),
                         officer_ids=[str(people["came"]), str(people["away"])],
                         already_held="y", **changes)
    return complaint, post_form(client, f"/meeting/schedule?ids={complaint}", data, follow=False)


def _meeting(app):
    with app.app_context():
        return db.session.query(Meeting.id).order_by(Meeting.id.desc()).first()[0]


def test_a_past_meeting_is_recorded_and_opens_its_minutes(app, client, desk, people):
    complaint, response = _record_past(app, client, desk, people)
    meeting_id = _meeting(app)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/meeting/minutes/{meeting_id}")
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.starts_at == dt.datetime.combine(YESTERDAY, dt.time(9))
        assert meeting.complaints[0].status == "in_review"
        # Nobody is invited to a meeting that is over.
        assert db.session.query(Notification).filter_by(user_id=people["user"]).count() == 0
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Yang hadir" in page
    # Before anything is recorded every invited person is ticked; the desk unticks.
    for officer in (people["came"], people["away"]):
        assert re.search(rf'name="present_officer" value="{officer}" checked', page)


def test_the_schedule_form_offers_recording_a_past_meeting(app, client, desk):
    page = client.get("/meeting/schedule?held=1").get_data(as_text=True)
    assert re.search(r'<input checked id="already_held" name="already_held" type="checkbox"',
                     page)
    listing = client.get("/meeting/list/", follow_redirects=True).get_data(as_text=True)
    assert 'href="/meeting/schedule?held=1"' in listing


def test_past_and_future_are_refused_each_in_its_place(app, client, desk, people):
    complaint = advance(app, desk["user_id"], make_complaint(app))
    future = schedule_form(complaint_ids=[str(complaint)], already_held="y")  # tomorrow
    page = post_form(client, f"/meeting/schedule?ids={complaint}", future).get_data(as_text=True)
    assert "Rapat yang sudah berlangsung tidak bisa dimulai pada waktu yang akan datang" in page
    past = schedule_form(complaint_ids=[str(complaint)], date=YESTERDAY.isoformat())
    page = post_form(client, f"/meeting/schedule?ids={complaint}", past).get_data(as_text=True)
    assert "Rapat yang dijadwalkan tidak boleh di waktu yang sudah lewat" in page
    with app.app_context():
        assert db.session.query(Meeting).count() == 0


def test_the_minutes_record_who_attended(app, client, desk, people):
    complaint, _ = _record_past(app, client, desk, people)
    meeting_id = _meeting(app)
    with app.app_context():
        guests = {g.name: g.id for g in db.session.get(Meeting, meeting_id).guests}
    response = post_form(client, f"/meeting/minutes/{meeting_id}", {
        "findings": "Lampu mati karena kabel putus.",
        "recommendations": "Ganti kabel.",
        "present_officer": [str(people["came"])],
        "present_guest": [str(guests["Siti Aminah"])],
        "others-0-name": "Bu Kadus Rini", "others-0-role": "Warga RT 03",
        f"outcome-{complaint}-type": "administrative",
        f"outcome-{complaint}-text": "Kabel diganti",
        f"outcome-{complaint}-note": "Lampu sudah menyala lagi.",
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Berita acara tersimpan; 1 pengaduan" in page
    attended = re.search(r'<ul class="attended">(.*?)</ul>', page, re.S).group(1)
    absent = re.search(r'<ul class="absent">(.*?)</ul>', page, re.S).group(1)
    assert "Sutrisno" in attended and "Siti Aminah (Pengadu)" in attended
    assert "Bu Kadus Rini (Warga RT 03)" in attended
    assert "Nur Khasanah" in absent and "Pak RT 02 (Saksi)" in absent
    assert "Sutrisno" not in absent and "Nur Khasanah" not in attended
    with app.app_context():
        rows = dict(db.session.execute(
            db.select(meeting_officer.c.officer_id, meeting_officer.c.attended)
            .where(meeting_officer.c.meeting_id == meeting_id)).all())
        assert rows == {people["came"]: True, people["away"]: False}
        guests = {g.name: g.attended for g in db.session.get(Meeting, meeting_id).guests}
        assert guests == {"Siti Aminah": True, "Pak RT 02": False, "Bu Kadus Rini": True}

    pdf = client.get(f"/meeting/berita-acara/{meeting_id}")
    words = " ".join(" ".join(p.extract_text().split())
                     for p in PdfReader(io.BytesIO(pdf.data)).pages)
    table = words.split("Pengaduan yang dibahas")[0]
    assert "Sutrisno" in table and "Bu Kadus Rini" in table
    assert "Diundang, tidak hadir: Nur Khasanah" in words and "Pak RT 02 (Saksi)" in words
    listed = table.split("Diundang, tidak hadir")[0]
    assert "Nur Khasanah" not in listed and "Pak RT 02" not in listed

    # Opening the minutes again shows what was recorded, not everyone ticked.
    again = client.get(f"/meeting/minutes/{meeting_id}").get_data(as_text=True)
    assert re.search(rf'name="present_officer" value="{people["came"]}" checked', again)
    assert re.search(rf'name="present_officer" value="{people["away"]}">', again)


def test_only_invited_people_can_be_marked_present_and_nothing_is_saved(app, client, desk,
                                                                        people):
    _record_past(app, client, desk, people)
    meeting_id = _meeting(app)
    stranger = make_officer(app, name="Orang Lain", position="kaur")
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        user = app.appbuilder.sm.get_user_by_id(desk["user_id"])
        with pytest.raises(meetings.MeetingRefused) as refused:
            meetings.record_minutes(meeting, {"findings": "x", "recommendations": "y"}, {},
                                    user, {"officers": {stranger}, "guests": set()})
        assert refused.value.field == "attendance"
        db.session.remove()
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.status == "scheduled" and meeting.findings is None
        assert meetings.attendance(meeting)["recorded"] is False
        db.session.remove()
    # The form keeps what was typed and says why.
    page = post_form(client, f"/meeting/minutes/{meeting_id}", {
        "findings": "Temuan yang diketik", "recommendations": "Saran",
        "present_officer": [str(stranger)]}).get_data(as_text=True)
    assert "Hanya yang diundang ke rapat ini yang bisa ditandai hadir" in page
    assert "Temuan yang diketik" in page


def test_the_attendance_survives_a_downgrade_as_text(app, client, desk, people):
    from flask_migrate import downgrade, upgrade

    from tests.test_migrations import _before

    _record_past(app, client, desk, people)
    meeting_id = _meeting(app)
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        user = app.appbuilder.sm.get_user_by_id(desk["user_id"])
        guest = next(g.id for g in meeting.guests if g.name == "Siti Aminah")
        meetings.record_minutes(meeting, {"findings": "Kabel putus", "recommendations": "Ganti"},
                                {}, user, {"officers": {people["came"]}, "guests": {guest}})
        directory = str(Path(app.root_path) / "migrations")
        db.session.remove()
        try:
            downgrade(directory=directory, revision=_before(directory, "0023_meeting_attendance"))
            with db.engine.connect() as conn:
                findings = conn.execute(text("SELECT findings FROM meeting")).scalar()
                guests = conn.execute(text("SELECT count(*) FROM meeting_guest")).scalar()
            assert findings == ("Kabel putus\n\nKehadiran: hadir Sutrisno, Siti Aminah (Pengadu); "
                                "tidak hadir Nur Khasanah, Pak RT 02 (Saksi)")
            assert guests == 2
        finally:
            db.session.remove()
            upgrade(directory=directory)
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.findings.startswith("Kabel putus") and len(meeting.guests) == 2
        db.session.remove()


@pytest.mark.parametrize("query", ["_flt_1_starts_at=kemarin", "_flt_2_starts_at=2026-13-45",
                                   "_oc_MeetingModelView=agenda&_od_MeetingModelView=asc"])
def test_a_bad_filter_on_the_list_is_never_a_500(app, client, desk, query):
    response = client.get(f"/meeting/list/?{query}")
    assert response.status_code in (200, 302, 400), response.status_code
