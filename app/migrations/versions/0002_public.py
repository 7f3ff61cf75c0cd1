"""public: failed tracking look-ups, for the per-code daily lock

Revision ID: 0002_public
Revises: 0001
Create Date: 2026-11-23 09:23:53.573463

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_public'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('public_lookup_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('failed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('public_lookup_failure', schema=None) as batch_op:
        batch_op.create_index('ix_public_lookup_failure_code_at', ['code_hash', 'failed_at'], unique=False)



def downgrade():
    with op.batch_alter_table('public_lookup_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_public_lookup_failure_code_at')

    op.drop_table('public_lookup_failure')
