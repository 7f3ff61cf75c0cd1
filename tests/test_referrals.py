"""Referral up and back (issue 25): the desk refers a complaint to the Camat of its kecamatan
or the Inspektorat of its kabupaten inside the system; it appears in their queue with its
files (and only theirs), they answer, the answer is on the village's timeline, the desk is
told, and the village's deadline moves by the working days it waited."""

import datetime as dt

import pytest
from sqlalchemy import select

from app.auth import security, villages
from app.core import workflow
from app.core.errors import ServiceError
from app.extensions import db
from app.models import Complaint, ComplaintEvent, Notification, Oversight, Referral
from app.models.villages import KABUPATEN, KECAMATAN
from app.services import complaints as services, referrals
from tests.conftest import csrf_token, login, make_complaint, make_user, post_form, set_fields
from tests.test_access import file_on
from tests.test_village_isolation import MARK, add_village, b_complaint, two_villages  # noqa: F401

WIB = dt.timezone(dt.timedelta(hours=7))
# Referred on Monday 8 June 2026, answered on Monday 15 June: five working days waited
# (9, 10, 11, 12 and 15 June; no holiday in between).
REFERRED_AT = dt.datetime(2026, 6, 8, 9, 0)
ANSWERED_AT = dt.datetime(2026, 6, 15, 10, 0)
DUE_BEFORE = dt.date(2026, 6, 19)   # a Friday
DUE_AFTER = dt.date(2026, 6, 26)    # five working days later: 22 to 26 June


def oversight_user(app, username, area, kecamatan="Karangpucung", kabupaten="Cilacap"):
    """A Camat (``area`` kecamatan) or the Inspektorat (kabupaten) login; the user's id."""
    role = security.CAMAT if area == KECAMATAN else security.INSPEKTORAT
    user_id = make_user(app, username, role)
    with app.app_context():
        db.session.add(Oversight(user_id=user_id, area=area, kabupaten=kabupaten,
                                 kecamatan=kecamatan if area == KECAMATAN else None))
        db.session.commit()
        db.session.remove()
    return user_id


def load(app, pk):
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        db.session.expunge(complaint)
        db.session.remove()
    return complaint


def referrals_of(app, pk):
    with app.app_context(), villages.every_village():
        rows = db.session.scalars(select(Referral).where(Referral.complaint_id == pk)).all()
        for row in rows:
            db.session.expunge(row)
        db.session.remove()
    return rows


@pytest.fixture
def at_times(monkeypatch):
    """The steps happen at the times given to ``now`` (WIB, naive as the register keeps them)."""
    clock = {"now": REFERRED_AT}
    monkeypatch.setattr(services, "now_wib", lambda: clock["now"])
    return clock


def refer_up(client, pk, area, note="Mohon arahan kecamatan"):
    return post_form(client, f"/complaint/step/{pk}/refer", {
        "refer_up": area, "office": "", "referral_note": note,
        "public_note": "Diteruskan ke kecamatan"})


