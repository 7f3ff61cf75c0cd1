"""The resident's feedback after being informed, reopen requests, and their counts."""

import datetime as dt
import itertools
import re

import pytest

from app.core.timeutil import now_wib, today_wib
from app.extensions import db
from app.models import Complaint
from app.services import complaints as services, feedback
from tests.conftest import CSRF_RE, login, make_complaint, make_officer, make_user, post_form
from tests.test_steps import api_login

LAST4 = "7890"
_desk_numbers = itertools.count(1)


def informed(app, told_at=None, **fields):
    """A complaint resolved and told to the resident at ``told_at`` (default now); its id and
    tracking code. The desk takes the steps through the service, backdated."""
    desk_id = make_user(app, f"informer{next(_desk_numbers)}", "Petugas Pengelola")
    officer = make_officer(app, name="Kadus Satu")
    pk = make_complaint(app, status="resolved", assigned_officer_id=officer, **fields)
    with app.test_request_context():
        desk = app.appbuilder.sm.get_user_by_id(desk_id)
        complaint = db.session.get(Complaint, pk)
        services.apply_step(complaint, "inform", {"channel": "whatsapp", "message": "Selesai"},
                            desk, at=told_at or now_wib())
        code = complaint.tracking_code
        db.session.remove()
    return pk, code


def status_of(app, pk):
    with app.app_context():
        return db.session.get(Complaint, pk).status


def look_up(client, code):
    token = CSRF_RE.search(client.get("/status").get_data(as_text=True)).group(1)
    return client.post("/status", data={"tracking_code": code, "phone_last4": LAST4,
                                        "csrf_token": token})


def answer_on_the_page(client, code, **answer):
    page = look_up(client, code).get_data(as_text=True)
    tokens = CSRF_RE.findall(page)
    assert tokens, "no feedback form on the status page"
    return client.post("/status/tanggapan", data={**answer, "csrf_token": tokens[-1]})


def test_the_window_is_ten_working_days_after_being_informed_holidays_excluded(app):
    # Informed on Monday 16 March 2026; Nyepi, Idul Fitri and its cuti bersama (19-24 March)
    # and Good Friday (3 April) do not count: the tenth working day is Monday 6 April.
    pk, _code = informed(app, told_at=dt.datetime(2026, 3, 16, 10, 0))
    with app.test_request_context():
        complaint = db.session.get(Complaint, pk)
        assert feedback.window_end(complaint) == dt.date(2026, 4, 6)
        assert feedback.prompt_applies(complaint, today=dt.date(2026, 4, 6))
        assert not feedback.prompt_applies(complaint, today=dt.date(2026, 4, 7))
        with pytest.raises(services.ServiceError) as late:
            feedback.submit_feedback(complaint, False, "Belum beres", at=dt.datetime(2026, 4, 7, 8))
        assert late.value.code == 409
        assert "Waktu untuk menjawab sudah lewat" in str(late.value)
        assert complaint.status == "informed"
        feedback.submit_feedback(complaint, False, "Belum beres", at=dt.datetime(2026, 4, 6, 16))
        assert db.session.get(Complaint, pk).status == "reopen_requested"


