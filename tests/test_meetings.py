"""Review meetings (SOP D.4-5): schedule, minutes with outcomes, berita acara, calendar."""

import datetime as dt
import io
import json
import re

import pytest
from pypdf import PdfReader

from app.core.timeutil import date_id, now_wib
from app.extensions import db
from app.models import Complaint, ComplaintEvent, Meeting
from app.services import meetings
from tests.conftest import csrf_token, make_complaint, make_officer, make_user, post_form

TOMORROW = (now_wib() + dt.timedelta(days=1)).date()


def schedule_form(**changes):
    data = {
        "date": TOMORROW.isoformat(),
        "start_time": "09:00",
        "end_time": "11:00",
        "place": "Balai Desa Babakan",
        "agenda": "Klarifikasi pengaduan lampu jalan dan bantuan sosial",
        "guests-0-name": "Siti Aminah",
        "guests-0-role": "Pengadu",
        "guests-1-name": "Pak RT 02",
        "guests-1-role": "Saksi",
    }
    data.update(changes)
    return data


@pytest.fixture
def desk(app, login_as):
    """A desk officer with a login and an officer row (Dwi Lestari, petugas pengelola)."""
    user_id = login_as("desk")
    officer_id = make_officer(app, name="Dwi Lestari", position="petugas_pengelola",
                              user_id=user_id)
    return {"user_id": user_id, "officer_id": officer_id}


def advance(app, user_id, complaint_id, to="verified"):
    """Take the SOP's steps (as the desk) until the complaint is verified or forwarded."""
    from app.models import Category, Officer
    from app.services import complaints as services

    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(user_id)
        complaint = db.session.get(Complaint, complaint_id)
        category = db.session.query(Category).first()
        services.apply_step(complaint, "verify", {"kind": "pengaduan", "category_id": category.id,
                                                  "urgency": "normal"}, user)
        if to == "forwarded":
            officer = Officer(name="Nur Khasanah", position="kasi", active=True)
            db.session.add(officer)
            db.session.commit()
            services.apply_step(complaint, "forward", {"officer_id": officer.id}, user)
        db.session.remove()
    return complaint_id


def two_complaints(app, user_id):
    """One verified complaint (with an email address) and one forwarded one."""
    first = make_complaint(app, subject="Lampu jalan mati", complainant_email="siti@example.test")
    second = make_complaint(app, subject="Nama tidak masuk daftar BLT",
                            complainant_name="Budi Santoso", complainant_phone="+6285712345678")
    return advance(app, user_id, first), advance(app, user_id, second, "forwarded")


def schedule(app, client, ids, **changes):
    path = "/meeting/schedule?ids=" + ",".join(str(i) for i in ids)
    data = schedule_form(**{"complaint_ids": [str(i) for i in ids], **changes})
    return post_form(client, path, data)


def the_meeting(app):
    """The id of the last meeting scheduled."""
    with app.app_context():
        return db.session.query(Meeting.id).order_by(Meeting.id.desc()).first()[0]


def took_place(app, meeting_id, hours_ago=2):
    """Let time pass: the meeting started ``hours_ago`` hours ago."""
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        meeting.starts_at = now_wib() - dt.timedelta(hours=hours_ago)
        meeting.ends_at = None
        db.session.commit()
        db.session.remove()


def statuses(app, *ids):
    with app.app_context():
        return [db.session.get(Complaint, i).status for i in ids]


def test_desk_schedules_one_meeting_for_two_complaints(app, client, desk):
    first, second = two_complaints(app, desk["user_id"])
    kadus = make_officer(app, name="Sutrisno")
    response = schedule(app, client, [first, second], officer_ids=[str(kadus)])
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Rapat pembahasan dijadwalkan" in page
    assert "Balai Desa Babakan" in page and "Siti Aminah (Pengadu)" in page
    assert "Sutrisno" in page
    assert statuses(app, first, second) == ["in_review", "in_review"]
    with app.app_context():
        meeting = db.session.query(Meeting).one()
        assert meeting.starts_at == dt.datetime.combine(TOMORROW, dt.time(9))
        assert meeting.ends_at == dt.datetime.combine(TOMORROW, dt.time(11))
        assert [c.id for c in meeting.complaints] == [first, second]
        assert [(g.name, g.role) for g in meeting.guests] == [("Siti Aminah", "Pengadu"),
                                                              ("Pak RT 02", "Saksi")]
        event = db.session.query(ComplaintEvent).filter_by(
            complaint_id=first, step="schedule_meeting").one()
        assert json.loads(event.data) == {"meeting_id": meeting.id}
        assert date_id(TOMORROW, with_day=True) in event.note


