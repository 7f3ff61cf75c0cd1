"""The audit log: who changed which field of what, when, from what to what; append-only."""

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from app.services import audit, complaints as services
from app.extensions import db
from app.models import (AuditEntry, AuditPersonalValue, Category, Complaint, DeadlineTier, Dusun,
                        Holiday, Officer, ResponseTemplate)
from tests.conftest import (login, make_complaint, make_officer, make_user, post_form)
from tests.test_steps import api_login

COMPLAINT_FORM = {
    "kind": "pengaduan", "channel": "walk_in", "complainant_name": "Siti Aminah",
    "complainant_address": "RT 02/RW 03, Dusun I", "complainant_phone": "0812 3456 7890",
    "subject": "Lampu jalan mati", "description": "Lampu jalan di depan mushola mati sejak "
    "seminggu.", "identity_level": "named", "expected_version": 1,
}


def _rows(app, entity, **where):
    """``(actor, action, field, old, new, personal old, personal new)`` of ``entity``'s rows."""
    with app.app_context():
        query = db.session.query(AuditEntry).filter_by(entity=entity, **where)
        rows = [(e.actor_name, e.action, e.field, e.old_value, e.new_value,
                 e.personal_value.old_value if e.personal_value else None,
                 e.personal_value.new_value if e.personal_value else None)
                for e in query.order_by(AuditEntry.id)]
        db.session.remove()
        return rows


def _desk(app):
    user_id = make_user(app, "desk", "Petugas Pengelola", first_name="Rina", last_name="Desk")
    make_officer(app, name="Rina Wulandari", position="petugas_pengelola", user_id=user_id)
    return user_id


# --- complaints: the screen and the API, one service ------------------------------------------

def test_an_edit_on_the_screen_records_each_changed_field_with_who(app, client):
    _desk(app)
    pk = make_complaint(app)
    login(client, "desk")
    page = post_form(client, f"/complaint/edit/{pk}", {
        **COMPLAINT_FORM, "subject": "Lampu jalan mati total",
        "complainant_name": "Siti Aminah Z"})
    assert page.status_code == 200
    rows = _rows(app, "complaint", action="update")
    assert ("Rina Wulandari", "update", "subject", "Lampu jalan mati",
            "Lampu jalan mati total", None, None) in rows
    # The name is personal: its values are not in the append-only row but beside it.
    assert ("Rina Wulandari", "update", "complainant_name", None, None, "Siti Aminah",
            "Siti Aminah Z") in rows
    assert {row[2] for row in rows} == {"subject", "complainant_name"}


def test_an_edit_through_the_api_is_recorded_the_same_way(app, client):
    _desk(app)
    pk = make_complaint(app)
    with app.app_context():
        category = db.session.query(Category).order_by(Category.id).first().name
    response = client.put(f"/api/v1/complaint/{pk}", headers=api_login(client, "desk"),
                          json={"version": 1, "location": "Depan mushola",
                                "identity_level": "masked"})
    assert response.status_code == 200, response.get_json()
    rows = _rows(app, "complaint", action="update")
    assert ("Rina Wulandari", "update", "location", None, "Depan mushola", None, None) in rows
    assert ("Rina Wulandari", "update", "identity_level", "named", "masked", None, None) in rows
    assert category  # (the reference lists are there; nothing else changed)
    assert len(rows) == 2


def test_a_step_records_the_fields_it_changes(app):
    desk = _desk(app)
    pk = make_complaint(app, desk)
    with app.app_context():
        category = db.session.query(Category).order_by(Category.id).first()
        user = app.appbuilder.sm.get_user_by_id(desk)
        services.apply_step(db.session.get(Complaint, pk), "verify",
                            {"kind": "laporan", "urgency": "high", "category_id": category.id},
                            user)
        category_name = category.name
        db.session.remove()
    changed = {row[2]: (row[3], row[4]) for row in _rows(app, "complaint", action="update")}
    assert changed["status"] == ("received", "verified")
    assert changed["kind"] == ("pengaduan", "laporan")
    assert changed["category"] == (None, category_name)
    assert {row[0] for row in _rows(app, "complaint")} == {"Rina Wulandari"}, _rows(app, "complaint")


def test_a_refused_edit_leaves_no_audit_row(app):
    pk = make_complaint(app)
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        with pytest.raises(services.ServiceError):
            services.edit_complaint(complaint, {"subject": "Baru"}, None, "7")
        db.session.remove()
    assert _rows(app, "complaint", action="update") == []


