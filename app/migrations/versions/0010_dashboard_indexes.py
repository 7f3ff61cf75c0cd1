"""indexes for the dashboard at a kabupaten's scale (issue 8)

The dashboard's state stamp asks for the latest change (``changed_at``); its
"resolved in the period" figures and charts read a range of ``resolved_at``; the
"open as of a day" figures read the complaints closed after that day
(``closed_at``). Without these each was a scan of the whole register (measured
with tests/bench/bench.py; see docs/performance.md).

Revision ID: 0010_dashboard_indexes
Revises: 0009_indexes
"""
from alembic import op

revision = "0010_dashboard_indexes"
down_revision = "0009_indexes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.create_index("ix_complaint_changed_at", ["changed_at"])
        batch_op.create_index("ix_complaint_resolved_at", ["resolved_at"])
        batch_op.create_index("ix_complaint_closed_at", ["closed_at"])


def downgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_closed_at")
        batch_op.drop_index("ix_complaint_resolved_at")
        batch_op.drop_index("ix_complaint_changed_at")
