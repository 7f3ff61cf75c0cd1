"""the photo after the work on the public "Sudah ditangani" list

``complaint.public_photo_id`` names the photo the desk chose for a resolved problem it
publishes: one of the complaint's own photos, marked public and added by staff. Every
existing complaint starts without one (the list shows no photo until the desk picks
one). Down drops the column: the photos themselves stay with their complaints.

Revision ID: 0024_resolution_photo
Revises: 0023_meeting_attendance
"""
import sqlalchemy as sa
from alembic import op

revision = "0024_resolution_photo"
down_revision = "0023_meeting_attendance"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_photo_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_complaint_public_photo_id", "attachment",
                                    ["public_photo_id"], ["id"], ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_constraint("fk_complaint_public_photo_id", type_="foreignkey")
        batch_op.drop_column("public_photo_id")
