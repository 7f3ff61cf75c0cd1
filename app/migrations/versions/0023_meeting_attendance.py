"""who actually attended a review meeting

``meeting_officer.attended`` and ``meeting_guest.attended``: recorded with the minutes
(true present, false absent); empty (NULL) for every existing meeting and for a meeting
whose minutes are not written yet, which the screens read as "not recorded" and show the
invited people as before. No existing row is changed.

Down drops both columns after writing the attendance of every meeting that has one into
the end of its findings (``Kehadiran: hadir ...; tidak hadir ...``), so what the minutes
recorded stays readable in the berita acara; a party who came without being invited is a
guest row and stays one.

Revision ID: 0023_meeting_attendance
Revises: 0021_inbox_files
"""
import sqlalchemy as sa
from alembic import op

revision = "0023_meeting_attendance"
down_revision = "0021_inbox_files"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("meeting_officer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attended", sa.Boolean(), nullable=True))
    with op.batch_alter_table("meeting_guest", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attended", sa.Boolean(), nullable=True))


def _attendance_lines(conn):
    """{meeting id: "Kehadiran: hadir A, B; tidak hadir C"} for meetings with attendance."""
    people = {}
    rows = conn.execute(sa.text(
        "SELECT mo.meeting_id, o.name, mo.attended FROM meeting_officer mo "
        "JOIN officer o ON o.id = mo.officer_id WHERE mo.attended IS NOT NULL "
        "ORDER BY mo.meeting_id, o.name")).all()
    rows += conn.execute(sa.text(
        "SELECT meeting_id, name || ' (' || role || ')', attended FROM meeting_guest "
        "WHERE attended IS NOT NULL ORDER BY meeting_id, id")).all()
    for meeting_id, name, attended in rows:
        people.setdefault(meeting_id, ([], []))[0 if attended else 1].append(name)
    return {meeting_id: "Kehadiran: hadir " + (", ".join(present) or "-")
            + "; tidak hadir " + (", ".join(absent) or "-")
            for meeting_id, (present, absent) in people.items()}


def downgrade():
    conn = op.get_bind()
    for meeting_id, line in _attendance_lines(conn).items():
        findings = conn.execute(sa.text("SELECT findings FROM meeting WHERE id = :id"),
                                {"id": meeting_id}).scalar()
        conn.execute(sa.text("UPDATE meeting SET findings = :text WHERE id = :id"),
                     {"id": meeting_id,
                      "text": (findings + "\n\n" if findings else "") + line})
    with op.batch_alter_table("meeting_guest", schema=None) as batch_op:
        batch_op.drop_column("attended")
    with op.batch_alter_table("meeting_officer", schema=None) as batch_op:
        batch_op.drop_column("attended")
