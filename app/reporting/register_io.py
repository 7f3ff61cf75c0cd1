"""The register (buku pengaduan) in and out of Excel and CSV.

One list of columns (``COLUMNS``) says how each column of the official register
is written and read back, so an export imported into an empty database gives
back the same register. Headers and labels are always Indonesian: the file is
an official document and is read by people.

Export respects the row-level rules (``access.restrict``) and identity
confidentiality (``access.identity_visible``), and streams: CSV row by row,
XLSX written by XlsxWriter in its constant-memory mode, sent in chunks. An XLSX
to import is read by openpyxl (read-only mode).

Import is two steps: ``check_file`` (the dry run: the file read as a stream
within limits, every problem of every row, in Indonesian) and ``import_rows``
(the checked rows, a batch per transaction so that others can write between
batches; see its docstring for what happens when a batch fails).
Imported rows keep their register number and dates, keep a valid tracking
code or get a new one, and the register counter of each year moves past the
highest imported number, so the next registration cannot collide.
"""

import codecs
import csv
import datetime as dt
import io
import logging
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from typing import Optional

from flask_babel import force_locale, gettext
from sqlalchemy.exc import IntegrityError

from app.auth import access, identity
from app.auth.villages import current_village
from app.core import workflow
from app.core.numbering import TRACKING_ALPHABET, TRACKING_LENGTH, InvalidPhone, normalize_phone
from app.core.vocabularies import CHANNELS, KINDS, OUTCOME_TYPES, STATUSES, URGENCIES, label
from app.extensions import db
from app.models import Attachment, Category, Complaint, Dusun, Officer, RegisterCounter
from app.models.busy import DatabaseBusy, retry_when_busy
from app.services import deadlines
from app.services.complaints import add_event, compute_deadlines, touch, unique_tracking_code

# Limits of one import file (the upload itself: REQUEST_SIZE_LIMITS in config.py). A file over
# one is refused whole, with the reason, before anything is written.
log = logging.getLogger(__name__)

MAX_IMPORT_ROWS = 20000  # register entries
MAX_IMPORT_LINES = 25000  # rows read at all: the header, the entries, and empty rows between
MAX_IMPORT_COLUMNS = 100  # the register has about 30
MAX_IMPORT_CELL_CHARS = 10000  # the forms take at most 5,000 (a description)
MAX_XLSX_UNPACKED_BYTES = 300 * 1024 * 1024  # an XLSX is a zip: what its parts unpack to
REGISTER_NUMBER = re.compile(r"^\s*(\d{1,6})\s*/\s*([^/\s]+)\s*/\s*([IVX]{1,4})\s*/\s*(\d{4})\s*$")
YES, NO = "Ya", "Tidak"


@dataclass(frozen=True)
class Column:
    """One column of the register: its header, the model field, and its kind of value."""

    header: str
    field: str
    kind: str = "text"  # text, datetime, date, bool, vocab, ref, phone
    required: bool = False
    vocabulary: Optional[dict] = None
    model: Optional[type] = None  # for kind "ref": looked up by name
    max_length: Optional[int] = None


