"""village keys: what must be unique is unique within a village; the register code is the village's

Each village numbers its own register from 1 every year, names its own categories and dusun
and reads its own mailbox, so the keys that were installation-wide become per village:

- ``register_counter``: the primary key ``year`` becomes ``(village_id, year)``;
- ``complaint``: ``(register_year, register_seq)`` and ``register_number`` unique per
  village (``uq_complaint_register_seq``, ``uq_complaint_village_number``); the tracking
  code stays unique across the installation (the public look-up finds a complaint by it);
- ``category.name``, ``dusun.name``, ``inbox_message.message_id``: unique per village;
- ``holiday.date``: a national holiday or cuti bersama (``village_id`` empty) is unique by
  date (a partial unique index, ``WHERE village_id IS NULL``: SQLite and PostgreSQL both
  have them), a local one by ``(village_id, date)``.
``deadline_tier`` keeps ``(category_id, urgency)``: a category is one village's, so the key
already is per village (a general tier's empty category was never covered by it).

``village`` gets ``register_code`` (the middle of ``001/PGD/XI/2026``), filled from the
``REGISTER_CODE`` setting, and ``edited_in_app`` (false): once the admin saves the village in
its screen, the ``VILLAGE_*`` and ``REGISTER_CODE`` settings no longer overwrite it at start.
No existing row or value changes.

Down restores the installation-wide keys. It refuses, naming what collides, when two
villages' rows share a key of old (the same year's counter, register number, category or
dusun name, holiday date, Message-ID), and when a village's register code is not the
``REGISTER_CODE`` setting (below this revision the setting is the code): nothing is dropped
that the setting does not hold.

Revision ID: 0026_village_keys
Revises: 0028_oversight
"""
import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0026_village_keys"
down_revision = "0028_oversight"
branch_labels = None
depends_on = None

# The names PostgreSQL gave the unnamed constraints of old; SQLite's reflected ones get the
# same names through this convention, so one ``drop_constraint`` serves both.
OLD_NAMES = {"uq": "%(table_name)s_%(column_0_name)s_key", "pk": "%(table_name)s_pkey"}
NATIONAL_HOLIDAY = sa.text("village_id IS NULL")

# table -> (name of old, its columns, name per village, its columns)
UNIQUE = (
    ("category", "category_name_key", ["name"], "uq_category_village_name",
     ["village_id", "name"]),
    ("dusun", "dusun_name_key", ["name"], "uq_dusun_village_name", ["village_id", "name"]),
    ("inbox_message", "inbox_message_message_id_key", ["message_id"],
     "uq_inbox_message_village_message_id", ["village_id", "message_id"]),
    ("complaint", "complaint_register_number_key", ["register_number"],
     "uq_complaint_village_number", ["village_id", "register_number"]),
    ("complaint", "uq_complaint_register_seq", ["register_year", "register_seq"],
     "uq_complaint_register_seq", ["village_id", "register_year", "register_seq"]),
)


def upgrade():
    with op.batch_alter_table("village", schema=None) as batch_op:
        batch_op.add_column(sa.Column("register_code", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("edited_in_app", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    village = sa.table("village", sa.column("register_code"))
    op.get_bind().execute(village.update().values(
        register_code=current_app.config["REGISTER_CODE"]))
    with op.batch_alter_table("village", schema=None) as batch_op:
        batch_op.alter_column("register_code", existing_type=sa.String(length=20),
                              nullable=False)

    with op.batch_alter_table("register_counter", naming_convention=OLD_NAMES,
                              recreate="always") as batch_op:
        batch_op.drop_constraint("register_counter_pkey", type_="primary")
        batch_op.create_primary_key("register_counter_pkey", ["village_id", "year"])
    for table in ("category", "dusun", "inbox_message", "complaint"):
        with op.batch_alter_table(table, schema=None, naming_convention=OLD_NAMES) as batch_op:
            for owner, old, _, new, columns in UNIQUE:
                if owner == table:
                    batch_op.drop_constraint(old, type_="unique")
                    batch_op.create_unique_constraint(new, columns)
    with op.batch_alter_table("holiday", schema=None, naming_convention=OLD_NAMES) as batch_op:
        batch_op.drop_constraint("holiday_date_key", type_="unique")
        batch_op.create_unique_constraint("uq_holiday_village_date", ["village_id", "date"])
    # After the batch above (a rebuilt SQLite table keeps no partial index it did not reflect).
    op.create_index("uq_holiday_national_date", "holiday", ["date"], unique=True,
                    sqlite_where=NATIONAL_HOLIDAY, postgresql_where=NATIONAL_HOLIDAY)


def _refuse_collisions(conn):
    """Stop before anything changes when two villages' rows share a key of old."""
    checks = [("register_counter", ["year"])] + [(table, columns)
                                                  for table, _, columns, _, _ in UNIQUE]
    checks.append(("holiday", ["date"]))
    found = []
    for table, columns in checks:
        key = [sa.column(name) for name in columns]
        rows = conn.execute(sa.select(*key).select_from(sa.table(table, *key)).group_by(*key)
                            .having(sa.func.count() > 1).order_by(*key)).all()
        if rows:
            values = "; ".join(" ".join(str(value) for value in row) for row in rows[:5])
            found.append(f"{table}.{', '.join(columns)}: {values}")
    if found:
        raise RuntimeError(
            "Going below 0026_village_keys would make these values, each held by more than one "
            "village, collide in a key of the whole installation: " + " | ".join(found)
            + ". Not done; nothing changed.")
    setting = current_app.config["REGISTER_CODE"]
    codes = conn.execute(sa.text("SELECT slug, register_code FROM village "
                                 "WHERE register_code <> :code"), {"code": setting}).all()
    if codes:
        raise RuntimeError(
            "Below 0026_village_keys the register code is the REGISTER_CODE setting "
            f"({setting!r}), but " + ", ".join(f"{slug} uses {code!r}" for slug, code in codes)
            + ". Set REGISTER_CODE to the village's code first. Not done; nothing changed.")


def downgrade():
    conn = op.get_bind()
    _refuse_collisions(conn)
    op.drop_index("uq_holiday_national_date", table_name="holiday")
    with op.batch_alter_table("holiday", schema=None) as batch_op:
        batch_op.drop_constraint("uq_holiday_village_date", type_="unique")
        batch_op.create_unique_constraint("holiday_date_key", ["date"])
    for table in ("complaint", "inbox_message", "dusun", "category"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for owner, old, old_columns, new, _ in reversed(UNIQUE):
                if owner == table:
                    batch_op.drop_constraint(new, type_="unique")
                    batch_op.create_unique_constraint(old, old_columns)
    with op.batch_alter_table("register_counter", naming_convention=OLD_NAMES,
                              recreate="always") as batch_op:
        batch_op.drop_constraint("register_counter_pkey", type_="primary")
        batch_op.create_primary_key("register_counter_pkey", ["year"])
    with op.batch_alter_table("village", schema=None) as batch_op:
        batch_op.drop_column("edited_in_app")
        batch_op.drop_column("register_code")
