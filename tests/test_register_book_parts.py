"""The register book drawn in parts (``PART_PAGES`` pages each, so reportlab never holds a
whole year) reads back as one book: every row once and in order, pages numbered on, one
header block, the closing block at the end, the title kept."""

import datetime as dt
import io
import re

from pypdf import PdfReader

from app.documents import register_book
from tests.conftest import make_complaint, make_user, set_fields

NOV = dt.datetime(2026, 11, 3, 9, 0)


def test_a_book_of_several_parts_is_one_book(app, client, login_as, monkeypatch):
    monkeypatch.setattr(register_book, "PART_PAGES", 2)
    login_as("desk")
    for i in range(60):
        pk = make_complaint(app, subject=f"Pengaduan ke-{i + 1}",
                            description="Uraian yang cukup panjang " * 4)
        set_fields(app, pk, received_at=NOV + dt.timedelta(hours=i))
    response = client.get("/register/book.pdf?year=2026")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data), strict=True)  # a well-formed file
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    assert len(pages) >= 3  # at least two parts of two pages
    for number, text in enumerate(pages, start=1):
        assert f"Halaman {number}" in text and "Pengadu dan alamat" in text
    assert "TAHUN 2026" in pages[0] and all("(lanjutan)" in text for text in pages[1:])
    numbers = [int(n) for n in re.findall(r"Pengaduan ke-(\d+)", " ".join(pages))]
    assert numbers == list(range(1, 61))
    assert "Mengetahui," in pages[-1] and not any("Mengetahui," in t for t in pages[:-1])
    assert reader.metadata.title == "Buku register pengaduan Tahun 2026"
    assert reader.metadata.author.startswith("Pemerintah Desa ")


def test_a_book_of_one_part_is_written_as_drawn(app, monkeypatch):
    monkeypatch.setattr(register_book, "PART_PAGES", 2)
    desk = make_user(app, "meja", "Petugas Pengelola")
    pk = make_complaint(app, subject="Satu-satunya")
    set_fields(app, pk, received_at=NOV)
    with app.test_request_context():
        desk_user = app.appbuilder.sm.get_user_by_id(desk)
        data = register_book.book_pdf(desk_user, 2026, 11)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1 and "Satu-satunya" in reader.pages[0].extract_text()
    assert reader.metadata.title == "Buku register pengaduan Bulan November 2026"