COLUMNS = [
    Column("No. Register", "register_number", required=True),
    Column("Tanggal diterima", "received_at", "datetime", required=True),
    Column("Kode lacak", "tracking_code"),
    Column("Jenis", "kind", "vocab", vocabulary=KINDS),
    Column("Saluran", "channel", "vocab", required=True, vocabulary=CHANNELS),
    Column("Nama pengadu", "complainant_name", required=True, max_length=120),
    Column("Alamat", "complainant_address", required=True, max_length=255),
    Column("No. HP/WA", "complainant_phone", "phone", required=True),
    Column("Email", "complainant_email", max_length=120),
    Column("Perihal", "subject", required=True, max_length=200),
    Column("Uraian", "description", required=True),
    Column("Dusun", "dusun_id", "ref", model=Dusun),
    Column("RT/RW", "rt_rw", max_length=10),
    Column("Lokasi", "location", max_length=255),
    Column("Tanggal kejadian", "incident_date", "date"),
    Column("Kategori", "category_id", "ref", model=Category),
    Column("Urgensi", "urgency", "vocab", vocabulary=URGENCIES),
    Column("Perlindungan identitas", "identity_level", "vocab", vocabulary=identity.LEVEL_LABELS),
    Column("Status", "status", "vocab", vocabulary=STATUSES),
    Column("Petugas", "assigned_officer_id", "ref", model=Officer),
    Column("Petugas yang dilaporkan", "reported_officer_id", "ref", model=Officer),
    Column("Batas verifikasi", "verification_due", "date"),
    Column("Batas waktu", "due_date", "date"),
    Column("Tanggal selesai", "resolved_at", "datetime"),
    Column("Jenis tindak lanjut", "outcome_type", "vocab", vocabulary=OUTCOME_TYPES),
    Column("Hasil tindak lanjut", "outcome_text"),
    Column("Alasan ditolak", "rejection_reason"),
    Column("Dilimpahkan ke", "referred_to", max_length=200),
    Column("Catatan untuk publik", "public_note"),
    Column("Tanggal ditutup", "closed_at", "datetime"),
    Column("Batal (alasan)", "void_reason"),
]
# The export also lists each complaint's files by name (the files themselves are in the
# backup); the import ignores that column, as it ignores any column not in COLUMNS.
FILES_HEADER = "Lampiran"
HEADERS = [column.header for column in COLUMNS] + [FILES_HEADER]
# Files exported before the identity level existed carry only "Rahasia: Ya/Tidak": still read
# (Ya is the confidential level), never written.
OLD_CONFIDENTIAL = Column("Rahasia", "is_confidential", "bool")
READ_COLUMNS = COLUMNS + [OLD_CONFIDENTIAL]


# --- Export ---------------------------------------------------------------------------------


def export_query(user, filters=None, overdue=False):
    """The complaints ``user`` may see, narrowed by the list's filters, in register order."""
    query = access.restrict(db.session.query(Complaint), user)
    if filters is not None:
        query = filters.apply_all(query)
    if overdue:
        query = query.filter(deadlines.overdue_condition())
    return query.order_by(Complaint.register_year, Complaint.register_seq, Complaint.id)


def record_export_views(query, user):
    """Log one identity view ("export") per complaint of ``query`` whose identity the file shows.

    ``query`` is the export's (``export_query``: rows ``user`` may see), so the rows
    whose identity ``user`` may read are ``access.name_search_scope`` of it. Logged
    before the file is written, in one bulk insert.
    """
    ids = access.name_search_scope(query.order_by(None), user).with_entities(Complaint.id)
    identity.record_views(user, [pk for (pk,) in ids], "export")


def _names():
    names = {model: dict(db.session.query(model.id, model.name).all())
             for model in (Dusun, Category, Officer)}
    files = {}
    for complaint_id, name in db.session.query(Attachment.complaint_id, Attachment.original_name
                                               ).filter(Attachment.complaint_id.isnot(None),
                                                        Attachment.withdrawn_at.is_(None)
                                                        ).order_by(Attachment.id):
        files.setdefault(complaint_id, []).append(name)
    names[Attachment] = {pk: ", ".join(listed) for pk, listed in files.items()}
    return names


def export_values(complaint, user, names, as_text=False):
    """The register row of ``complaint`` as ``user`` may read it (identity masked if hidden).

    ``as_text``: dates as 'YYYY-MM-DD HH:MM' text (CSV); else date objects (XLSX cells).
    """
    visible = access.identity_visible(user, complaint)
    row = []
    for column in COLUMNS:
        value = getattr(complaint, column.field)
        if column.field in access.IDENTITY_COLUMNS and not visible:
            value = access.hidden_identity_text()
        elif column.field == access.TRACKING_CODE and not access.tracking_code_visible(user):
            value = None
        elif column.kind == "vocab":
            value = str(label(column.vocabulary, value)) if value else None
        elif column.kind == "ref":
            value = names[column.model].get(value)
        elif column.kind == "bool":
            value = YES if value else NO
        elif column.field == "void_reason" and not complaint.voided:
            value = None
        if as_text and isinstance(value, dt.datetime):
            value = value.strftime("%Y-%m-%d %H:%M:%S")
        elif as_text and isinstance(value, dt.date):
            value = value.isoformat()
        row.append(value)
    row.append(names[Attachment].get(complaint.id))
    return row