def test_refer_up_the_queue_the_answer_and_the_deadline(app, client, at_times):
    desk = make_user(app, "petugas", security.DESK)
    oversight_user(app, "camat", KECAMATAN)
    pk = make_complaint(app, status="verified", subject="Jalan desa rusak berat")
    set_fields(app, pk, due_date=DUE_BEFORE)
    photo = file_on(app, pk)

    login(client, "petugas")
    page = client.get(f"/complaint/step/{pk}/refer").get_data(as_text=True)
    assert 'name="refer_up"' in page and 'value="kecamatan"' in page
    done = refer_up(client, pk, KECAMATAN)
    assert done.status_code == 200
    complaint = load(app, pk)
    assert complaint.status == workflow.REFERRED
    assert complaint.referred_to == "Camat Kecamatan Karangpucung"
    assert complaint.paused_since == REFERRED_AT.date() and complaint.closed_at is None
    [referral] = referrals_of(app, pk)
    assert (referral.area, referral.kecamatan, referral.kabupaten) == (
        KECAMATAN, "Karangpucung", "Cilacap")
    assert referral.referred_by_id == desk and referral.note == "Mohon arahan kecamatan"
    assert referral.answered_at is None
    client.get("/logout/")

    login(client, "camat")
    queue = client.get("/referral/")
    assert queue.status_code == 200
    assert "Jalan desa rusak berat" in queue.get_data(as_text=True)
    shown = client.get(f"/referral/{pk}")
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    assert "Mohon arahan kecamatan" in text and f"/attachment/{photo}" in text
    assert client.get(f"/attachment/{photo}").status_code == 200
    # Read-only: the register's pages stay closed to the Camat.
    assert client.get(f"/complaint/show/{pk}").status_code == 403
    at_times["now"] = ANSWERED_AT
    token = csrf_token(client, f"/referral/{pk}")
    answered = client.post(f"/referral/{pk}/answer", data={
        "csrf_token": token, "answer": "Kecamatan mengirim tim PU hari Rabu."})
    assert answered.status_code == 302
    # Answered once: the form is gone, a second answer is refused and changes nothing.
    again = client.post(f"/referral/{pk}/answer", data={"csrf_token": token, "answer": "Lagi"})
    assert again.status_code == 200 and "Lagi" not in [r.answer for r in referrals_of(app, pk)]
    client.get("/logout/")

    complaint = load(app, pk)
    assert complaint.status == workflow.FORWARDED
    assert complaint.paused_since is None and complaint.paused_days == 5
    assert complaint.due_date == DUE_AFTER
    [referral] = referrals_of(app, pk)
    assert referral.answer == "Kecamatan mengirim tim PU hari Rabu."
    assert referral.answered_at == ANSWERED_AT
    with app.app_context():
        event = db.session.scalars(select(ComplaintEvent).where(
            ComplaintEvent.complaint_id == pk, ComplaintEvent.step == "answer_referral")).one()
        assert (event.audience, event.is_public) == (workflow.STAFF, False)
        told = db.session.scalars(select(Notification).where(
            Notification.user_id == desk, Notification.complaint_id == pk,
            Notification.kind == "referral_answered")).all()
        assert len(told) == 1
        db.session.remove()

    login(client, "petugas")
    page = client.get(f"/complaint/show/{pk}")
    assert page.status_code == 200
    assert "Kecamatan mengirim tim PU hari Rabu." in page.get_data(as_text=True)
    # The desk resolves and then informs the resident with the existing steps.
    assert f"/complaint/step/{pk}/resolve" in page.get_data(as_text=True)


def test_an_outside_office_is_referred_to_as_before(app, client):
    make_user(app, "petugas", security.DESK)
    pk = make_complaint(app, status="verified")
    login(client, "petugas")
    post_form(client, f"/complaint/step/{pk}/refer", {
        "refer_up": "", "office": "Dinas PU Kabupaten Cilacap", "public_note": "Kewenangan dinas"})
    complaint = load(app, pk)
    assert (complaint.status, complaint.referred_to) == (workflow.REFERRED,
                                                         "Dinas PU Kabupaten Cilacap")
    assert complaint.closed_at is not None and complaint.paused_since is None
    assert referrals_of(app, pk) == []
    # Neither office nor a target: refused with the field's name, nothing changed.
    other = make_complaint(app, status="verified")
    answer = post_form(client, f"/complaint/step/{other}/refer", {"refer_up": "", "office": ""})
    assert answer.status_code == 200 and "Instansi" in answer.get_data(as_text=True)
    assert load(app, other).status == workflow.VERIFIED


