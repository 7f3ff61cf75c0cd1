"""indexes for the register at a kabupaten's scale (issue 8)

The register list is read far more often than it is written, always newest
first, filtered by status, category and dusun and searched by name; a
liaison's list is their own complaints, newest first; the overdue list is
ordered by due date. Each index below lets one of these read only the rows of
the page it shows (measured with tests/bench/bench.py; see docs/performance.md).

Revision ID: 0009_indexes
Revises: 0008_identity
"""
from alembic import op

revision = "0009_indexes"
down_revision = "0008_identity"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_status")
        batch_op.create_index("ix_complaint_status_received", ["status", "received_at"])
        # The name last: a search by name within the filters is answered from the index.
        batch_op.create_index("ix_complaint_status_category_dusun",
                              ["status", "category_id", "dusun_id", "received_at",
                               "complainant_name"])
        batch_op.create_index("ix_complaint_officer_received",
                              ["assigned_officer_id", "received_at"])
        batch_op.create_index("ix_complaint_due_date", ["due_date"])


def downgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_due_date")
        batch_op.drop_index("ix_complaint_officer_received")
        batch_op.drop_index("ix_complaint_status_category_dusun")
        batch_op.drop_index("ix_complaint_status_received")
        batch_op.create_index("ix_complaint_status", ["status"])