# A cell starting with one of these is run as a formula by spreadsheet programs (CSV injection);
# the full-width forms too, which some spreadsheet programs read as their ASCII twins.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_safe(value):
    """Text a spreadsheet will neither run nor read as a number: a cell starting like a
    formula gets a leading apostrophe.

    Phone numbers (+62...) too: unescaped, a spreadsheet reads them as a number and shows
    6.28E+12. ``_text`` on import removes the apostrophe again, so the round trip is exact.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_chunks(query, user, batch=200):
    """The export as CSV text chunks (UTF-8 with BOM for Excel), a batch of rows at a time.

    Runs after the view returned (a streamed response): Flask pushes a new app context, so
    the query is moved to that context's session, which its teardown closes. Left on the
    view's session it would open a transaction nobody ends (on PostgreSQL an idle
    transaction holding locks; a TRUNCATE or a migration then waits forever).
    """
    view_session = query.session
    query = query.with_session(db.session())
    try:
        yield from _csv_chunks(query, user, batch)
    finally:
        view_session.close()
        db.session.remove()


def _csv_chunks(query, user, batch):
    with force_locale("id"):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")
        writer.writerow(HEADERS)
        names = _names()
        for index, complaint in enumerate(query.yield_per(batch), start=1):
            writer.writerow([csv_safe(v) for v in export_values(complaint, user, names,
                                                                 as_text=True)])
            if index % batch == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()


def xlsx_file(query, user, batch=200):
    """The export as an XLSX in a temporary file, written row by row (constant memory).

    XlsxWriter in its constant-memory mode (faster than openpyxl's write-only workbook, which
    reads the import: docs/features.md "The register in and out of Excel"). Every text is
    written as a string cell, so '=...' from a resident never becomes a formula.

    As a clerk reads it: one sheet per register year ("Buku Pengaduan 2026", the query is
    in register order), the header row bold, frozen and with a filter, columns wide
    enough for what they hold (``XLSX_WIDTHS``), dates shown the Indonesian way
    (31-12-2026) but kept as dates (they sort, filter and import back), the identity level
    as its word (``COLUMNS``' vocabulary).
    """
    import xlsxwriter  # loaded only when an XLSX is asked for, not in every worker at start

    with force_locale("id"):
        output = tempfile.TemporaryFile()
        workbook = xlsxwriter.Workbook(output, {"constant_memory": True})
        bold = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                    "bg_color": "#D9D9D9", "border": 1})
        formats = {dt.datetime: workbook.add_format({"num_format": "dd-mm-yyyy hh:mm"}),
                   dt.date: workbook.add_format({"num_format": "dd-mm-yyyy"})}
        names = _names()
        sheet, year, row = None, None, 0
        for complaint in query.yield_per(batch):
            if sheet is None or complaint.register_year != year:
                _xlsx_close_sheet(sheet, row)
                year, row = complaint.register_year, 0
                sheet = _xlsx_sheet(workbook, f"{SHEET_NAME} {year}", bold)
            row += 1
            for col, value in enumerate(export_values(complaint, user, names)):
                _xlsx_write(sheet, row, col, value, formats)
        if sheet is None:
            sheet = _xlsx_sheet(workbook, SHEET_NAME, bold)
        _xlsx_close_sheet(sheet, row)
        workbook.close()
        output.seek(0)
        return output


SHEET_NAME = "Buku Pengaduan"
# Column widths (characters) of the XLSX by field; other columns get ``XLSX_WIDTH``.
XLSX_WIDTH = 16
XLSX_WIDTHS = {
    "register_number": 18, "received_at": 17, "complainant_name": 24,
    "complainant_address": 30, "complainant_phone": 17, "complainant_email": 26,
    "subject": 34, "description": 50, "location": 26, "outcome_text": 40,
    "rejection_reason": 30, "public_note": 40, "void_reason": 26, "referred_to": 26,
    "identity_level": 22, "reported_officer_id": 22, "assigned_officer_id": 22,
}


def _xlsx_sheet(workbook, name, header_format):
    """A new sheet with the register's header row (frozen) and the columns' widths."""
    sheet = workbook.add_worksheet(name)
    sheet.freeze_panes(1, 0)
    for col, column in enumerate(COLUMNS):
        sheet.set_column(col, col, XLSX_WIDTHS.get(column.field, XLSX_WIDTH))
    for col, text in enumerate(HEADERS):
        sheet.write_string(0, col, text, header_format)
    return sheet


def _xlsx_close_sheet(sheet, last_row):
    """The header's filter over the rows written (set once they are all known)."""
    if sheet is not None:
        sheet.autofilter(0, 0, last_row, len(HEADERS) - 1)  # the files column too


def _xlsx_write(sheet, row, col, value, formats):
    """One cell by its type: text always as text, dates as dates, numbers as numbers."""
    if value is None or value == "":
        return
    if isinstance(value, str):
        sheet.write_string(row, col, value)
    elif isinstance(value, dt.datetime):
        sheet.write_datetime(row, col, value, formats[dt.datetime])
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), formats[dt.date])
    elif isinstance(value, (int, float)):
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, str(value))


