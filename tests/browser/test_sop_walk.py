"""The SOP walked in a real browser: desk on a desktop, Kepala Dusun on a phone."""

import io

from pypdf import PdfReader

from app.extensions import db
from app.models import Complaint
from tests.browser.conftest import click_and_wait, no_horizontal_scroll, shot, ui_login
from tests.conftest import PASSWORD, make_officer, make_user


def test_desk_registers_verifies_forwards_and_kadus_follows_up_on_a_phone(
        app, live_server, new_page):
    desk_id = make_user(app, "petugas", "Petugas Pengelola", first_name="Dwi", last_name="Lestari")
    make_officer(app, name="Dwi Lestari", position="petugas_pengelola", user_id=desk_id)
    kadus_id = make_user(app, "kadus1", "Petugas Penghubung", first_name="Sutrisno")
    make_officer(app, name="Sutrisno", position="kepala_dusun", user_id=kadus_id)

    desk = new_page()
    ui_login(desk, live_server, "petugas", PASSWORD)
    desk.goto(f"{live_server}/complaint/add")
    assert "Catat pengaduan" in desk.content()
    desk.fill("#complainant_name", "Siti Aminah")
    desk.fill("#complainant_address", "RT 02/RW 03")
    desk.fill("#complainant_phone", "0812 3456 7890")
    desk.fill("#subject", "Lampu jalan mati")
    desk.fill("#description", "Lampu jalan di depan mushola mati sejak seminggu.")
    click_and_wait(desk, "button[type=submit], input[type=submit]")
    assert "Lampu jalan mati" in desk.content()
    with app.app_context():
        number = db.session.query(Complaint.register_number).scalar()
    assert number in desk.content()
    shot(desk, "01-complaint-registered")

    with desk.expect_download() as download:
        desk.click("text=Tanda terima (PDF)")
    pdf = download.value.path().read_bytes()
    assert number in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)

    click_and_wait(desk, "a.step-verify")
    desk.select_option("#category_id", label="Infrastruktur dan lingkungan")
    desk.select_option("#urgency", value="high")
    click_and_wait(desk, "button[type=submit]")
    assert "Terverifikasi" in desk.content()
    click_and_wait(desk, "a.step-forward")
    desk.select_option("#officer_id", label="Sutrisno (Kepala Dusun)")
    click_and_wait(desk, "button[type=submit]")
    assert "Diteruskan" in desk.content()

    kadus = new_page(phone=True)
    ui_login(kadus, live_server, "kadus1", PASSWORD)
    kadus.goto(f"{live_server}/complaint/list/")
    assert number in kadus.content()
    assert no_horizontal_scroll(kadus)
    shot(kadus, "02-kadus-list-phone")
    kadus.goto(f"{live_server}/complaint/show/1")
    assert no_horizontal_scroll(kadus)
    click_and_wait(kadus, "a.step-note")
    kadus.fill("#note", "Sudah dicek ke lokasi, lampu dipesan.")
    kadus.check("#is_public")
    assert no_horizontal_scroll(kadus)
    click_and_wait(kadus, "button[type=submit]")
    assert "Sudah dicek ke lokasi" in kadus.content()
    shot(kadus, "03-complaint-timeline-phone")