def test_schedule_page_lists_the_chosen_complaints_checked(app, client, desk):
    first, second = two_complaints(app, desk["user_id"])
    page = client.get(f"/meeting/schedule?ids={first},{second}").get_data(as_text=True)
    assert page.count("checked") == 2
    assert "Lampu jalan mati" in page and "Nama tidak masuk daftar BLT" in page


@pytest.mark.parametrize("changes, message", [
    ({"date": (now_wib() - dt.timedelta(days=1)).date().isoformat()},
     "Rapat yang dijadwalkan tidak boleh di waktu yang sudah lewat."),
    ({"end_time": "08:00"}, "Waktu selesai harus setelah waktu mulai."),
    ({"date": "besok"}, "Masukkan tanggal yang benar."),
    ({"place": ""}, "Wajib diisi."),
    ({"start_time": "jam sembilan"}, "Masukkan jam yang benar, misalnya 09:00."),
    ({"guests-2-name": "Tanpa Peran"}, "Isi nama dan peran pihak yang diundang."),
    ({"complaint_ids": []}, "Pilih sedikitnya satu pengaduan."),
])
def test_bad_schedule_is_refused_at_the_field_and_saves_nothing(app, client, desk, changes,
                                                                message):
    first, second = two_complaints(app, desk["user_id"])
    response = schedule(app, client, [first, second], **changes)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert "Klarifikasi pengaduan lampu jalan" in page  # what was typed stays
    assert statuses(app, first, second) == ["verified", "forwarded"]
    with app.app_context():
        assert db.session.query(Meeting).count() == 0


def test_one_complaint_that_cannot_move_saves_nothing_and_is_named(app, client, desk):
    first, _ = two_complaints(app, desk["user_id"])
    fresh = make_complaint(app, subject="Belum diverifikasi")  # still "received"
    response = schedule(app, client, [first, fresh])
    page = response.get_data(as_text=True)
    with app.app_context():
        number = db.session.get(Complaint, fresh).register_number
    assert f"{number}: Langkah" in page
    assert statuses(app, first, fresh) == ["verified", "received"]
    with app.app_context():
        assert db.session.query(Meeting).count() == 0
        assert db.session.query(ComplaintEvent).filter_by(step="schedule_meeting").count() == 0


def minutes_form(first, second, **changes):
    data = {
        "findings": "Data pengadu lengkap dan benar; lokasi sudah dicek.",
        "root_cause": "Jadwal pemeliharaan lampu tidak ada.",
        "recommendations": "Buat jadwal pemeliharaan bulanan.",
        "decided_steps": "Kaur Umum mengganti lampu minggu ini.",
        f"outcome-{first}-type": "corrective",
        f"outcome-{first}-text": "Lampu diganti dan jadwal pemeliharaan dibuat.",
        f"outcome-{first}-note": "Lampu sudah menyala kembali.",
        f"outcome-{second}-type": "administrative",
        f"outcome-{second}-text": "Data penerima diperbaiki bersama Kasi Kesra.",
        f"outcome-{second}-note": "Nama Bapak masuk daftar penerima bulan depan.",
    }
    data.update(changes)
    return data