def file_chunks(handle, size=64 * 1024):
    """Read an open file in chunks and close it at the end (for a streamed response)."""
    try:
        while chunk := handle.read(size):
            yield chunk
    finally:
        handle.close()


# --- Import: reading ------------------------------------------------------------------------


class UnreadableFile(ValueError):
    """The upload is not an XLSX or CSV we can read, or is over a limit; the message is
    translated."""


def iter_table(filename, data):
    """The uploaded file's rows one at a time, as ``(row number, cell values)``, header first.

    Read as a stream, never as a whole table: an XLSX's declared size is not trusted (a tiny
    file can declare a million rows of 16,384 columns), a CSV is read line by line. Stops
    with ``UnreadableFile`` at the first row, column or cell over the limits above.
    """
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif name.endswith(".csv"):
        rows = _csv_rows(data)
    else:
        raise UnreadableFile(gettext("Choose an .xlsx or .csv file."))
    for line, row in enumerate(rows, start=1):
        if line > MAX_IMPORT_LINES:
            raise UnreadableFile(gettext(
                "The file has more than %(count)s rows (empty rows included); split it into "
                "smaller files.", count=MAX_IMPORT_LINES))
        row = list(row)
        while row and _blank(row[-1]):
            row.pop()
        if len(row) > MAX_IMPORT_COLUMNS:
            raise UnreadableFile(gettext(
                "Row %(line)s has more than %(count)s columns; the register has %(columns)s.",
                line=line, count=MAX_IMPORT_COLUMNS, columns=len(COLUMNS)))
        if any(isinstance(v, str) and len(v) > MAX_IMPORT_CELL_CHARS for v in row):
            raise UnreadableFile(_cell_too_long(line))
        yield line, row


def _cell_too_long(line):
    return gettext("Row %(line)s has a cell longer than %(count)s characters; shorten it.",
                   line=line, count=MAX_IMPORT_CELL_CHARS)