def test_registering_is_one_creation_row_without_personal_data(app):
    pk = make_complaint(app)
    with app.app_context():
        entry = db.session.query(AuditEntry).filter_by(entity="complaint").one()
        number = db.session.get(Complaint, pk).register_number
        assert (entry.action, entry.entity_id, entry.entity_label, entry.new_value) == \
            ("create", pk, number, None)
        assert db.session.query(AuditPersonalValue).count() == 0


def test_logging_in_writes_no_audit_row(app, client):
    user_id = make_user(app, "desk", "Petugas Pengelola")
    before = len(_rows(app, "user"))
    login(client, "desk")
    assert len(_rows(app, "user")) == before
    assert _rows(app, "user", entity_id=user_id)[0][1] == "create"


# --- who may read a personal value ----------------------------------------------------------------

@pytest.mark.parametrize("level, head_reads_name", [("named", True), ("masked", False),
                                                   ("anonymous", False)])
def test_personal_values_follow_the_identity_rules(app, level, head_reads_name):
    desk = make_user(app, "desk", "Petugas Pengelola")
    head = make_user(app, "kades", "Kepala Desa")
    pk = make_complaint(app, identity_level=level)
    with app.test_request_context():
        complaint = db.session.get(Complaint, pk)
        services.edit_complaint(complaint, {"complainant_name": "Siti Z", "subject": "Jalan"},
                                app.appbuilder.sm.get_user_by_id(desk))
        entries = {e.field: e for e in db.session.query(AuditEntry).filter_by(action="update")}
        desk_user = app.appbuilder.sm.get_user_by_id(desk)
        head_user = app.appbuilder.sm.get_user_by_id(head)
        assert audit.shown(desk_user, entries["complainant_name"]) == ("Siti Aminah", "Siti Z")
        shown = audit.shown(head_user, entries["complainant_name"])
        assert (shown == ("Siti Aminah", "Siti Z")) is head_reads_name
        if not head_reads_name:
            assert shown == ("(dirahasiakan)", "(dirahasiakan)")
        assert audit.shown(head_user, entries["subject"]) == ("Lampu jalan mati", "Jalan")


def test_an_erased_personal_value_reads_as_erased_and_the_row_stays(app):
    pk = make_complaint(app)
    with app.test_request_context():
        services.edit_complaint(db.session.get(Complaint, pk), {"complainant_phone": "+62811"},
                                None)
        db.session.query(AuditPersonalValue).delete()
        db.session.commit()
        entry = db.session.query(AuditEntry).filter_by(field="complainant_phone").one()
        assert audit.shown(None, entry) == ("(dihapus)", "(dihapus)")


# --- the admin's lists ---------------------------------------------------------------------------

@pytest.fixture
def scratch_role(app):
    """A role's name for one test, removed after it (PostgreSQL keeps roles between tests)."""
    yield "Peran uji"
    with app.app_context():
        sm = app.appbuilder.sm
        role = sm.find_role("Peran uji")
        if role is not None:
            role.permissions = []
            db.session.delete(role)
            db.session.commit()
        db.session.remove()


def test_each_kind_of_master_data_change_is_recorded(app, scratch_role):
    """Officers, logins, roles, categories, dusun, deadline tiers, holidays and templates."""
    user_id = make_user(app, "kadus", "Petugas Penghubung")
    officer_id = make_officer(app, name="Sutrisno", position="kepala_dusun", user_id=user_id)
    with app.app_context():
        sm = app.appbuilder.sm
        db.session.get(Officer, officer_id).phone = "+628111"
        user = sm.get_user_by_id(user_id)
        user.roles = [sm.find_role("Kepala Desa")]
        user.active = False
        # A role made for this test: the seeded roles stay as they are for the tests after it
        # (on PostgreSQL roles and permissions are not emptied between tests).
        scratch = sm.add_role(scratch_role, permissions=sm.find_role("Kepala Desa").permissions[:2])
        scratch.permissions = scratch.permissions[1:]
        category = db.session.query(Category).order_by(Category.id).first()
        category.name = "Pelayanan umum"
        db.session.query(Dusun).order_by(Dusun.id).first().active = False
        db.session.add(DeadlineTier(description="Umum", verification_days=2, followup_days=4,
                                    resolution_days=10))
        db.session.add(Holiday(date=dt.date(2031, 3, 3), year=2031, name="Libur uji"))
        template = db.session.query(ResponseTemplate).order_by(ResponseTemplate.id).first()
        template.title = "Judul baru"
        db.session.commit()
        db.session.remove()
    assert ("Sistem", "update", "phone", None, "+628111", None, None) in _rows(app, "officer")
    user_rows = {row[2]: row[3:5] for row in _rows(app, "user", action="update")}
    assert user_rows["roles"] == ("Petugas Penghubung", "Kepala Desa")
    assert user_rows["active"] == ("yes", "no")
    assert [row[2] for row in _rows(app, "role", action="update")][-1] == "permissions"
    assert ("update", "name", "Pelayanan publik", "Pelayanan umum") in \
        [row[1:5] for row in _rows(app, "category")]
    assert ("update", "active", "yes", "no") in [row[1:5] for row in _rows(app, "dusun")]
    assert _rows(app, "deadline_tier")[-1][1] == "create"
    assert '"name": "Libur uji"' in _rows(app, "holiday")[-1][4]
    assert _rows(app, "response_template")[-1][2:5][0] == "title"