def test_minutes_resolve_both_complaints_and_the_berita_acara_reads_back(app, client, desk):
    first, second = two_complaints(app, desk["user_id"])
    make_officer(app, name="Sidik Noer Amin", position="kepala_desa")
    schedule(app, client, [first, second], officer_ids=[str(desk["officer_id"])])
    meeting_id = the_meeting(app)
    took_place(app, meeting_id)
    response = post_form(client, f"/meeting/minutes/{meeting_id}", minutes_form(first, second))
    page = response.get_data(as_text=True)
    assert "Berita acara tersimpan; 2 pengaduan diselesaikan." in page
    assert statuses(app, first, second) == ["resolved", "resolved"]
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.status == "held"
        assert meeting.recommendations == "Buat jadwal pemeliharaan bulanan."
        c1 = db.session.get(Complaint, first)
        assert (c1.outcome_type, c1.public_note) == ("corrective", "Lampu sudah menyala kembali.")
        starts = meeting.starts_at

    pdf = client.get(f"/meeting/berita-acara/{meeting_id}")
    assert pdf.status_code == 200
    assert pdf.headers["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    text = " ".join(text.split())
    assert "BERITA ACARA RAPAT PEMBAHASAN PENGADUAN" in text
    assert "PEMERINTAH DESA BABAKAN" in text
    assert date_id(starts, with_day=True) in text  # e.g. "Senin, 23 November 2026"
    assert "Balai Desa Babakan" in text
    assert "Siti Aminah" in text and "Pengadu" in text and "Dwi Lestari" in text
    with app.app_context():
        for pk in (first, second):
            assert db.session.get(Complaint, pk).register_number in text
    assert "Lampu jalan mati" in text and "Nama tidak masuk daftar BLT" in text
    assert "Buat jadwal pemeliharaan bulanan." in text
    assert "Data pengadu lengkap dan benar" in text
    assert "Tindakan korektif" in text and "Penyelesaian administratif" in text
    assert "Petugas Pengelola Pengaduan" in text and "Kepala Desa Babakan" in text
    assert "Sidik Noer Amin" in text


def test_berita_acara_falls_back_to_the_configured_village_head(app, client, desk):
    first, second = two_complaints(app, desk["user_id"])
    schedule(app, client, [first, second])
    meeting_id = the_meeting(app)
    took_place(app, meeting_id)
    post_form(client, f"/meeting/minutes/{meeting_id}", minutes_form(first, second))
    pdf = client.get(f"/meeting/berita-acara/{meeting_id}")
    text = " ".join(PdfReader(io.BytesIO(pdf.data)).pages[-1].extract_text().split())
    assert app.config["VILLAGE"]["head_name"] in text


def test_no_berita_acara_before_the_minutes(app, client, desk):
    first, second = two_complaints(app, desk["user_id"])
    schedule(app, client, [first, second])
    response = client.get(f"/meeting/berita-acara/{the_meeting(app)}", follow_redirects=True)
    assert "Berita acara rapat ini belum dicatat." in response.get_data(as_text=True)


def test_an_outcome_left_half_empty_saves_nothing_and_names_the_complaint(app, client, desk):
    first, second = two_complaints(app, desk["user_id"])
    schedule(app, client, [first, second])
    meeting_id = the_meeting(app)
    took_place(app, meeting_id)
    response = post_form(client, f"/meeting/minutes/{meeting_id}",
                         minutes_form(first, second, **{f"outcome-{second}-note": ""}))
    page = response.get_data(as_text=True)
    with app.app_context():
        number = db.session.get(Complaint, second).register_number
        assert db.session.get(Meeting, meeting_id).status == "scheduled"
    assert f"{number}: Mohon isi: Catatan untuk publik." in page
    assert "Data penerima diperbaiki bersama Kasi Kesra." in page  # typed text kept
    assert statuses(app, first, second) == ["in_review", "in_review"]


def test_an_outcome_for_a_complaint_not_in_the_meeting_is_refused(app, client, desk):
    first, second = two_complaints(app, desk["user_id"])
    stranger = advance(app, desk["user_id"], make_complaint(app, subject="Bukan agenda"))
    schedule(app, client, [stranger])
    schedule(app, client, [first, second])
    meeting_id = the_meeting(app)
    took_place(app, meeting_id)
    data = minutes_form(first, second, **{
        f"outcome-{stranger}-type": "policy", f"outcome-{stranger}-text": "x",
        f"outcome-{stranger}-note": "y"})
    page = post_form(client, f"/meeting/minutes/{meeting_id}", data).get_data(as_text=True)
    assert "tidak dibahas dalam rapat ini" in page
    assert statuses(app, first, second, stranger) == ["in_review", "in_review", "in_review"]


def cancel(client, meeting_id, reason):
    """Press "Cancel meeting" on the meeting's page."""
    token = csrf_token(client, f"/meeting/show/{meeting_id}")
    return client.post(f"/meeting/cancel/{meeting_id}",
                       data={"reason": reason, "csrf_token": token}, follow_redirects=True)


def test_minutes_are_refused_for_a_cancelled_meeting(app, client, desk):
    first, second = two_complaints(app, desk["user_id"])
    schedule(app, client, [first, second])
    meeting_id = the_meeting(app)
    response = cancel(client, meeting_id, "Kepala Desa dinas luar")
    assert "Rapat dibatalkan." in response.get_data(as_text=True)
    took_place(app, meeting_id)
    refused = client.get(f"/meeting/minutes/{meeting_id}", follow_redirects=True)
    assert "Rapat ini dibatalkan" in refused.get_data(as_text=True)
    token = csrf_token(client, "/resetmypassword/form")  # the minutes form is not offered
    data = minutes_form(first, second, csrf_token=token)
    page = client.post(f"/meeting/minutes/{meeting_id}", data=data).get_data(as_text=True)
    assert "Rapat ini dibatalkan" in page
    assert statuses(app, first, second) == ["in_review", "in_review"]
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).status == "cancelled"
        notes = [e.note for e in db.session.query(ComplaintEvent).filter_by(
            complaint_id=first, step="note")]
        assert len(notes) == 1 and "Kepala Desa dinas luar" in notes[0]