def _xlsx_rows(data):
    """Every sheet's rows as value tuples, their declared dimensions ignored.

    An export of several years has a sheet per year, each with the header row: the first
    sheet's header is read as the file's, a later sheet's identical header is skipped, so
    the years follow one another as one register. Row numbers in the check's messages
    count on across the sheets.
    """
    from openpyxl import load_workbook  # loaded only when an XLSX is imported

    not_xlsx = gettext("The file could not be read as an Excel (XLSX) file.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UnreadableFile(not_xlsx) from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:  # zipfile reads no more than each member declares
        raise UnreadableFile(gettext(
            "The Excel file unpacks to more than %(size)s MB; split it into smaller files.",
            size=MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors for a broken file
        raise UnreadableFile(not_xlsx) from None
    try:
        header = None
        for sheet in workbook.worksheets:
            sheet.reset_dimensions()  # rows as they are in the file, not padded to the size
            rows = sheet.iter_rows(values_only=True)
            first = True
            while True:
                try:
                    row = next(rows)
                except StopIteration:
                    break
                except Exception:  # a broken sheet part
                    raise UnreadableFile(not_xlsx) from None
                if first and header is not None and _trimmed(row) == header:
                    first = False
                    continue
                if header is None:
                    header = _trimmed(row)
                first = False
                yield row
    finally:
        workbook.close()


def _trimmed(row):
    """A row without its trailing empty cells (to compare header rows)."""
    row = list(row)
    while row and _blank(row[-1]):
        row.pop()
    return row


def _csv_rows(data):
    """The CSV's rows, read line by line (UTF-8, or Windows-1252 as Excel writes it)."""
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=_csv_encoding(data), newline="")
    first = stream.readline(64 * 1024)
    delimiter = max((",", ";", "\t"), key=first.count)
    stream.seek(0)
    reader = csv.reader(stream, delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as exc:  # the csv module's own cell limit (128 KiB), or broken quoting
        line = reader.line_num
        if "field larger than field limit" in str(exc):
            raise UnreadableFile(_cell_too_long(line)) from None
        raise UnreadableFile(gettext("The CSV file could not be read near line %(line)s; "
                                     "save it again from the spreadsheet program.",
                                     line=line)) from None


def _csv_encoding(data):
    """UTF-8 (with or without BOM) when every byte decodes so, else Windows-1252; checked
    piece by piece, without a decoded copy of the file."""
    for encoding in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(data), 1 << 16):
                decoder.decode(data[start:start + (1 << 16)])
            decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(gettext("The CSV file's characters could not be read; "
                                 "save it as UTF-8."))


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        text = text[1:]  # written by csv_safe
    return text


def _parse_datetime(value):
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0, tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    text = _text(value)
    for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%d/%m/%Y %H:%M",
                    "%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%dT%H:%M:%S"):
        try:
            return dt.datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise ValueError(text)


def _parse_date(value):
    return _parse_datetime(value).date()


def _vocabulary_lookup(vocabulary):
    """Identifier or Indonesian label (any case) -> identifier."""
    with force_locale("id"):
        lookup = {str(text).strip().lower(): key for key, text in vocabulary.items()}
    lookup.update({key.lower(): key for key in vocabulary})
    return lookup


@dataclass
class RowCheck:
    """One data row of the file: its line number, the values read, and what is wrong."""

    line: int
    values: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)


@dataclass
class FileCheck:
    """The dry run's answer: every row checked, and problems of the file as a whole."""

    rows: list
    problems: list

    @property
    def bad_rows(self):
        return [row for row in self.rows if row.problems]

    @property
    def ok(self):
        return bool(self.rows) and not self.problems and not self.bad_rows


def check_file(filename, data):
    """The dry run: read the file row by row and check every row; nothing is written."""
    try:
        return _check_rows(iter_table(filename, data))
    except UnreadableFile as exc:
        return FileCheck([], [str(exc)])


