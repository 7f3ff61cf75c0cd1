"""audit_village: each audit line belongs to the village it was written for

``audit_log.village_id`` (nullable, indexed): the village whose data the line is about, so a
village's admin reads only their village's audit lines (issue 25). Every existing line was
written before an installation held more than one village: it gets the first village (the
one migration 0025 made from this installation's settings). A line written later without a
village (installation-wide work with several villages) stays empty and is shown to nobody
through the screens.

The log is append-only (triggers of 0018 refuse UPDATE and DELETE): the triggers are taken
off for the backfill and put back, in the same transaction on PostgreSQL. Down drops the
column; no line is lost.

Revision ID: 0026_audit_village
Revises: 0025_villages
"""
import sqlalchemy as sa
from alembic import op

revision = "0026_audit_village"
down_revision = "0025_villages"
branch_labels = None
depends_on = None

APPEND_ONLY_MESSAGE = "audit_log is append-only"  # as in 0018_audit_accounts


def upgrade():
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("village_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_audit_log_village_id", ["village_id"])
    _drop_append_only_triggers()
    op.execute("UPDATE audit_log SET village_id = (SELECT min(id) FROM village)")
    _create_append_only_triggers()


def downgrade():
    _drop_append_only_triggers()
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_village_id")
        batch_op.drop_column("village_id")
    _create_append_only_triggers()


def _create_append_only_triggers():
    """The triggers of 0018_audit_accounts, as they were."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END; $$ LANGUAGE plpgsql")
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE "
            "ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()")
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} "
                f"ON audit_log BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END")


def _drop_append_only_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
