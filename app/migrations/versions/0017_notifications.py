"""notifications: the bell, the outbox, channel choices and background job leases

New tables only: nothing existing changes, and downgrading drops only what this
revision made (notifications and queued messages are lost then, nothing else).

Revision ID: 0017_notifications
Revises: 0015_one_template_system
"""
from alembic import op
import sqlalchemy as sa

revision = "0017_notifications"
down_revision = "0019_publishable"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=120), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["ab_user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notification_user_read", "notification",
                    ["user_id", "read_at", "created_at"])
    op.create_index("uq_notification_dedupe_key", "notification", ["dedupe_key"], unique=True)
    op.create_index("ix_notification_complaint_id", "notification", ["complaint_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["notification_id"], ["notification.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_outbox_status_next", "outbox", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_notification_id", "outbox", ["notification_id"])
    op.create_table(
        "notification_setting",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("telegram", sa.Boolean(), nullable=False),
        sa.Column("telegram_chat_id", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["ab_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "job_lease",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=80), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("last_run_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade():
    op.drop_table("job_lease")
    op.drop_table("notification_setting")
    op.drop_index("ix_outbox_notification_id", table_name="outbox")
    op.drop_index("ix_outbox_status_next", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_notification_complaint_id", table_name="notification")
    op.drop_index("uq_notification_dedupe_key", table_name="notification")
    op.drop_index("ix_notification_user_read", table_name="notification")
    op.drop_table("notification")