def test_no_on_the_status_page_becomes_a_reopen_request_the_desk_answers(app, client):
    pk, code = informed(app)
    page = look_up(client, code).get_data(as_text=True)
    # Asked once: the heading is the question, the radios are named by it.
    assert page.count("Apakah masalahnya sudah selesai?") == 1
    assert re.search(r'<h2 id="solved-question">Apakah masalahnya sudah selesai\?</h2>', page)
    assert 'role="radiogroup" aria-labelledby="solved-question"' in page
    # Each radio inside its own label, beside its text.
    assert re.search(r'<label class="choice"><input[^>]*type="radio"[^>]*value="yes"[^>]*> '
                     r'Ya, sudah selesai</label>', page)

    empty = client.post("/status/tanggapan", data={
        "comment": "Lampu mati lagi", "csrf_token": CSRF_RE.findall(page)[-1]})
    assert empty.status_code == 400
    text = empty.get_data(as_text=True)
    assert "Pilih ya atau tidak." in text and "Lampu mati lagi" in text  # typed text kept

    response = answer_on_the_page(client, code, solved="no", comment="Lampu mati lagi")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "jawaban Anda sudah dicatat" in text
    assert "Anda menyatakan belum selesai; menunggu keputusan petugas" in text
    assert "Apakah masalahnya sudah selesai?" not in text
    assert status_of(app, pk) == "reopen_requested"

    desk = app.test_client()
    make_user(app, "petugas", "Petugas Pengelola")
    login(desk, "petugas")
    show = desk.get(f"/complaint/show/{pk}").get_data(as_text=True)
    assert "Lampu mati lagi" in show  # the resident's comment, for the desk
    assert f"/complaint/step/{pk}/reopen" in show and f"/complaint/step/{pk}/keep_closed" in show
    refused = post_form(desk, f"/complaint/step/{pk}/keep_closed", {"reason": ""})
    assert "Wajib diisi." in refused.get_data(as_text=True)
    post_form(desk, f"/complaint/step/{pk}/keep_closed",
              {"reason": "Lampu sudah diganti baru dan menyala saat dicek."})
    assert status_of(app, pk) == "informed"

    again = look_up(client, code).get_data(as_text=True)
    assert "Lampu sudah diganti baru dan menyala saat dicek." in again
    assert "Tidak ditangani lagi (lihat alasannya)" in again
    assert "Apakah masalahnya sudah selesai?" not in again  # one answer per closure


def test_the_prompt_shows_only_when_it_applies(app, client):
    _pk, resolved_code = informed(app)
    with app.app_context():  # a second one, resolved but not yet informed
        pk = make_complaint(app, status="resolved")
        not_told = db.session.get(Complaint, pk).tracking_code
    _late, late_code = informed(app, told_at=now_wib() - dt.timedelta(days=30))
    assert "Apakah masalahnya sudah selesai?" in look_up(client, resolved_code).get_data(as_text=True)
    assert "Apakah masalahnya sudah selesai?" not in look_up(client, not_told).get_data(as_text=True)
    assert "Apakah masalahnya sudah selesai?" not in look_up(client, late_code).get_data(as_text=True)


def test_feedback_through_the_public_api(app, client):
    pk, code = informed(app)
    status = client.post("/api/v1/public/status",
                         json={"tracking_code": code, "phone_last4": LAST4}).get_json()
    assert status["feedback_asked"] is True and status["feedback_until"]

    wrong = client.post("/api/v1/public/feedback",
                        json={"tracking_code": code, "phone_last4": "0000", "solved": "yes"})
    assert wrong.status_code == 404
    bad = client.post("/api/v1/public/feedback",
                      json={"tracking_code": code, "phone_last4": LAST4, "solved": "mungkin"})
    assert bad.status_code == 400 and bad.get_json()["message"]["solved"] == ["Pilih ya atau tidak."]

    done = client.post("/api/v1/public/feedback", json={
        "tracking_code": code, "phone_last4": LAST4, "solved": True, "comment": "Terima kasih"})
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert body["status"] == "informed" and body["feedback_asked"] is False
    assert body["timeline"][-1]["step"] == "confirm_solved"
    assert "Terima kasih" not in str(body)  # the comment is for the desk, not the public page
    twice = client.post("/api/v1/public/feedback",
                        json={"tracking_code": code, "phone_last4": LAST4, "solved": "no"})
    assert twice.status_code == 409 and "sudah dicatat" in twice.get_json()["message"]
    assert status_of(app, pk) == "informed"

    _late, late_code = informed(app, told_at=now_wib() - dt.timedelta(days=30))
    late = client.post("/api/v1/public/feedback",
                       json={"tracking_code": late_code, "phone_last4": LAST4, "solved": "no"})
    assert late.status_code == 409 and "sudah lewat" in late.get_json()["message"]


