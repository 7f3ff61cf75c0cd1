"""The resident completes a complaint the desk asked them to complete, from the status page or
the public API: the complaint goes back to the desk and its clock resumes (issue 10)."""

import datetime as dt

from app.core.timeutil import now_wib
from app.extensions import db
from app.models import Complaint
from app.services import complaints as services
from tests.conftest import CSRF_RE, make_complaint, make_user
from tests.test_feedback import LAST4, look_up

MISSING = "Mohon sebutkan RT/RW lokasi lampu yang mati."


def waiting_for_completion(app, days_ago=7):
    """A complaint the desk asked to complete ``days_ago`` days ago; its id and code."""
    desk_id = make_user(app, "meja", "Petugas Pengelola")
    pk = make_complaint(app)
    with app.test_request_context():
        desk = app.appbuilder.sm.get_user_by_id(desk_id)
        complaint = db.session.get(Complaint, pk)
        services.apply_step(complaint, "request_completion", {"missing": MISSING}, desk,
                            at=now_wib() - dt.timedelta(days=days_ago))
        code = complaint.tracking_code
        db.session.remove()
    return pk, code


def complaint(app, pk):
    with app.app_context():
        row = db.session.get(Complaint, pk)
        db.session.expunge(row)
        return row


def test_the_resident_completes_on_the_status_page_and_the_clock_resumes(app, client):
    pk, code = waiting_for_completion(app)
    before = complaint(app, pk)
    page = look_up(client, code).get_data(as_text=True)
    assert "Mohon lengkapi pengaduan Anda" in page and MISSING in page
    token = CSRF_RE.findall(page)[-1]
    response = client.post("/status/lengkapi", data={
        "completion": "Lampu di RT 02/RW 03, depan mushola.", "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "sedang ditangani kembali" in page
    assert "Mohon lengkapi pengaduan Anda" not in page  # nothing more is asked
    after = complaint(app, pk)
    assert after.status == "received"
    assert after.due_date > before.due_date  # the working days waited are added
    assert after.paused_since is None and after.paused_days >= 4
    with app.app_context():
        event = db.session.get(Complaint, pk).events[-1]
        assert (event.step, event.actor_id, event.is_public) == ("complete", None, False)
        assert event.note == "Lampu di RT 02/RW 03, depan mushola."
    assert "depan mushola" not in page  # what the resident wrote stays internal


def test_an_empty_completion_is_refused_and_nothing_changes(app, client):
    pk, code = waiting_for_completion(app)
    token = CSRF_RE.findall(look_up(client, code).get_data(as_text=True))[-1]
    response = client.post("/status/lengkapi", data={"completion": "  ", "csrf_token": token})
    assert response.status_code == 400
    assert "Tuliskan yang diminta petugas pengaduan." in response.get_data(as_text=True)
    assert complaint(app, pk).status == "needs_completion"


def test_no_completion_form_when_nothing_is_asked_and_a_post_is_refused(app, client):
    pk = make_complaint(app)
    with app.app_context():
        code = db.session.get(Complaint, pk).tracking_code
    page = look_up(client, code).get_data(as_text=True)
    assert "Mohon lengkapi pengaduan Anda" not in page
    token = CSRF_RE.search(client.get("/lapor").get_data(as_text=True)).group(1)
    response = client.post("/status/lengkapi", data={"completion": "Tambahan", "csrf_token": token})
    assert response.status_code == 409
    assert complaint(app, pk).status == "received"


def test_a_completion_without_looking_the_complaint_up_first_is_refused(app, client):
    pk, _code = waiting_for_completion(app)
    token = CSRF_RE.search(client.get("/status").get_data(as_text=True)).group(1)
    response = client.post("/status/lengkapi", data={"completion": "Tambahan",
                                                     "csrf_token": token})
    assert response.status_code == 400
    assert "kode pelacakan" in response.get_data(as_text=True)
    assert complaint(app, pk).status == "needs_completion"


def test_completion_through_the_public_api(app, client):
    pk, code = waiting_for_completion(app)
    answer = client.post("/api/v1/public/status", json={"tracking_code": code,
                                                        "phone_last4": LAST4}).get_json()
    assert answer["completion_asked"] is True and answer["public_note"] == MISSING
    bad = client.post("/api/v1/public/completion", json={"tracking_code": code,
                                                         "phone_last4": LAST4})
    assert bad.status_code == 400 and "completion" in bad.get_json()["message"]
    wrong = client.post("/api/v1/public/completion", json={
        "tracking_code": code, "phone_last4": "0000", "completion": "Tambahan"})
    assert wrong.status_code == 404
    assert complaint(app, pk).status == "needs_completion"
    done = client.post("/api/v1/public/completion", json={
        "tracking_code": code, "phone_last4": LAST4, "completion": "RT 02/RW 03"})
    assert done.status_code == 200
    assert done.get_json()["status"] == "received" and done.get_json()["completion_asked"] is False
    again = client.post("/api/v1/public/completion", json={
        "tracking_code": code, "phone_last4": LAST4, "completion": "Lagi"})
    assert again.status_code == 409