def test_after_a_cancelled_meeting_the_complaints_get_a_new_meeting(app, client, desk):
    first, second = two_complaints(app, desk["user_id"])
    schedule(app, client, [first, second])
    cancelled = the_meeting(app)
    cancel(client, cancelled, "Hujan deras")
    page = schedule(app, client, [first, second],
                    date=(TOMORROW + dt.timedelta(days=2)).isoformat()).get_data(as_text=True)
    assert "Rapat pembahasan dijadwalkan" in page
    new = the_meeting(app)
    assert new != cancelled
    assert statuses(app, first, second) == ["in_review", "in_review"]
    with app.app_context():
        assert [c.id for c in db.session.get(Meeting, new).complaints] == [first, second]
        notes = [e.note for e in db.session.query(ComplaintEvent).filter_by(
            complaint_id=first, step="note")]
        assert len(notes) == 2 and "Balai Desa Babakan" in notes[1]


def test_minutes_wait_until_the_meeting_has_started(app, client, desk):
    first, second = two_complaints(app, desk["user_id"])
    schedule(app, client, [first, second])
    meeting_id = the_meeting(app)
    refused = client.get(f"/meeting/minutes/{meeting_id}", follow_redirects=True)
    assert "Rapat ini belum dimulai" in refused.get_data(as_text=True)


def test_cancelling_needs_a_reason(app, client, desk):
    first, second = two_complaints(app, desk["user_id"])
    schedule(app, client, [first, second])
    meeting_id = the_meeting(app)
    page = cancel(client, meeting_id, " ").get_data(as_text=True)
    assert "Sebutkan alasan rapat dibatalkan." in page
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).status == "scheduled"


