"""referral: complaints a village refers up to its kecamatan or kabupaten, and the answers

A table ``referral`` (complaint, area = kecamatan or kabupaten with the names of both, when
and by whom it was sent, the village's note, the answer, when and by whom it was given):
the ``refer`` step's target inside the system (issue 25). New table only; down refuses
while it holds a referral (the answers would be lost), else drops it.

Revision ID: 0029_referral
Revises: 0026_village_keys
"""
import sqlalchemy as sa
from alembic import op

revision = "0029_referral"
down_revision = "0026_village_keys"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "referral",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=20), nullable=False),
        sa.Column("kabupaten", sa.String(length=120), nullable=False),
        sa.Column("kecamatan", sa.String(length=120), nullable=True),
        sa.Column("referred_at", sa.DateTime(), nullable=False),
        sa.Column("referred_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.ForeignKeyConstraint(["referred_by_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["answered_by_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_referral_complaint_id", "referral", ["complaint_id"])


def downgrade():
    count = op.get_bind().execute(sa.text("SELECT count(*) FROM referral")).scalar()
    if count:
        raise RuntimeError(
            f"referral holds {count} referral(s) and their answers: going below 0029_referral "
            "would lose them. Export or delete them first.")
    op.drop_index("ix_referral_complaint_id", table_name="referral")
    op.drop_table("referral")
