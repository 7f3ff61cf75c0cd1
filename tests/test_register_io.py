"""The register in and out of files: export (filters, row rules, hidden identities) and import."""

import csv
import datetime
import io
import re
import threading

import pytest

from sqlalchemy import func, text

from app.extensions import db
from app.models import Complaint, ComplaintEvent, Officer, RegisterCounter
from app.services import complaints as services
from tests.conftest import (
    COMPLAINT_FIELDS, csrf_token, login, make_complaint, make_officer, make_user, reset_database,
)
from tests.test_dashboard import register  # noqa: F401  (the fixture: a varied register)

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _csv_rows(response):
    assert response.status_code == 200, response.status_code
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def _export(client, fmt="csv", query=""):
    return client.get(f"/register/export.{fmt}{query}")


def _empty_database(app):
    """What each test starts from: migrated schema, reference lists, no users or complaints."""
    with app.app_context():
        reset_database()


def _upload(client, name, data):
    token = csrf_token(client, "/register/import")
    return client.post("/register/import", data={"csrf_token": token,
                                                 "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _confirm(client, page):
    fields = dict(re.findall(r'name="(token|extension|filename)" value="([^"]*)"', page))
    fields["csrf_token"] = CSRF_RE.search(page).group(1)
    return client.post("/register/import/confirm", data=fields, follow_redirects=True)


def _count(app):
    with app.app_context():
        return db.session.query(func.count(Complaint.id)).scalar()


def test_export_follows_the_list_filters(app, client, register):
    login(client, "petugas", )
    rows = _csv_rows(_export(client))
    assert rows[0][:3] == ["No. Register", "Tanggal diterima", "Kode lacak"]
    assert len(rows) - 1 == _count(app)  # the whole register, void entries included
    rows = _csv_rows(_export(client, query="?_flt_0_status=received"))
    with app.app_context():
        received = db.session.query(Complaint.register_number).filter_by(status="received") \
            .order_by(Complaint.register_year, Complaint.register_seq).all()
    assert [r[0] for r in rows[1:]] == [n for (n,) in received]
    assert {r[18] for r in rows[1:]} == {"Diterima"}


def test_export_hides_identity_the_user_may_not_read(app, client):
    make_complaint(app, is_confidential=True, complainant_name="Rahasia Sekali")
    make_complaint(app, complainant_name="Terbuka Saja")
    make_user(app, "kades", "Kepala Desa")
    login(client, "kades")
    body = _export(client).get_data(as_text=True)
    assert "Rahasia Sekali" not in body and "(dirahasiakan)" in body
    assert "Terbuka Saja" in body
    client.get("/logout/")
    user_id = make_user(app, "kadus", "Petugas Penghubung")
    make_officer(app, user_id=user_id)
    login(client, "kadus")
    assert _export(client).status_code == 403


def test_xlsx_export_is_a_workbook_with_the_register(app, client, register):
    from openpyxl import load_workbook

    login(client, "petugas")
    response = _export(client, "xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    with app.app_context():
        years = sorted({y for (y,) in db.session.query(Complaint.register_year)})
    # One sheet per register year, each with the header row.
    assert workbook.sheetnames == [f"Buku Pengaduan {year}" for year in years]
    entries = 0
    for sheet in workbook.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0] == "No. Register"
        entries += len(rows) - 1
    assert entries == _count(app)


def test_the_xlsx_is_laid_out_for_a_clerk(app, client, register):
    """Column widths, a filter on the header row, dates shown the Indonesian way but kept as
    dates, and the identity level as a word."""
    from openpyxl import load_workbook

    login(client, "petugas")
    workbook = load_workbook(io.BytesIO(_export(client, "xlsx").data))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    column = {header: chr(ord("A") + i) for i, header in enumerate(headers[:26])}
    assert sheet.auto_filter.ref == f"A1:{_letter(len(headers))}{sheet.max_row}"
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions[column["Nama pengadu"]].width > 20
    assert sheet.column_dimensions[column["Perihal"]].width > 30
    received = sheet[f"{column['Tanggal diterima']}2"]
    assert isinstance(received.value, datetime.datetime)
    assert received.number_format == "dd-mm-yyyy hh:mm"
    levels = {row[headers.index("Perlindungan identitas")]
              for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert levels and levels <= {
        "Dengan nama", "Disamarkan (hanya inisial)",
        "Anonim (hanya petugas pengelola pengaduan yang tahu)",
        "Rahasia (hanya petugas pengelola pengaduan dan Kepala Desa)"}


def _letter(number):
    """The spreadsheet column letter of a 1-based column number (A, ..., Z, AA, ...)."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def test_an_export_imported_into_an_empty_database_gives_back_the_same_register(
        app, client, register):
    login(client, "petugas")
    before_csv = _csv_rows(_export(client))
    xlsx = _export(client, "xlsx").data
    with app.app_context():
        years = dict(db.session.query(Complaint.register_year, func.max(Complaint.register_seq))
                     .group_by(Complaint.register_year).all())

    _empty_database(app)
    make_user(app, "petugas", "Petugas Pengelola")
    make_officer(app, name="Kadus Satu")
    make_officer(app, name="Kasi Pelayanan", position="kasi")
    client = app.test_client()  # a new browser: the old login's user is gone
    login(client, "petugas")
    page = _upload(client, "buku.xlsx", xlsx).get_data(as_text=True)
    assert f"Semua {len(before_csv) - 1} baris sudah benar" in page
    assert _count(app) == 0  # the dry run writes nothing
    page = _confirm(client, page).get_data(as_text=True)
    assert f"{len(before_csv) - 1} entri register diimpor" in page

    assert _csv_rows(_export(client)) == before_csv
    with app.app_context():
        counters = dict(db.session.query(RegisterCounter.year, RegisterCounter.last_number))
        assert counters == years
        assert db.session.query(ComplaintEvent.step).distinct().all() == [("import",)]
        # The next registration of 2026 continues after the highest imported number.
        complaint = Complaint(**{**COMPLAINT_FIELDS, "received_at": __import__("datetime")
                                 .datetime(2026, 11, 2, 9)})
        services.register_complaint(complaint)
        assert complaint.register_seq == years[2026] + 1


def test_csv_export_imports_too(app, client, register):
    login(client, "petugas")
    before = _csv_rows(_export(client))
    body = _export(client).data
    _empty_database(app)
    make_user(app, "petugas", "Petugas Pengelola")
    make_officer(app, name="Kadus Satu")
    make_officer(app, name="Kasi Pelayanan", position="kasi")
    client = app.test_client()  # a new browser: the old login's user is gone
    login(client, "petugas")
    _confirm(client, _upload(client, "buku.csv", body).get_data(as_text=True))
    assert _csv_rows(_export(client)) == before


BROKEN = """No. Register;Tanggal diterima;Saluran;Nama pengadu;Alamat;No. HP/WA;Perihal;Uraian;Dusun;Kategori
001/PGD/III/2026;2026-03-02;Tatap muka;Siti;RT 01;0812 3456 7890;Lampu;Lampu mati;Dusun I;Lainnya
002/PGD/III/2026;2026-03-03;Tatap muka;;RT 01;0812 3456 7890;Jalan;Jalan rusak;Dusun I;Lainnya
003/PGD/III/2026;2026-03-04;Tatap muka;Budi;RT 02;12345;Air;Air keruh;Dusun IX;Lainnya
004/PGD/III/2026;2026-03-05;Merpati;Ani;RT 03;0812 1111 2222;Sampah;Sampah menumpuk;Dusun II;Hewan
003/PGD/III/2026;2026-03-06;Tatap muka;Dedi;RT 04;0812 3333 4444;Lampu;Lampu mati;Dusun II;Lainnya
001/PGD/I/2025;2025-01-06;Tatap muka;Eka;RT 04;0812 3333 4444;Lampu;Lampu mati;Dusun II;Lainnya
"""


def test_a_broken_file_changes_nothing_and_says_why_for_each_row(app, client):
    make_complaint(app, received_at=__import__("datetime").datetime(2025, 1, 5, 9))  # 001/../2025
    login_id = make_user(app, "petugas", "Petugas Pengelola")
    assert login_id
    login(client, "petugas")
    before = _count(app)
    page = _upload(client, "buku.csv", BROKEN.encode()).get_data(as_text=True)
    page = re.sub(r"\s+", " ", page.replace("&#34;", '"').replace("&quot;", '"'))
    assert "5 dari 6 baris bermasalah" in page
    assert "Nama pengadu kosong (wajib diisi)." in page                         # row 3
    assert 'No. HP/WA: "12345" bukan nomor telepon Indonesia' in page           # row 4
    assert 'Dusun: "Dusun IX" tidak ada di daftar' in page                      # row 4
    assert 'Saluran: "Merpati" tidak dikenal.' in page                          # row 5
    assert 'Kategori: "Hewan" tidak ada di daftar' in page                      # row 5
    assert "muncul dua kali dalam berkas (juga di baris 4)" in page             # row 6
    assert "No. Register 001/PGD/I/2025 sudah ada di register." in page         # row 7
    assert 'name="token"' not in page  # no import offered
    assert _count(app) == before
    # A forged confirmation imports nothing either.
    token = csrf_token(client, "/register/import")
    response = client.post("/register/import/confirm", data={
        "csrf_token": token, "token": "x" * 24, "extension": "csv"}, follow_redirects=True)
    assert "tidak tersedia lagi" in response.get_data(as_text=True)
    assert _count(app) == before


def test_unreadable_files_are_refused_with_a_reason(app, client):
    make_user(app, "petugas", "Petugas Pengelola")
    login(client, "petugas")
    page = _upload(client, "buku.xlsx", b"not a workbook").get_data(as_text=True)
    assert "tidak dapat dibaca sebagai berkas Excel" in page
    page = _upload(client, "buku.pdf", b"%PDF").get_data(as_text=True)
    assert "Pilih berkas .xlsx atau .csv." in page
    page = _upload(client, "buku.csv", b"Nama;Alamat\nSiti;RT 1\n").get_data(as_text=True)
    assert "kolom yang belum ada: No. Register" in page


def test_a_streamed_export_gives_its_database_connection_back(app, client, register):
    """The CSV streams after the view returned; its query must not leave a connection (and on
    PostgreSQL an open transaction holding locks) behind."""
    login(client, "petugas")
    assert len(_csv_rows(_export(client))) - 1 == _count(app)
    with app.app_context():
        assert db.engine.pool.checkedout() == 0


DANGEROUS = (
    '=HYPERLINK("http://contoh.test","klik")', "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "+6281299998888",
    "\uff1d1+1", "\uff0b1+cmd", "\uff0d1+cmd", "\uff20SUM(1)",
)


def test_text_that_looks_like_a_formula_or_a_number_stays_text(app, client):
    """A resident's '=HYPERLINK(...)' must not run when the desk opens the export, nor a
    '+1+cmd|...' or a phone number become a number: every formula lead character, in CSV
    (a leading apostrophe) and in XLSX (a text cell), and the import gives the text back."""
    from openpyxl import load_workbook

    for value in DANGEROUS:
        make_complaint(app, subject=value, complainant_name="@Budi")
    make_user(app, "petugas", "Petugas Pengelola")
    login(client, "petugas")
    rows = _csv_rows(_export(client))
    subject, name, phone = (rows[0].index(h) for h in ("Perihal", "Nama pengadu", "No. HP/WA"))
    assert [row[subject] for row in rows[1:]] == ["'" + value for value in DANGEROUS]
    assert {(row[name], row[phone]) for row in rows[1:]} == {("'@Budi", "'+6281234567890")}

    sheet = load_workbook(io.BytesIO(_export(client, "xlsx").data)).worksheets[0]
    cells = [(sheet.cell(row, subject + 1), sheet.cell(row, phone + 1))
             for row in range(2, len(DANGEROUS) + 2)]
    assert all(cell.data_type == "s" and tel.data_type == "s" for cell, tel in cells)
    assert [cell.value.replace("_x000D_", "\r") for cell, _ in cells] == list(DANGEROUS)
    assert {tel.value for _, tel in cells} == {"+6281234567890"}

    body = _export(client).data
    _empty_database(app)
    make_user(app, "petugas", "Petugas Pengelola")
    client = app.test_client()
    login(client, "petugas")
    _confirm(client, _upload(client, "buku.csv", body).get_data(as_text=True))
    with app.app_context():
        stored = db.session.query(Complaint.subject, Complaint.complainant_name,
                                  Complaint.complainant_phone).order_by(Complaint.id).all()
    assert [s for s, _, _ in stored] == list(DANGEROUS)
    assert {(n, p) for _, n, p in stored} == {("@Budi", "+6281234567890")}


LEVELS = ("named", "masked", "anonymous", "confidential")


def _reimport(app, body, name, officers=("Kadus Satu", "Pak Terlapor")):
    """Empty the register, bring back the officers by name and import ``body`` as the desk."""
    _empty_database(app)
    make_user(app, "petugas", "Petugas Pengelola")
    for officer in officers:
        make_officer(app, name=officer)
    client = app.test_client()
    login(client, "petugas")
    page = _upload(client, name, body).get_data(as_text=True)
    assert 'name="token"' in page, re.sub(r"\s+", " ", page)[-3000:]
    _confirm(client, page)
    return client


def _levels_and_reported(app):
    with app.app_context():
        return {number: (level, name) for number, level, name in db.session.query(
            Complaint.register_number, Complaint.identity_level, Officer.name)
            .outerjoin(Officer, Officer.id == Complaint.reported_officer_id)}


def test_a_round_trip_keeps_every_identity_level_and_the_reported_officer(app, client):
    """A file written by the desk and read back never lowers a complaint's protection."""
    from openpyxl import load_workbook

    make_officer(app, name="Kadus Satu")
    reported = make_officer(app, name="Pak Terlapor")
    for level in LEVELS:
        make_complaint(app, identity_level=level, reported_officer_id=reported,
                       subject=f"Aduan {level}")
    make_complaint(app, subject="Tanpa terlapor")
    expected = {}
    with app.app_context():
        for number, subject in db.session.query(Complaint.register_number, Complaint.subject):
            level = subject.split()[-1] if subject.startswith("Aduan") else "named"
            expected[number] = (level, "Pak Terlapor" if subject.startswith("Aduan") else None)
    make_user(app, "petugas", "Petugas Pengelola")
    login(client, "petugas")
    rows = _csv_rows(_export(client))
    header = rows[0]
    assert "Rahasia" not in header
    by_subject = {row[header.index("Perihal")]: row for row in rows[1:]}
    level_column = header.index("Perlindungan identitas")
    assert by_subject["Aduan masked"][level_column] == "Disamarkan (hanya inisial)"
    assert by_subject["Aduan anonymous"][level_column].startswith("Anonim")
    assert by_subject["Aduan confidential"][level_column].startswith("Rahasia")
    assert by_subject["Aduan named"][header.index("Petugas yang dilaporkan")] == "Pak Terlapor"
    csv_body, xlsx_body = _export(client).data, _export(client, "xlsx").data
    sheet = load_workbook(io.BytesIO(xlsx_body), read_only=True).worksheets[0]
    assert "Perlindungan identitas" in next(sheet.iter_rows(values_only=True))

    _reimport(app, csv_body, "buku.csv")
    assert _levels_and_reported(app) == expected
    _reimport(app, xlsx_body, "buku.xlsx")
    assert _levels_and_reported(app) == expected


def test_an_old_file_with_only_rahasia_is_still_read(app, client):
    old = ("No. Register;Tanggal diterima;Saluran;Nama pengadu;Alamat;No. HP/WA;Perihal;Uraian;"
           "Rahasia;Perlindungan identitas\n"
           "001/PGD/III/2026;2026-03-02;Tatap muka;Siti;RT 01;0812 3456 7890;A;A;Ya;\n"
           "002/PGD/III/2026;2026-03-03;Tatap muka;Budi;RT 01;0812 3456 7890;B;B;Tidak;\n"
           "003/PGD/III/2026;2026-03-04;Tatap muka;Ani;RT 01;0812 3456 7890;C;C;Ya;"
           "Disamarkan (hanya inisial)\n"
           "004/PGD/III/2026;2026-03-05;Tatap muka;Dedi;RT 01;0812 3456 7890;D;D;Tidak;anonymous\n")
    _reimport(app, old.encode(), "lama.csv", officers=())
    assert {number: level for number, (level, _) in _levels_and_reported(app).items()} == {
        "001/PGD/III/2026": "confidential", "002/PGD/III/2026": "named",
        "003/PGD/III/2026": "confidential", "004/PGD/III/2026": "anonymous"}


HEADER = ["No. Register", "Tanggal diterima", "Saluran", "Nama pengadu", "Alamat", "No. HP/WA",
          "Perihal", "Uraian"]
ENTRY = ["001/PGD/III/2026", "2026-03-02", "Tatap muka", "Siti", "RT 01", "0812 3456 7890",
         "Lampu", "Lampu mati"]


def _crafted_xlsx(dimension, extra_cell=""):
    """A real workbook (header and one entry) whose sheet declares ``dimension`` and may hold
    one more cell far away (``extra_cell``, raw sheet XML), rewritten at the zip level: the
    file stays a few kilobytes."""
    import zipfile

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(HEADER)
    workbook.active.append(ENTRY)
    plain = io.BytesIO()
    workbook.save(plain)
    crafted = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(crafted, "w",
                                                           zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*" */>',
                              f'<dimension ref="{dimension}"/>'.encode(), data)
                data = data.replace(b"</sheetData>", extra_cell.encode() + b"</sheetData>")
                assert dimension.encode() in data
            target.writestr(item.filename, data)
    return crafted.getvalue()


def _checked_with_peak(app, name, data):
    """``check_file``'s answer and the memory it took at most (bytes)."""
    import tracemalloc

    from app.reporting import register_io

    with app.test_request_context():
        tracemalloc.start()
        try:
            check = register_io.check_file(name, data)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    return check, peak


def test_a_tiny_xlsx_declaring_a_huge_sheet_is_read_as_what_it_holds(app):
    data = _crafted_xlsx("A1:XFD1048576")
    assert len(data) < 10_000
    check, peak = _checked_with_peak(app, "bom.xlsx", data)
    assert check.ok and len(check.rows) == 1, check.problems
    assert peak < 20 * 1024 * 1024


def test_a_tiny_xlsx_with_cells_far_away_is_refused_without_building_the_table(app):
    far_row = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    check, peak = _checked_with_peak(app, "bom.xlsx", _crafted_xlsx("A1:XFD1048576", far_row))
    assert check.problems == ["Berkas berisi lebih dari 25000 baris (termasuk baris kosong); "
                              "bagi menjadi beberapa berkas yang lebih kecil."]
    assert peak < 20 * 1024 * 1024
    far_column = '<row r="3"><c r="XFD3" t="inlineStr"><is><t>x</t></is></c></row>'
    check, peak = _checked_with_peak(app, "bom.xlsx", _crafted_xlsx("A1:XFD3", far_column))
    assert check.problems == ["Baris 3 memiliki lebih dari 100 kolom; register memiliki "
                              "31 kolom."]
    assert peak < 20 * 1024 * 1024


def test_a_csv_cell_over_the_limit_is_refused_with_a_clear_message(app, client):
    make_user(app, "petugas", "Petugas Pengelola")
    login(client, "petugas")
    for size in (200 * 1024, 10_001):  # over the csv module's own limit, and over ours
        body = "\n".join([",".join(HEADER), ",".join(ENTRY[:-1] + ["x" * size])]) + "\n"
        response = _upload(client, "buku.csv", body.encode())
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "Baris 2 memiliki sel yang lebih panjang dari 10000 karakter" in page, size
        assert 'name="token"' not in page
    assert _count(app) == 0


def test_more_entries_than_the_limit_are_refused_whole(app, client, monkeypatch):
    from app.reporting import register_io

    monkeypatch.setattr(register_io, "MAX_IMPORT_ROWS", 2)
    make_user(app, "petugas", "Petugas Pengelola")
    login(client, "petugas")
    lines = [",".join(HEADER)] + [",".join([f"00{i}/PGD/III/2026"] + ENTRY[1:])
                                  for i in (1, 2, 3)]
    page = _upload(client, "buku.csv", "\n".join(lines).encode()).get_data(as_text=True)
    assert "Paling banyak 2 baris dapat diimpor sekaligus." in page
    assert 'name="token"' not in page


def _numbered_file(count, year):
    """A CSV of ``count`` entries numbered 001.. of ``year`` (December)."""
    lines = [",".join(HEADER)]
    for seq in range(1, count + 1):
        lines.append(",".join([f"{seq:03d}/PGD/XII/{year}", f"{year}-12-01", "Tatap muka",
                               f"Warga {seq}", "RT 01", "0812 3456 7890", f"Aduan {seq}",
                               "Uraian"]))
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def small_batches(app, monkeypatch):
    """Batches of two rows, and lock waits of 0.2 s (a writer locked out fails fast)."""
    from app.reporting import register_io

    monkeypatch.setattr(register_io, "IMPORT_BATCH_ROWS", 2)
    monkeypatch.setitem(app.config, "DATABASE_LOCK_TIMEOUT", 0.2)
    with app.app_context():
        db.engine.dispose()
    yield register_io
    with app.app_context():
        db.engine.dispose()


def test_an_import_commits_batch_by_batch_and_residents_submit_in_between(
        app, client, monkeypatch, small_batches):
    import datetime

    year = datetime.date.today().year
    real_write, answers = small_batches._write_batch, []

    def submit():
        answers.append(app.test_client().post("/api/v1/public/complaints", json={
            "name": "Warga Lain", "address": "RT 03", "phone": "081299990000",
            "subject": "Lampu", "description": "Lampu mati."},
            environ_base={"REMOTE_ADDR": "203.0.113.50"}).status_code)

    def write_then_a_resident_submits(*args, **kwargs):
        real_write(*args, **kwargs)
        # From another thread, as another worker would: its own connection and transaction.
        resident = threading.Thread(target=submit)
        resident.start()
        resident.join()

    monkeypatch.setattr(small_batches, "_write_batch", write_then_a_resident_submits)
    make_user(app, "petugas", "Petugas Pengelola")
    login(client, "petugas")
    page = _confirm(client, _upload(client, "buku.csv", _numbered_file(5, year))
                    .get_data(as_text=True)).get_data(as_text=True)
    assert "5 entri register diimpor" in page
    assert answers == [201, 201, 201]  # after each of the three batches
    with app.app_context():
        website = db.session.query(Complaint.register_seq).filter_by(channel="website") \
            .order_by(Complaint.register_seq).all()
    # The first batch moved the counter past the whole file: the residents' numbers follow it.
    assert [seq for (seq,) in website] == [6, 7, 8]
    assert _count(app) == 8


def test_a_batch_that_fails_says_which_rows_were_imported(app, client, monkeypatch,
                                                          small_batches):
    import datetime

    year = datetime.date.today().year
    real_write, batches = small_batches._write_batch, []

    def write_then_someone_takes_a_number(*args, **kwargs):
        real_write(*args, **kwargs)
        batches.append(1)
        if len(batches) == 1:  # another import takes row 4's number meanwhile
            with app.app_context():
                complaint = Complaint(**{**COMPLAINT_FIELDS, "received_at": datetime.datetime(
                    year, 12, 1, 9)}, register_number=f"003/PGD/XII/{year}",
                    register_year=year, register_seq=3, tracking_code="ZZZZZZZZZZZZ",
                    status="received")
                db.session.add(complaint)
                db.session.commit()
                db.session.remove()

    monkeypatch.setattr(small_batches, "_write_batch", write_then_someone_takes_a_number)
    make_user(app, "petugas", "Petugas Pengelola")
    login(client, "petugas")
    page = _confirm(client, _upload(client, "buku.csv", _numbered_file(5, year))
                    .get_data(as_text=True)).get_data(as_text=True)
    page = re.sub(r"\s+", " ", page)
    assert ("Baris 2 sampai 3 dari berkas (2 entri) sudah diimpor; mulai baris 4 tidak ada "
            "yang diimpor, karena nomor register atau kode lacak dari baris-baris itu baru saja "
            "terpakai.") in page
    with app.app_context():
        imported = db.session.query(Complaint.register_seq).join(ComplaintEvent).filter(
            ComplaintEvent.step == "import").order_by(Complaint.register_seq).all()
    assert [seq for (seq,) in imported] == [1, 2]
    assert _count(app) == 3


def test_the_reported_officer_column_follows_who_reads_the_export(app, client):
    """The desk reads every reported officer; the Kepala Desa named in a complaint never
    receives its row (``access.restrict``), so the file cannot tell him either."""
    head_user = make_user(app, "kades", "Kepala Desa")
    head = make_officer(app, name="Kades Sidik", position="kepala_desa", user_id=head_user)
    other = make_officer(app, name="Kaur Umum", position="kaur")
    make_complaint(app, subject="Tentang kades", reported_officer_id=head)
    make_complaint(app, subject="Tentang kaur", reported_officer_id=other)
    make_user(app, "petugas", "Petugas Pengelola")
    login(client, "petugas")
    rows = _csv_rows(_export(client))
    column = rows[0].index("Petugas yang dilaporkan")
    assert sorted(row[column] for row in rows[1:]) == ["Kades Sidik", "Kaur Umum"]
    client = app.test_client()
    login(client, "kades")
    rows = _csv_rows(_export(client))
    assert [(row[rows[0].index("Perihal")], row[column]) for row in rows[1:]] == [
        ("Tentang kaur", "Kaur Umum")]
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(_export(client, "xlsx").data), read_only=True).worksheets[0]
    assert "Kades Sidik" not in {value for row in sheet.iter_rows(values_only=True)
                                 for value in row}


def test_the_export_lists_each_complaints_files_and_the_import_ignores_them(app, client):
    from app.models import Attachment
    from app.reporting import register_io
    from tests.test_access import file_on

    first = make_complaint(app, subject="Dengan foto")
    make_complaint(app, subject="Tanpa foto")
    file_on(app, first)
    withdrawn = file_on(app, first, pdf=True)
    file_on(app, first, pdf=True)
    with app.app_context():
        db.session.get(Attachment, withdrawn).withdrawn_at = db.func.now()
        db.session.commit()
    make_user(app, "petugas", "Petugas Pengelola")
    login(client, "petugas")
    rows = _csv_rows(_export(client))
    assert rows[0][-1] == "Lampiran"
    by_subject = {row[rows[0].index("Perihal")]: row[-1] for row in rows[1:]}
    assert by_subject == {"Dengan foto": "bukti.png, bukti.pdf", "Tanpa foto": ""}
    with app.app_context():
        assert "Lampiran" not in {c.header for c in register_io.READ_COLUMNS}