def test_the_desk_reopens_through_the_api_with_a_new_deadline(app, client):
    pk, code = informed(app)
    client.post("/api/v1/public/feedback",
                json={"tracking_code": code, "phone_last4": LAST4, "solved": "no"})
    make_user(app, "kadus", "Petugas Penghubung")
    assert client.post(f"/api/v1/complaint/{pk}/steps/reopen", json={"public_note": "x"},
                       headers=api_login(client, "kadus")).status_code in (403, 404)
    make_user(app, "desk", "Petugas Pengelola")
    response = client.post(f"/api/v1/complaint/{pk}/steps/reopen",
                           json={"public_note": "Petugas akan mengecek ulang lokasi."},
                           headers=api_login(client, "desk"))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "forwarded"
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        assert complaint.due_date > now_wib().date() and complaint.closed_at is None
    status = client.post("/api/v1/public/status",
                         json={"tracking_code": code, "phone_last4": LAST4}).get_json()
    assert status["status"] == "forwarded"
    assert (status["due_date_moves"][-1]["kind"], status["due_date_moves"][-1]["days"]) == (
        "reopened", 14)
    assert status["timeline"][-1]["note"] == "Petugas akan mengecek ulang lokasi."


def test_satisfaction_and_reopen_counts_on_the_home_page(app, client):
    from app.reporting.figures import feedback_summary

    for solved in ("yes", "yes", "yes", "no"):
        _pk, code = informed(app)
        client.post("/api/v1/public/feedback",
                    json={"tracking_code": code, "phone_last4": LAST4, "solved": solved})
    with app.test_request_context():
        head_id = make_user(app, "kades", "Kepala Desa")
        head = app.appbuilder.sm.get_user_by_id(head_id)
        today = today_wib()
        summary = feedback_summary(head, today - dt.timedelta(days=1), today)
        assert (summary["solved"], summary["not_solved"], summary["satisfied_percent"],
                summary["pending"]) == (3, 1, 75, 1)
        assert feedback_summary(head, today - dt.timedelta(days=9), today - dt.timedelta(days=2))[
            "solved"] == 0
    login(client, "kades")
    home = client.get("/").get_data(as_text=True)
    assert "Tanggapan pelapor" in home and "75%" in home
    liaison = app.test_client()
    make_user(app, "kadus", "Petugas Penghubung")
    login(liaison, "kadus")
    assert "Tanggapan pelapor" not in liaison.get("/").get_data(as_text=True)


# --- reopening: the one rule for giving a complaint to an officer -----------------------------

def reopen_requested(app, **fields):
    """A complaint informed and then answered "not solved"; its id and the desk user's id."""
    pk, _code = informed(app, **fields)
    with app.test_request_context():
        feedback.submit_feedback(db.session.get(Complaint, pk), solved=False, comment="Belum")
        db.session.remove()
    return pk, make_user(app, f"meja{next(_desk_numbers)}", "Petugas Pengelola")


def reopen(app, pk, desk_id, at=None, **fields):
    """Take the reopen step as the desk (at ``at``); the refusal's (code, text), or None."""
    with app.test_request_context():
        complaint = db.session.get(Complaint, pk)
        try:
            services.apply_step(complaint, "reopen", {"public_note": "Ditinjau ulang", **fields},
                                app.appbuilder.sm.get_user_by_id(desk_id), at=at)
        except services.ServiceError as exc:
            return exc.code, str(exc)
        finally:
            db.session.remove()
    return None


def handling(app, pk):
    with app.app_context():
        c = db.session.get(Complaint, pk)
        return c.status, c.assigned_officer_id, c.followup_due


def test_reopen_never_gives_a_confidential_complaint_to_an_officer(app):
    # Raised to confidential after it was forwarded: Kadus Satu is still assigned.
    pk, desk_id = reopen_requested(app, identity_level="confidential")
    other = make_officer(app, name="Kasi Lain")
    code, text = reopen(app, pk, desk_id, officer_id=other)
    assert code == 400 and "Pengaduan rahasia hanya ditangani" in text
    assert handling(app, pk)[:2] == ("reopen_requested", db_officer(app, "Kadus Satu"))

    assert reopen(app, pk, desk_id) is None
    # Back with the desk, as before its first resolution: verified, no officer, no first
    # follow-up to wait for; a new resolution deadline all the same.
    assert handling(app, pk) == ("verified", None, None)
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        assert complaint.due_date is not None and complaint.closed_at is None


