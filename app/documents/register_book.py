"""The buku register pengaduan as the village files and signs it: a PDF per month or year.

A4 landscape, always in Indonesian, with the official columns: no., date received,
complainant and address (as the reader may see them: ``access.displayed_name`` and
``access.identity_visible``, the same rule as every screen and export), channel,
subject, officer, follow-up, outcome, date the complainant was informed, status.
Every page repeats the column headers and carries its page number; the last page
ends with "Mengetahui, Kepala Desa" and the complaint officer's signature, with the
names of the officers holding those positions (``letterhead.signatory``, the same
as the berita acara) or the configured village head. A voided entry keeps its line,
struck through, with the reason: the numbering has no gap.

The rows are read in batches (``yield_per``) and drawn straight onto the canvas, a
page at a time, instead of building one platypus table for the whole year: a table
of thousands of rows is laid out whole before the first page is written. reportlab
keeps every page of a canvas in memory until the file is saved (a year of 10,000
entries held 20 MB), so the book is drawn in parts of ``PART_PAGES`` pages, each saved
to a temporary file as soon as it is full, and the parts are joined at the end with
pypdf (which copies their compressed pages: memory stays near one part's).

reportlab and pypdf are imported inside ``book_pdf``, when a book is asked for.
"""

import datetime as dt
import shutil
import tempfile
from io import BytesIO

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func

from app.auth import access
from app.auth.villages import current_village
from app.core.timeutil import MONTHS_ID, date_id, today_wib
from app.core.vocabularies import CHANNELS, OUTCOME_TYPES, STATUSES
from app.extensions import db
from app.documents.letterhead import letterhead_lines, signatory
from app.models import Complaint, ComplaintEvent, Officer

MM = 72 / 25.4  # points per millimetre (reportlab.lib.units.mm, without importing it early)
MARGIN = 12 * MM
FONT, BOLD = "Helvetica", "Helvetica-Bold"
SIZE, LEADING = 7.5, 9
PAD = 2
MAX_LINES = 8  # a longer cell ends with "..." (the full text is in the register's screens)
# (header, width in mm); the widths fill A4 landscape within the margins (273 mm).
COLUMNS = [
    ("No.", 26),
    ("Tanggal diterima", 17),
    ("Pengadu dan alamat", 38),
    ("Saluran", 25),
    ("Perihal", 36),
    ("Petugas", 26),
    ("Tindak lanjut", 33),
    ("Hasil", 25),
    ("Tanggal diberitahukan", 20),
    ("Status", 27),
]
BATCH = 500
PART_PAGES = 20
# Wrapped texts kept for reuse: the values that repeat (channels, statuses, officers, dates)
# are few; the ones that do not (names, numbers) would only fill it.
WRAP_CACHE = 2000


class BadPeriod(ValueError):
    """The year or month asked for is not one the book can be made for (message in Indonesian)."""


def book_period(year, month=None, today=None):
    """``(start, end, label)`` of the book for ``year`` (and ``month``); ``BadPeriod`` if wrong.

    ``year`` and ``month`` come from a URL as text: anything else than a year between
    2000 and next year, or a month 1 to 12, is refused with a message.
    """
    today = today or today_wib()
    try:
        year = int(str(year).strip())
        month = int(str(month).strip()) if month not in (None, "") else None
    except ValueError:
        raise BadPeriod("Tahun dan bulan ditulis dengan angka, misalnya tahun 2026 bulan 11.") \
            from None
    if not 2000 <= year <= today.year + 1:
        raise BadPeriod(f"Tahun harus antara 2000 dan {today.year + 1}.")
    if month is not None and not 1 <= month <= 12:
        raise BadPeriod("Bulan harus antara 1 dan 12.")
    if month is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31), f"TAHUN {year}"
    start = dt.date(year, month, 1)
    end = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end, f"BULAN {MONTHS_ID[month - 1].upper()} {year}"


def book_query(user, start, end):
    """The entries received from ``start`` to ``end`` that ``user`` may see, voided ones too,
    in register order, each with the date its complainant was (last) informed."""
    informed = (db.session.query(ComplaintEvent.complaint_id,
                                 func.max(ComplaintEvent.occurred_at).label("informed_at"))
                .filter(ComplaintEvent.step == "inform")
                .group_by(ComplaintEvent.complaint_id).subquery())
    query = access.restrict(db.session.query(Complaint, informed.c.informed_at), user)
    return (query.outerjoin(informed, informed.c.complaint_id == Complaint.id)
            .filter(Complaint.received_at >= dt.datetime.combine(start, dt.time()),
                    Complaint.received_at < dt.datetime.combine(end + dt.timedelta(days=1),
                                                                dt.time()))
            .order_by(Complaint.register_year, Complaint.register_seq, Complaint.id))


