"""village indexes: (pending the 10-million-row benchmark) and the join of the two heads

Joins the two heads that 0026 left (0026_village_keys beside 0026_audit_village ... 0028).

Revision ID: 0029_village_indexes
Revises: 0028_oversight, 0026_village_keys
"""

revision = "0029_village_indexes"
down_revision = ("0028_oversight", "0026_village_keys")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
