"""The demo data a newcomer loads tells a true story: the SOP's steps in order, meetings with
minutes for what they decided, and logins that work."""

import io

from app.core import workflow
from app.core.timeutil import now_wib
from app.demo import DEMO_PASSWORD, load_demo
from app.extensions import db
from app.models import Complaint, ComplaintEvent, Meeting
from app.models.meetings import HELD, SCHEDULED
from tests.conftest import login


def test_demo_complaints_walk_the_sop_and_their_meetings_hold_together(app, ctx):
    summary = load_demo(count=80, seed=7)
    complaints = db.session.query(Complaint).all()
    assert len(complaints) == 81  # and the one whose complainant asks to reopen it
    assert "81 pengaduan" in summary
    assert [c.status for c in complaints].count(workflow.REOPEN_REQUESTED) == 1
    statuses = {c.status for c in complaints}
    assert {workflow.INFORMED, workflow.FORWARDED, workflow.VERIFIED} <= statuses

    for complaint in complaints:
        events = sorted(complaint.events, key=lambda e: e.id)
        assert [e.occurred_at for e in events] == sorted(e.occurred_at for e in events)
        moves = [e.to_status for e in events if e.to_status]
        assert moves[-1] == complaint.status

    meetings = db.session.query(Meeting).all()
    assert any(m.status == HELD for m in meetings), "meetings decided some complaints"
    now = now_wib()
    for meeting in meetings:
        assert meeting.complaints
        if meeting.status == HELD:
            assert meeting.starts_at < now and meeting.findings and meeting.recommendations
            for complaint in meeting.complaints:
                resolved = [e for e in complaint.events if e.step == "resolve"]
                assert resolved and resolved[0].occurred_at >= meeting.starts_at
        else:
            assert meeting.status == SCHEDULED and meeting.starts_at > now
            assert {c.status for c in meeting.complaints} == {workflow.IN_REVIEW}
    scheduled = db.session.query(ComplaintEvent).filter_by(step="schedule_meeting").count()
    assert scheduled == sum(len(m.complaints) for m in meetings)

    # Each message to a resident is the template of the result, filled in for that complaint.
    informs = db.session.query(ComplaintEvent).filter_by(step="inform").all()
    assert informs
    for event in informs:
        complaint = event.complaint
        assert event.note.startswith(f"Yth. Bapak/Ibu {complaint.complainant_name},"), event.note
        assert complaint.register_number in event.note and "{" not in event.note


def test_demo_logins_work_with_the_documented_password(app, client):
    with app.app_context():
        load_demo(count=5, seed=1)
    login(client, "petugas", DEMO_PASSWORD)
    page = client.get("/complaint/list/?state=all").get_data(as_text=True)  # closed ones too
    with app.app_context():
        numbers = [n for (n,) in db.session.query(Complaint.register_number)]
    assert len(numbers) == 6 and all(n.replace("/", "/<wbr>") in page for n in numbers)


def test_demo_register_numbers_follow_the_dates_they_were_received(app, ctx):
    load_demo(count=40, seed=3)
    rows = db.session.query(Complaint.received_at, Complaint.register_number).all()
    by_year = {}
    for received, number in sorted(rows):
        by_year.setdefault(received.year, []).append(int(number.split("/")[0]))
    for numbers in by_year.values():
        assert numbers == list(range(1, len(numbers) + 1))


def test_demo_has_every_identity_level_and_no_confidential_complaint_is_forwarded(app, ctx):
    load_demo(count=120, seed=11)
    levels = {}
    for level, status in db.session.query(Complaint.identity_level, Complaint.status):
        levels.setdefault(level, set()).add(status)
    assert {"named", "masked", "anonymous"} <= set(levels)
    assert levels.get("confidential", set()) <= {"received", "verified", "rejected", "informed"}


def test_demo_has_a_few_drawn_photos_stored_and_readable(app, ctx):
    from PIL import Image

    from app.models import Attachment
    from app.services import evidence

    summary = load_demo(count=80, seed=7)
    rows = db.session.query(Attachment).all()
    assert 1 <= len({row.complaint_id for row in rows}) <= 6
    assert "foto" in summary
    for row in rows:
        assert row.kind == "image" and row.original_name.endswith(".jpg")
        image = Image.open(io.BytesIO(evidence.content(row)))
        assert image.size == (1200, 900)
    after = [row for row in rows if row.original_name.startswith("sesudah-")]
    assert all(row.is_public for row in after)
