"""one template system: the message templates become inform templates in response_template

Before, the message to the resident came from ``message_template`` (one per
result, English placeholders such as ``{name}``) while the step forms' picker
used ``response_template`` (Indonesian placeholders such as ``{nama}``). Each
message template becomes a ``response_template`` row of the ``inform`` step
with its email subject and result; its placeholders are rewritten to the
Indonesian names. The old filler left unknown placeholders and lone braces as
typed; the new one reads ``{{`` and ``}}`` as braces, so those are doubled and
every message still reads the same.

Downgrade: the first inform template of each result goes back to
``message_template`` (placeholders rewritten back; one without an old name,
such as ``{kategori}``, stays as typed, which the old filler showed as is);
other templates lose their subject and result.

Revision ID: 0015_one_template_system
Revises: 0014_submission_token
"""
import re
from string import Formatter

from alembic import op
import sqlalchemy as sa

revision = "0015_one_template_system"
down_revision = "0014_submission_token"
branch_labels = None
depends_on = None

# The old placeholder -> the Indonesian one (same value).
RENAMED = {
    "name": "nama",
    "register_number": "nomor_register",
    "tracking_code": "kode_pelacakan",
    "subject": "perihal",
    "result": "status",
    "outcome": "hasil",
    "public_note": "catatan_publik",
    "reason": "alasan",
    "office": "instansi_tujuan",
    "village": "desa",
    "phone": "telepon_desa",
    "email": "email_desa",
    "status_url": "alamat_status",
}
BACK = {new: old for old, new in RENAMED.items()}
TITLES = {
    "resolved": "Pemberitahuan hasil: selesai",
    "rejected": "Pemberitahuan hasil: ditolak",
    "referred": "Pemberitahuan hasil: dilimpahkan",
}
# What the old filler treated as a placeholder.
_OLD_PLACEHOLDER = re.compile(r"\{(\w+)\}")

message_template = sa.table(
    "message_template",
    sa.column("id", sa.Integer), sa.column("key", sa.String),
    sa.column("subject", sa.String), sa.column("body", sa.Text),
)
response_template = sa.table(
    "response_template",
    sa.column("id", sa.Integer), sa.column("title", sa.String), sa.column("step", sa.String),
    sa.column("category_id", sa.Integer), sa.column("body", sa.Text),
    sa.column("active", sa.Boolean), sa.column("subject", sa.String),
    sa.column("result", sa.String),
)


def _escape(text):
    return text.replace("{", "{{").replace("}", "}}")


def to_new(text):
    """An old template text in the new syntax, reading the same once filled."""
    out, end = [], 0
    for match in _OLD_PLACEHOLDER.finditer(text or ""):
        out.append(_escape(text[end:match.start()]))
        name = match.group(1)
        out.append("{" + RENAMED[name] + "}" if name in RENAMED else _escape(match.group(0)))
        end = match.end()
    out.append(_escape((text or "")[end:]))
    return "".join(out)


def to_old(text):
    """A new template text in the old syntax, as far as the old names go."""
    try:
        parts = list(Formatter().parse(text or ""))
    except ValueError:
        return text or ""
    out = []
    for literal, name, spec, conversion in parts:
        out.append(literal)
        if name is not None:
            out.append("{" + BACK.get(name, name) + ("!" + conversion if conversion else "")
                       + (":" + spec if spec else "") + "}")
    return "".join(out)


def upgrade():
    with op.batch_alter_table("response_template", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("result", sa.String(length=20), nullable=True))
    bind = op.get_bind()
    old_rows = bind.execute(sa.select(message_template.c.key, message_template.c.subject,
                                      message_template.c.body)
                            .order_by(message_template.c.id)).all()
    for key, subject, body in old_rows:
        bind.execute(response_template.insert().values(
            title=TITLES.get(key, f"Pemberitahuan hasil: {key}"[:120]), step="inform",
            category_id=None, body=to_new(body), active=True, subject=to_new(subject),
            result=key if key in TITLES else None))
    op.drop_table("message_template")


def downgrade():
    op.create_table(
        "message_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(response_template.c.id, response_template.c.result,
                                  response_template.c.subject, response_template.c.body)
                        .where(response_template.c.step == "inform",
                               response_template.c.result.is_not(None))
                        .order_by(response_template.c.id)).all()
    moved = set()
    for pk, result, subject, body in rows:
        if result in moved:
            continue
        moved.add(result)
        bind.execute(message_template.insert().values(
            key=result, subject=to_old(subject or "{nomor_register}"), body=to_old(body)))
        bind.execute(response_template.delete().where(response_template.c.id == pk))
    with op.batch_alter_table("response_template", schema=None) as batch_op:
        batch_op.drop_column("result")
        batch_op.drop_column("subject")
