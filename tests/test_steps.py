"""The SOP's steps through the real screens and the staff API, for each role."""

import datetime as dt

import pytest

from app.core import workflow
from app.extensions import db
from app.models import Category, Complaint, ComplaintEvent
from tests.conftest import (
    PASSWORD, csrf_token, login, make_complaint, make_officer, make_user, post_form,
)


def category_id(app, name="Infrastruktur dan lingkungan"):
    with app.app_context():
        return db.session.query(Category.id).filter_by(name=name).scalar()


def load(app, pk):
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        db.session.expunge(complaint)
        return complaint


def events(app, pk):
    with app.app_context():
        return [(e.step, e.from_status, e.to_status, e.is_public, e.note)
                for e in db.session.query(ComplaintEvent).filter_by(complaint_id=pk)
                .order_by(ComplaintEvent.id)]


def step(client, pk, name, **fields):
    return post_form(client, f"/complaint/step/{pk}/{name}", fields)


def test_the_whole_sop_through_the_screens(app, client, login_as):
    desk_id = login_as("desk")
    kadus_user = make_user(app, "kadus1", "Petugas Penghubung", first_name="Sutrisno")
    kadus = make_officer(app, name="Sutrisno", position="kepala_dusun", user_id=kadus_user)
    pk = make_complaint(app, user_id=desk_id)

    page = client.get(f"/complaint/show/{pk}").get_data(as_text=True)
    assert "Verifikasi" in page and "Tolak" in page
    assert f"/complaint/step/{pk}/inform" not in page  # only the steps open now

    step(client, pk, "verify", kind="pengaduan", category_id=category_id(app), urgency="high",
         note="Identitas dan obyek lengkap")
    assert load(app, pk).status == "verified"
    response = step(client, pk, "forward", officer_id=kadus, reported_to="kepala_desa")
    assert "Diteruskan" in response.get_data(as_text=True)
    assert load(app, pk).assigned_officer_id == kadus

    kadus_client = app.test_client()
    login(kadus_client, "kadus1")
    step(kadus_client, pk, "note", note="Sudah dicek ke lokasi", is_public="y")
    assert load(app, pk).public_note == "Sudah dicek ke lokasi"
    step(kadus_client, pk, "resolve", outcome_type="administrative",
         outcome_text="Lampu diganti", public_note="Lampu sudah menyala kembali")

    step(client, pk, "inform", channel="whatsapp", message="Pengaduan Anda selesai.")
    complaint = load(app, pk)
    assert complaint.status == "informed"
    assert complaint.outcome_type == "administrative"
    assert [e[:3] for e in events(app, pk)] == [
        ("register", None, "received"),
        ("verify", "received", "verified"),
        ("forward", "verified", "forwarded"),
        ("note", "forwarded", "forwarded"),
        ("resolve", "forwarded", "resolved"),
        ("inform", "resolved", "informed"),
    ]
    timeline = client.get(f"/complaint/show/{pk}").get_data(as_text=True)
    assert "Sutrisno" in timeline and "Sudah dicek ke lokasi" in timeline


def test_a_step_with_missing_fields_is_refused_at_the_field_and_keeps_the_input(app, client,
                                                                                 login_as):
    login_as("desk")
    pk = make_complaint(app)
    response = step(client, pk, "verify", kind="pengaduan", category_id="", urgency="high",
                    note="catatan yang diketik")
    page = response.get_data(as_text=True)
    assert "Wajib diisi" in page
    assert "catatan yang diketik" in page
    assert load(app, pk).status == "received"
    assert len(events(app, pk)) == 1


def test_reject_and_request_completion_are_public_with_their_reason(app, client, login_as):
    login_as("desk")
    first, second = make_complaint(app), make_complaint(app)
    step(client, first, "request_completion", missing="Mohon sebutkan RT/RW lokasi")
    step(client, second, "reject", reason="Di luar kewenangan desa")
    assert load(app, first).status == "needs_completion"
    assert load(app, second).status == "rejected"
    assert events(app, first)[-1][3] is True
    assert load(app, second).public_note == "Di luar kewenangan desa"


def test_a_step_not_open_now_is_refused_and_changes_nothing(app, client, login_as):
    login_as("desk")
    pk = make_complaint(app)
    response = client.post(f"/complaint/step/{pk}/resolve", data={
        "outcome_type": "policy", "outcome_text": "x", "public_note": "y",
        "csrf_token": csrf_token(client, f"/complaint/show/{pk}")}, follow_redirects=True)
    assert "tidak dapat dilakukan" in response.get_data(as_text=True)
    assert load(app, pk).status == "received"
    assert len(events(app, pk)) == 1


