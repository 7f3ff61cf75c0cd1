"""The laporan tahunan: deadlines met and missed, the year's meetings, what is carried over."""

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from app.auth import security
from app.extensions import db
from app.models import Complaint, ComplaintEvent, Meeting
from app.reporting import annual
from tests.conftest import make_complaint, make_user, set_fields

D = dt.date


def _event(app, pk, step, day):
    with app.app_context():
        db.session.add(ComplaintEvent(complaint_id=pk, step=step, audience="staff",
                                      occurred_at=dt.datetime.combine(day, dt.time(10))))
        db.session.commit()
        db.session.remove()


def _year_2025(app):
    """A: every deadline met. B: verified late, no follow-up, not resolved (carried over).
    C: received on 29 December, nothing due before the year ends (carried over).
    V: voided, never counts. A meeting in June discussed A and B."""
    a, b, c, v = (make_complaint(app, subject=s) for s in
                  ("Lampu A", "Jalan B", "Air C", "Batal V"))
    set_fields(app, a, received_at=dt.datetime(2025, 3, 3, 9), verification_due=D(2025, 3, 6),
               followup_due=D(2025, 3, 12), due_date=D(2025, 3, 20), status="resolved",
               resolved_at=dt.datetime(2025, 3, 18, 9), closed_at=dt.datetime(2025, 3, 18, 9),
               outcome_type="administrative")
    _event(app, a, "verify", D(2025, 3, 6))  # on the due day itself: met
    _event(app, a, "note", D(2025, 3, 10))
    set_fields(app, b, received_at=dt.datetime(2025, 3, 3, 10), verification_due=D(2025, 3, 6),
               followup_due=D(2025, 3, 15), due_date=D(2025, 3, 30), status="forwarded")
    _event(app, b, "verify", D(2025, 3, 9))
    set_fields(app, c, received_at=dt.datetime(2025, 12, 29, 9),
               verification_due=D(2026, 1, 2), due_date=D(2026, 1, 15), status="received")
    set_fields(app, v, received_at=dt.datetime(2025, 4, 1, 9), verification_due=D(2025, 4, 3),
               voided=True, void_reason="Ganda")
    with app.app_context():
        db.session.add(Meeting(
            starts_at=dt.datetime(2025, 6, 10, 9), place="Balai Desa", agenda="Pembahasan",
            status="held", recommendations="Perbaiki jadwal piket lampu jalan.",
            decided_steps="Kasi Pembangunan memeriksa tiap bulan.",
            complaints=[db.session.get(Complaint, a), db.session.get(Complaint, b)]))
        db.session.commit()
        numbers = {pk: db.session.get(Complaint, pk).register_number for pk in (a, b, c, v)}
        db.session.remove()
    return a, b, c, v, numbers


def test_each_deadline_counts_met_missed_and_still_running(app, ctx):
    _year_2025(app)
    desk = app.appbuilder.sm.get_user_by_id(make_user(app, "meja", security.DESK))
    result = annual.deadline_performance(desk, 2025)
    assert (result["verification"].met, result["verification"].missed,
            result["verification"].pending) == (1, 1, 1)
    assert (result["follow_up"].met, result["follow_up"].missed,
            result["follow_up"].pending) == (1, 1, 0)
    assert (result["resolution"].met, result["resolution"].missed,
            result["resolution"].pending) == (1, 1, 1)
    assert result["resolution"].percent_met == 50.0


def test_the_annual_report_pdf_for_the_village_head(app, client, login_as):
    login_as("head")
    a, b, c, v, numbers = _year_2025(app)
    response = client.get("/dashboard/annual.pdf?year=2025")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(" ".join(p.extract_text() for p in
                             PdfReader(io.BytesIO(response.data)).pages).split())
    assert "LAPORAN TAHUNAN PENGELOLAAN PENGADUAN" in text and "Tahun 2025" in text
    assert "Kinerja terhadap setiap batas waktu" in text
    assert "Verifikasi 1 1 1 50,0%" in text
    assert "Tindak lanjut pertama 1 1 0 50,0%" in text
    assert "Hasil menurut jenis" in text and "Penyelesaian administratif 1" in text
    assert "Tanggapan warga dan pembukaan kembali" in text
    assert "Perbaiki jadwal piket lampu jalan." in text
    assert f"{numbers[a]}: Selesai" in text and f"{numbers[b]}: Diteruskan" in text
    assert "dibawa ke tahun 2026 (2)" in text
    assert numbers[b] in text and numbers[c] in text and numbers[v] not in text


@pytest.mark.parametrize("year", ["abc", "1999", "2999"])
def test_a_year_the_report_cannot_cover_is_refused_with_a_message(app, client, login_as, year):
    login_as("desk")
    response = client.get(f"/dashboard/annual.pdf?year={year}", follow_redirects=True)
    assert response.status_code == 200
    assert "Pilih tahun antara 2000 dan" in response.get_data(as_text=True)


def test_the_dashboard_links_the_annual_report(app, client, login_as):
    login_as("head")
    page = client.get("/dashboard/?period=year&year=2025").get_data(as_text=True)
    assert 'href="/dashboard/annual.pdf?year=2025"' in page
