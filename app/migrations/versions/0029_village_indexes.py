"""village indexes: a village's follow-ups due, read from an index; joins the two heads

The register's header counts the forwarded complaints whose follow-up is due (status
``forwarded``, ``followup_due`` before today, no note since the forward). With only the
village-led status index (0027) that walked every forwarded complaint of the village and read
each row: 320 ms of the busiest village's list at 10 million complaints across 270 villages
(docs/performance.md). ``(village_id, status, followup_due)`` finds exactly the due ones.

Also joins the two heads 0026 left (0026_village_keys beside 0026_audit_village ... 0028).

Revision ID: 0029_village_indexes
Revises: 0028_oversight, 0026_village_keys
"""
from alembic import op

revision = "0029_village_indexes"
down_revision = ("0028_oversight", "0026_village_keys")
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_complaint_followup_due", "complaint",
                    ["village_id", "status", "followup_due"])


def downgrade():
    op.drop_index("ix_complaint_followup_due", table_name="complaint")
