"""village indexes: a village's register and figures read only its own rows

Every query of a village's staff now carries ``village_id = their village`` (the scoping of
app.auth.villages). With a kabupaten's villages in one table the global indexes of 0009-0011
find every village's rows and filter afterwards: the busiest village's desk read thousands of
other villages' rows for one page. Each index below is one of those led by ``village_id``:

- the register, newest first (all states) and by state (to do / closed);
- the dashboard's data stamp (latest change), its received / resolved / open-as-of figures.

The kabupaten's figures compare villages over a period and keep using the global ones.
Also joins the two heads that 0026 left (audit village, village keys).

Revision ID: 0029_village_indexes
Revises: 0026_audit_village, 0026_village_keys
"""
from alembic import op

revision = "0029_village_indexes"
down_revision = ("0026_audit_village", "0026_village_keys")
branch_labels = None
depends_on = None

INDEXES = {
    "ix_complaint_village_received": ["village_id", "received_at", "voided"],
    "ix_complaint_village_status_received": ["village_id", "status", "received_at"],
    "ix_complaint_village_changed": ["village_id", "changed_at"],
    "ix_complaint_village_resolved": ["village_id", "resolved_at", "voided", "received_at",
                                      "due_date"],
    "ix_complaint_village_open_as_of": ["village_id", "closed_at", "status", "due_date",
                                        "assigned_officer_id", "voided", "received_at"],
}


def upgrade():
    for name, columns in INDEXES.items():
        op.create_index(name, "complaint", columns)


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name="complaint")
