"""indexes that answer the dashboard's figures on their own (issue 8)

A cold dashboard (the first view of a period) computes eight key figures and
eight charts; at 100,000 complaints that took 0.55 s, most of it in four
queries that read every open complaint, or every complaint, row by row:

* "open" and "overdue as of a day" read the complaints not closed by then:
  ``ix_complaint_open_as_of`` (closed date first, then what those figures test)
  replaces ``ix_complaint_closed_at`` and answers them without the table;
* "overdue per officer" is grouped by officer, and SQLite then walks the
  officer index whatever else it has: ``ix_complaint_officer_received`` now
  holds what that figure tests, so the walk never leaves the index;
* the residents' answers of a period were found by reading every complaint's
  timeline: ``ix_complaint_event_step_occurred`` finds them by step and date;
* the per-month trends read a year of received or resolved complaints: their
  date indexes now hold ``voided`` (and the receipt date, for the days taken).

At 100,000 complaints on SQLite the figures now take 0.08 s instead of 0.55 s, and
the cold dashboard page of tests/bench/bench.py 0.21 s instead of 0.57 s (see docs/performance.md).

Revision ID: 0011_dashboard_covering_indexes
Revises: 0010_dashboard_indexes
"""
from alembic import op

revision = "0011_dashboard_covering_indexes"
down_revision = "0010_dashboard_indexes"
branch_labels = None
depends_on = None

OPEN_AS_OF = ["closed_at", "status", "due_date", "assigned_officer_id", "voided", "received_at"]
OFFICER = ["assigned_officer_id", "received_at", "closed_at", "status", "due_date", "voided"]


def upgrade():
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_closed_at")
        batch_op.create_index("ix_complaint_open_as_of", OPEN_AS_OF)
        batch_op.drop_index("ix_complaint_officer_received")
        batch_op.create_index("ix_complaint_officer_received", OFFICER)
        batch_op.drop_index("ix_complaint_received_at")
        batch_op.create_index("ix_complaint_received_at", ["received_at", "voided"])
        batch_op.drop_index("ix_complaint_resolved_at")
        batch_op.create_index("ix_complaint_resolved_at", ["resolved_at", "voided", "received_at"])
    with op.batch_alter_table("complaint_event", schema=None) as batch_op:
        batch_op.create_index("ix_complaint_event_step_occurred", ["step", "occurred_at"])


def downgrade():
    with op.batch_alter_table("complaint_event", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_event_step_occurred")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_resolved_at")
        batch_op.create_index("ix_complaint_resolved_at", ["resolved_at"])
        batch_op.drop_index("ix_complaint_received_at")
        batch_op.create_index("ix_complaint_received_at", ["received_at"])
        batch_op.drop_index("ix_complaint_officer_received")
        batch_op.create_index("ix_complaint_officer_received",
                              ["assigned_officer_id", "received_at"])
        batch_op.drop_index("ix_complaint_open_as_of")
        batch_op.create_index("ix_complaint_closed_at", ["closed_at"])
