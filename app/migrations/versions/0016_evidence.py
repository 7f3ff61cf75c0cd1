"""evidence: photos and documents kept with complaints and meetings' minutes

A new table only: nothing existing changes. The files themselves are in the storage
(a directory under the instance path, or an S3 bucket), named by ``storage_key``.
Downgrading drops the table (the stored files stay where they are).

Revision ID: 0016_evidence
Revises: 0015_one_template_system
"""
from alembic import op
import sqlalchemy as sa

revision = "0016_evidence"
down_revision = "0015_one_template_system"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("thumbnail_key", sa.String(length=200), nullable=True),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("is_public", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_by_resident", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("uploader_name", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdraw_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("complaint_id IS NOT NULL OR meeting_id IS NOT NULL",
                           name="ck_attachment_owner"),
        sa.CheckConstraint("kind IN ('image', 'pdf')", name="ck_attachment_kind"),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.ForeignKeyConstraint(["event_id"], ["complaint_event.id"]),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["ab_user.id"]),
        sa.ForeignKeyConstraint(["withdrawn_by_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("storage_key"),
    )
    op.create_index("ix_attachment_complaint_id", "attachment", ["complaint_id"])
    op.create_index("ix_attachment_meeting_id", "attachment", ["meeting_id"])


def downgrade():
    op.drop_index("ix_attachment_meeting_id", table_name="attachment")
    op.drop_index("ix_attachment_complaint_id", table_name="attachment")
    op.drop_table("attachment")
