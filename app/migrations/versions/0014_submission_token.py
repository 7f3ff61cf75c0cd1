"""a complaint remembers the form or API request that sent it (registered once)

``complaint.submission_token`` holds a keyed hash of the public form's one-time
token or of the public API's ``Idempotency-Key``: the same form posted again
(a double click, Back and send again) or the same API request repeated finds
the complaint it already registered instead of registering a second one. Empty
for everything registered by the desk or imported. Unique, so two copies of a
request arriving at once cannot both be registered.

Revision ID: 0014_submission_token
Revises: 0013_session_generation
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_submission_token"
down_revision = "0013_session_generation"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submission_token", sa.String(length=64), nullable=True))
        batch_op.create_index("uq_complaint_submission_token", ["submission_token"], unique=True)


def downgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("uq_complaint_submission_token")
        batch_op.drop_column("submission_token")
