"""The whole SOP walked in a real browser: the desk on a desktop, the Kepala Dusun and the
resident on a phone, the Kepala Desa at the end."""

import datetime as dt
import io
import re

from pypdf import PdfReader

from app.core.timeutil import now_wib
from app.extensions import db
from app.models import Complaint, Meeting
from tests.browser.conftest import click_and_wait, no_horizontal_scroll, shot, ui_login
from tests.conftest import PASSWORD, make_officer, make_user


def test_the_whole_sop_from_walk_in_to_the_resident_and_the_village_head(
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
    assert number in kadus.inner_text("body")
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

    # The desk schedules a review meeting for the complaint (SOP point 5).
    desk.goto(f"{live_server}/complaint/show/1")
    click_and_wait(desk, "a.step-schedule_meeting")
    tomorrow = (now_wib() + dt.timedelta(days=1)).date()
    desk.fill("#date", tomorrow.isoformat())
    desk.fill("#start_time", "09:00")
    desk.fill("#place", "Balai Desa Babakan")
    desk.fill("#agenda", "Pembahasan lampu jalan mati")
    click_and_wait(desk, "button[type=submit]")
    assert "Rapat pembahasan dijadwalkan" in desk.content()
    shot(desk, "05-meeting-scheduled")

    # The meeting takes place (time passes), then the desk records the minutes with an outcome.
    with app.app_context():
        meeting = db.session.query(Meeting).one()
        meeting.starts_at = now_wib() - dt.timedelta(hours=2)
        meeting.ends_at = None
        db.session.commit()
        meeting_id = meeting.id
        db.session.remove()
    desk.goto(f"{live_server}/meeting/minutes/{meeting_id}")
    desk.fill("#findings", "Data pengadu lengkap dan benar.")
    desk.fill("#recommendations", "Ganti lampu dan buat jadwal pemeliharaan bulanan.")
    desk.select_option("#outcome-1-type", value="corrective")
    desk.fill("#outcome-1-text", "Lampu diganti oleh Kasi Pembangunan.")
    desk.fill("#outcome-1-note", "Lampu sudah menyala kembali.")
    click_and_wait(desk, "button[type=submit]")
    assert "1 pengaduan diselesaikan" in desk.content()

    # The desk informs the resident (SOP point 7) and records that the letter was handed over.
    desk.goto(f"{live_server}/complaint/show/1")
    assert "Selesai" in desk.content()
    click_and_wait(desk, "a.step-inform")
    click_and_wait(desk, "button[value=letter]")
    assert "Diinformasikan" in desk.content()
    shot(desk, "06-complaint-informed")

    # The resident checks the status on a phone with the code from the receipt.
    with app.app_context():
        code = db.session.query(Complaint.tracking_code).scalar()
    resident = new_page(phone=True)
    resident.goto(f"{live_server}/status")
    resident.fill("#tracking_code", code)
    resident.fill("#phone_last4", "7890")
    click_and_wait(resident, "button[type=submit]")
    summary = resident.inner_text(".summary")
    assert "Selesai, hasilnya sudah disampaikan kepada Anda" in summary
    assert "Lampu sudah menyala kembali." in resident.content()
    assert "Siti Aminah" not in resident.content()
    assert no_horizontal_scroll(resident)
    shot(resident, "07-public-status-informed-phone")

    # The Kepala Desa sees it on the dashboard: received and resolved this month, on time.
    make_user(app, "kades", "Kepala Desa", first_name="Sidik")
    head = new_page()
    ui_login(head, live_server, "kades", PASSWORD)
    head.goto(f"{live_server}/dashboard/")
    figures = {box.get_attribute("id"): box.inner_text().split("\n")[0]
               for box in head.locator(".figure-box").all()}
    assert (figures["figure-received"], figures["figure-resolved"], figures["figure-open"]) == \
        ("1", "1", "0")
    assert figures["figure-on_time"].startswith("100")
    for image in head.locator(".chart img").all():  # every chart drawn (a PNG came back)
        image.scroll_into_view_if_needed()
        assert image.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    shot(head, "08-dashboard")
    head.goto(f"{live_server}/complaint/list/")
    # The register opens on what is still to do; the informed complaint is behind "Ditutup".
    assert number not in head.inner_text("body")
    click_and_wait(head, "nav.register-states >> text=Ditutup")
    assert number in head.inner_text("body")
    assert re.search(r"Diinformasikan", head.content())