def _check_rows(rows):
    """Check ``(row number, values)`` pairs, the first non-empty one being the header."""
    positions, context, checked = None, None, []
    for line, raw in rows:
        if all(_blank(v) for v in raw):
            continue
        if positions is None:
            header = [_text(h).lower() if not _blank(h) else "" for h in raw]
            positions = {column.field: header.index(column.header.lower())
                         for column in READ_COLUMNS if column.header.lower() in header}
            missing = [c.header for c in COLUMNS if c.required and c.field not in positions]
            if missing:
                return FileCheck([], [gettext(
                    "The first row must hold the register's column names; missing: "
                    "%(columns)s.", columns=", ".join(missing))])
            context = _Context()
            continue
        if len(checked) == MAX_IMPORT_ROWS:
            return FileCheck([], [gettext("At most %(count)s rows can be imported at once.",
                                          count=MAX_IMPORT_ROWS)])
        cells = {f: (raw[i] if i < len(raw) else None) for f, i in positions.items()}
        checked.append(_check_row(line, cells, context))
    if positions is None:
        return FileCheck([], [gettext("The file is empty.")])
    return FileCheck(checked, [])


class _Context:
    """What rows are checked against: the reference lists and what the register holds."""

    def __init__(self):
        self.refs = {model: {name.strip().lower(): pk for pk, name in
                             db.session.query(model.id, model.name).all()}
                     for model in (Dusun, Category, Officer)}
        self.vocab = {c.field: _vocabulary_lookup(c.vocabulary) for c in COLUMNS if c.vocabulary}
        self.numbers = {(y, s) for y, s in db.session.query(Complaint.register_year,
                                                            Complaint.register_seq)}
        self.codes = {c for (c,) in db.session.query(Complaint.tracking_code)}
        self.seen_numbers, self.seen_codes = {}, {}


def _check_row(line, cells, context):
    row = RowCheck(line)
    values = row.values
    for column in READ_COLUMNS:
        raw = cells.get(column.field)
        if _blank(raw):
            if column.required:
                row.problems.append(gettext("%(column)s is empty (required).",
                                            column=column.header))
            continue
        try:
            values[column.field] = _read_value(column, raw, context)
        except ValueError as exc:
            row.problems.append(str(exc))
    _check_number(row, context)
    _check_code(row, context)
    _complete(row)
    return row


def _read_value(column, raw, context):
    if column.kind == "datetime":
        try:
            return _parse_datetime(raw)
        except ValueError:
            raise ValueError(gettext("%(column)s: \"%(value)s\" is not a date (use YYYY-MM-DD).",
                                     column=column.header, value=_text(raw))) from None
    if column.kind == "date":
        try:
            return _parse_date(raw)
        except ValueError:
            raise ValueError(gettext("%(column)s: \"%(value)s\" is not a date (use YYYY-MM-DD).",
                                     column=column.header, value=_text(raw))) from None
    text = _text(raw)
    if column.kind == "phone":
        try:
            return normalize_phone(text)
        except InvalidPhone:
            raise ValueError(gettext("%(column)s: \"%(value)s\" is not a reachable Indonesian "
                                     "phone number.", column=column.header, value=text)) from None
    if column.kind == "vocab":
        key = context.vocab[column.field].get(text.lower())
        if key is None:
            raise ValueError(gettext("%(column)s: \"%(value)s\" is unknown.",
                                     column=column.header, value=text))
        return key
    if column.kind == "ref":
        pk = context.refs[column.model].get(text.lower())
        if pk is None:
            raise ValueError(gettext("%(column)s: \"%(value)s\" is not in the list; check the "
                                     "spelling against Master data.", column=column.header,
                                     value=text))
        return pk
    if column.kind == "bool":
        if text.lower() in ("ya", "y", "yes", "1", "true"):
            return True
        if text.lower() in ("tidak", "t", "no", "0", "false", ""):
            return False
        raise ValueError(gettext("%(column)s: write Ya or Tidak.", column=column.header))
    if column.max_length and len(text) > column.max_length:
        raise ValueError(gettext("%(column)s is longer than %(count)s characters.",
                                 column=column.header, count=column.max_length))
    if column.field == "complainant_email" and "@" not in text:
        raise ValueError(gettext("%(column)s: \"%(value)s\" is not an email address.",
                                 column=column.header, value=text))
    return text


