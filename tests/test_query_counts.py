"""Each screen sends the same number of SQL statements however long its page is (no N+1).

The counts are taken on the real database (SQLite or PostgreSQL) with
``app.web.perf.count_queries``: a list of 10 rows (5 for the API) and a list of 25 rows must cost
the same, and a complaint with 2 timeline events the same as one with 12.
"""

import pytest

from app.core.timeutil import now_wib
from app.extensions import db
from app.models import Category, Dusun
from app.web.perf import count_queries
from tests.conftest import CSRF_RE, PASSWORD, login, make_complaint, make_officer, make_user

ROWS = 25


@pytest.fixture
def register(app):
    """25 complaints spread over categories, dusun and officers; one liaison sees them all."""
    liaison_user = make_user(app, "kadus", "Petugas Penghubung")
    liaison = make_officer(app, name="Kadus Satu", user_id=liaison_user)
    others = [make_officer(app, name=f"Petugas {i}", position="kasi") for i in range(4)]
    with app.app_context():
        categories = [c.id for c in db.session.query(Category).order_by(Category.id)]
        dusun = [d.id for d in db.session.query(Dusun).order_by(Dusun.id)]
    ids = []
    for i in range(ROWS):
        officer = liaison if i % 2 == 0 else others[i % len(others)]
        ids.append(make_complaint(
            app, status="forwarded", category_id=categories[i % len(categories)],
            dusun_id=dusun[i % len(dusun)], assigned_officer_id=officer,
            complainant_name=f"Siti {i}", is_confidential=i % 5 == 0))
    return ids


def statements(app, client, path, **kwargs):
    """How many statements answering ``path`` took (the page itself must succeed)."""
    with app.app_context():
        engine = db.engine
    with count_queries(engine) as counter:
        response = client.get(path, **kwargs)
    assert response.status_code == 200, (path, response.status_code)
    return counter.count


@pytest.mark.parametrize("role, username", [("Petugas Pengelola", "desk"),
                                            ("Kepala Desa", "kades"),
                                            ("Petugas Penghubung", "kadus")])
@pytest.mark.parametrize("view", ["ComplaintModelView", "OverdueComplaintModelView"])
def test_the_register_list_costs_the_same_for_10_or_25_rows(app, client, register, role,
                                                            username, view):
    if username != "kadus":
        make_user(app, username, role)
    login(client, username)
    base = "/complaint/list/" if view == "ComplaintModelView" else "/complaint/overdue/list/"
    small = statements(app, client, f"{base}?psize_{view}=10")
    large = statements(app, client, f"{base}?psize_{view}=25")
    assert small == large, (small, large)
    filters = "_flt_3_status=forwarded&_flt_0_dusun=1&_flt_2_complainant_name=Siti"
    assert statements(app, client, f"{base}?psize_{view}=10&{filters}") \
        == statements(app, client, f"{base}?psize_{view}=25&{filters}")


def test_the_complaint_page_costs_the_same_for_a_short_or_long_timeline(app, client,
                                                                         register):
    desk = make_user(app, "desk", "Petugas Pengelola")
    add_notes(app, register[3], desk, 10)
    login(client, "desk")
    short = statements(app, client, f"/complaint/show/{register[1]}")
    long = statements(app, client, f"/complaint/show/{register[3]}")
    assert short == long, (short, long)


def add_notes(app, pk, user_id, how_many):
    """Grow a complaint's timeline by ``how_many`` public progress notes."""
    from app.models import Complaint, ComplaintEvent
    from app.services import complaints as services

    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        user = app.appbuilder.sm.get_user_by_id(user_id)
        for i in range(how_many):
            services.apply_step(complaint, "note", {"note": f"cek {i}", "is_public": "y"}, user)
        assert db.session.query(ComplaintEvent).filter_by(complaint_id=pk).count() \
            == how_many + 1
        db.session.remove()


def test_the_public_status_page_costs_the_same_for_a_short_or_long_timeline(app, client):
    from tests.test_public import Resident

    resident = Resident(app)
    short_pk, long_pk = make_complaint(app), make_complaint(app)
    short_code, long_code = _code(app, short_pk), _code(app, long_pk)
    add_notes(app, long_pk, make_user(app, "desk", "Petugas Pengelola"), 8)
    counts = []
    for code in (short_code, long_code):
        response, count = _look_up(app, resident, code)
        assert response.status_code == 200
        counts.append(count)
    assert counts[0] == counts[1], counts
    # The complaint, its category, its timeline and the code's failures today come in one
    # statement (a position of a forwarding officer may add one); a public page is hot.
    assert counts[0] <= 2, counts


def test_the_status_page_asking_for_feedback_reads_the_holidays_once(app):
    from tests.test_feedback import informed
    from tests.test_public import Resident

    resident = Resident(app)
    _, code = informed(app)
    response, count = _look_up(app, resident, code)
    assert 'id="tanggapan"' in response.get_data(as_text=True)
    # The look-up, and the holidays for the feedback window's last day.
    assert count == 2


def _look_up(app, resident, code):
    """The resident looks ``code`` up on the status page: the answer, and its SQL count."""
    token = CSRF_RE.search(resident.get("/status").get_data(as_text=True)).group(1)
    with app.app_context():
        engine = db.engine
    with count_queries(engine) as counter:
        response = resident.post("/status", data={"tracking_code": code, "phone_last4": "7890",
                                                  "csrf_token": token})
    return response, counter.count