def book_labels():
    """Officers' names and the vocabularies' Indonesian labels, looked up once per book."""
    return {"officers": dict(db.session.query(Officer.id, Officer.name).all()),
            "channels": {k: str(v) for k, v in CHANNELS.items()},
            "outcomes": {k: str(v) for k, v in OUTCOME_TYPES.items()},
            "statuses": {k: str(v) for k, v in STATUSES.items()}}


def row_cells(complaint, informed_at, user, labels):
    """The row's cell texts, as ``user`` may read them (``labels``: ``book_labels()``)."""
    if access.identity_visible(user, complaint):
        who = f"{complaint.complainant_name}\n{complaint.complainant_address}"
    else:
        who = access.displayed_name(user, complaint)
    follow_up = complaint.outcome_text or complaint.rejection_reason or ""
    if complaint.referred_to:
        follow_up = f"Dilimpahkan ke {complaint.referred_to}" + (
            f"\n{follow_up}" if follow_up else "")
    outcome = labels["outcomes"].get(complaint.outcome_type, complaint.outcome_type or "")
    status = labels["statuses"].get(complaint.status, complaint.status)
    if complaint.voided:
        status = f"BATAL: {complaint.void_reason or '-'}"
    return [
        complaint.register_number,
        complaint.received_at.strftime("%d-%m-%Y"),
        who,
        labels["channels"].get(complaint.channel, complaint.channel),
        complaint.subject,
        labels["officers"].get(complaint.assigned_officer_id, ""),
        follow_up,
        outcome,
        informed_at.strftime("%d-%m-%Y") if informed_at else "",
        status,
    ]


