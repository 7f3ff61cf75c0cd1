"""entries without identity, duplicates linked to a main complaint, the email inbox

``complaint.without_identity`` marks a box note or a phone call whose sender gave
no identity ("tanpa identitas" stands in the name and address, the phone is
empty); every existing entry had one, so the column starts false.
``complaint.duplicate_of_id`` links a duplicate to the main complaint it is
handled together with; empty for every existing entry. Down removes both
columns: an entry without identity keeps its "tanpa identitas" text and empty
phone, and a duplicate's link stays on both timelines; up again restores both
from there (``_restore``), so a round trip loses neither. ``inbox_message`` keeps each email read
from the village mailbox once (unique Message-ID) and what the desk did with it;
``inbox_fetch`` each reading of the mailbox. Down drops both tables: the
messages stay in the mailbox (it is only ever read and flagged).

Revision ID: 0020_duplicates_inbox
Revises: 0015_one_template_system
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0020_duplicates_inbox"
down_revision = "0018_audit_accounts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "inbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("sender", sa.String(length=255), nullable=False),
        sa.Column("sender_name", sa.String(length=120), nullable=True),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attachments", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("complaint_id", sa.Integer(), nullable=True),
        sa.Column("handled_at", sa.DateTime(), nullable=True),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["complaint_id"], ["complaint.id"]),
        sa.ForeignKeyConstraint(["handled_by_id"], ["ab_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    op.create_index("ix_inbox_message_state", "inbox_message", ["state"])
    op.create_table(
        "inbox_fetch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("fetched", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("without_identity", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_complaint_duplicate_of", "complaint",
                                    ["duplicate_of_id"], ["id"])
        batch_op.create_index("ix_complaint_duplicate_of_id", ["duplicate_of_id"])
    _restore()


def _restore():
    """After a downgrade and upgrade: the entries recorded without identity (the register's
    own words, no phone) and the links of duplicates (the last link or unlink line of each
    complaint's timeline) come back."""
    conn = op.get_bind()
    conn.execute(sa.text(
        "UPDATE complaint SET without_identity = :yes "
        "WHERE complainant_name = 'tanpa identitas' AND complainant_phone = ''"),
        {"yes": True})
    links = {}
    for complaint_id, step, data in conn.execute(sa.text(
            "SELECT complaint_id, step, data FROM complaint_event "
            "WHERE step IN ('duplicate_link', 'duplicate_unlink') ORDER BY id")):
        main = json.loads(data or "{}").get("main")
        if main:  # the duplicate's own line (the main one's names the duplicate)
            links[complaint_id] = main if step == "duplicate_link" else None
    for complaint_id, main in links.items():
        if main is not None:
            conn.execute(sa.text(
                "UPDATE complaint SET duplicate_of_id = "
                "(SELECT id FROM complaint WHERE register_number = :main) WHERE id = :id"),
                {"main": main, "id": complaint_id})


def downgrade():
    op.drop_table("inbox_fetch")
    op.drop_index("ix_inbox_message_state", table_name="inbox_message")
    op.drop_table("inbox_message")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_duplicate_of_id")
        batch_op.drop_constraint("fk_complaint_duplicate_of", type_="foreignkey")
        batch_op.drop_column("duplicate_of_id")
        batch_op.drop_column("without_identity")
