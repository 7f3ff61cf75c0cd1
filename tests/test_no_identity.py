"""Box notes and calls without identity: registered, handled and counted, never informed.

The SOP asks for the complainant's identity to follow a complaint up with them; a note in the
complaint box or an anonymous call has none. The desk records it anyway ("tanpa identitas"),
handles it like any other, and nobody can be told the result.
"""

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from app.core.timeutil import now_wib
from app.extensions import db
from app.models import Complaint
from app.public import resident
from app.reporting import figures
from app.services import complaints as services
from tests.conftest import COMPLAINT_FIELDS, PASSWORD, make_complaint, make_officer, post_form
from tests.test_meetings import advance


def _form(**overrides):
    data = {**COMPLAINT_FIELDS, "channel": "complaint_box", "complainant_name": "",
            "complainant_address": "", "complainant_phone": "", "complainant_email": "",
            "dusun": "", "category": "", "rt_rw": "", "location": "", "incident_date": "",
            "received_at": "", "without_identity": "y", "identity_level": "named"}
    data.update(overrides)
    return data


def _api_headers(client, username):
    response = client.post("/api/v1/security/login", json={
        "username": username, "password": PASSWORD, "provider": "db"})
    assert response.status_code == 200
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def _stored(app, pk):
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        db.session.expunge(complaint)
        return complaint


def test_the_desk_registers_a_box_note_without_identity_and_its_receipt_says_so(
        app, client, login_as):
    login_as("desk")
    response = post_form(client, "/complaint/add", _form())
    assert response.status_code == 200
    with app.app_context():
        complaint = db.session.query(Complaint).one()
        assert complaint.without_identity is True
        assert complaint.complainant_name == "tanpa identitas"
        assert complaint.complainant_address == "tanpa identitas"
        assert complaint.complainant_phone == ""
        assert complaint.identity_level == "anonymous"
        assert complaint.status == "received"
        pk = complaint.id
    page = client.get(f"/complaint/show/{pk}").get_data(as_text=True)
    assert "dicatat tanpa identitas" in page
    assert "step-verify" in page

    receipt = client.get(f"/complaint/receipt/{pk}").get_data(as_text=True)
    assert "halaman status publik tidak dapat menemukannya" in receipt
    pdf = client.get(f"/complaint/receipt/{pk}/pdf")
    text = " ".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
                    .split())
    assert "halaman status publik tidak dapat menemukannya" in text


@pytest.mark.parametrize("overrides, field_message", [
    ({"without_identity": ""}, "Nama pengadu wajib diisi"),
    ({"channel": "walk_in"}, "Hanya catatan kotak pengaduan atau panggilan telepon"),
])
def test_identity_is_still_required_unless_a_box_note_or_call_has_none(
        app, client, login_as, overrides, field_message):
    login_as("desk")
    response = post_form(client, "/complaint/add", _form(**overrides))
    assert response.status_code == 200
    assert field_message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Complaint).count() == 0


def test_the_service_refuses_no_identity_on_a_channel_where_the_sender_is_known(ctx):
    complaint = Complaint(**{**COMPLAINT_FIELDS, "channel": "website", "without_identity": True})
    with pytest.raises(services.ServiceError) as refused:
        services.register_complaint(complaint)
    assert refused.value.field == "without_identity"


def test_the_staff_api_registers_a_call_without_identity(app, client, login_as):
    login_as("desk")
    headers = _api_headers(client, "desk")
    response = client.post("/api/v1/complaint/", headers=headers, json={
        "channel": "phone", "without_identity": True, "subject": "Jembatan retak",
        "description": "Penelepon tidak mau menyebut nama: jembatan Dusun II retak."})
    assert response.status_code == 201, response.get_json()
    pk = response.get_json()["id"]
    shown = client.get(f"/api/v1/complaint/{pk}", headers=headers).get_json()["result"]
    assert shown["without_identity"] is True
    assert shown["complainant_name"] == "tanpa identitas"
    assert shown["identity_level"] == "anonymous"

    refused = client.post("/api/v1/complaint/", headers=headers, json={
        "channel": "walk_in", "without_identity": True, "subject": "x", "description": "y"})
    assert refused.status_code == 400
    assert "without_identity" in refused.get_json()["errors"]
    named = client.post("/api/v1/complaint/", headers=headers, json={
        "channel": "phone", "without_identity": False, "subject": "x", "description": "y"})
    assert named.status_code == 400
    assert "complainant_name" in named.get_json()["errors"]