def test_each_office_reads_only_what_was_referred_to_its_level_and_area(app, client):
    make_user(app, "petugas", security.DESK)
    oversight_user(app, "camat", KECAMATAN)
    oversight_user(app, "camat_lain", KECAMATAN, kecamatan="Majenang")
    oversight_user(app, "inspektorat", KABUPATEN)
    oversight_user(app, "inspektorat_lain", KABUPATEN, kabupaten="Banyumas")
    up = make_complaint(app, status="verified", subject="Untuk kecamatan")
    top = make_complaint(app, status="verified", subject="Untuk inspektorat")
    kept = make_complaint(app, status="verified", subject="Tidak dirujuk")
    photo = file_on(app, up)
    login(client, "petugas")
    refer_up(client, up, KECAMATAN)
    refer_up(client, top, KABUPATEN, note="Dugaan penyimpangan dana desa")
    client.get("/logout/")

    expected = {"camat": {up}, "camat_lain": set(), "inspektorat": {top},
                "inspektorat_lain": set()}
    subjects = {up: "Untuk kecamatan", top: "Untuk inspektorat", kept: "Tidak dirujuk"}
    for username, readable in expected.items():
        login(client, username)
        queue = client.get("/referral/").get_data(as_text=True)
        for pk, subject in subjects.items():
            assert (subject in queue) == (pk in readable), (username, subject)
            assert client.get(f"/referral/{pk}").status_code == (200 if pk in readable else 404)
        assert client.get(f"/attachment/{photo}").status_code == (
            200 if up in readable else 404), username
        if up not in readable:
            token = csrf_token(client, "/users/userinfo/")
            response = client.post(f"/referral/{up}/answer",
                                   data={"csrf_token": token, "answer": "Bukan urusan kami"})
            assert response.status_code == 404
        client.get("/logout/")
    assert [r.answer for r in referrals_of(app, up)] == [None]


@pytest.mark.parametrize("role", [security.DESK, security.LIAISON, security.HEAD])
def test_a_village_officer_cannot_answer(app, client, role):
    make_user(app, "petugas", security.DESK)
    pk = make_complaint(app, status="verified")
    login(client, "petugas")
    refer_up(client, pk, KECAMATAN)
    client.get("/logout/")
    if role != security.DESK:
        make_user(app, "orang_desa", role)
    login(client, "orang_desa" if role != security.DESK else "petugas")
    token = csrf_token(client, "/users/userinfo/")
    response = client.post(f"/referral/{pk}/answer",
                           data={"csrf_token": token, "answer": "Dijawab sendiri"})
    assert response.status_code == 403
    assert client.get(f"/complaint/step/{pk}/answer_referral").status_code in (403, 404)
    with app.test_request_context(), pytest.raises(ServiceError):
        user = app.appbuilder.sm.find_user(username="petugas")
        services.apply_step(db.session.get(Complaint, pk), "answer_referral",
                            {"answer": "Dijawab sendiri"}, user)
    assert load(app, pk).status == workflow.REFERRED
    assert [r.answer for r in referrals_of(app, pk)] == [None]


def test_the_answer_step_is_refused_to_an_office_it_was_not_referred_to(app):
    """The service refuses as the pages do: a Camat of another kecamatan, or a complaint
    referred to an office outside the system, has nothing to answer."""
    make_user(app, "petugas", security.DESK)
    other_camat = oversight_user(app, "camat_lain", KECAMATAN, kecamatan="Majenang")
    inspektorat = oversight_user(app, "inspektorat", KABUPATEN)
    pk = make_complaint(app, status="verified")
    with app.test_request_context():
        desk = app.appbuilder.sm.find_user(username="petugas")
        services.apply_step(db.session.get(Complaint, pk), "refer",
                            {"office": "Camat", "refer_up": KECAMATAN}, desk)
        for user_id in (other_camat, inspektorat):
            user = app.appbuilder.sm.get_user_by_id(user_id)
            with pytest.raises(ServiceError):
                referrals.answer(db.session.get(Complaint, pk), "Jawaban", user)
        db.session.remove()
    assert load(app, pk).status == workflow.REFERRED


