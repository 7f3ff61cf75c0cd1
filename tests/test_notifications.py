"""Who is told what (SOP: the desk monitors, the Kepala Desa receives results), in the same
transaction as the step, and never against the identity rules."""

import datetime as dt

import pytest

from app.core.errors import ServiceError
from app.extensions import db
from app.models import Category, Complaint, Notification, Officer, OutboxMessage
from app.services import complaints as services, notifications
from tests.conftest import csrf_token, make_complaint, make_officer, make_user, post_form

PUBLIC_FORM = {
    "name": "Siti Aminah Rahayu", "address": "Jalan Kenanga 7, Babakan",
    "phone": "0812-3456-7890", "email": "siti.rahayu@surel-babakan.id", "kind": "pengaduan",
    "subject": "Jalan berlubang", "description": "Jalan di RT 02 berlubang besar sejak Oktober.",
    "dusun": "Dusun II", "rt_rw": "02/03", "incident_date": "2026-10-01",
}
OUTCOME_INTERNAL = "Sudah ditegur lisan oleh Pak Sutrisno di rumahnya"
PUBLIC_NOTE = "Jalan sudah ditambal oleh tim desa."


@pytest.fixture
def mail_on(app, monkeypatch):
    """A mail server is configured (nothing is sent here: the outbox only fills)."""
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")


def step(app, pk, name, user_id=None, as_resident=False, **fields):
    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(user_id) if user_id else None
        services.apply_step(db.session.get(Complaint, pk), name, fields, user,
                            as_resident=as_resident)
        db.session.remove()


def verify(app, pk, desk_id, **extra):
    with app.app_context():
        category = db.session.query(Category).first().id
    step(app, pk, "verify", desk_id, kind="pengaduan", category_id=category, urgency="normal",
         **extra)


def notices(app, **filters):
    """(user id or email, kind, text) of every notification, oldest first."""
    with app.app_context():
        rows = db.session.query(Notification).filter_by(**filters).order_by(Notification.id)
        return [(n.user_id or n.email, n.kind, n.text) for n in rows]


def outbox(app):
    with app.app_context():
        return [(m.channel, m.address, m.subject, m.body, m.urgent)
                for m in db.session.query(OutboxMessage).order_by(OutboxMessage.id)]


def test_forwarding_tells_the_officer_in_the_same_transaction(app, mail_on):
    desk = make_user(app, "desk", "Petugas Pengelola")
    kadus_user = make_user(app, "kadus", "Petugas Penghubung")
    kadus = make_officer(app, name="Sutrisno", user_id=kadus_user)
    pk = make_complaint(app, desk)
    verify(app, pk, desk)
    assert notices(app, user_id=kadus_user) == []
    step(app, pk, "forward", desk, officer_id=kadus)

    with app.app_context():
        number = db.session.get(Complaint, pk).register_number
    [(who, kind, text)] = notices(app, user_id=kadus_user)
    assert (who, kind) == (kadus_user, "assigned")
    assert text.startswith(f"Pengaduan {number} diteruskan kepada Anda")
    [(channel, address, subject, body, urgent)] = [m for m in outbox(app) if m[1] ==
                                                   "kadus@example.test"]
    assert (channel, urgent) == ("email", False)
    assert f"/complaint/show/{pk}" in body and f"Complaint {number} was forwarded" in body


def test_a_refused_step_writes_no_notification(app, mail_on):
    desk = make_user(app, "desk", "Petugas Pengelola")
    kadus_user = make_user(app, "kadus", "Petugas Penghubung")
    make_officer(app, name="Sutrisno", user_id=kadus_user)
    pk = make_complaint(app, desk)
    verify(app, pk, desk)
    before = len(notices(app)), len(outbox(app))
    with app.app_context(), pytest.raises(ServiceError):
        services.apply_step(db.session.get(Complaint, pk), "forward", {"officer_id": 999},
                            app.appbuilder.sm.get_user_by_id(desk))
    assert (len(notices(app)), len(outbox(app))) == before


