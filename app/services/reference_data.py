"""The lists a new register starts with: the SOP's categories and the village's dusun."""

import os

from app.extensions import db
from app.models import Category, Dusun
from app.services.deadlines import seed_deadline_data
from app.services.response_templates import seed_response_templates

DEFAULT_CATEGORIES = [
    ("Pelayanan publik", "Pelayanan administrasi dan pelayanan umum oleh pemerintah desa."),
    ("Program/kegiatan desa", "Pelaksanaan program dan kegiatan pembangunan desa."),
    ("Dugaan penyimpangan", "Dugaan penyimpangan dalam penyelenggaraan pemerintahan desa."),
    ("Infrastruktur dan lingkungan", "Jalan, drainase, penerangan, kebersihan lingkungan."),
    ("Bantuan sosial", "Penyaluran dan pendataan bantuan sosial."),
    ("Administrasi kependudukan", "Surat keterangan, KTP, KK dan administrasi lain."),
    ("Lainnya", None),
]


def default_dusun():
    """Dusun names from VILLAGE_DUSUN (comma separated), else Dusun I to IV."""
    names = os.environ.get("VILLAGE_DUSUN", "Dusun I,Dusun II,Dusun III,Dusun IV")
    return [name.strip() for name in names.split(",") if name.strip()]


def seed_reference_data():
    """Fill the category and dusun lists, deadline data and templates when empty (idempotent)."""
    if not db.session.query(Category.id).first():
        db.session.add_all(Category(name=n, description=d, active=True)
                           for n, d in DEFAULT_CATEGORIES)
    if not db.session.query(Dusun.id).first():
        db.session.add_all(Dusun(name=n, active=True) for n in default_dusun())
    db.session.flush()
    seed_deadline_data()
    db.session.flush()
    seed_response_templates()
    db.session.commit()