class _Book:
    """Draws the book page by page, on a new canvas (a new part) every ``PART_PAGES``
    pages; ``new_part()`` gives the canvas of the next part."""

    def __init__(self, new_part, title, period_label):
        # reportlab on the first book only: it is large and most requests never draw a PDF.
        from reportlab.lib.pagesizes import A4, landscape
        from reportlab.lib.utils import simpleSplit

        self.new_part = new_part
        canvas = self.canvas = new_part()
        self.split = simpleSplit
        self.text_width = canvas.stringWidth
        self.width, self.height = landscape(A4)
        self.title, self.period_label = title, period_label
        self.widths = [w * MM for _, w in COLUMNS]
        self.page = 0
        self.y = 0
        self._wrapped = {}

    def wrap(self, text, width, font=FONT):
        """``text`` as the lines that fit ``width`` (at most ``MAX_LINES``). Channels, statuses,
        dates, officers and outcomes repeat from row to row: each is measured once."""
        key = (text, width, font)
        lines = self._wrapped.get(key)
        if lines is None:
            if len(self._wrapped) > WRAP_CACHE:
                self._wrapped.clear()
            lines = self._wrapped[key] = self._wrap(text, width, font)
        return lines

    def _wrap(self, text, width, font):
        lines = []
        room = width - 2 * PAD
        for part in str(text or "").replace("\r", "").split("\n"):
            for line in self.split(part, font, SIZE, room) or [""]:
                lines.extend(self.break_word(line, font, room))
        if len(lines) > MAX_LINES:
            lines = lines[:MAX_LINES]
            lines[-1] = lines[-1][:-3] + "..."
        return lines

    def break_word(self, line, font, room):
        """``line`` cut into pieces that fit ``room``: a word longer than the column (a long
        name, "Telepon/WhatsApp") is broken between characters instead of running over."""
        if self.text_width(line, font, SIZE) <= room:
            return [line]
        pieces, piece = [], ""
        for char in line:
            if piece and self.text_width(piece + char, font, SIZE) > room:
                pieces.append(piece)
                piece = ""
            piece += char
        return pieces + [piece]

    def start_page(self):
        """A new page: the letterhead and title on the first, the column headers on each."""
        if self.page:
            self.footer()
            if self.page % PART_PAGES == 0:
                self.end_part()
                self.canvas = self.new_part()
            else:
                self.canvas.showPage()
        canvas = self.canvas
        self.page += 1
        top = self.height - MARGIN
        if self.page == 1:
            lines = letterhead_lines()
            canvas.setFont(BOLD, 11)
            for i, line in enumerate(lines[:3]):
                canvas.drawCentredString(self.width / 2, top - 11 - i * 13, line)
            canvas.setFont(FONT, 7.5)
            canvas.drawCentredString(self.width / 2, top - 11 - 3 * 13 + 2, lines[3])
            line_y = top - 11 - 3 * 13 - 4
            canvas.setLineWidth(1.5)
            canvas.line(MARGIN, line_y, self.width - MARGIN, line_y)
            canvas.setFont(BOLD, 12)
            canvas.drawCentredString(self.width / 2, line_y - 18, self.title)
            canvas.setFont(BOLD, 10)
            canvas.drawCentredString(self.width / 2, line_y - 31, self.period_label)
            top = line_y - 40
        else:
            canvas.setFont(FONT, 7.5)
            canvas.drawString(MARGIN, top - 8, f"{self.title} {self.period_label} (lanjutan)")
            top -= 14
        self.y = top
        self.draw_row([header for header, _ in COLUMNS], header=True)

    def footer(self):
        self.canvas.setFont(FONT, 7.5)
        self.canvas.drawCentredString(self.width / 2, MARGIN / 2, f"Halaman {self.page}")

    def row_height(self, cells, font=FONT):
        wrapped = [self.wrap(text, width, font) for text, width in zip(cells, self.widths)]
        return wrapped, max(len(lines) for lines in wrapped) * LEADING + 2 * PAD

    def draw_row(self, cells, header=False, struck=False):
        """One row at the current height; a new page first when it does not fit."""
        font = BOLD if header else FONT
        wrapped, height = self.row_height(cells, font)
        if not header and self.y - height < MARGIN + 4:
            self.start_page()
        canvas = self.canvas
        if header:
            canvas.setFillGray(0.85)
            canvas.rect(MARGIN, self.y - height, sum(self.widths), height, stroke=0, fill=1)
            canvas.setFillGray(0)
        canvas.setLineWidth(0.4)
        bottom = self.y - height
        canvas.rect(MARGIN, bottom, sum(self.widths), height, stroke=1, fill=0)
        text = canvas.beginText()
        text.setFont(font, SIZE, LEADING)
        x = MARGIN
        last = len(cells) - 1
        for index, (lines, width) in enumerate(zip(wrapped, self.widths)):
            if index:
                canvas.line(x, bottom, x, self.y)
            text.setTextOrigin(x + PAD, self.y - PAD - LEADING + 2)
            text.textLines(lines, trim=0)
            if struck and index != last:
                for i, line in enumerate(lines):
                    if line:
                        middle = self.y - PAD - (i + 1) * LEADING + 2 + SIZE * 0.3
                        canvas.line(x + PAD, middle,
                                    x + PAD + canvas.stringWidth(line, font, SIZE), middle)
            x += width
        canvas.drawText(text)
        self.y -= height

    def closing(self, place_date, head_name, officer_name, village):
        """Mengetahui, Kepala Desa (left) and the complaint officer (right), kept together."""
        block = 95
        if self.y - block < MARGIN + 4:
            self.start_page()
        canvas = self.canvas
        left, right = MARGIN + 40 * MM, self.width - MARGIN - 60 * MM
        top = self.y - 18
        canvas.setFont(FONT, 9)
        canvas.drawCentredString(right, top, place_date)
        canvas.drawCentredString(left, top - 12, "Mengetahui,")
        canvas.drawCentredString(left, top - 24, f"Kepala Desa {village}")
        canvas.drawCentredString(right, top - 24, "Petugas Pengelola Pengaduan")
        canvas.setFont(BOLD, 9)
        canvas.drawCentredString(left, top - 80, head_name)
        canvas.drawCentredString(right, top - 80, officer_name)
        self.y = top - 84

    def end_part(self):
        self.canvas.showPage()
        self.canvas.save()

    def finish(self):
        self.footer()
        self.end_part()


def book_pdf(user, year, month=None, output=None, today=None):
    """The book of ``year`` (or of one ``month``) as ``user`` may read it.

    Writes to ``output`` (a file object) when given, else returns the PDF bytes.
    ``BadPeriod`` for a year or month the book cannot be made for.
    """
    from reportlab.pdfgen.canvas import Canvas  # on use: see ``_Book.__init__``

    today = today or today_wib()
    start, end, period_label = book_period(year, month, today)
    village = current_village()
    target = output if output is not None else BytesIO()
    title = "BUKU REGISTER PENGADUAN"
    metadata = {"/Title": f"Buku register pengaduan {period_label.title()}",
                "/Author": f"Pemerintah Desa {village.name}"}
    parts = []

    def new_part():
        parts.append(tempfile.TemporaryFile())
        canvas = Canvas(parts[-1], pagesize=_landscape(), pageCompression=1,
                        invariant=1 if current_app.testing else 0)
        canvas.setTitle(metadata["/Title"])
        canvas.setAuthor(metadata["/Author"])
        return canvas

    try:
        with force_locale("id"):
            _draw(_Book(new_part, title, period_label), user, start, end, today, village)
        _join(parts, target, metadata)
    finally:
        for part in parts:
            part.close()
    if output is None:
        return target.getvalue()
    return None


