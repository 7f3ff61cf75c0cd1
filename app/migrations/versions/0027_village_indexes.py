"""village_indexes: the register's indexes start with the village

Every query of the register now carries its village (``app.auth.villages``: ``village_id IN
(...)``). The indexes that answer the lists' filters and orders (0009) and the dashboard's
figures from the index alone (0010, 0011) are rebuilt with ``village_id`` in front, so a
village's list and figures read that village's part of each index only, and SQLite and
PostgreSQL still answer the figures without reading the table (tests/test_dashboard_plans.py).
Same names, same columns after the village (the date index also holds what the open and
overdue figures test). No row changes; down rebuilds them as they were.

Revision ID: 0027_village_indexes
Revises: 0026_audit_village
"""
from alembic import op

revision = "0027_village_indexes"
down_revision = "0026_audit_village"
branch_labels = None
depends_on = None

# name -> the columns after the village (as 0009-0011 left them)
INDEXES = {
    # ... and what the open / overdue figures test: with the village in front, SQLite walks
    # this index by date for them, so it must answer them on its own.
    "ix_complaint_received_at": ["received_at", "voided", "closed_at", "status", "due_date"],
    "ix_complaint_status_received": ["status", "received_at"],
    "ix_complaint_status_category_dusun": ["status", "category_id", "dusun_id", "received_at",
                                           "complainant_name"],
    "ix_complaint_officer_received": ["assigned_officer_id", "received_at", "closed_at",
                                      "status", "due_date", "voided"],
    "ix_complaint_due_date": ["due_date"],
    "ix_complaint_changed_at": ["changed_at"],
    "ix_complaint_resolved_at": ["resolved_at", "voided", "received_at"],
    "ix_complaint_open_as_of": ["closed_at", "status", "due_date", "assigned_officer_id",
                                "voided", "received_at"],
}


BEFORE = {**INDEXES, "ix_complaint_received_at": ["received_at", "voided"]}


def _rebuild(indexes, prefix):
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        for name, columns in indexes.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, prefix + columns)


def upgrade():
    _rebuild(INDEXES, ["village_id"])


def downgrade():
    _rebuild(BEFORE, [])
