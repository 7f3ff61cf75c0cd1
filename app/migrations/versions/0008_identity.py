"""identity: graded identity protection, the identity view log, response templates

Replaces complaint.is_confidential by complaint.identity_level (confidential
complaints stay confidential, the others become "named").

Revision ID: 0008_identity
Revises: 0007_feedback
Create Date: 2026-11-24 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_identity'
down_revision = "0007_feedback"
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
    _create_append_only_triggers()

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


LOG_MESSAGE = "identity_view is append-only"


def _create_append_only_triggers():
    """The identity log can only grow: the database itself refuses UPDATE and DELETE."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION identity_view_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{LOG_MESSAGE}'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER identity_view_append_only BEFORE UPDATE OR DELETE "
            "ON identity_view FOR EACH ROW EXECUTE FUNCTION identity_view_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER identity_view_no_{event.lower()} BEFORE {event} "
                f"ON identity_view BEGIN SELECT RAISE(ABORT, '{LOG_MESSAGE}'); END"
            )


def _drop_append_only_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS identity_view_append_only ON identity_view")
        op.execute("DROP FUNCTION IF EXISTS identity_view_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS identity_view_no_update")
        op.execute("DROP TRIGGER IF EXISTS identity_view_no_delete")


def downgrade():
    with op.batch_alter_table('response_template', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_template_step'))
    op.drop_table('response_template')
    _drop_append_only_triggers()
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
