"""The lists a new register starts with: the SOP's categories and the village's dusun."""

import os

from flask import current_app
from sqlalchemy import select

from app.auth import villages
from app.extensions import db
from app.models import Category, Dusun, Village
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


def sync_village_from_settings():
    """A single-village installation keeps its letterhead in the ``VILLAGE_*`` settings, as
    before there was a village table: at each start its one row takes their values, so a new
    Kepala Desa's name set there still reaches every document. With several villages the rows
    are the villages' own and the settings are left alone."""
    villages.forget()
    rows = db.session.scalars(select(Village).limit(2)).all()
    if len(rows) != 1:
        return
    settings = current_app.config["VILLAGE"]
    for field in ("name", "kecamatan", "kabupaten", "address", "phone", "email", "website",
                  "head_name"):
        if field in settings and getattr(rows[0], field) != settings[field]:
            setattr(rows[0], field, settings[field])
    db.session.flush()


def seed_reference_data():
    """The village's row from the settings (``sync_village_from_settings``); fill the category
    and dusun lists, deadline data and templates when empty (idempotent)."""
    sync_village_from_settings()
    every = villages.all_villages()
    # Until names and numbers are unique per village (issue 25), only a single-village
    # install is seeded here: a second village's lists would collide with the first's.
    for village in every if len(every) == 1 else []:
        with villages.acting_for(village.id):
            _seed_village()


def _seed_village():
    """One village's lists (the village of the context)."""
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
