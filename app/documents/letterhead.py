"""The village's letterhead and signatories, the same on every document."""

from flask import current_app

from app.extensions import db
from app.models import Officer


def letterhead_lines():
    """PEMERINTAH DESA ..., KECAMATAN ..., KABUPATEN ... and the contact line."""
    village = current_app.config["VILLAGE"]
    return [
        f"PEMERINTAH DESA {village['name'].upper()}",
        f"KECAMATAN {village['kecamatan'].upper()}",
        f"KABUPATEN {village['kabupaten'].upper()}",
        f"{village['address']} · Telp/WA {village['phone']} · {village['email']}",
    ]


def signatory(position, fallback=None):
    """The name of the active officer holding ``position`` (first by name), else ``fallback``."""
    officer = (db.session.query(Officer)
               .filter(Officer.position == position, Officer.active.is_(True))
               .order_by(Officer.id).first())
    return officer.name if officer is not None else fallback
