"""village indexes: a village's follow-ups due, read from an index

The register's header counts the forwarded complaints whose follow-up is due (status
``forwarded``, ``followup_due`` before today, no note since the forward). With only the
village-led status index (0027) that walked every forwarded complaint of the village and read
each row: 320 ms of the busiest village's list at 10 million complaints across 270 villages
(docs/performance.md). ``(village_id, status, followup_due)`` finds exactly the due ones.

Revision ID: 0029_village_indexes
Revises: 0029_referral
"""
from alembic import op

revision = "0029_village_indexes"
down_revision = "0029_referral"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_complaint_followup_due", "complaint",
                    ["village_id", "status", "followup_due"])


def downgrade():
    op.drop_index("ix_complaint_followup_due", table_name="complaint")
