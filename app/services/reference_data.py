"""The lists a new register starts with, per village: the SOP's categories, the village's dusun,
deadline tiers and response templates; and the single village's row from the settings."""

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


# A new village's hamlets until its admin renames them (the VILLAGE_DUSUN setting names the
# dusun of the installation's first village only).
PLACEHOLDER_DUSUN = ("Dusun I", "Dusun II", "Dusun III", "Dusun IV")
# The village's values the settings give a single-village install (``VILLAGE`` and
# ``REGISTER_CODE`` in config.py).
SETTING_FIELDS = ("name", "kecamatan", "kabupaten", "address", "phone", "email", "website",
                  "head_name")


def default_dusun():
    """Dusun names from VILLAGE_DUSUN (comma separated), else ``PLACEHOLDER_DUSUN``."""
    names = os.environ.get("VILLAGE_DUSUN", ",".join(PLACEHOLDER_DUSUN))
    return [name.strip() for name in names.split(",") if name.strip()]


def settings_values():
    """What the settings say the single village is: its letterhead and its register code."""
    settings = current_app.config["VILLAGE"]
    values = {field: settings[field] for field in SETTING_FIELDS if field in settings}
    values["register_code"] = current_app.config["REGISTER_CODE"]
    return values


def sync_village_from_settings():
    """A single-village installation keeps its letterhead and register code in the
    ``VILLAGE_*`` and ``REGISTER_CODE`` settings, as before there was a village table: at each
    start its one row takes their values, so a new Kepala Desa's name set there still reaches
    every document. Only until the admin saves the village in its screen
    (``Village.edited_in_app``): from then on the row is the admin's, and the settings would
    undo their edit. With several villages the rows are the villages' own and the settings
    are left alone."""
    villages.forget()
    rows = db.session.scalars(select(Village).limit(2)).all()
    if len(rows) != 1 or rows[0].edited_in_app:
        return
    for field, value in settings_values().items():
        if getattr(rows[0], field) != value:
            setattr(rows[0], field, value)
    db.session.flush()


def seed_village(village_id, dusun=None):
    """Give village ``village_id`` each list a new register starts with that it has none of:
    the SOP's categories, its dusun (``dusun``, else ``default_dusun()``), deadline tiers and
    response templates (idempotent; the caller commits). Done as that village, whatever
    village the caller works in (the admin adding one)."""
    with villages.acting_for(village_id):
        if not db.session.query(Category.id).filter_by(village_id=village_id).first():
            db.session.add_all(Category(village_id=village_id, name=n, description=d,
                                        active=True) for n, d in DEFAULT_CATEGORIES)
        if not db.session.query(Dusun.id).filter_by(village_id=village_id).first():
            db.session.add_all(Dusun(village_id=village_id, name=n, active=True)
                               for n in (dusun or default_dusun()))
        db.session.flush()
        seed_deadline_data(village_id)
        db.session.flush()
        seed_response_templates(village_id)
        db.session.flush()


def seed_reference_data():
    """The single village's row from the settings (``sync_village_from_settings``); each
    village's lists filled where empty (``seed_village``) and the holidays (idempotent)."""
    sync_village_from_settings()
    for village in villages.all_villages():
        seed_village(village.id)
    db.session.commit()