def test_notices_go_with_a_transaction_that_is_rolled_back(app, mail_on):
    """Verify-and-forward with a refused forward: verify has already told the resident, in
    the same transaction, and both steps roll back with that notice and its email."""
    desk = make_user(app, "desk", "Petugas Pengelola")
    pk = make_complaint(app, desk, complainant_email="warga@example.test")
    with app.app_context():
        category = db.session.query(Category).first().id
        status = db.session.get(Complaint, pk).status
    before = len(notices(app)), len(outbox(app))
    with app.app_context(), pytest.raises(ServiceError):
        services.verify_and_forward(
            db.session.get(Complaint, pk),
            {"kind": "pengaduan", "category_id": category, "urgency": "normal"},
            {"officer_id": 999}, app.appbuilder.sm.get_user_by_id(desk))
    assert (len(notices(app)), len(outbox(app))) == before
    with app.app_context():
        assert db.session.get(Complaint, pk).status == status
    verify(app, pk, desk)  # alone, the verification does tell the resident
    assert [(who, kind) for who, kind, _text in notices(app)[before[0]:]] == [
        ("warga@example.test", "resident_status")]
    assert len(outbox(app)) == before[1] + 1


def test_a_website_or_api_complaint_tells_every_desk_user_but_a_desk_entry_does_not(app):
    desks = [make_user(app, name, "Petugas Pengelola") for name in ("meja1", "meja2")]
    head = make_user(app, "kades", "Kepala Desa")
    make_complaint(app, desks[0])  # entered by the desk itself
    assert notices(app, kind="new_complaint") == []

    response = app.test_client().post("/api/v1/public/complaints", json=PUBLIC_FORM,
                                      environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert response.status_code == 201, response.get_data(as_text=True)
    number = response.get_json()["register_number"]
    told = notices(app, kind="new_complaint")
    assert [who for who, _kind, _text in told] == desks
    assert all(text.startswith(f"Pengaduan baru {number}") for _who, _kind, text in told)
    assert notices(app, user_id=head) == []


def test_the_residents_completion_and_not_solved_answer_reach_the_desk(app):
    desk = make_user(app, "desk", "Petugas Pengelola")
    pk = make_complaint(app, desk, status="needs_completion")
    step(app, pk, "complete", as_resident=True, completion="Lokasi: depan mushola At-Taqwa")
    assert [kind for _who, kind, _t in notices(app, user_id=desk)] == ["completion"]

    informed = make_complaint(app, desk, status="informed")
    step(app, informed, "request_reopen", as_resident=True, comment="Masih rusak")
    assert [kind for _who, kind, _t in notices(app, user_id=desk)] == ["completion",
                                                                        "not_solved"]


def test_telling_more_people_costs_no_more_statements_than_their_notifications(app, mail_on):
    """A step that tells several people reads what they all need (channel choices, officer
    records) once and writes their emails in one INSERT: only the notifications themselves
    (one INSERT each: their emails need each one's id) grow with them."""
    from sqlalchemy import event

    desk = make_user(app, "desk", "Petugas Pengelola")

    def statements_of_completion():
        pk = make_complaint(app, desk, status="needs_completion")
        seen = []

        def capture(conn, cursor, statement, *args):
            seen.append(" ".join(statement.split()))

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", capture)
            try:
                step(app, pk, "complete", as_resident=True, completion="Lokasi: depan mushola")
            finally:
                event.remove(db.engine, "before_cursor_execute", capture)
        return [s for s in seen if not s.startswith("INSERT INTO notification ")]

    one = statements_of_completion()
    make_user(app, "desk2", "Petugas Pengelola")
    make_user(app, "desk3", "Petugas Pengelola")
    three = statements_of_completion()
    assert len(notices(app, kind="completion")) == 1 + 3
    assert len([m for m in outbox(app) if m[1].startswith("desk")]) == 1 + 3
    assert len(three) == len(one), "\n".join(three)


def test_a_complaint_about_an_officer_reaches_the_kepala_desa_at_once_but_never_that_officer(
        app, mail_on):
    desk = make_user(app, "desk", "Petugas Pengelola")
    head = make_user(app, "kades", "Kepala Desa")
    # The officer complained about works at the desk too: the desk sees everything, but
    # no notification about this complaint reaches them.
    named_user = make_user(app, "kaur", "Petugas Pengelola")
    named = make_officer(app, name="Bambang Kaur", position="kaur", user_id=named_user)
    pk = make_complaint(app, channel="website")  # as from the website: no staff user
    assert [kind for _w, kind, _t in notices(app, user_id=named_user)] == ["new_complaint"]
    verify(app, pk, desk, reported_officer_id=named, identity_level="confidential")

    [(_who, kind, text)] = notices(app, user_id=head)
    assert kind == "about_officer" and "tentang perangkat desa" in text
    assert [m[4] for m in outbox(app) if m[1] == "kades@example.test"] == [True]  # urgent
    assert [kind for _w, kind, _t in notices(app, user_id=named_user)] == ["new_complaint"]

    # The resident completes it: the desk is told, the named officer still not.
    with app.app_context():
        db.session.get(Complaint, pk).status = "needs_completion"
        db.session.commit()
    step(app, pk, "complete", as_resident=True, completion="Tanggal kejadian: 3 November")
    assert [kind for _w, kind, _t in notices(app, user_id=desk)] == ["new_complaint",
                                                                      "completion"]
    assert [kind for _w, kind, _t in notices(app, user_id=named_user)] == ["new_complaint"]


def test_a_staff_entry_that_is_about_an_officer_is_told_only_once_to_the_head(app):
    desk = make_user(app, "desk", "Petugas Pengelola")
    head = make_user(app, "kades", "Kepala Desa")
    named = make_officer(app, name="Bambang Kaur", position="kaur")
    pk = make_complaint(app, desk, urgency="urgent")
    assert [kind for _w, kind, _t in notices(app, user_id=head)] == ["urgent"]
    verify(app, pk, desk, reported_officer_id=named)
    assert [kind for _w, kind, _t in notices(app, user_id=head)] == ["urgent", "about_officer"]
    with app.app_context():
        db.session.get(Complaint, pk).status = "received"
        db.session.commit()
    verify(app, pk, desk, reported_officer_id=named)  # verified again: no second alert
    assert [kind for _w, kind, _t in notices(app, user_id=head)] == ["urgent", "about_officer"]


def test_the_verification_result_goes_to_the_head_or_the_secretary_the_step_names(app):
    desk = make_user(app, "desk", "Petugas Pengelola")
    head = make_user(app, "kades", "Kepala Desa")
    sekdes_user = make_user(app, "sekdes", "Petugas Penghubung")
    make_officer(app, name="Sekdes", position="sekretaris_desa", user_id=sekdes_user)
    kasi = make_officer(app, name="Nur Khasanah", position="kasi")
    first, second = make_complaint(app, desk), make_complaint(app, desk)
    for pk in (first, second):
        verify(app, pk, desk)
    step(app, first, "forward", desk, officer_id=kasi)
    step(app, second, "forward", desk, officer_id=kasi, reported_to="sekretaris_desa")
    assert [kind for _w, kind, _t in notices(app, user_id=head)] == ["verification_result"]
    # The Sekdes is told of the second; they are not its officer, so they cannot open it and
    # the rule that every recipient may open the complaint holds them back.
    assert notices(app, user_id=sekdes_user) == []


def test_the_secretary_who_may_open_it_is_told(app):
    desk = make_user(app, "desk", "Petugas Pengelola")
    sekdes_user = make_user(app, "sekdes", "Kepala Desa")  # reads the register as the head
    make_officer(app, name="Sekdes", position="sekretaris_desa", user_id=sekdes_user)
    kasi = make_officer(app, name="Nur Khasanah", position="kasi")
    pk = make_complaint(app, desk)
    verify(app, pk, desk)
    step(app, pk, "forward", desk, officer_id=kasi, reported_to="sekretaris_desa")
    assert [kind for _w, kind, _t in notices(app, user_id=sekdes_user)] == \
        ["verification_result"]


def test_reopening_tells_the_officer_again(app):
    desk = make_user(app, "desk", "Petugas Pengelola")
    kadus_user = make_user(app, "kadus", "Petugas Penghubung")
    kadus = make_officer(app, name="Sutrisno", user_id=kadus_user)
    pk = make_complaint(app, desk, status="reopen_requested", assigned_officer_id=kadus)
    step(app, pk, "reopen", desk, public_note="Ditinjau ulang.")
    assert [kind for _w, kind, _t in notices(app, user_id=kadus_user)] == ["reopened"]


def test_the_resident_gets_receipt_status_and_outcome_without_internal_notes_or_names(
        app, mail_on):
    desk = make_user(app, "desk", "Petugas Pengelola", first_name="Dwi", last_name="Lestari")
    kadus = make_officer(app, name="Sutrisno Wibowo")
    pk = make_complaint(app, desk, complainant_email="siti@example.test")
    verify(app, pk, desk, note="Catatan internal: cek ke rumah pengadu")
    step(app, pk, "forward", desk, officer_id=kadus, note="Mohon Pak Sutrisno Wibowo cek")
    step(app, pk, "note", desk, note="Internal: Sutrisno Wibowo sudah ke lokasi")
    step(app, pk, "resolve", desk, outcome_type="administrative", outcome_text=OUTCOME_INTERNAL,
         public_note=PUBLIC_NOTE)

    with app.app_context():
        code = db.session.get(Complaint, pk).tracking_code
    mails = [m for m in outbox(app) if m[1] == "siti@example.test"]
    subjects = [m[2] for m in mails]
    assert len(mails) == 4  # receipt, verified, forwarded, outcome (the note changes no status)
    assert subjects[0].startswith("Pengaduan diterima") and "hasil" in subjects[-1]
    assert all(code in m[3] for m in mails)
    assert PUBLIC_NOTE in mails[-1][3] and "Pelayanan diperbaiki" in mails[-1][3]
    for _channel, _address, subject, body, _urgent in mails:
        for secret in ("Sutrisno", "Dwi", "Lestari", "internal", "Internal", OUTCOME_INTERNAL):
            assert secret not in subject + body
    # The English text comes second.
    assert mails[0][3].index("Pengaduan Anda") < mails[0][3].index("Your complaint")


def test_no_email_address_or_no_mail_server_means_in_app_only(app, monkeypatch):
    desk = make_user(app, "desk", "Petugas Pengelola")
    kadus_user = make_user(app, "kadus", "Petugas Penghubung")
    kadus = make_officer(app, name="Sutrisno", user_id=kadus_user)
    pk = make_complaint(app, desk, complainant_email="siti@example.test")
    verify(app, pk, desk)
    step(app, pk, "forward", desk, officer_id=kadus)
    assert outbox(app) == []  # SMTP_HOST is empty in the tests
    assert [kind for _w, kind, _t in notices(app, user_id=kadus_user)] == ["assigned"]


def test_a_confidential_complaint_never_reaches_a_liaison(app):
    desk = make_user(app, "desk", "Petugas Pengelola")
    kadus_user = make_user(app, "kadus", "Petugas Penghubung")
    kadus = make_officer(app, name="Sutrisno", user_id=kadus_user)
    pk = make_complaint(app, desk, identity_level="confidential", assigned_officer_id=kadus)
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        user = app.appbuilder.sm.get_user_by_id(kadus_user)
        assert notifications.tell_staff(user, "assigned", complaint) is None
        assert notifications.staff_may_be_told(user, complaint) is False
        complaint.identity_level = "named"
        assert notifications.staff_may_be_told(user, complaint) is True
        db.session.rollback()


def test_texts_fit_a_phone_notification(app):
    desk = make_user(app, "desk", "Petugas Pengelola")
    pk = make_complaint(app, desk, subject="Lampu jalan mati di depan mushola")
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        user = app.appbuilder.sm.get_user_by_id(desk)
        for kind in notifications.TEXTS:
            text = notifications.render(kind, complaint, user,
                                        for_resident=kind.startswith("resident"))
            assert "{" not in text and len(text) < 300, (kind, text)


# --- The bell and "Tugas saya" -------------------------------------------------------------

def forwarded_to_kadus(app, client, login_as):
    """A complaint forwarded to the logged-in liaison's officer record; returns (pk, user)."""
    desk = make_user(app, "desk", "Petugas Pengelola")
    kadus_user = login_as("liaison", "kadus")
    kadus = make_officer(app, name="Sutrisno", user_id=kadus_user)
    pk = make_complaint(app, desk, subject="Lampu jalan mati")
    verify(app, pk, desk)
    step(app, pk, "forward", desk, officer_id=kadus)
    return pk, kadus_user


def test_the_bell_counts_unread_on_every_staff_page_and_reading_marks_read(
        app, client, login_as):
    pk, _kadus = forwarded_to_kadus(app, client, login_as)
    for path in ("/complaint/list/", f"/complaint/show/{pk}", "/users/userinfo/"):
        page = client.get(path)
        assert page.status_code == 200
        assert '<span class="badge bell-count">1</span>' in page.get_data(as_text=True), path

    tasks = client.get("/tasks/").get_data(as_text=True)
    assert "Tugas saya" in tasks and "diteruskan kepada Anda" in tasks
    with app.app_context():
        [notification_id] = [n.id for n in db.session.query(Notification)]
    opened = client.get(f"/tasks/open/{notification_id}")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(
        f"/complaint/show/{pk}")
    assert "bell-count" not in client.get("/complaint/list/").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Notification, notification_id).read_at is not None