def test_a_step_from_a_stale_page_is_refused(app, client, login_as):
    login_as("desk")
    pk = make_complaint(app)
    token = csrf_token(client, f"/complaint/step/{pk}/note")
    step(client, pk, "note", note="catatan pertama")  # moves version on
    response = client.post(f"/complaint/step/{pk}/verify", data={
        "csrf_token": token, "expected_version": "1", "kind": "pengaduan",
        "category_id": category_id(app), "urgency": "normal"}, follow_redirects=True)
    assert "telah diubah oleh" in response.get_data(as_text=True)
    assert load(app, pk).status == "received"


def test_an_officer_complained_about_cannot_be_assigned(app, client, login_as):
    login_as("desk")
    kaur = make_officer(app, name="Kaur Umum", position="kaur")
    pk = make_complaint(app)
    step(client, pk, "verify", kind="pengaduan", category_id=category_id(app, "Dugaan penyimpangan"),
         urgency="normal", identity_level="confidential", reported_officer_id=kaur)
    form = client.get(f"/complaint/step/{pk}/forward").get_data(as_text=True)
    assert "Kaur Umum" not in form  # not even offered in the list
    response = step(client, pk, "forward", officer_id=kaur, reported_to="sekretaris_desa")
    assert "pihak yang diadukan sehingga tidak dapat menangani" in response.get_data(as_text=True)
    assert load(app, pk).assigned_officer_id is None
    assert load(app, pk).is_confidential


def test_bulk_forward_moves_what_it_may_and_says_what_it_did_not(app, client, login_as):
    login_as("desk")
    officer = make_officer(app, name="Kasi Pelayanan", position="kasi")
    ready, not_ready = make_complaint(app), make_complaint(app)
    step(client, ready, "verify", kind="laporan", category_id=category_id(app), urgency="normal")
    response = post_form(client, f"/complaint/forward?ids={ready},{not_ready}",
                         {"officer_id": officer, "reported_to": "kepala_desa",
                          "ids": f"{ready},{not_ready}"})
    page = response.get_data(as_text=True)
    assert load(app, ready).status == "forwarded"
    assert load(app, not_ready).status == "received"
    assert "Diteruskan: " + load(app, ready).register_number in page
    assert "Tidak diteruskan: " + load(app, not_ready).register_number in page


def test_a_bulk_action_asked_for_one_row_by_url_leads_to_its_form(app, client, login_as):
    """FAB passes a single row (not a list) to an action called as /action/<name>/<pk>."""
    login_as("desk")
    pk = make_complaint(app, status="verified")
    token = csrf_token(client, "/resetmypassword/form")
    for name in ("forward_selected", "schedule_selected"):
        response = client.post(f"/complaint/action/{name}/{pk}", data={"csrf_token": token})
        assert response.status_code == 302, name
        assert f"ids={pk}" in response.headers["Location"], name


def _liaison_with_bulk_steps(app, username="kadus"):
    """A liaison whose second role grants the bulk action: only ``access`` keeps rows out."""
    user_id = make_user(app, username, "Petugas Penghubung")
    with app.app_context():
        sm = app.appbuilder.sm
        role = sm.add_role("Uji aksi massal")
        sm.add_permission_role(role, sm.add_permission_view_menu("can_bulk_step", "Complaint"))
        user = sm.get_user_by_id(user_id)
        user.roles.append(role)
        db.session.commit()
        db.session.remove()
    return user_id


