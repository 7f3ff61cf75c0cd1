"""villages: the installation's one village becomes a row, and its data points to it

A ``village`` table (slug, name, kecamatan, kabupaten, address, phone, email, website, the
Kepala Desa's name) and one row in it made from the ``VILLAGE_*`` settings of this
installation: an existing database becomes the first village of a multi-village one.

Every village-owned table gets ``village_id`` (a foreign key to ``village``, indexed), set to
that village for every existing row, then NOT NULL: complaint, officer, category, dusun,
deadline_tier, response_template, meeting, register_counter, inbox_message. ``holiday`` gets
it too but only a local holiday (kind ``local``) is a village's: national holidays and cuti
bersama stay empty, the same for every village. The rows hanging off these (timeline,
attachments, meeting guests, ...) belong to a village through their parent; ``app_setting``
keeps installation-wide settings only (the village's own are the columns of ``village``).
No existing row or value changes.

Down drops the columns and the table; the settings still hold what the row was made from. It
refuses while more than one village exists: their registers would merge into one.

Revision ID: 0025_villages
Revises: 0024_resolution_photo
"""
import re

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0025_villages"
down_revision = "0024_resolution_photo"
branch_labels = None
depends_on = None

OWNED = ("complaint", "officer", "category", "dusun", "deadline_tier", "response_template",
         "meeting", "register_counter", "inbox_message")
FIELDS = ("name", "kecamatan", "kabupaten", "address", "phone", "email", "website",
          "head_name")


def _slug(name):
    """``Babakan`` -> ``babakan``; ``Karang Jati`` -> ``karang-jati`` (the public address part)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "desa"


def upgrade():
    village = op.create_table(
        "village",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kecamatan", sa.String(length=120), nullable=False),
        sa.Column("kabupaten", sa.String(length=120), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=120), nullable=True),
        sa.Column("website", sa.String(length=200), nullable=True),
        sa.Column("head_name", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    settings = current_app.config["VILLAGE"]
    op.bulk_insert(village, [{"slug": _slug(settings["name"]),
                              **{field: settings.get(field) for field in FIELDS}}])
    conn = op.get_bind()
    village_id = conn.execute(sa.text("SELECT id FROM village")).scalar_one()

    for table in (*OWNED, "holiday"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("village_id", sa.Integer(), nullable=True))
        rows = sa.table(table, sa.column("village_id"), sa.column("kind"))
        backfill = rows.update().values(village_id=village_id)
        if table == "holiday":
            backfill = backfill.where(rows.c.kind == "local")
        conn.execute(backfill)
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table != "holiday":
                batch_op.alter_column("village_id", existing_type=sa.Integer(), nullable=False)
            batch_op.create_foreign_key(f"fk_{table}_village", "village", ["village_id"], ["id"])
            batch_op.create_index(f"ix_{table}_village_id", ["village_id"])


def downgrade():
    conn = op.get_bind()
    if conn.execute(sa.text("SELECT count(*) FROM village")).scalar() > 1:
        raise RuntimeError("This database holds more than one village; going below "
                           "0025_villages would merge their registers. Not done.")
    for table in ("holiday", *reversed(OWNED)):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_village_id")
            batch_op.drop_constraint(f"fk_{table}_village", type_="foreignkey")
            batch_op.drop_column("village_id")
    op.drop_table("village")
