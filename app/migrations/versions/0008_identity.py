"""identity: graded identity protection, the identity view log, response templates

Replaces complaint.is_confidential by complaint.identity_level (confidential
complaints stay confidential, the others become "named").

Revision ID: 0008_identity
Revises: 0003_meetings
Create Date: 2026-11-24 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_identity'
down_revision = "0003_meetings"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identity_level', sa.String(length=20),
                                      server_default='named', nullable=False))
    op.execute(sa.text("UPDATE complaint SET identity_level = 'confidential' "
                       "WHERE is_confidential = :yes").bindparams(yes=True))
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_column('is_confidential')

    op.create_table('identity_view',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('viewed_at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('user_name', sa.String(length=120), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('identity_view', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_view_complaint_id'), ['complaint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identity_view_viewed_at'), ['viewed_at'], unique=False)

    op.create_table('response_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('step', sa.String(length=20), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('response_template', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_template_step'), ['step'], unique=False)


def downgrade():
    with op.batch_alter_table('response_template', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_template_step'))
    op.drop_table('response_template')
    with op.batch_alter_table('identity_view', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_view_viewed_at'))
        batch_op.drop_index(batch_op.f('ix_identity_view_complaint_id'))
    op.drop_table('identity_view')

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_confidential', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.execute(sa.text("UPDATE complaint SET is_confidential = :yes "
                       "WHERE identity_level = 'confidential'").bindparams(yes=True))
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_column('identity_level')