def _join(parts, target, metadata):
    """The parts as one PDF in ``target``: a single part as it is; several are copied page by
    page into the file as they are read (``_PdfOut``), so only one part is held at a time
    (pypdf's own ``PdfWriter`` keeps every page until it writes: memory grew with the book).
    """
    if len(parts) == 1:
        parts[0].seek(0)
        shutil.copyfileobj(parts[0], target)
        return
    from pypdf import PdfReader  # on use: only a book of several parts needs it

    out = _PdfOut(target)
    for part in parts:
        part.seek(0)
        copied = {}  # this part's objects (fonts shared by its pages) -> their new numbers
        for page in PdfReader(part).pages:
            out.add_page(page, copied)
    out.finish(metadata)


class _PdfOut:
    """A PDF written object by object: pages copied from the parts (their content streams
    as they are, still compressed), then the page tree, the catalog and the cross-reference
    table. Objects 1 and 2 are the catalog and the page tree, written last."""

    def __init__(self, target):
        from pypdf import generic  # on use: see ``_join``

        self.g, self.target, self.start = generic, target, target.tell()
        self.offsets, self.kids, self.next_number = {}, [], 3
        target.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def _ref(self, number):
        return self.g.IndirectObject(number, 0, None)

    def _write(self, number, obj):
        self.offsets[number] = self.target.tell() - self.start
        self.target.write(f"{number} 0 obj\n".encode())
        obj.write_to_stream(self.target)
        self.target.write(b"\nendobj\n")

    def _new_number(self):
        self.next_number += 1
        return self.next_number - 1

    def _copy(self, obj, copied):
        g = self.g
        if isinstance(obj, g.IndirectObject):
            if obj.idnum not in copied:
                copied[obj.idnum] = self._new_number()
                self._write(copied[obj.idnum], self._copy(obj.get_object(), copied))
            return self._ref(copied[obj.idnum])
        if isinstance(obj, g.StreamObject):
            stream = g.StreamObject()
            stream._data = obj._data  # the encoded bytes, written as they are (no re-encoding)
            stream.update({g.NameObject(k): self._copy(v, copied) for k, v in obj.items()})
            return stream
        if isinstance(obj, g.DictionaryObject):
            return g.DictionaryObject({g.NameObject(k): self._copy(v, copied)
                                       for k, v in obj.items()})
        if isinstance(obj, g.ArrayObject):
            return g.ArrayObject(self._copy(v, copied) for v in obj)
        return obj

    def add_page(self, page, copied):
        g = self.g
        number = self._new_number()
        new = g.DictionaryObject({g.NameObject(k): self._copy(v, copied)
                                  for k, v in page.items() if k != "/Parent"})
        new[g.NameObject("/Parent")] = self._ref(2)
        self._write(number, new)
        self.kids.append(self._ref(number))

    def finish(self, metadata):
        g = self.g
        name = g.NameObject
        self._write(1, g.DictionaryObject({name("/Type"): name("/Catalog"),
                                           name("/Pages"): self._ref(2)}))
        self._write(2, g.DictionaryObject({name("/Type"): name("/Pages"),
                                           name("/Kids"): g.ArrayObject(self.kids),
                                           name("/Count"): g.NumberObject(len(self.kids))}))
        info = self._new_number()
        self._write(info, g.DictionaryObject({name(k): g.TextStringObject(v)
                                              for k, v in metadata.items()}))
        xref = self.target.tell() - self.start
        lines = [f"xref\n0 {self.next_number}\n0000000000 65535 f \n"]
        lines += [f"{self.offsets[n]:010d} 00000 n \n" for n in range(1, self.next_number)]
        lines.append(f"trailer\n<< /Size {self.next_number} /Root 1 0 R /Info {info} 0 R >>\n"
                     f"startxref\n{xref}\n%%EOF\n")
        self.target.write("".join(lines).encode())


def _draw(book, user, start, end, today, village):
    """Every row of the period, then the closing block, onto ``book``."""
    book.start_page()
    labels = book_labels()
    count = 0
    for complaint, informed_at in book_query(user, start, end).yield_per(BATCH):
        book.draw_row(row_cells(complaint, informed_at, user, labels),
                      struck=complaint.voided)
        count += 1
    if not count:
        book.draw_row(["", "", "Tidak ada pengaduan pada periode ini.", "", "", "", "", "",
                       "", ""])
    book.closing(f"{village.name}, {date_id(min(today, end))}",
                 signatory("kepala_desa", village.head_name),
                 signatory("petugas_pengelola", "(" + "." * 30 + ")"), village.name)
    book.finish()


def _landscape():
    from reportlab.lib.pagesizes import A4, landscape  # on use: see ``_Book.__init__``

    return landscape(A4)