def test_the_bulk_action_only_takes_complaints_the_user_may_see(app, client):
    user_id = _liaison_with_bulk_steps(app)
    make_officer(app, name="Kadus Satu", user_id=user_id)
    target = make_officer(app, name="Kasi Pelayanan", position="kasi")
    hidden = make_complaint(app, status="verified")
    number = load(app, hidden).register_number
    login(client, "kadus")
    form = client.get(f"/complaint/forward?ids={hidden}", follow_redirects=True)
    assert form.status_code == 200 and number not in form.get_data(as_text=True)
    token = csrf_token(client, "/resetmypassword/form")
    response = client.post("/complaint/forward", follow_redirects=True, data={
        "csrf_token": token, "ids": str(hidden), "officer_id": str(target),
        "reported_to": "kepala_desa"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Pilih paling sedikit satu pengaduan" in page and number not in page
    assert load(app, hidden).assigned_officer_id is None
    assert load(app, hidden).status == "verified"


@pytest.mark.parametrize("method, path", [
    ("get", "/complaint/show/{pk}"),
    ("get", "/complaint/edit/{pk}"),
    ("get", "/complaint/step/{pk}/note"),
    ("post", "/complaint/step/{pk}/note"),
    ("get", "/complaint/receipt/{pk}"),
    ("get", "/complaint/receipt/{pk}/pdf"),
    ("get", "/complaint/overdue/show/{pk}"),
    ("post", "/complaint/void/{pk}"),
])
def test_a_liaison_cannot_reach_another_officers_complaint(app, client, login_as, method, path):
    user_id = login_as("liaison")
    make_officer(app, name="Kadus Satu", user_id=user_id)
    someone = make_officer(app, name="Kadus Dua")
    pk = make_complaint(app, assigned_officer_id=someone, status="forwarded")
    data = {"note": "menyusup", "csrf_token": csrf_token(client, "/resetmypassword/form")}
    response = getattr(client, method)(path.format(pk=pk), data=data if method == "post" else None)
    assert response.status_code in (403, 404)
    assert len(events(app, pk)) == 1


def test_overdue_complaints_have_their_own_list_and_count(app, client, login_as):
    login_as("desk")
    late = make_complaint(app, subject="Sudah lewat", received_at=dt.datetime(2026, 1, 5, 9))
    make_complaint(app, subject="Masih baru")
    done = make_complaint(app, subject="Sudah selesai", received_at=dt.datetime(2026, 1, 5, 9))
    with app.app_context():
        db.session.get(Complaint, done).status = "informed"
        db.session.commit()
    page = client.get("/complaint/overdue/list/").get_data(as_text=True)
    assert "Sudah lewat" in page
    assert "Masih baru" not in page and "Sudah selesai" not in page
    home = client.get("/").get_data(as_text=True)
    assert 'class="number">1</span>Terlambat' in home.replace("\n", "").replace("  ", "")
    del late


# --- the staff API -------------------------------------------------------------------------

def api_login(client, username):
    response = client.post("/api/v1/security/login", json={
        "username": username, "password": PASSWORD, "provider": "db", "refresh": True})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def test_the_api_takes_the_same_steps_with_the_same_rules(app, client):
    make_user(app, "desk", "Petugas Pengelola")
    kadus_user = make_user(app, "kadus", "Petugas Penghubung")
    kadus = make_officer(app, name="Kadus", user_id=kadus_user)
    desk, liaison = api_login(client, "desk"), api_login(client, "kadus")
    pk = make_complaint(app)
    url = f"/api/v1/complaint/{pk}/steps/"

    missing = client.post(url + "verify", json={"kind": "pengaduan"}, headers=desk)
    assert missing.status_code == 400
    assert "category_id" in missing.get_json()["errors"]
    forbidden = client.post(url + "verify", json={}, headers=liaison)
    assert forbidden.status_code == 404  # not forwarded to the liaison: not even visible
    wrong_state = client.post(url + "inform", json={"channel": "whatsapp", "message": "x"},
                              headers=desk)
    assert wrong_state.status_code == 409
    assert "tidak dapat dilakukan" in wrong_state.get_json()["message"]

    ok = client.post(url + "verify", json={"kind": "pengaduan", "category_id":
                                           category_id(app), "urgency": "urgent"}, headers=desk)
    assert ok.status_code == 200 and ok.get_json()["status"] == "verified"
    stale = client.post(url + "forward", json={"officer_id": kadus, "expected_version": 1},
                        headers=desk)
    assert stale.status_code == 409
    forwarded = client.post(url + "forward", json={"officer_id": kadus}, headers=desk)
    assert forwarded.get_json()["assigned_officer"] == "Kadus"
    by_liaison = client.post(url + "verify", json={"kind": "pengaduan", "category_id": 1,
                                                   "urgency": "low"}, headers=liaison)
    assert by_liaison.status_code == 403
    note = client.post(url + "note", json={"note": "dicek"}, headers=liaison)
    assert note.status_code == 200
    assert client.post(url + "approve", json={}, headers=desk).status_code == 404
    assert [e[0] for e in events(app, pk)] == ["register", "verify", "forward", "note"]


def test_api_edit_needs_the_current_version_and_valid_data(app, client):
    make_user(app, "desk", "Petugas Pengelola")
    desk = api_login(client, "desk")
    pk = make_complaint(app)
    url = f"/api/v1/complaint/{pk}"
    assert client.put(url, json={"subject": "Baru"}, headers=desk).status_code == 400
    bad = client.put(url, json={"version": 1, "complainant_phone": "123"}, headers=desk)
    assert bad.status_code == 400
    assert "nomor telepon" in bad.get_json()["errors"]["complainant_phone"][0]
    assert client.put(url, json={"version": 1, "status": "informed"},
                      headers=desk).status_code == 400
    ok = client.put(url, json={"version": 1, "subject": "Lampu jalan mati total"}, headers=desk)
    assert ok.status_code == 200 and ok.get_json()["version"] == 2
    stale = client.put(url, json={"version": 1, "subject": "Versi lama"}, headers=desk)
    assert stale.status_code == 409
    assert load(app, pk).subject == "Lampu jalan mati total"
    assert client.delete(url, headers=desk).status_code in (404, 405)


def test_api_registers_a_complaint_and_masks_identity_where_it_must(app, client):
    make_user(app, "desk", "Petugas Pengelola")
    make_user(app, "kades", "Kepala Desa")
    desk, head = api_login(client, "desk"), api_login(client, "kades")
    created = client.post("/api/v1/complaint/", headers=desk, json={
        "kind": "laporan", "channel": "phone", "complainant_name": "Warsini",
        "complainant_address": "RT 01/RW 02", "complainant_phone": "0812 9999 8888",
        "subject": "Saluran tersumbat", "description": "Air meluap ke jalan"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["register_number"].startswith("001/PGD/") and len(body["tracking_code"]) == 12
    secret = make_complaint(app, complainant_name="Orang Rahasia", is_confidential=True)

    rows = client.get("/api/v1/complaint/", headers=head).get_json()["result"]
    names = {row["register_number"]: row["complainant_name"] for row in rows}
    assert names[body["register_number"]] == "Warsini"
    assert "Orang Rahasia" not in str(rows)
    one = client.get(f"/api/v1/complaint/{secret}", headers=head).get_json()["result"]
    assert one["complainant_phone"] is None and one["complainant_name"] is None
    assert client.put(f"/api/v1/complaint/{secret}", json={"version": 1, "subject": "x"},
                      headers=head).status_code == 403
    assert client.get("/api/v1/complaint/").status_code == 401


STEP_FIELDS = {
    "verify": lambda ids: {"kind": "saran", "category_id": ids["category"], "urgency": "high"},
    "request_completion": lambda ids: {"missing": "Lokasi belum jelas"},
    "forward": lambda ids: {"officer_id": ids["other_officer"], "reported_to": "kepala_desa"},
    "note": lambda ids: {"note": "Sedang dikoordinasikan", "is_public": True},
    "schedule_meeting": lambda ids: {"note": "Rapat Kamis"},
    "resolve": lambda ids: {"outcome_type": "corrective", "outcome_text": "Teguran",
                            "public_note": "Sudah ditindak"},
    "reject": lambda ids: {"reason": "Duplikat"},
    "refer": lambda ids: {"office": "Dinas PU Kabupaten Cilacap"},
    "inform": lambda ids: {"channel": "phone", "message": "Sudah kami telepon"},
    "complete": lambda ids: {"completion": "Pelapor menyebutkan RT 02"},
    "extend_deadline": lambda ids: {"days": 5, "reason": "Menunggu material"},
    "reopen": lambda ids: {"public_note": "Ditinjau ulang oleh petugas"},
    "keep_closed": lambda ids: {"reason": "Perbaikan sudah sesuai"},
}
ROLE_ACTORS = {"desk": "desk", "liaison": "liaison", "head": None}


def _cases():
    for name, rule in workflow.STEPS.items():
        if not rule.actors & workflow.STAFF_ACTORS:
            # the resident's steps are on the public side (tests/test_feedback.py), the
            # higher office's answer on its own page (tests/test_referrals.py)
            continue
        source = sorted(rule.sources)[0]
        for role, actor in ROLE_ACTORS.items():
            yield name, source, role, 200 if actor in rule.actors else 403


@pytest.mark.parametrize("step_name, source, role, expected", list(_cases()))
def test_every_step_for_every_role_on_the_api(app, client, step_name, source, role, expected):
    user_id = make_user(app, role, {"desk": "Petugas Pengelola", "liaison": "Petugas Penghubung",
                                    "head": "Kepala Desa"}[role])
    mine = make_officer(app, name="Petugas Saya", user_id=user_id)
    ids = {"category": category_id(app), "other_officer": make_officer(app, name="Kasi Lain")}
    # The liaison works on what was forwarded to them; the desk never gets a complaint to
    # follow up itself (services.assignment_refusal), so its complaint is another officer's.
    assigned = mine if role == "liaison" else ids["other_officer"]
    pk = make_complaint(app, status=source, assigned_officer_id=assigned)
    response = client.post(f"/api/v1/complaint/{pk}/steps/{step_name}",
                           json=STEP_FIELDS[step_name](ids), headers=api_login(client, role))
    assert response.status_code == expected, response.get_json()
    complaint = load(app, pk)
    if expected == 200:
        target = workflow.STEPS[step_name].target or source
        assert response.get_json()["status"] == complaint.status == target
        assert events(app, pk)[-1][:3] == (step_name, source, target)
    else:
        assert complaint.status == source and len(events(app, pk)) == 1


def test_refer_and_schedule_meeting_through_the_screens(app, client, login_as):
    user_id = login_as("liaison")
    me = make_officer(app, name="Kasi Pem", position="kasi", user_id=user_id)
    pk = make_complaint(app, status="forwarded", assigned_officer_id=me)
    step(client, pk, "refer", office="Kecamatan Karangpucung", public_note="Kewenangan kecamatan")
    complaint = load(app, pk)
    assert (complaint.status, complaint.referred_to) == ("referred", "Kecamatan Karangpucung")
    client.get("/logout/")
    login_as("desk", "desk2")
    other = make_complaint(app, status="verified")
    step(client, other, "schedule_meeting", note="Dibahas Kamis")
    assert load(app, other).status == "in_review"


def test_a_step_saved_over_a_change_made_meanwhile_is_refused_not_a_500(app):
    """Two officers write a note on the same complaint at once (found by tests/load/soak.py): the
    second write finds the version moved under it and is refused as stale; nothing is saved."""
    from sqlalchemy.orm.attributes import set_committed_value

    from app.services import complaints as services

    desk_id = make_user(app, "meja2", "Petugas Pengelola")
    pk = make_complaint(app, status="forwarded")
    with app.test_request_context():
        desk = app.appbuilder.sm.get_user_by_id(desk_id)
        complaint = db.session.get(Complaint, pk)
        events = db.session.query(ComplaintEvent).filter_by(complaint_id=pk).count()
        # The other officer's save moved the version after this one loaded the complaint.
        set_committed_value(complaint, "version", complaint.version - 1)
        with pytest.raises(services.StaleComplaint):
            services.apply_step(complaint, "note", {"note": "Catatan kedua"}, desk)
        assert db.session.query(ComplaintEvent).filter_by(complaint_id=pk).count() == events
        db.session.remove()


# The API answers in workflow.check_step's order: unknown step 404, role 403, status 409, and
# only then the step's fields 400, whatever the body.
API_ORDER = [
    # (role, status, step, body, expected)
    ("desk", "received", "approve", {}, 404),
    ("desk", "received", "approve", "not json", 404),
    ("liaison", "forwarded", "reject", {}, 403),
    ("liaison", "forwarded", "reject", "not json", 403),
    ("liaison", "forwarded", "forward", {"officer_id": "x"}, 403),
    ("desk", "received", "resolve", {}, 409),
    ("desk", "received", "resolve", "not json", 409),
    ("desk", "received", "resolve", {"outcome_type": "nonsense"}, 409),
    ("desk", "informed", "inform", {}, 409),
    ("desk", "verified", "resolve", {}, 400),
    ("desk", "verified", "resolve", {"outcome_type": "corrective"}, 400),
]


@pytest.mark.parametrize("role, status, step_name, body, expected", API_ORDER)
def test_the_api_refuses_in_the_workflows_order(app, client, role, status, step_name, body,
                                               expected):
    user_id = make_user(app, role, {"desk": "Petugas Pengelola",
                                    "liaison": "Petugas Penghubung"}[role])
    mine = make_officer(app, name="Petugas Saya", user_id=user_id)
    pk = make_complaint(app, status=status, assigned_officer_id=mine)
    url = f"/api/v1/complaint/{pk}/steps/{step_name}"
    headers = api_login(client, role)
    if isinstance(body, dict):
        response = client.post(url, json=body, headers=headers)
    else:
        response = client.post(url, data=body, headers=headers, content_type="text/plain")
    assert response.status_code == expected, response.get_json()
    if expected == 400 and isinstance(body, dict):
        assert "outcome_text" in response.get_json()["errors"]
    if expected == 409:
        assert "tidak dapat dilakukan" in response.get_json()["message"]
    assert load(app, pk).status == status and len(events(app, pk)) == 1
