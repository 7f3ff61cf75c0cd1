"""feedback and reopening, fair deadlines: deadline tiers, holidays, paused and extended clocks

Revision ID: 0007_feedback
Revises: 0003_meetings
Create Date: 2026-11-24 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0007_feedback"
down_revision = "0003_meetings"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "deadline_tier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("urgency", sa.String(length=10), nullable=True),
        sa.Column("verification_days", sa.Integer(), nullable=False),
        sa.Column("followup_days", sa.Integer(), nullable=False),
        sa.Column("resolution_days", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["category_id"], ["category.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("category_id", "urgency", name="uq_deadline_tier"),
    )
    op.create_table(
        "holiday",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("date"),
    )
    with op.batch_alter_table("holiday", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_holiday_year"), ["year"], unique=False)
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("followup_due", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("paused_since", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("paused_days", sa.Integer(), server_default="0",
                                      nullable=False))
        batch_op.add_column(sa.Column("extension_days", sa.Integer(), server_default="0",
                                      nullable=False))
        batch_op.add_column(sa.Column("extension_reason", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_column("extension_reason")
        batch_op.drop_column("extension_days")
        batch_op.drop_column("paused_days")
        batch_op.drop_column("paused_since")
        batch_op.drop_column("followup_due")
    with op.batch_alter_table("holiday", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_holiday_year"))
    op.drop_table("holiday")
    op.drop_table("deadline_tier")