def test_tasks_show_what_waits_what_is_due_today_and_what_is_overdue(app, client, login_as):
    from app.core.timeutil import today_wib
    from tests.conftest import set_fields

    pk, _kadus = forwarded_to_kadus(app, client, login_as)
    late = make_complaint(app, subject="Saluran tersumbat", status="forwarded")
    with app.app_context():
        officer = db.session.query(Officer).filter_by(name="Sutrisno").one().id
    set_fields(app, late, assigned_officer_id=officer, due_date=dt.date(2026, 1, 5))
    set_fields(app, pk, due_date=today_wib())
    page = client.get("/tasks/").get_data(as_text=True)
    overdue = page[page.index("Terlambat"):page.index("Jatuh tempo hari ini")]
    today = page[page.index("Jatuh tempo hari ini"):page.index("Menunggu saya")]
    assert "Saluran tersumbat" in overdue and "Lampu jalan mati" not in overdue
    assert "Lampu jalan mati" in today and "Saluran tersumbat" not in today


def test_nobody_opens_or_reads_another_users_notification(app, client, login_as):
    forwarded_to_kadus(app, client, login_as)
    with app.app_context():
        [notification_id] = [n.id for n in db.session.query(Notification)]
    other = app.test_client()
    make_user(app, "kades", "Kepala Desa")
    from tests.conftest import login
    login(other, "kades")
    assert other.get(f"/tasks/open/{notification_id}").status_code == 404
    assert "diteruskan kepada Anda" not in other.get("/tasks/").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Notification, notification_id).read_at is None


