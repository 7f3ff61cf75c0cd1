"""the files of inbox emails

``inbox_attachment`` keeps each photo or PDF of an email read from the village
mailbox: checked as an upload when the email is read, its bytes in the evidence
storage until the desk registers the email or adds it to a complaint (then the
complaint's ``attachment`` row owns them), or only its name and why it was
refused. Emails read before this revision keep their file names in
``inbox_message.attachments``; their files stay in the mailbox (only ever read
and flagged). Down writes each file's row onto its email's
``inbox_message.attachments`` line (the name, a tab, the row as JSON; a name
holds no tab) and drops the table; up again restores the rows from there
(``_restore``), so a round trip loses no file and no refusal.

Revision ID: 0021_inbox_files
Revises: 0020_duplicates_inbox
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0021_inbox_files"
down_revision = "0020_duplicates_inbox"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "inbox_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=True),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("storage_key", sa.String(length=200), nullable=True),
        sa.Column("thumbnail_key", sa.String(length=200), nullable=True),
        sa.Column("refused", sa.Text(), nullable=True),
        sa.Column("attachment_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["message_id"], ["inbox_message.id"]),
        sa.ForeignKeyConstraint(["attachment_id"], ["attachment.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("storage_key"),
    )
    op.create_index("ix_inbox_attachment_message_id", "inbox_attachment", ["message_id"])
    _restore()


_KEPT = ("original_name", "kind", "content_type", "size", "sha256", "storage_key",
         "thumbnail_key", "refused", "attachment_id")


def _restore():
    """After a downgrade and upgrade: the rows written onto the emails come back."""
    conn = op.get_bind()
    table = sa.table("inbox_attachment", sa.column("message_id"),
                     *(sa.column(name) for name in _KEPT))
    for message_id, lines in conn.execute(sa.text(
            "SELECT id, attachments FROM inbox_message WHERE attachments LIKE :tab"),
            {"tab": "%\t%"}).fetchall():
        names = []
        for line in lines.splitlines():
            name, _, kept = line.partition("\t")
            names.append(name)
            if kept:
                conn.execute(table.insert().values(message_id=message_id, **json.loads(kept)))
        conn.execute(sa.text("UPDATE inbox_message SET attachments = :names WHERE id = :id"),
                     {"names": "\n".join(names), "id": message_id})


def downgrade():
    conn = op.get_bind()
    lines = {}
    table = sa.table("inbox_attachment", sa.column("id"), sa.column("message_id"),
                     *(sa.column(name) for name in _KEPT))
    for row in conn.execute(sa.select(table.c.message_id, *(table.c[name] for name in _KEPT))
                            .order_by(table.c.id)):
        kept = dict(zip(_KEPT, row[1:]))
        lines.setdefault(row[0], []).append(kept["original_name"] + "\t" + json.dumps(kept))
    for message_id, written in lines.items():
        conn.execute(sa.text("UPDATE inbox_message SET attachments = :lines WHERE id = :id"),
                     {"lines": "\n".join(written), "id": message_id})
    op.drop_index("ix_inbox_attachment_message_id", table_name="inbox_attachment")
    op.drop_table("inbox_attachment")