def test_calendar_file_follows_rfc_5545(app, client, desk):
    first, second = two_complaints(app, desk["user_id"])
    schedule(app, client, [first, second], place="Balai Desa, lantai 2; ruang rapat")
    meeting_id = the_meeting(app)
    response = client.get(f"/meeting/ics/{meeting_id}")
    assert response.headers["Content-Type"].startswith("text/calendar")
    body = response.get_data(as_text=True)
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert body.endswith("END:VCALENDAR\r\n")
    unfolded = body.replace("\r\n ", "")
    # 09:00 WIB is 02:00 UTC
    assert f"DTSTART:{TOMORROW:%Y%m%d}T020000Z" in unfolded
    assert f"DTEND:{TOMORROW:%Y%m%d}T040000Z" in unfolded
    assert "LOCATION:Balai Desa\\, lantai 2\\; ruang rapat" in unfolded
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    assert "\n" not in body.replace("\r\n", "")


def test_upcoming_meetings_soonest_first_and_only_for_who_may_read_them(app, client, desk):
    first, second = two_complaints(app, desk["user_id"])
    third = advance(app, desk["user_id"], make_complaint(app))
    schedule(app, client, [first], date=(TOMORROW + dt.timedelta(days=7)).isoformat(),
             place="Rapat kedua")
    schedule(app, client, [second], place="Rapat pertama")
    schedule(app, client, [third], place="Rapat lalu")
    with app.app_context():
        past = db.session.query(Meeting).filter_by(place="Rapat lalu").one()
        past.starts_at = now_wib() - dt.timedelta(days=3)
        db.session.commit()
        sm = app.appbuilder.sm
        user = sm.get_user_by_id(desk["user_id"])
        assert [m.place for m, _ in meetings.upcoming_meetings(user)] == ["Rapat pertama",
                                                                          "Rapat kedua"]
        assert [m.place for m, _ in meetings.upcoming_meetings(user, limit=1)] \
            == ["Rapat pertama"]
        assert meetings.upcoming_meetings(None) == []
        from flask import render_template_string

        with app.test_request_context("/"):
            html = render_template_string('{% include "meetings/_upcoming.html" %}',
                                          upcoming=meetings.upcoming_meetings(user))
        assert "Rapat pertama" in html and "Rapat kedua" in html and "Rapat lalu" not in html

    # The list opens on upcoming and recent meetings (the last 30 days), soonest first, with
    # its period filter shown; "Mendatang" leaves the past out, "Sudah lewat" shows only it.
    listing = client.get("/meeting/list/", follow_redirects=True).get_data(as_text=True)
    assert "Rapat pertama" in listing and "Rapat lalu" in listing
    assert listing.index("Rapat lalu") < listing.index("Rapat pertama") \
        < listing.index("Rapat kedua")
    assert re.search(r'<li class="active"><a href="[^"]*" id="period-recent" '
                     r'aria-current="page">Mendatang dan 30 hari terakhir</a>', listing)
    upcoming = re.search(r'href="([^"]+)" id="period-upcoming"', listing).group(1)
    listing = client.get(upcoming.replace("&amp;", "&")).get_data(as_text=True)
    assert "Rapat pertama" in listing and "Rapat lalu" not in listing
    past = re.search(r'href="([^"]+)" id="period-past"', listing).group(1)
    listing = client.get(past.replace("&amp;", "&")).get_data(as_text=True)
    assert "Rapat lalu" in listing and "Rapat pertama" not in listing
    assert 'class="active"><a href="%s" id="period-past"' % past in listing


def test_a_complaint_knows_its_meetings(app, client, desk):
    first, second = two_complaints(app, desk["user_id"])
    schedule(app, client, [first, second])
    meeting_id = the_meeting(app)
    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(desk["user_id"])
        found = meetings.meetings_for_complaint(db.session.get(Complaint, first), user)
        assert [m.id for m in found] == [meeting_id]


def test_liaison_reads_no_meetings(app):
    from app.auth.security import LIAISON

    first = make_complaint(app, status="verified")
    user_id = make_user(app, "kadus", LIAISON)
    with app.app_context():
        meeting = Meeting(starts_at=now_wib() + dt.timedelta(days=1), place="Balai",
                          agenda="x", status="scheduled",
                          complaints=[db.session.get(Complaint, first)])
        db.session.add(meeting)
        db.session.commit()
        user = app.appbuilder.sm.get_user_by_id(user_id)
        assert meetings.upcoming_meetings(user) == []
        assert meetings.restrict_meetings(db.session.query(Meeting), user).count() == 0
        assert meetings.meetings_for_complaint(db.session.get(Complaint, first), user) == []


