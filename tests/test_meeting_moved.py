"""A review meeting moved to a new date or place: the invited officers are told, the
complaints' timelines say so, and a bad move changes nothing and keeps what was typed."""

import datetime as dt

import pytest

from app.core.timeutil import now_wib
from app.extensions import db
from app.models import ComplaintEvent, Meeting, Notification, OutboxMessage
from tests.conftest import csrf_token, login, make_officer, make_user, post_form
from tests.test_meetings import desk, schedule, the_meeting, two_complaints  # noqa: F401

IN_TWO_DAYS = (now_wib() + dt.timedelta(days=2)).date()


@pytest.fixture
def invited(app, desk):  # noqa: F811
    """A meeting for two complaints with a Kadus who has a login (and email) and a Kasi who
    has none; (meeting id, the Kadus's user id, the complaints' ids)."""
    kadus_user = make_user(app, "kadus", "Petugas Penghubung")
    kadus = make_officer(app, name="Sutrisno", user_id=kadus_user)
    kasi = make_officer(app, name="Nur Khasanah", position="kasi")
    return kadus_user, kadus, kasi


def _notices(app, user_id):
    with app.app_context():
        return [(n.kind, n.text) for n in db.session.query(Notification)
                .filter_by(user_id=user_id).order_by(Notification.id)]


def _move(client, meeting_id, **fields):
    data = {"date": IN_TWO_DAYS.isoformat(), "start_time": "13:30", "end_time": "15:00",
            "place": "Aula Kecamatan Karangpucung", **fields}
    return post_form(client, f"/meeting/move/{meeting_id}", data)


def test_moving_a_meeting_tells_the_invited_officers_and_notes_the_timelines(
        app, client, desk, invited, monkeypatch):  # noqa: F811
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    kadus_user, kadus, kasi = invited
    first, second = two_complaints(app, desk["user_id"])
    schedule(app, client, [first, second], officer_ids=[str(kadus), str(kasi)])
    meeting_id = the_meeting(app)
    page = client.get(f"/meeting/show/{meeting_id}").get_data(as_text=True)
    assert f"/meeting/move/{meeting_id}" in page and "Pindahkan rapat" in page
    form = client.get(f"/meeting/move/{meeting_id}").get_data(as_text=True)
    assert 'value="09:00"' in form and 'value="Balai Desa Babakan"' in form  # prefilled
    done = _move(client, meeting_id).get_data(as_text=True)
    assert "Rapat dipindahkan ke" in done
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert (meeting.starts_at, meeting.ends_at, meeting.place, meeting.status) == (
            dt.datetime.combine(IN_TWO_DAYS, dt.time(13, 30)),
            dt.datetime.combine(IN_TWO_DAYS, dt.time(15, 0)),
            "Aula Kecamatan Karangpucung", "scheduled")
        notes = [e.note for e in db.session.query(ComplaintEvent).filter_by(step="note")
                 .order_by(ComplaintEvent.id)]
        mails = [(m.address, m.subject) for m in db.session.query(OutboxMessage)
                 .filter(OutboxMessage.address == "kadus@example.test")]
    kinds = [kind for kind, _ in _notices(app, kadus_user)]
    assert kinds == ["meeting_scheduled", "meeting_moved"]
    moved = _notices(app, kadus_user)[1][1]
    assert "09.00 WIB" in moved and "13.30 WIB" in moved and "Aula Kecamatan" in moved
    assert "Lampu" not in moved and "BLT" not in moved  # nothing of the complaints
    assert len(notes) == 2 and all("dipindahkan" in n and "13.30" in n for n in notes)
    assert len(mails) == 2 and "dipindahkan" in mails[1][1]
    # The calendar file follows the new time.
    assert f"DTSTART:{IN_TWO_DAYS:%Y%m%d}T063000Z" in \
        client.get(f"/meeting/ics/{meeting_id}").get_data(as_text=True)


@pytest.mark.parametrize("fields, message", [
    ({"date": "2020-01-06"}, "tidak boleh di waktu yang sudah lewat"),
    ({"end_time": "12:00"}, "Waktu selesai harus setelah waktu mulai"),
    ({"date": None, "start_time": "09:00", "end_time": "11:00", "place": "Balai Desa Babakan"},
     "Berikan tanggal, jam, atau tempat baru"),
])
def test_a_bad_move_changes_nothing_and_keeps_what_was_typed(  # noqa: F811
        app, client, desk, invited, fields, message):
    from tests.test_meetings import TOMORROW
    kadus_user, kadus, _ = invited
    first, second = two_complaints(app, desk["user_id"])
    schedule(app, client, [first, second], officer_ids=[str(kadus)])
    meeting_id = the_meeting(app)
    if fields.get("date", "") is None:
        fields = {**fields, "date": TOMORROW.isoformat()}
    page = _move(client, meeting_id, **fields).get_data(as_text=True)
    assert message in page
    assert f'value="{fields.get("place", "Aula Kecamatan Karangpucung")}"' in page
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert (meeting.starts_at.time(), meeting.place) == (dt.time(9, 0), "Balai Desa Babakan")
        assert db.session.query(ComplaintEvent).filter_by(step="note").count() == 0
    assert [kind for kind, _ in _notices(app, kadus_user)] == ["meeting_scheduled"]


def test_a_cancelled_meeting_cannot_be_moved(app, client, desk, invited):  # noqa: F811
    from app.services import meetings
    kadus_user, kadus, _ = invited
    first, second = two_complaints(app, desk["user_id"])
    schedule(app, client, [first, second], officer_ids=[str(kadus)])
    meeting_id = the_meeting(app)
    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(desk["user_id"])
        meeting = db.session.get(Meeting, meeting_id)
        meetings.cancel_meeting(meeting, "Kepala Desa berhalangan", user)
        with pytest.raises(meetings.MeetingRefused, match="Hanya rapat yang masih terjadwal"):
            meetings.move_meeting(meeting, now_wib() + dt.timedelta(days=3), None,
                                  "Balai Desa", user)
        db.session.remove()
    page = client.get(f"/meeting/move/{meeting_id}", follow_redirects=True)
    assert "Hanya rapat yang masih terjadwal yang dapat dipindahkan" in page.get_data(as_text=True)
    assert "/meeting/move/" not in client.get(f"/meeting/show/{meeting_id}").get_data(
        as_text=True)
    assert [kind for kind, _ in _notices(app, kadus_user)] == [
        "meeting_scheduled", "meeting_cancelled"]


@pytest.mark.parametrize("role", ["Petugas Penghubung", "Kepala Desa"])
def test_only_the_desk_moves_a_meeting(app, client, desk, invited, role):  # noqa: F811
    first, second = two_complaints(app, desk["user_id"])
    schedule(app, client, [first, second])
    meeting_id = the_meeting(app)
    client.get("/logout/")
    make_user(app, "lain", role)
    login(client, "lain")
    assert client.get(f"/meeting/move/{meeting_id}").status_code == 403
    token = csrf_token(client, "/users/userinfo/")
    assert client.post(f"/meeting/move/{meeting_id}", data={
        "csrf_token": token, "date": IN_TWO_DAYS.isoformat(), "start_time": "13:30",
        "place": "Aula"}).status_code == 403
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).place == "Balai Desa Babakan"