def _check_number(row, context):
    number = row.values.get("register_number")
    if not number:
        return
    match = REGISTER_NUMBER.match(number)
    if not match:
        row.problems.append(gettext("No. Register \"%(value)s\" is not like 001/PGD/XI/2026.",
                                    value=number))
        return
    seq, year = int(match.group(1)), int(match.group(4))
    row.values["register_number"] = f"{seq:03d}/{match.group(2)}/{match.group(3)}/{year}"
    row.values["register_seq"], row.values["register_year"] = seq, year
    received = row.values.get("received_at")
    if received and received.year != year:
        row.problems.append(gettext(
            "No. Register %(number)s is of %(year)s but the complaint was received in "
            "%(received)s.", number=number, year=year, received=received.year))
    if seq < 1:
        row.problems.append(gettext("No. Register \"%(value)s\" must start from 1.", value=number))
    if (year, seq) in context.numbers:
        row.problems.append(gettext("No. Register %(number)s is already in the register.",
                                    number=number))
    elif (year, seq) in context.seen_numbers:
        row.problems.append(gettext("No. Register %(number)s appears twice in the file "
                                    "(also in row %(line)s).", number=number,
                                    line=context.seen_numbers[(year, seq)]))
    else:
        context.seen_numbers[(year, seq)] = row.line


def _check_code(row, context):
    code = row.values.get("tracking_code")
    if not code:
        return
    code = code.upper()
    row.values["tracking_code"] = code
    if len(code) != TRACKING_LENGTH or any(ch not in TRACKING_ALPHABET for ch in code):
        row.problems.append(gettext("Kode lacak \"%(value)s\" is not a tracking code of this "
                                    "register; leave it empty to get a new one.", value=code))
    elif code in context.codes or code in context.seen_codes:
        row.problems.append(gettext("Kode lacak %(value)s is already used.", value=code))
    else:
        context.seen_codes[code] = row.line


def _complete(row):
    """Fill what a paper register leaves out, and check the status has what it needs."""
    values = row.values
    values.setdefault("kind", "pengaduan")
    values.setdefault("urgency", "normal")
    values.setdefault("status", workflow.RECEIVED)
    # An old file's "Rahasia: Ya" and the level column together: the more protective wins,
    # so a round trip never lowers a complaint's protection.
    level = values.get("identity_level") or identity.NAMED
    if values.pop("is_confidential", False):
        level = max(level, identity.CONFIDENTIAL, key=identity.rank)
    values["identity_level"] = level
    status = values["status"]
    if status in workflow.CLOSED_STATUSES and not (values.get("closed_at")
                                                   or values.get("resolved_at")):
        row.problems.append(gettext("Status \"%(status)s\" needs the date it was closed "
                                    "(Tanggal selesai or Tanggal ditutup).",
                                    status=STATUSES[status]))
    if status in (workflow.RESOLVED, workflow.INFORMED) and not values.get("outcome_type"):
        row.problems.append(gettext("Status \"%(status)s\" needs the outcome type "
                                    "(Jenis tindak lanjut).", status=STATUSES[status]))


# --- Import: writing ------------------------------------------------------------------------


class ImportRefused(Exception):
    """The import did not happen; nothing was written. The message is translated."""


class ImportStopped(ImportRefused):
    """Some batches were imported, then one could not be: the message names the rows that
    are in the register and where the import stopped."""


# Rows written per transaction: about a second of the database's write lock, so residents'
# submissions and the desk's work wait for one batch at most, never for the whole file.
IMPORT_BATCH_ROWS = 500