# --- A meeting never shows a complaint the reader may not see (issue 17, point 4) -------------

HIDDEN_SUBJECT = "Pungutan liar oleh Kepala Desa"
HIDDEN_NAME = "Warga Pemberani"


@pytest.fixture
def head_named(app, client, desk):
    """The Kepala Desa (a login linked to his officer record) named in a confidential
    complaint; three meetings scheduled by the desk through the real form: the hidden
    complaint with an open one ("mixed"), the hidden one alone, the open one alone."""
    from app.auth.security import HEAD

    head_user = make_user(app, "kades", HEAD)
    head_officer = make_officer(app, name="Sidik Noer Amin", position="kepala_desa",
                                user_id=head_user)
    hidden = make_complaint(app, status="verified", subject=HIDDEN_SUBJECT,
                            complainant_name=HIDDEN_NAME, identity_level="confidential",
                            reported_officer_id=head_officer)
    open_one = make_complaint(app, status="verified", subject="Lampu jalan mati")
    ids = {}
    for name, chosen in (("mixed", [hidden, open_one]), ("alone", [hidden]),
                         ("open", [open_one])):
        page = schedule(app, client, chosen, place=f"Ruang {name}",
                        agenda=f"Agenda rapat {name}").get_data(as_text=True)
        assert "Rapat pembahasan dijadwalkan" in page
        ids[name] = the_meeting(app)
    with app.app_context():
        numbers = {pk: db.session.get(Complaint, pk).register_number for pk in (hidden, open_one)}
    return {"head_user": head_user, "hidden": hidden, "open": open_one, "meetings": ids,
            "hidden_number": numbers[hidden], "open_number": numbers[open_one]}


def hold_mixed_meeting(app, client, named):
    """The desk records the minutes of the mixed meeting, deciding both complaints."""
    meeting_id = named["meetings"]["mixed"]
    took_place(app, meeting_id)
    response = post_form(client, f"/meeting/minutes/{meeting_id}",
                         minutes_form(named["hidden"], named["open"]))
    assert "2 pengaduan diselesaikan" in response.get_data(as_text=True)
    return meeting_id


def pdf_text(data):
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


def test_the_head_named_in_a_complaint_reads_no_meeting_that_discusses_it(app, client,
                                                                           head_named):
    from tests.conftest import login

    named, ids = head_named, head_named["meetings"]
    hold_mixed_meeting(app, client, named)
    head = app.test_client()
    login(head, "kades")

    listing = head.get("/meeting/list/?_oc_MeetingModelView=starts_at")
    assert listing.status_code == 200
    page = listing.get_data(as_text=True)
    assert "Ruang open" in page and named["open_number"] in page
    assert named["hidden_number"] not in page
    assert "Ruang mixed" not in page and "Ruang alone" not in page
    for name in ("mixed", "alone"):
        for path in ("show", "ics", "berita-acara"):
            assert head.get(f"/meeting/{path}/{ids[name]}").status_code == 404, (name, path)
    shown = head.get(f"/meeting/show/{ids['open']}")
    assert shown.status_code == 200
    assert named["hidden_number"] not in shown.get_data(as_text=True)
    calendar = head.get(f"/meeting/ics/{ids['open']}")
    assert calendar.status_code == 200
    assert named["open_number"] in calendar.get_data(as_text=True).replace("\r\n ", "")
    home = head.get("/")
    assert home.status_code == 200
    home_page = home.get_data(as_text=True)
    assert "Ruang open" in home_page and named["open_number"] in home_page
    assert named["hidden_number"] not in home_page and "Ruang alone" not in home_page

    # The desk still reads every meeting, the hidden complaint included.
    desk_page = client.get(f"/meeting/show/{ids['mixed']}")
    assert desk_page.status_code == 200
    assert named["hidden_number"] in desk_page.get_data(as_text=True)
    desk_pdf = client.get(f"/meeting/berita-acara/{ids['mixed']}")
    assert desk_pdf.status_code == 200 and named["hidden_number"] in pdf_text(desk_pdf.data)