def test_mark_all_read_needs_the_form_token(app, client, login_as):
    forwarded_to_kadus(app, client, login_as)
    assert client.post("/tasks/read-all").status_code == 400  # no CSRF token
    response = post_form(client, "/tasks/", {}, follow=False)
    assert response.status_code == 405  # the page itself takes no POST
    token = csrf_token(client, "/tasks/")
    assert client.post("/tasks/read-all", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.query(Notification).filter(Notification.read_at.is_(None)).count() == 0


def test_channel_choices_are_saved_and_followed(app, client, login_as, mail_on, monkeypatch):
    desk = make_user(app, "desk", "Petugas Pengelola")
    kadus_user = login_as("liaison", "kadus")
    kadus = make_officer(app, name="Sutrisno", user_id=kadus_user)
    page = client.get("/tasks/settings").get_data(as_text=True)
    assert "Telegram" not in page  # no bot configured
    post_form(client, "/tasks/settings", {})  # email unticked
    pk = make_complaint(app, desk)
    verify(app, pk, desk)
    step(app, pk, "forward", desk, officer_id=kadus)
    assert [m for m in outbox(app) if m[1] == "kadus@example.test"] == []
    assert [kind for _w, kind, _t in notices(app, user_id=kadus_user)] == ["assigned"]

    monkeypatch.setitem(app.config, "TELEGRAM_BOT_TOKEN", "123:abc")
    refused = post_form(client, "/tasks/settings", {"telegram": "y", "telegram_chat_id": ""})
    assert "Isi ID chat Telegram Anda" in refused.get_data(as_text=True)
    post_form(client, "/tasks/settings", {"email": "y", "telegram": "y",
                                          "telegram_chat_id": "987654"})
    step(app, pk, "forward", desk, officer_id=kadus)
    assert sorted(m[:2] for m in outbox(app) if m[1] in ("kadus@example.test", "987654")) == \
        [("email", "kadus@example.test"), ("telegram", "987654")]


def test_only_the_admin_sees_the_outbox_and_resends_failed_messages(app, client, login_as,
                                                                     mail_on):
    from app.models.notifications import FAILED

    desk_client = app.test_client()
    make_user(app, "desk", "Petugas Pengelola")
    from tests.conftest import login
    login(desk_client, "desk")
    login_as("admin")
    pk = make_complaint(app, complainant_email="siti@example.test")
    with app.app_context():
        message = db.session.query(OutboxMessage).filter_by(address="siti@example.test").one()
        message.status, message.attempts, message.last_error = FAILED, 8, "server down"
        db.session.commit()
        message_id = message.id
    page = client.get("/outbox/?status=failed").get_data(as_text=True)
    assert "siti@example.test" in page and "server down" in page
    token = csrf_token(client, "/outbox/")
    desk_token = csrf_token(desk_client, "/tasks/")
    assert desk_client.post(f"/outbox/resend/{message_id}",
                            data={"csrf_token": desk_token}).status_code == 403
    with app.app_context():
        assert db.session.get(OutboxMessage, message_id).status == FAILED
    assert client.post(f"/outbox/resend/{message_id}",
                       data={"csrf_token": token}).status_code == 302
    with app.app_context():
        message = db.session.get(OutboxMessage, message_id)
        assert (message.status, message.attempts) == ("queued", 0)
    assert client.get("/outbox/?status=bogus").status_code == 400
    assert pk


def test_invited_officers_hear_of_a_meeting_and_of_its_cancellation(app):
    import datetime as _dt

    from app.core.timeutil import now_wib
    from app.models import Meeting
    from app.services import meetings

    desk = make_user(app, "desk", "Petugas Pengelola")
    kadus_user = make_user(app, "kadus", "Petugas Penghubung")
    kadus = make_officer(app, name="Sutrisno", user_id=kadus_user)
    without_login = make_officer(app, name="Nur Khasanah", position="kasi")
    pk = make_complaint(app, desk, subject="Rahasia: dugaan pungli")
    verify(app, pk, desk)
    starts = (now_wib() + _dt.timedelta(days=2)).replace(hour=9, minute=0, second=0)
    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(desk)
        meeting = meetings.schedule_meeting([pk], starts, None, "Balai Desa", "Pembahasan",
                                            [kadus, without_login], [], user)
        meeting_id = meeting.id
        db.session.remove()
    [(_who, kind, text)] = notices(app, user_id=kadus_user)
    assert kind == "meeting_scheduled" and "Balai Desa" in text and "09.00 WIB" in text
    assert "pungli" not in text  # nothing of the complaint itself
    with app.app_context():
        meetings.cancel_meeting(db.session.get(Meeting, meeting_id), "Kepala Desa berhalangan",
                                app.appbuilder.sm.get_user_by_id(desk))
        db.session.remove()
    assert [kind for _w, kind, _t in notices(app, user_id=kadus_user)] == [
        "meeting_scheduled", "meeting_cancelled"]