def import_rows(check, user, source=""):
    """Write every row of a clean dry run, ``IMPORT_BATCH_ROWS`` rows per transaction;
    return the number imported.

    The trade-off: one transaction for the whole file (all or nothing) held the database's
    write lock for minutes on a large file, and every resident submitting meanwhile got an
    error. So the promise is kept differently: the dry run has just checked every row against
    the register (``check_file``, run again on confirming), and the batches are written in
    file order, each committed on its own. The first batch also moves each year's register
    counter past the file's highest number, so registrations between batches take numbers
    after the file's and cannot collide with a later batch. If a batch still fails (another
    import took one of its numbers meanwhile, or the database stayed busy), it is rolled back
    and ``ImportStopped`` says exactly which rows of the file are in the register and from
    which row on nothing was imported: the desk removes the imported rows from the file and
    imports the rest. Every imported row has an "import" event naming the file and row.
    """
    if not check.ok:
        raise ImportRefused(gettext("The file has problems; nothing was imported."))
    rows = check.rows
    highest = {}
    for row in rows:
        year, seq = row.values["register_year"], row.values["register_seq"]
        highest[year] = max(highest.get(year, 0), seq)
    done = 0
    for start in range(0, len(rows), IMPORT_BATCH_ROWS):
        batch = rows[start:start + IMPORT_BATCH_ROWS]
        try:
            retry_when_busy(lambda: _write_batch(batch, user, source,
                                                 highest if start == 0 else {}))
        except IntegrityError:
            db.session.rollback()
            reason = gettext("a register number or tracking code of those rows was taken "
                             "meanwhile")
        except DatabaseBusy:
            reason = gettext("the database stayed busy")
        except Exception:
            db.session.rollback()
            log.exception("Register import stopped at row %s", batch[0].line)
            reason = gettext("of an unexpected error (written to the log for the administrator)")
        else:
            done += len(batch)
            continue
        if done == 0:
            raise ImportRefused(gettext(
                "Nothing was imported, because %(reason)s. Check the file again.",
                reason=reason)) from None
        raise ImportStopped(gettext(
            "Rows %(first)s to %(last)s of the file (%(count)s entries) were imported; from row "
            "%(line)s on nothing was imported, because %(reason)s. Remove the imported rows "
            "from the file, check it again and import the rest.", first=rows[0].line,
            last=rows[done - 1].line, count=done, line=batch[0].line, reason=reason)) from None
    return done


def _write_batch(batch, user, source, counters):
    """One transaction: the rows of ``batch`` with their "import" events, and the register
    counters of ``counters`` (year -> highest number) moved past those numbers."""
    for year, seq in counters.items():
        _raise_counter(year, seq)
    for row in batch:
        complaint = _complaint_from(row.values, user)
        if complaint.due_date is None or complaint.verification_due is None:
            due, verification = complaint.due_date, complaint.verification_due
            compute_deadlines(complaint)
            complaint.due_date = due or complaint.due_date
            complaint.verification_due = verification or complaint.verification_due
        touch(complaint, user, complaint.closed_at or complaint.received_at)
        db.session.add(complaint)
        add_event(complaint, "import", user, None, complaint.status,
                  data={"source": source, "line": row.line}, at=complaint.received_at)
    db.session.commit()


def _complaint_from(values, user):
    complaint = Complaint()
    for key, value in values.items():
        if key == "void_reason":
            continue
        setattr(complaint, key, value)
    if values.get("void_reason"):
        complaint.voided = True
        complaint.void_reason = values["void_reason"]
    if complaint.status in workflow.CLOSED_STATUSES and complaint.closed_at is None:
        complaint.closed_at = complaint.resolved_at
    complaint.tracking_code = complaint.tracking_code or unique_tracking_code()
    complaint.created_at = complaint.received_at
    if user is not None and getattr(user, "is_authenticated", False):
        complaint.created_by_id = user.id
    return complaint


def _raise_counter(year, seq):
    """Move the village's counter of the year past ``seq`` (never back), under the counter's
    row lock."""
    village_id = current_village().id
    counter = db.session.query(RegisterCounter).filter_by(
        village_id=village_id, year=year).with_for_update().first()
    if counter is None:
        db.session.add(RegisterCounter(village_id=village_id, year=year, last_number=seq))
    elif counter.last_number < seq:
        counter.last_number = seq
    db.session.flush()

