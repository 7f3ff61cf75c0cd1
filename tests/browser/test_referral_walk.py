"""Referral up and back, walked in Chromium (issue 25): the desk refers a complaint to the
Camat of its kecamatan, the Camat logs in, opens the queue and the complaint and answers, and
the desk reads the answer on the complaint's timeline, the complaint back in its hands."""

from app.extensions import db
from app.models import Oversight
from app.models.villages import KECAMATAN
from tests.browser.conftest import click_and_wait, shot, ui_login
from tests.conftest import PASSWORD, make_complaint, make_user

ANSWER = "Kecamatan menjadwalkan perbaikan jembatan bersama Dinas PU pada hari Senin."


def test_the_desk_refers_up_the_camat_answers_the_desk_reads_it(app, live_server, new_page):
    make_user(app, "petugas", "Petugas Pengelola", first_name="Dwi")
    camat = make_user(app, "camat", "Camat", first_name="Camat")
    with app.app_context():
        db.session.add(Oversight(user_id=camat, area=KECAMATAN, kabupaten="Cilacap",
                                 kecamatan="Karangpucung"))
        db.session.commit()
        db.session.remove()
    pk = make_complaint(app, status="verified", subject="Jembatan antar desa putus",
                        description="Jembatan penghubung Babakan dan desa tetangga putus.")

    desk = new_page()
    ui_login(desk, live_server, "petugas", PASSWORD)
    desk.goto(f"{live_server}/complaint/show/{pk}")
    click_and_wait(desk, "a.step-refer")
    desk.select_option("#refer_up", "kecamatan")
    desk.fill("#referral_note", "Jembatan milik kabupaten, mohon koordinasi kecamatan.")
    desk.fill("#public_note", "Pengaduan dirujuk ke Camat Karangpucung.")
    click_and_wait(desk, "form button[type=submit]")
    assert "Dilimpahkan" in desk.inner_text(".status")
    assert "menunggu jawaban instansi di atasnya" in desk.inner_text("body")

    office = new_page()
    ui_login(office, live_server, "camat", PASSWORD)
    office.goto(f"{live_server}/referral/")
    assert "Jembatan antar desa putus" in office.inner_text("table.referral-queue")
    click_and_wait(office, f"table.referral-queue a[href$='/referral/{pk}']")
    assert "mohon koordinasi kecamatan" in office.inner_text(".referral-note")
    office.fill("#answer", ANSWER)
    click_and_wait(office, "form.answer-form button[type=submit]")
    assert ANSWER in office.inner_text(".referral-answer")
    assert office.locator("form.answer-form").count() == 0
    shot(office, "referral-answered")

    desk.goto(f"{live_server}/complaint/show/{pk}")
    assert ANSWER in desk.inner_text("ul.timeline")
    assert "Jawaban instansi di atasnya" in desk.inner_text("ul.timeline")
    assert "Diteruskan" in desk.inner_text(".status")
    assert desk.locator("a.step-resolve").count() == 1
    shot(desk, "referral-back-on-the-timeline")
