"""what the village may publish: resolved problems marked by the desk, meetings' public text

``complaint.publishable`` (default off) is set by the desk when resolving: the
problem then appears on the public "Sudah ditangani" list with its category,
dusun, month and ``complaint.public_summary`` (what was done, written for
everyone: no name, address or complainant's words). ``meeting.public_recommendations``
is the part of a meeting's recommendations the village publishes on /statistik;
the minutes' own recommendations stay internal. Nothing existing changes: every
complaint starts unpublished and every meeting without a public text.

Revision ID: 0019_publishable
Revises: 0015_one_template_system
"""
import sqlalchemy as sa
from alembic import op

revision = "0019_publishable"
down_revision = "0016_evidence"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("publishable", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("public_summary", sa.Text(), nullable=True))
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_recommendations", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_column("public_recommendations")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_column("public_summary")
        batch_op.drop_column("publishable")
