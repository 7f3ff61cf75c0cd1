"""village host: a village's own host name for its public pages

``village.host`` (e.g. ``lapor.babakan.desa.id``, unique, empty for none): a request to that
host name reaches the village's public pages at today's addresses (``/lapor``, ``/status``,
``/statistik``) and the addresses sent out (receipt, QR code, emails) name it, instead of
``/<slug>/`` under PUBLIC_BASE_URL (``app.web.village_urls``).

Going down drops the column, so it is refused while a village has a host name (the admin
clears them first): nothing is lost without being asked.

Revision ID: 0030_village_host
Revises: 0029_village_indexes
"""
import sqlalchemy as sa
from alembic import op

revision = "0030_village_host"
down_revision = "0029_village_indexes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("village", schema=None) as batch_op:
        batch_op.add_column(sa.Column("host", sa.String(length=253), nullable=True))
        batch_op.create_unique_constraint("uq_village_host", ["host"])


def downgrade():
    named = op.get_bind().execute(sa.text(
        "SELECT slug, host FROM village WHERE host IS NOT NULL ORDER BY slug")).all()
    if named:
        raise RuntimeError(
            "Going below 0030_village_host would drop the host names of "
            + ", ".join(f"{slug} ({host})" for slug, host in named)
            + ". Clear them in the village screen first. Not done; nothing changed.")
    with op.batch_alter_table("village", schema=None) as batch_op:
        batch_op.drop_constraint("uq_village_host", type_="unique")
        batch_op.drop_column("host")
