"""The village's letterhead and signatories, the same on every document."""

from xml.sax.saxutils import escape

from app.auth.villages import current_village
from app.extensions import db
from app.models import Officer


def letterhead_lines():
    """PEMERINTAH DESA ..., KECAMATAN ..., KABUPATEN ... and the contact line."""
    village = current_village()
    return [
        f"PEMERINTAH DESA {village.name.upper()}",
        f"KECAMATAN {village.kecamatan.upper()}",
        f"KABUPATEN {village.kabupaten.upper()}",
        f"{village.address} · Telp/WA {village.phone} · {village.email}",
    ]


def letterhead(a5=False):
    """The letterhead as reportlab flowables: the three bold lines, the contact line and
    the rule under them; a little smaller on an A5 page."""
    # reportlab loads only when a PDF is asked for, not in every worker at start.
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.platypus import HRFlowable, Paragraph

    normal = getSampleStyleSheet()["Normal"]
    head = ParagraphStyle("letterhead", parent=normal, alignment=1, fontName="Helvetica-Bold",
                          fontSize=11 if a5 else 12, leading=14 if a5 else 15)
    contact = ParagraphStyle("letterhead-contact", parent=normal, alignment=1,
                             fontSize=7 if a5 else 8, leading=9 if a5 else 10)
    lines = letterhead_lines()
    return ([Paragraph(escape(line), head) for line in lines[:3]]
            + [Paragraph(escape(lines[3]), contact),
               HRFlowable(width="100%", thickness=1.5 if a5 else 2, color=colors.black,
                          spaceBefore=4)])


def heading_style(name, **overrides):
    """A centred bold heading (a document's title) in the letterhead's type."""
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet  # as letterhead()

    return ParagraphStyle(name, parent=getSampleStyleSheet()["Normal"], alignment=1,
                          fontName="Helvetica-Bold", **overrides)


def signatory(position, fallback=None):
    """The name of the active officer holding ``position`` (first by name), else ``fallback``."""
    officer = (db.session.query(Officer)
               .filter(Officer.position == position, Officer.active.is_(True))
               .order_by(Officer.id).first())
    return officer.name if officer is not None else fallback