def test_a_change_through_an_admin_screen_names_the_admin(app, client, login_as):
    login_as("admin")
    post_form(client, "/category/add", {"name": "Bencana", "description": "", "active": "y"})
    with app.app_context():
        pk = db.session.query(Category).filter_by(name="Bencana").one().id
    post_form(client, f"/category/edit/{pk}", {"name": "Bencana alam", "description": "",
                                               "active": "y"})
    rows = [row for row in _rows(app, "category") if row[0] != "Sistem"]
    assert [row[1:3] for row in rows] == [("create", None), ("update", "name")]
    assert rows[1][3:5] == ("Bencana", "Bencana alam")
    assert rows[0][0] == "Uji Pengguna"


# --- append-only ------------------------------------------------------------------------------------

@pytest.mark.parametrize("statement", ["UPDATE audit_log SET new_value = 'diubah'",
                                       "DELETE FROM audit_log"])
def test_the_database_refuses_to_change_the_audit_log(app, statement):
    make_complaint(app)
    with app.app_context():
        with db.engine.connect() as conn:
            before = conn.execute(text("SELECT count(*) FROM audit_log")).scalar()
        assert before > 0
        with pytest.raises(DatabaseError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text(statement))
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar() == before
            assert conn.execute(text(
                "SELECT count(*) FROM audit_log WHERE new_value = 'diubah'")).scalar() == 0


# --- the screen and the export ---------------------------------------------------------------------

def test_the_admin_reads_filters_and_exports_the_log(app, client, login_as):
    pk = make_complaint(app)
    with app.test_request_context():
        services.edit_complaint(db.session.get(Complaint, pk),
                                {"subject": "Jalan rusak", "complainant_name": "Budi"}, None)
    login_as("admin")
    page = client.get("/auditlog/list/?_flt_0_entity=complaint")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Jalan rusak" in body and "Budi" in body and "Siti Aminah" in body
    assert "Pengaduan" in body and "Diubah" in body
    assert "Pelayanan publik" not in body  # the filter keeps only complaints
    export = client.get("/auditlog/export.csv?_flt_0_field=subject")
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert rows[0][:3] == ["Waktu", "Pengguna", "Data"]
    assert [row[5:] for row in rows[1:]] == [["subject", "Lampu jalan mati", "Jalan rusak"]]


def test_nobody_can_change_the_log_through_the_screen(app, client, login_as):
    make_complaint(app)
    login_as("admin")
    for path in ("/auditlog/add", "/auditlog/edit/1", "/auditlog/delete/1"):
        assert client.get(path).status_code == 404


def test_a_new_password_is_recorded_as_changed_without_the_hash(app):
    user_id = make_user(app, "kadus", "Petugas Penghubung")
    with app.app_context():
        app.appbuilder.sm.reset_password(user_id, "kata sandi baru yang panjang")
        stored = app.appbuilder.sm.get_user_by_id(user_id).password
        rows = db.session.query(AuditEntry).filter_by(entity="user", entity_id=user_id,
                                                      field="password").all()
        assert [(r.action, r.old_value, r.new_value) for r in rows] == \
            [("update", None, audit.PASSWORD_CHANGED)]
        everything = " ".join(str(v) for r in db.session.query(AuditEntry)
                              for v in (r.old_value, r.new_value))
        assert stored not in everything
