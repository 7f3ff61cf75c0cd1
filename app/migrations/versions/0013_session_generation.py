"""session generation: logging out or a new password ends every session and token

One row per user who has ever logged out or had a new password: sessions and
API tokens carry the generation they were made in and are refused once it
moves on (see app/sessions.py). A new table only: nothing existing changes.

Revision ID: 0013_session_generation
Revises: 0012_event_audience
"""
from alembic import op
import sqlalchemy as sa

revision = "0013_session_generation"
down_revision = "0012_event_audience"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "user_session_generation",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["ab_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade():
    op.drop_table("user_session_generation")
