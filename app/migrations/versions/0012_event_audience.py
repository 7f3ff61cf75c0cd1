"""who may read each timeline note: complaint_event.audience

A timeline event had one flag, ``is_public``: its line (step, date, status) is on
the resident's public status page. Who read the event's *note* was decided
elsewhere: the public page printed it for a fixed list of steps, and every
officer who could open the complaint read all of them, including the message
sent to the resident (with the full name) and the resident's own comments.

``audience`` now says who may read the note: "public", "staff" (whoever may open
the complaint) or "desk" (the complaint desk only). ``is_public`` keeps its
meaning (the line), so the resident still sees "resolved" on a line whose
internal note ("what was done") is for staff.

Existing rows get the audience that matches what each reader was meant to read,
and the public page shows exactly what it showed before:

* public: lines on the public timeline of the steps whose note the public page
  printed (request_completion, note, reject, refer, extend_deadline, reopen,
  keep_closed);
* desk: messages to the resident (inform), the resident's answers and comments
  (confirm_solved, request_reopen) and the completion they sent (complete);
* staff: every other row.

The timeline is append-only (triggers of 0001 refuse UPDATE): they are dropped for
the backfill and created again, in the same transaction on PostgreSQL.

Revision ID: 0012_event_audience
Revises: 0011_dashboard_covering_indexes
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_event_audience"
down_revision = "0011_dashboard_covering_indexes"
branch_labels = None
depends_on = None

PUBLIC_NOTE_STEPS = ("request_completion", "note", "reject", "refer", "extend_deadline",
                     "reopen", "keep_closed")
DESK_NOTE_STEPS = ("inform", "confirm_solved", "request_reopen", "complete")
APPEND_ONLY_MESSAGE = "complaint_event is append-only"


def upgrade():
    with op.batch_alter_table("complaint_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audience", sa.String(length=10), nullable=False,
                                      server_default="desk"))
    _drop_append_only_triggers()
    event = sa.table("complaint_event", sa.column("step", sa.String),
                     sa.column("is_public", sa.Boolean), sa.column("audience", sa.String))
    op.execute(event.update().values(audience="staff"))
    op.execute(event.update().where(event.c.step.in_(DESK_NOTE_STEPS))
               .values(audience="desk"))
    op.execute(event.update().where(event.c.step.in_(PUBLIC_NOTE_STEPS),
                                    event.c.is_public.is_(True))
               .values(audience="public"))
    _create_append_only_triggers()


def downgrade():
    # Dropping a column rebuilds the table on SQLite, which loses its triggers.
    _drop_append_only_triggers()
    with op.batch_alter_table("complaint_event", schema=None) as batch_op:
        batch_op.drop_column("audience")
    _create_append_only_triggers()


def _create_append_only_triggers():
    """As in 0001: the timeline can only grow, the database refuses UPDATE and DELETE."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION complaint_event_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER complaint_event_append_only BEFORE UPDATE OR DELETE "
            "ON complaint_event FOR EACH ROW EXECUTE FUNCTION complaint_event_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER complaint_event_no_{event.lower()} BEFORE {event} "
                f"ON complaint_event BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
            )


def _drop_append_only_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS complaint_event_append_only ON complaint_event")
        op.execute("DROP FUNCTION IF EXISTS complaint_event_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS complaint_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS complaint_event_no_delete")