def test_it_is_verified_forwarded_resolved_counted_but_never_informed(app, client, login_as):
    user_id = login_as("desk")
    make_officer(app, name="Dwi Lestari", position="petugas_pengelola", user_id=user_id)
    pk = make_complaint(app, channel="complaint_box", without_identity=True)
    advance(app, user_id, pk, "forwarded")
    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(user_id)
        services.apply_step(db.session.get(Complaint, pk), "resolve", {
            "outcome_type": "administrative", "outcome_text": "Jembatan diperbaiki.",
            "public_note": "Sudah diperbaiki."}, user)
        complaint = db.session.get(Complaint, pk)
        assert complaint.status == "resolved"
        with pytest.raises(services.ServiceError) as refused:
            services.apply_step(complaint, "inform",
                                {"channel": "letter", "message": "Hasil"}, user)
        assert refused.value.code == 409
        today = now_wib().date()
        scope = figures.Scope(figures.Period(today - dt.timedelta(days=1), today))
        assert figures.received_count(user, scope) == 1
        assert figures.resolved_count(user, scope) == 1
        db.session.remove()

    page = client.get(f"/complaint/show/{pk}").get_data(as_text=True)
    assert "step-inform" not in page
    inform = client.get(f"/inform/{pk}", follow_redirects=True).get_data(as_text=True)
    assert "tidak dapat dikirim kepada siapa pun" in inform
    headers = _api_headers(client, "desk")
    api = client.post(f"/api/v1/complaint/{pk}/steps/inform", headers=headers,
                      json={"channel": "letter", "message": "Hasil"})
    assert api.status_code == 409
    assert "tanpa identitas" in api.get_json()["message"]
    assert _stored(app, pk).status == "resolved"


def test_the_public_look_up_never_finds_it(app):
    pk = make_complaint(app, channel="complaint_box", without_identity=True)
    code = _stored(app, pk).tracking_code
    client = app.test_client()
    for digits in ("", "0000", "    "):
        response = client.post("/api/v1/public/status",
                               json={"tracking_code": code, "phone_last4": digits},
                               environ_base={"REMOTE_ADDR": "203.0.113.9"})
        assert response.status_code in (400, 404), response.status_code


def test_the_look_up_service_finds_no_digits_to_match(app):
    """Below the public forms (which ask for 4 digits): whatever is typed, even nothing, the
    look-up never matches an entry without a phone."""
    pk = make_complaint(app, channel="phone", without_identity=True)
    code = _stored(app, pk).tracking_code
    for digits in ("", "\x00\x00\x00\x00"):
        with app.test_request_context("/status", environ_base={"REMOTE_ADDR": "203.0.113.10"}):
            with pytest.raises(resident.NotFound):
                resident.track(code, digits)


def test_an_edit_keeps_no_identity_and_never_erases_a_recorded_one(ctx):
    anonymous = Complaint(**{**COMPLAINT_FIELDS, "channel": "phone", "without_identity": True})
    services.register_complaint(anonymous)
    services.edit_complaint(anonymous, {"subject": "Jembatan retak di Dusun II",
                                        "complainant_name": ""}, None)
    assert anonymous.complainant_name == "tanpa identitas"
    assert anonymous.subject == "Jembatan retak di Dusun II"

    named = Complaint(**COMPLAINT_FIELDS)
    services.register_complaint(named)
    named.channel = "phone"
    with pytest.raises(services.ServiceError) as refused:
        services.edit_complaint(named, {"without_identity": True}, None)
    assert refused.value.field == "without_identity"
    db.session.refresh(named)
    assert named.complainant_name == "Siti Aminah" and named.without_identity is False

    # The sender came forward: the identity is recorded, the protection stays anonymous.
    services.edit_complaint(anonymous, {"without_identity": False,
                                        "complainant_name": "Darsono",
                                        "complainant_address": "RT 01/RW 02",
                                        "complainant_phone": "+6281311112222"}, None)
    assert anonymous.without_identity is False and anonymous.complainant_name == "Darsono"
    assert anonymous.identity_level == "anonymous"