def db_officer(app, name):
    from app.models import Officer

    with app.app_context():
        return db.session.query(Officer.id).filter_by(name=name).scalar()


def test_reopen_refuses_the_officer_complained_about_and_an_inactive_one(app):
    from app.models import Officer

    reported = make_officer(app, name="Kaur Umum", position="kaur")
    pk, desk_id = reopen_requested(app, reported_officer_id=reported)
    code, text = reopen(app, pk, desk_id, officer_id=reported)
    assert code == 400 and "pihak yang diadukan" in text
    gone = make_officer(app, name="Mantan Kadus")
    with app.app_context():
        db.session.get(Officer, gone).active = False
        db.session.commit()
    code, text = reopen(app, pk, desk_id, officer_id=gone)
    assert code == 400 and "petugas yang aktif" in text
    # The same officer as before, who has left meanwhile: the desk must choose another.
    with app.app_context():
        db.session.get(Officer, db_officer(app, "Kadus Satu")).active = False
        db.session.commit()
    code, text = reopen(app, pk, desk_id)
    assert code == 400 and "petugas yang aktif" in text
    assert handling(app, pk)[0] == "reopen_requested"
    successor = make_officer(app, name="Kadus Baru")
    assert reopen(app, pk, desk_id, officer_id=successor) is None
    status, officer, followup = handling(app, pk)
    assert (status, officer) == ("forwarded", successor) and followup is not None


def test_the_reopen_form_offers_only_officers_the_complaint_may_go_to(app, client):
    reported = make_officer(app, name="Kaur Umum", position="kaur")
    pk, _desk = reopen_requested(app, reported_officer_id=reported)
    make_officer(app, name="Kasi Pelayanan", position="kasi")
    make_user(app, "meja", "Petugas Pengelola")
    login(client, "meja")
    form = client.get(f"/complaint/step/{pk}/reopen").get_data(as_text=True)
    assert "Kasi Pelayanan" in form and "Kaur Umum" not in form
    secret, _desk = reopen_requested(app, identity_level="confidential")
    form = client.get(f"/complaint/step/{secret}/reopen").get_data(as_text=True)
    assert "Kasi Pelayanan" not in form and "Kadus Satu" not in form


@pytest.mark.parametrize("case, expected", [
    ("active", None),
    ("inactive", "Pilih petugas yang aktif"),
    ("missing", "Pilih petugas yang aktif"),
    ("reported", "pihak yang diadukan"),
    ("confidential", "Pengaduan rahasia"),
])
def test_the_assignment_rule_itself(app, case, expected):
    from app.models import Officer

    officer_id = make_officer(app, name="Kasi Pem", position="kasi")
    pk = make_complaint(app, status="verified",
                        reported_officer_id=officer_id if case == "reported" else None,
                        identity_level="confidential" if case == "confidential" else "named")
    with app.test_request_context():
        officer = db.session.get(Officer, officer_id)
        officer.active = case != "inactive"
        refusal = services.assignment_refusal(db.session.get(Complaint, pk),
                                              None if case == "missing" else officer)
        db.session.rollback()
    if expected is None:
        assert refusal is None
    else:
        assert expected in refusal


def test_reopening_sets_new_deadlines_from_the_day_it_is_reopened(app):
    pk, desk_id = reopen_requested(app)
    assert reopen(app, pk, desk_id, at=dt.datetime(2026, 12, 21, 10)) is None
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        # Counted by hand from Monday 21 December 2026 (24 and 25 are holidays): first
        # follow-up 5 working days: 22 (1), 23 (2), 28 (3), 29 (4), 30 December (5);
        # resolution 14: 31 Dec (6), 1 Jan (7; 2027's holidays are not in the table),
        # 4-8 Jan (12), 11 (13), 12 January 2027 (14).
        assert complaint.followup_due == dt.date(2026, 12, 30)
        assert complaint.due_date == dt.date(2027, 1, 12)