def test_every_listing_of_a_meeting_asks_access_per_complaint(app, client, head_named):
    """The service layer on its own: the helper leaves hidden complaints out of the
    list, the calendar file and the berita acara, whatever the screens filter first."""
    from app.auth.security import LIAISON
    from app.documents.berita_acara import berita_acara_pdf
    from app.models import Officer

    named, ids = head_named, head_named["meetings"]
    hold_mixed_meeting(app, client, named)
    liaison_user = make_user(app, "kadus", LIAISON)
    liaison_officer = make_officer(app, name="Kadus Dua", user_id=liaison_user)
    with app.app_context():
        db.session.get(Complaint, named["open"]).assigned_officer_id = liaison_officer
        db.session.commit()
    with app.test_request_context("/"):
        sm = app.appbuilder.sm
        head = sm.get_user_by_id(named["head_user"])
        desk_user = sm.get_user_by_id(sm.find_user("desk").id)
        liaison = sm.get_user_by_id(liaison_user)
        found = {name: db.session.get(Meeting, pk) for name, pk in ids.items()}
        every = list(found.values())

        def numbers(user):
            shown = meetings.complaints_shown(every, user)
            return {name: [c.id for c in shown[m.id]] for name, m in found.items()}

        assert numbers(head) == {"mixed": [named["open"]], "alone": [], "open": [named["open"]]}
        assert numbers(liaison) == numbers(head)
        assert numbers(desk_user) == {"mixed": [named["hidden"], named["open"]],
                                      "alone": [named["hidden"]], "open": [named["open"]]}

        calendar = meetings.meeting_ics(found["mixed"], head).replace("\r\n ", "")
        assert named["open_number"] in calendar and named["hidden_number"] not in calendar
        text = pdf_text(berita_acara_pdf(found["mixed"], head))
        assert named["open_number"] in text
        for secret in (named["hidden_number"], HIDDEN_SUBJECT, HIDDEN_NAME):
            assert secret not in text
        assert [(m.id, [c.id for c in shown]) for m, shown in meetings.upcoming_meetings(head)] \
            == [(ids["open"], [named["open"]])]
        assert {m.id for m in meetings.restrict_meetings(db.session.query(Meeting), head)} \
            == {ids["open"]}
        assert [m.id for m in meetings.meetings_for_complaint(
            db.session.get(Complaint, named["open"]), head)] == [ids["open"]]
        assert {m.id for m in meetings.restrict_meetings(db.session.query(Meeting), desk_user)} \
            == set(ids.values())
        assert db.session.get(Officer, liaison_officer).user_id == liaison_user


def test_a_meeting_with_an_unassigned_complaint_stays_hidden_from_a_liaison(app, client,
                                                                            head_named,
                                                                            monkeypatch):
    """Were liaisons given meetings, the rule "may see every complaint of it" must not
    let through a complaint assigned to nobody (its rule is NULL in SQL, not false)."""
    from app.auth.security import LIAISON

    named, ids = head_named, head_named["meetings"]
    liaison_user = make_user(app, "kadus", LIAISON)
    liaison_officer = make_officer(app, name="Kadus Dua", user_id=liaison_user)
    with app.app_context():
        db.session.get(Complaint, named["open"]).assigned_officer_id = liaison_officer
        db.session.commit()
    monkeypatch.setattr(meetings, "can_see_meetings", lambda user: True)
    with app.test_request_context("/"):
        liaison = app.appbuilder.sm.get_user_by_id(liaison_user)
        assert {m.id for m in meetings.restrict_meetings(db.session.query(Meeting), liaison)} \
            == {ids["open"]}
        db.session.get(Complaint, named["open"]).assigned_officer_id = None
        db.session.commit()
        assert meetings.restrict_meetings(db.session.query(Meeting), liaison).count() == 0
