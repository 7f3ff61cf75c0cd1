"""One definition of "overdue": open, not void, and past the resolution due date.

The SQL form (``deadlines.overdue_condition``) and the Python form
(``deadlines.is_overdue``) must agree, and every place that counts or marks overdue
complaints (the overdue list, the register's due column, the home page, the export)
must use them. Due dates are set by hand here, not computed.
"""

import datetime as dt

import pytest

from app.core.timeutil import today_wib
from app.extensions import db
from app.models import Complaint
from app.services import deadlines
from tests.conftest import make_complaint, set_fields

DUE = dt.date(2026, 3, 10)


@pytest.mark.parametrize("status, voided, day, expected", [
    ("forwarded", False, dt.date(2026, 3, 10), False),   # due today: not yet overdue
    ("forwarded", False, dt.date(2026, 3, 11), True),    # the day after
    ("needs_completion", False, dt.date(2026, 4, 1), True),
    ("resolved", False, dt.date(2026, 4, 1), False),     # closed
    ("reopen_requested", False, dt.date(2026, 4, 1), False),  # not an open status
    ("forwarded", True, dt.date(2026, 4, 1), False),     # void
])
def test_sql_and_python_forms_agree(app, status, voided, day, expected):
    pk = make_complaint(app)
    set_fields(app, pk, status=status, voided=voided, due_date=DUE)
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        assert deadlines.is_overdue(complaint, day) is expected
        found = db.session.query(Complaint.id).filter(
            deadlines.overdue_condition(day)).all()
        assert ([pk] if expected else []) == [row.id for row in found]


def test_without_a_due_date_nothing_is_overdue(app):
    pk = make_complaint(app)
    set_fields(app, pk, status="forwarded", due_date=None)
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        assert not deadlines.is_overdue(complaint, dt.date(2030, 1, 1))
        assert not db.session.query(Complaint.id).filter(
            deadlines.overdue_condition(dt.date(2030, 1, 1))).all()


def test_list_home_and_export_count_the_same_complaints(app, client, login_as):
    login_as("desk")
    late = make_complaint(app, subject="Sudah lewat")
    due_today = make_complaint(app, subject="Jatuh tempo hari ini")
    void = make_complaint(app, subject="Batal lewat")
    set_fields(app, late, status="verified", due_date=dt.date(2020, 1, 6))
    set_fields(app, void, status="verified", due_date=dt.date(2020, 1, 6), voided=True,
         void_reason="salah catat")
    with app.app_context():
        set_fields(app, due_today, status="verified", due_date=today_wib())

    page = client.get("/complaint/overdue/list/").get_data(as_text=True)
    assert "Sudah lewat" in page
    assert "Jatuh tempo hari ini" not in page and "Batal lewat" not in page

    register = client.get("/complaint/list/").get_data(as_text=True)
    # The due column marks exactly the overdue row (6 January 2020).
    assert register.count('class="overdue"') == 1
    assert '<span class="overdue">6 Januari 2020' in register

    home = client.get("/").get_data(as_text=True).replace("\n", "").replace("  ", "")
    assert 'class="number">1</span>Terlambat' in home

    export = client.get("/register/export.csv?overdue=1")
    assert export.status_code == 200
    text = export.get_data(as_text=True)
    assert "Sudah lewat" in text
    assert "Jatuh tempo hari ini" not in text and "Batal lewat" not in text