def test_a_camat_reads_the_referrals_of_every_village_of_the_kecamatan_only(
        app, client, two_villages):  # noqa: F811
    """Village B (same kecamatan as A) refers up: the Camat of Karangpucung reads it and its
    village's name; the Camat of Majenang sees nothing of it."""
    oversight_user(app, "camat", KECAMATAN)
    oversight_user(app, "camat_lain", KECAMATAN, kecamatan="Majenang")
    login(client, "b_petugas")
    refer_up(client, two_villages["other"], KECAMATAN, note=f"Catatan {MARK}")
    client.get("/logout/")
    login(client, "camat")
    queue = client.get("/referral/").get_data(as_text=True)
    assert f"Sumur {MARK} kering 2" in queue
    assert client.get(f"/referral/{two_villages['other']}").status_code == 200
    assert client.get(f"/referral/{two_villages['mine']}").status_code == 404
    client.get("/logout/")
    login(client, "camat_lain")
    assert MARK not in client.get("/referral/").get_data(as_text=True)
    for name in ("other", "mine", "a_complaint"):
        assert client.get(f"/referral/{two_villages[name]}").status_code == 404
    assert client.get(f"/attachment/{two_villages['other_file']}").status_code == 404


def _waiting_on_tasks(client):
    """The register numbers under "Menunggu saya" of /tasks/ with the links they open."""
    page = client.get("/tasks/").get_data(as_text=True)
    waiting = page.split("fa-inbox", 1)[1].split('id="notifications"', 1)[0]
    return waiting


def test_the_office_referred_to_is_told_and_it_waits_for_them_not_for_the_desk(
        app, client, monkeypatch):
    from app.models import OutboxMessage

    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")  # emails are queued
    make_user(app, "petugas", security.DESK)
    camat = oversight_user(app, "camat", KECAMATAN)
    other_camat = oversight_user(app, "camat_lain", KECAMATAN, kecamatan="Majenang")
    inspektorat = oversight_user(app, "inspektorat", KABUPATEN)
    up = make_complaint(app, status="verified", subject="Jembatan putus")
    outside = make_complaint(app, status="verified", subject="Sengketa tanah")
    login(client, "petugas")
    refer_up(client, up, KECAMATAN)
    post_form(client, f"/complaint/step/{outside}/refer", {
        "refer_up": "", "office": "Pengadilan Negeri Cilacap", "public_note": ""})
    # Waiting for the Camat's answer: not the desk's move, unlike the one referred outside
    # (the desk informs the resident of that one).
    waiting = _waiting_on_tasks(client)
    assert "Sengketa tanah" in waiting and "Jembatan putus" not in waiting
    client.get("/logout/")

    with app.app_context(), villages.every_village():
        told = {(n.user_id, n.complaint_id): n for n in db.session.scalars(
            select(Notification).where(Notification.kind == "referred_up"))}
        assert set(told) == {(camat, up)}  # not the other kecamatan's, not the kabupaten's
        text = told[(camat, up)].text
        assert "Desa Babakan" in text or "Babakan" in text
        assert "Jembatan putus" in text and "merujuk" in text
        assert "Siti Aminah" not in text  # never the resident's identity
        mail = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.address == "camat@example.test")).one()
        assert f"https://pengaduan.example.test/referral/{up}" in mail.body
        notification_id = told[(camat, up)].id
        db.session.remove()
    assert other_camat and inspektorat

    login(client, "camat")
    waiting = _waiting_on_tasks(client)
    assert "Jembatan putus" in waiting and f'href="/referral/{up}"' in waiting
    assert "Sengketa tanah" not in waiting
    opened = client.get(f"/tasks/open/{notification_id}")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/referral/{up}")
    token = csrf_token(client, f"/referral/{up}")
    client.post(f"/referral/{up}/answer", data={"csrf_token": token,
                                                "answer": "Tim kecamatan datang Senin."})
    assert "Jembatan putus" not in _waiting_on_tasks(client)  # answered: nothing waits
    client.get("/logout/")
