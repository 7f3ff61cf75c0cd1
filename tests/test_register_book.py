"""The buku register pengaduan PDF: read back with pypdf as the village would file it."""

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

from app.documents import register_book
from app.extensions import db
from app.models import Complaint, ComplaintEvent, IdentityView
from tests.conftest import make_complaint, make_officer, make_user, set_fields

NOV = dt.datetime(2026, 11, 3, 9, 0)


def _pdf(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    return reader, [page.extract_text() for page in reader.pages]


def _book(app, **fields):
    """Three November entries (named, anonymous, voided), one of October; the officers whose
    names sign the book."""
    make_officer(app, name="Dwi Lestari", position="petugas_pengelola")
    make_officer(app, name="Sidik Kepala", position="kepala_desa")
    liaison = make_officer(app, name="Kadus Sutrisno")
    named = make_complaint(app, complainant_name="Siti Aminah", subject="Lampu jalan mati",
                           complainant_address="RT 02/RW 03 Dusun I", channel="phone")
    hidden = make_complaint(app, complainant_name="Bambang Rahasia", identity_level="anonymous",
                            complainant_address="Jalan Rahasia 9", subject="Dana desa")
    void = make_complaint(app, complainant_name="Warsini", subject="Tercatat ganda")
    october = make_complaint(app, subject="Bulan lalu")
    set_fields(app, named, received_at=NOV, status="informed", assigned_officer_id=liaison,
               outcome_type="administrative", outcome_text="Lampu sudah diganti.")
    set_fields(app, hidden, received_at=NOV + dt.timedelta(days=1))
    set_fields(app, void, received_at=NOV + dt.timedelta(days=2), voided=True,
               void_reason="Sama dengan nomor sebelumnya")
    set_fields(app, october, received_at=NOV - dt.timedelta(days=10))
    with app.app_context():
        db.session.add(ComplaintEvent(complaint_id=named, step="inform", audience="desk",
                                      occurred_at=dt.datetime(2026, 11, 20, 10, 0)))
        db.session.commit()
        numbers = {pk: db.session.get(Complaint, pk).register_number
                   for pk in (named, hidden, void, october)}
        db.session.remove()
    return named, hidden, void, october, numbers


def test_the_desk_gets_the_months_book_with_every_column_and_the_signatures(app, client,
                                                                             login_as):
    login_as("desk")
    named, hidden, void, october, numbers = _book(app)
    reader, pages = _pdf(client.get("/register/book.pdf?year=2026&month=11"))
    text = "\n".join(pages)
    assert len(pages) == 1
    assert "BUKU REGISTER PENGADUAN" in text and "BULAN NOVEMBER 2026" in text
    assert "PEMERINTAH DESA BABAKAN" in text
    for header in ("No.", "Pengadu dan alamat", "Saluran", "Perihal", "Petugas",
                   "Tindak lanjut", "Hasil", "Status"):
        assert header in text
    for pk in (named, hidden, void):
        assert numbers[pk] in text
    assert numbers[october] not in text and "Bulan lalu" not in text
    # The named entry, row by row: received, complainant and address, channel, officer,
    # follow-up, outcome, date informed, status.
    for value in ("03-11-2026", "Siti Aminah", "RT 02/RW 03 Dusun I", "Telepon/WhatsApp",
                  "Kadus Sutrisno", "Lampu sudah diganti.", "Penyelesaian administratif",
                  "20-11-2026", "Diinformasikan"):
        assert value in " ".join(text.split()), value  # a cell may wrap onto two lines
    assert "Bambang Rahasia" in text  # the desk reads every identity
    assert "BATAL: Sama dengan nomor sebelumnya" in " ".join(text.split())
    assert "Mengetahui," in text and "Kepala Desa Babakan" in text
    assert "Petugas Pengelola Pengaduan" in text
    assert "Sidik Kepala" in text and "Dwi Lestari" in text
    assert "Halaman 1" in text
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape


def test_the_village_head_reads_the_book_with_the_identities_hidden(app, client, login_as):
    login_as("head")
    named, hidden, void, october, numbers = _book(app)
    _, pages = _pdf(client.get("/register/book.pdf?year=2026&month=11"))
    text = "\n".join(pages)
    assert "Siti Aminah" in text  # named: the head may read it
    assert "Bambang Rahasia" not in text and "Jalan Rahasia 9" not in text
    assert "(anonim)" in text
    assert numbers[hidden] in text


def _line_segments(page):
    """How many straight lines (``x y m x y l S``) a page's content draws: the table's column
    rules, the letterhead's rule and the strike-through lines."""
    content = page.get_contents().get_data().decode("latin-1")
    return len(re.findall(r"\bm\s+[-\d.]+\s+[-\d.]+\s+l\b", content))


def test_a_voided_entry_is_struck_through_in_each_line_but_its_status(app, ctx):
    """The same month drawn with the entry voided and not: the voided one has one more line
    drawn per line of text outside the status column (number, date, name, address, channel,
    subject: six)."""
    make_complaint(app, complainant_name="Warsini", subject="Tercatat ganda",
                   complainant_address="RT 01/RW 01")
    pk = db.session.query(Complaint.id).scalar()
    desk = _desk(app)
    set_fields(app, pk, received_at=NOV)
    plain = PdfReader(io.BytesIO(register_book.book_pdf(desk, 2026, 11))).pages[0]
    set_fields(app, pk, voided=True, void_reason="Salah catat")
    struck = PdfReader(io.BytesIO(register_book.book_pdf(desk, 2026, 11))).pages[0]
    assert _line_segments(struck) - _line_segments(plain) == 6
    assert "BATAL: Salah catat" in " ".join(struck.extract_text().split())


def _desk(app):
    user_id = make_user(app, "meja", "Petugas Pengelola")
    return app.appbuilder.sm.get_user_by_id(user_id)


def test_a_long_book_repeats_its_headers_and_numbers_its_pages(app, client, login_as):
    login_as("desk")
    with app.app_context():
        db.session.remove()
    for i in range(45):
        pk = make_complaint(app, subject=f"Pengaduan ke-{i + 1}",
                            description="Uraian yang cukup panjang " * 4)
        set_fields(app, pk, received_at=NOV + dt.timedelta(hours=i))
    reader, pages = _pdf(client.get("/register/book.pdf?year=2026"))
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        text = " ".join(text.split())
        assert "Pengadu dan alamat" in text and "Tanggal diterima" in text
        assert f"Halaman {number}" in text
    assert "TAHUN 2026" in pages[0]
    assert "(lanjutan)" in pages[1]
    assert "Mengetahui," in pages[-1] and "Mengetahui," not in pages[0]
    # Rows go on to the next page rather than off the bottom of this one.
    assert "Pengaduan ke-1\n" in pages[0] and "Pengaduan ke-45" not in pages[0]
    assert "Pengaduan ke-45" in pages[-1]


def test_an_empty_period_still_gives_a_signed_book(app, client, login_as):
    login_as("desk")
    _, pages = _pdf(client.get("/register/book.pdf?year=2025&month=2"))
    assert "BULAN FEBRUARI 2025" in pages[0]
    assert "Tidak ada pengaduan pada periode ini." in " ".join(pages[0].split())
    assert "Mengetahui," in pages[0]


@pytest.mark.parametrize("query, message", [
    ("year=abc", "Tahun dan bulan ditulis dengan angka"),
    ("year=1999", "Tahun harus antara 2000"),
    ("year=2026&month=13", "Bulan harus antara 1 dan 12"),
    ("year=2026&month=x", "Tahun dan bulan ditulis dengan angka"),
])
def test_a_wrong_year_or_month_is_refused_with_a_clear_message(app, client, login_as, query,
                                                               message):
    login_as("desk")
    response = client.get(f"/register/book.pdf?{query}", follow_redirects=True)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_the_book_logs_each_identity_it_shows(app, client, login_as):
    login_as("head")
    named, hidden, void, october, numbers = _book(app)
    _pdf(client.get("/register/book.pdf?year=2026&month=11"))
    with app.app_context():
        logged = {row.complaint_id for row in db.session.query(IdentityView)
                  .filter(IdentityView.path == "export")}
        db.session.remove()
    assert named in logged and hidden not in logged  # the head reads the named one only


def test_the_dashboard_links_the_book_of_its_month_or_year(app, client, login_as):
    login_as("head")
    page = client.get("/dashboard/?period=month&month=2026-11").get_data(as_text=True)
    assert 'href="/register/book.pdf?year=2026&amp;month=11"' in page
    assert "Buku register (PDF)" in page
    page = client.get("/dashboard/?period=year&year=2025").get_data(as_text=True)
    assert 'href="/register/book.pdf?year=2025"' in page