def _code(app, pk):
    with app.app_context():
        from app.models import Complaint

        return db.session.get(Complaint, pk).tracking_code


def test_the_api_list_costs_the_same_for_5_or_25_rows(app, client, register):
    make_user(app, "desk", "Petugas Pengelola")
    token = client.post("/api/v1/security/login", json={
        "username": "desk", "password": PASSWORD, "provider": "db"}).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    small = statements(app, client, "/api/v1/complaint/?q=(page_size:5)", headers=headers)
    large = statements(app, client, "/api/v1/complaint/?q=(page_size:25)", headers=headers)
    assert small == large, (small, large)


# --- The other screens: meetings, officers, identity log, dashboard, export -----------------

def _meetings(app, register, count, complaints_each):
    """``count`` meetings from tomorrow on, each with ``complaints_each`` of the register's
    complaints and two officers; returns their ids."""
    import datetime as dt

    from app.models import Complaint, Meeting, Officer

    with app.app_context():
        officers = db.session.query(Officer).order_by(Officer.id).limit(2).all()
        ids = []
        for i in range(count):
            meeting = Meeting(
                starts_at=now_wib() + dt.timedelta(days=1 + i), place=f"Balai {i}",
                agenda="Pembahasan", status="scheduled", officers=officers,
                complaints=[db.session.get(Complaint, pk)
                            for pk in register[i % 5:i % 5 + complaints_each]])
            db.session.add(meeting)
            db.session.flush()
            ids.append(meeting.id)
        db.session.commit()
        return ids


def _meeting_reader(app, client, register, role):
    """Log in as the desk, or as a Kepala Desa named in a complaint no meeting discusses
    (so that his meetings and their complaints go through his narrower rule)."""
    from app.models import Complaint

    user = make_user(app, role, {"desk": "Petugas Pengelola", "head": "Kepala Desa"}[role])
    if role == "head":
        officer = make_officer(app, name="Kepala Desa", position="kepala_desa", user_id=user)
        with app.app_context():
            db.session.get(Complaint, register[-1]).reported_officer_id = officer
            db.session.commit()
    login(client, role)


@pytest.mark.parametrize("role", ["desk", "head"])
def test_the_meeting_list_and_page_cost_the_same_however_many_rows(app, client, register,
                                                                    role):
    _meeting_reader(app, client, register, role)
    small, large = _meetings(app, register, ROWS, 2)[0], _meetings(app, register, 1, 12)[0]
    view = "MeetingModelView"
    assert statements(app, client, f"/meeting/list/?psize_{view}=10&_oc_{view}=starts_at") \
        == statements(app, client, f"/meeting/list/?psize_{view}=25&_oc_{view}=starts_at")
    assert statements(app, client, f"/meeting/show/{small}") \
        == statements(app, client, f"/meeting/show/{large}")


@pytest.mark.parametrize("role", ["desk", "head"])
def test_the_home_page_costs_the_same_for_one_or_five_upcoming_meetings(app, client, register,
                                                                        role):
    _meeting_reader(app, client, register, role)
    _meetings(app, register, 1, 3)
    one = statements(app, client, "/")
    _meetings(app, register, 4, 3)
    assert statements(app, client, "/") == one


def test_the_officer_list_costs_the_same_for_10_or_25_rows(app, client, register):
    with app.app_context():
        dusun = [d.id for d in db.session.query(Dusun).order_by(Dusun.id)]
    for i in range(ROWS):  # each with a dusun: the list shows it
        make_officer(app, name=f"Kadus {i}", position="kepala_dusun",
                     dusun_id=dusun[i % len(dusun)])
    make_user(app, "admin", "Admin")
    login(client, "admin")
    assert statements(app, client, "/officer/list/?psize_OfficerModelView=10") \
        == statements(app, client, "/officer/list/?psize_OfficerModelView=25")


def test_the_identity_log_costs_the_same_for_10_or_25_rows(app, client, register):
    from app.auth import identity
    from app.models import Complaint

    user_id = make_user(app, "admin", "Admin")
    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(user_id)
        for pk in register:
            identity.record_view(user, db.session.get(Complaint, pk), "show")
        db.session.commit()
    login(client, "admin")
    view = "IdentityViewModelView"
    assert statements(app, client, f"/identityview/list/?psize_{view}=10") \
        == statements(app, client, f"/identityview/list/?psize_{view}=25")


@pytest.mark.parametrize("path", ["/dashboard/?period=year", "/register/export.csv",
                                  "/register/export.xlsx"])
def test_the_dashboard_and_the_export_cost_the_same_for_5_or_25_complaints(app, client, path):
    from app.reporting import charts

    make_user(app, "desk", "Petugas Pengelola")
    login(client, "desk")
    counts = []
    for added in (5, ROWS - 5):  # 5 complaints, then 25
        for _ in range(added):
            make_complaint(app, status="forwarded", complainant_name="Siti")
        charts.clear_cache()  # a first view: every figure computed
        counts.append(statements(app, client, path))
    assert counts[0] == counts[1], counts
