"""village indexes: a village's register and figures read only its own rows

PLACEHOLDER (indexes follow from the 10M benchmark).

Revision ID: 0029_village_indexes
Revises: 0026_audit_village, 0026_village_keys
"""
from alembic import op

revision = "0029_village_indexes"
down_revision = ("0026_audit_village", "0026_village_keys")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
