"""report indexes: two of the register's indexes answer their counts alone at a kabupaten's size

Measured at 10 million complaints over 270 villages (docs/performance.md):

- The villages compared (the Camat's and the Inspektorat's page) count per village the
  complaints resolved in the period and those resolved within their deadline (``resolved_at``
  against ``due_date``). ``ix_complaint_resolved_at`` held the dates, not the due date, so
  PostgreSQL read every resolved row of the period from the table: 630 ms, 270 ms with it.
- The register as it opens counts the village's open complaints (status in the open ones, not
  void). ``ix_complaint_status_received`` lacked ``voided``, so the busiest village's count
  walked its whole date index instead: 70 ms, 26 ms with it.

Same names, one column more at the end of each; no row changes; down rebuilds them as they
were.

Revision ID: 0032_report_indexes
Revises: 0031_inbox_fetch_village
"""
from alembic import op

revision = "0032_report_indexes"
down_revision = "0031_inbox_fetch_village"
branch_labels = None
depends_on = None

BEFORE = {
    "ix_complaint_resolved_at": ["village_id", "resolved_at", "voided", "received_at"],
    "ix_complaint_status_received": ["village_id", "status", "received_at"],
}
ADDED = {"ix_complaint_resolved_at": "due_date", "ix_complaint_status_received": "voided"}


def _rebuild(indexes):
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        for name, columns in indexes.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, columns)


def upgrade():
    _rebuild({name: columns + [ADDED[name]] for name, columns in BEFORE.items()})


def downgrade():
    _rebuild(BEFORE)
