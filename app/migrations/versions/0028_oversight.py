"""oversight: logins that read across villages (Camat, Inspektorat/Dinas)

A table ``oversight`` (user_id, area = kecamatan or kabupaten, the kabupaten's and the
kecamatan's name): such a login has no officer record, and ``app.auth.villages`` gives it the
villages of its kecamatan or kabupaten (issue 25). New table only; down drops it.

Revision ID: 0028_oversight
Revises: 0027_village_indexes
"""
import sqlalchemy as sa
from alembic import op

revision = "0028_oversight"
down_revision = "0027_village_indexes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "oversight",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=20), nullable=False),
        sa.Column("kabupaten", sa.String(length=120), nullable=False),
        sa.Column("kecamatan", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade():
    op.drop_table("oversight")
