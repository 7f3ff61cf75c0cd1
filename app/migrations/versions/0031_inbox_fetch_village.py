"""inbox fetch village: each reading of a mailbox is its village's

With a mailbox per village (``IMAP_USER_<SLUG>``), a reading that failed in one village must
be shown to that village's desk, not to every village's. ``inbox_fetch.village_id``; the
readings made before were of the one mailbox there was, read into the first village's inbox,
so they become the first village's.

Going down drops the column, so it is refused while another village has readings (they
would become the first village's): nothing is lost without being asked.

Revision ID: 0031_inbox_fetch_village
Revises: 0030_village_host
"""
import sqlalchemy as sa
from alembic import op

revision = "0031_inbox_fetch_village"
down_revision = "0030_village_host"
branch_labels = None
depends_on = None


def upgrade():
    conn = op.get_bind()
    with op.batch_alter_table("inbox_fetch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("village_id", sa.Integer(), nullable=True))
    first = conn.execute(sa.text("SELECT min(id) FROM village")).scalar()
    conn.execute(sa.text("UPDATE inbox_fetch SET village_id = :first"), {"first": first})
    with op.batch_alter_table("inbox_fetch", schema=None) as batch_op:
        batch_op.alter_column("village_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key("fk_inbox_fetch_village", "village", ["village_id"], ["id"])
        batch_op.create_index("ix_inbox_fetch_village_id", ["village_id"])


def downgrade():
    others = op.get_bind().execute(sa.text(
        "SELECT v.slug, count(*) FROM inbox_fetch f JOIN village v ON v.id = f.village_id "
        "WHERE f.village_id <> (SELECT min(id) FROM village) GROUP BY v.slug ORDER BY v.slug"
    )).all()
    if others:
        raise RuntimeError(
            "Going below 0031_inbox_fetch_village would make the mailbox readings of "
            + ", ".join(f"{slug} ({count})" for slug, count in others)
            + " the first village's. Delete those rows of inbox_fetch first. Not done; "
            "nothing changed.")
    with op.batch_alter_table("inbox_fetch", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_fetch_village_id")
        batch_op.drop_constraint("fk_inbox_fetch_village", type_="foreignkey")
        batch_op.drop_column("village_id")
