"""Duplicates: residents reporting the same problem are offered, linked and handled as one.

Ten residents reporting the same broken bridge are ten complaints (each resident is told the
result on their own complaint) and one problem (handled once, counted once).
"""

import datetime as dt
import json
import re

import pytest

from app.core.timeutil import now_wib
from app.extensions import db
from app.models import Category, Complaint, ComplaintEvent, Dusun, Notification
from app.reporting import figures
from app.services import complaints as services, duplicates, outbox
from tests.conftest import (PASSWORD, csrf_token, make_complaint, make_officer, make_user,
                            post_form, set_fields)
from tests.test_informing import smtp_server  # noqa: F401  (a fixture)
from tests.test_meetings import advance

TODAY = now_wib().date()


def _ids(app):
    with app.app_context():
        dusun = db.session.query(Dusun).order_by(Dusun.id).first().id
        categories = [c.id for c in db.session.query(Category).order_by(Category.id)]
        return dusun, categories


def _bridge(app, **fields):
    dusun, categories = _ids(app)
    data = {"subject": "Jembatan Dusun II rusak", "dusun_id": dusun,
            "category_id": categories[0], "complainant_phone": "+6281200000001"}
    data.update(fields)
    return make_complaint(app, **data)


def _user(app, user_id):
    return app.appbuilder.sm.get_user_by_id(user_id)


def _offered(app, user_id, pk):
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        result = {other.id: reasons for other, reasons in
                  duplicates.candidates_of(complaint, _user(app, user_id))}
        db.session.remove()
        return result


def _api_headers(client, username):
    response = client.post("/api/v1/security/login", json={
        "username": username, "password": PASSWORD, "provider": "db"})
    assert response.status_code == 200
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


# --- Similar words -------------------------------------------------------------------------

@pytest.mark.parametrize("first, second, similar", [
    ("Jembatan Dusun II rusak", "jembatan rusak parah di dusun 2", True),
    ("Lampunya jalan mati", "Lampu jalan MATI sejak kemarin", True),
    ("Lampu jalan mati", "Jalan berlubang", False),
    ("Nama tidak masuk daftar BLT", "Jembatan rusak", False),
    ("di dan yang", "di dan yang", False),  # only common words: nothing to compare
])
def test_subjects_are_compared_on_normalised_indonesian_words(first, second, similar):
    assert (duplicates.similarity(first, second) >= duplicates.SIMILAR) is similar


# --- Which complaints are offered ----------------------------------------------------------

def test_offered_same_place_and_category_similar_subject_and_same_resident(app):
    desk = make_user(app, "desk", "Petugas Pengelola")
    dusun, categories = _ids(app)
    new = _bridge(app, subject="Jalan licin", complainant_phone="+6281299999999")
    place = _bridge(app, subject="Saluran air", complainant_phone="+6281211111111")
    similar = _bridge(app, subject="Jembatan rusak", dusun_id=None, category_id=None)
    words = _bridge(app, subject="Jalan licin sekali", dusun_id=None,
                    category_id=categories[1], complainant_phone="+6281233333333")
    old = _bridge(app, subject="Jalan licin", received_at=dt.datetime.combine(
        TODAY - dt.timedelta(days=61), dt.time(9)), complainant_phone="+6281244444444")
    same_resident_old = _bridge(app, subject="Surat pindah belum jadi", dusun_id=None,
                                category_id=None, complainant_phone="+6281299999999",
                                received_at=dt.datetime.combine(
                                    TODAY - dt.timedelta(days=200), dt.time(9)))
    closed = _bridge(app, subject="Jalan licin", status="resolved")
    void = _bridge(app, subject="Jalan licin")
    set_fields(app, void, voided=True)
    other_place = _bridge(app, subject="Saluran air", category_id=categories[1],
                          complainant_phone="+6281255555555")
    offered = _offered(app, desk, new)
    assert offered[place] == ["same_place_category"]
    assert offered[words] == ["similar_subject"]
    assert offered[same_resident_old] == ["same_resident"]
    assert similar not in offered  # "jembatan rusak" vs "jalan licin"
    for never in (new, old, closed, void, other_place):
        assert never not in offered
    assert list(offered)[0] == same_resident_old  # the same resident first


def test_a_complaint_without_identity_matches_nobody_by_phone(app):
    desk = make_user(app, "desk", "Petugas Pengelola")
    box = make_complaint(app, channel="complaint_box", without_identity=True,
                         subject="Sampah menumpuk")
    other = make_complaint(app, channel="phone", without_identity=True,
                           subject="Ada masalah air")
    assert other not in _offered(app, desk, box)


def test_a_confidential_complaint_is_never_offered_to_anyone_who_may_not_open_it(app):
    desk = make_user(app, "desk", "Petugas Pengelola")
    head = make_user(app, "kades", "Kepala Desa")
    liaison = make_user(app, "kadus", "Petugas Penghubung")
    head_officer = make_officer(app, name="Kepala Desa", position="kepala_desa", user_id=head)
    kadus = make_officer(app, name="Kadus Dua", user_id=liaison)
    new = _bridge(app)
    about_head = _bridge(app, identity_level="confidential", reported_officer_id=head_officer)
    confidential = _bridge(app, identity_level="confidential")
    set_fields(app, new, assigned_officer_id=kadus)
    set_fields(app, confidential, assigned_officer_id=kadus)
    assert {about_head, confidential} <= set(_offered(app, desk, new))
    assert about_head not in _offered(app, head, new)
    assert confidential in _offered(app, head, new)
    assert confidential not in _offered(app, liaison, new)
    with app.app_context():
        with pytest.raises(services.ServiceError):
            duplicates.link(db.session.get(Complaint, new), db.session.get(Complaint, about_head),
                            _user(app, head))
        assert db.session.get(Complaint, new).duplicate_of_id is None


# --- Linking and following -----------------------------------------------------------------

def test_the_desk_links_on_the_screen_and_the_duplicate_follows_the_main_one(
        app, client, login_as):
    desk = login_as("desk")
    make_officer(app, name="Dwi Lestari", position="petugas_pengelola", user_id=desk)
    main = advance(app, desk, _bridge(app), "forwarded")
    second = _bridge(app, subject="Jembatan rusak parah", complainant_phone="+6281277777777",
                     complainant_email="budi@example.test")
    box = _bridge(app, channel="complaint_box", without_identity=True,
                  subject="Jembatan dusun rusak")

    page = client.get(f"/complaint/step/{second}/verify").get_data(as_text=True)
    assert "Kemungkinan duplikat" in page and f'name="main_id" value="{main}"' in page
    for pk in (second, box):
        with app.app_context():
            version = db.session.get(Complaint, pk).version
        response = client.post(f"/duplicate/{pk}/link", data={
            "main_id": main, "expected_version": version, "note": "Laporan sama",
            "csrf_token": csrf_token(client, f"/complaint/show/{pk}")}, follow_redirects=True)
        assert response.status_code == 200
        assert "ditangani bersama" in response.get_data(as_text=True)
    with app.app_context():
        first = db.session.get(Complaint, main)
        for pk in (second, box):
            linked = db.session.get(Complaint, pk)
            assert linked.duplicate_of_id == main
            assert (linked.status, linked.due_date, linked.assigned_officer_id) == (
                "forwarded", first.due_date, first.assigned_officer_id)
            steps = [e.step for e in linked.events]
            assert steps[-1] == "duplicate_link"
        assert [e.step for e in first.events].count("duplicate_link") == 2

        # A linked complaint takes no step of its own but inform and note.
        with pytest.raises(services.ServiceError) as refused:
            services.apply_step(db.session.get(Complaint, second), "resolve", {
                "outcome_type": "administrative", "outcome_text": "x", "public_note": "y"},
                _user(app, desk))
        assert refused.value.code == 409

        services.apply_step(first, "resolve", {
            "outcome_type": "corrective", "outcome_text": "Jembatan diperbaiki.",
            "public_note": "Jembatan sudah diperbaiki."}, _user(app, desk))
        for pk in (second, box):
            linked = db.session.get(Complaint, pk)
            assert (linked.status, linked.outcome_type, linked.public_note) == (
                "resolved", "corrective", "Jembatan sudah diperbaiki.")
            assert linked.resolved_at == first.resolved_at
        db.session.remove()
    inform_page = client.get(f"/inform/{main}").get_data(as_text=True)
    assert f"/inform/{second}" in inform_page and f"/inform/{box}" not in inform_page
    with app.app_context():
        first = db.session.get(Complaint, main)
        # Each complainant is informed on their own complaint; the box note never.
        services.apply_step(first, "inform", {"channel": "letter", "message": "Hasil"},
                            _user(app, desk))
        assert db.session.get(Complaint, second).status == "resolved"
        services.apply_step(db.session.get(Complaint, second), "inform",
                            {"channel": "whatsapp", "message": "Hasil"}, _user(app, desk))
        assert db.session.get(Complaint, second).status == "informed"
        with pytest.raises(services.ServiceError):
            services.apply_step(db.session.get(Complaint, box), "inform",
                                {"channel": "letter", "message": "Hasil"}, _user(app, desk))

        scope = figures.Scope(figures.Period(TODAY - dt.timedelta(days=1), TODAY))
        assert figures.received_count(_user(app, desk), scope) == 3
        assert figures.distinct_problems_count(_user(app, desk), scope) == 1
        db.session.remove()


def test_the_public_status_says_handled_together_without_naming_the_others(app):
    desk = make_user(app, "desk", "Petugas Pengelola")
    main = _bridge(app)
    second = _bridge(app, complainant_phone="+6281277777777")
    with app.app_context():
        duplicates.link(db.session.get(Complaint, second), db.session.get(Complaint, main),
                        _user(app, desk), "Sama dengan laporan Siti")
        code = db.session.get(Complaint, second).tracking_code
        main_number = db.session.get(Complaint, main).register_number
        db.session.remove()
    client = app.test_client()
    response = client.post("/api/v1/public/status",
                           json={"tracking_code": code, "phone_last4": "7777"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["handled_together"] is True
    text = response.get_data(as_text=True)
    assert main_number not in text and "Siti" not in text
    page = client.post("/status", data={"tracking_code": code, "phone_last4": "7777",
                                        "csrf_token": csrf_token(client, "/status")})
    assert "ditangani bersama" in page.get_data(as_text=True)
    assert main_number not in page.get_data(as_text=True)


def test_unlinking_needs_a_reason_and_the_complaint_goes_on_alone(app):
    desk = make_user(app, "desk", "Petugas Pengelola")
    main = _bridge(app)
    second = _bridge(app, complainant_phone="+6281277777777")
    with app.app_context():
        user = _user(app, desk)
        duplicate = db.session.get(Complaint, second)
        duplicates.link(duplicate, db.session.get(Complaint, main), user)
        with pytest.raises(services.ServiceError) as refused:
            duplicates.unlink(duplicate, "  ", user)
        assert refused.value.field == "reason"
        assert duplicate.duplicate_of_id == main
        duplicates.unlink(duplicate, "Ternyata jembatan yang lain", user)
        assert duplicate.duplicate_of_id is None
        events = db.session.query(ComplaintEvent).filter_by(step="duplicate_unlink").all()
        assert {e.complaint_id for e in events} == {main, second}
        assert {e.note for e in events} == {"Ternyata jembatan yang lain"}
        services.apply_step(duplicate, "verify", {"kind": "pengaduan", "urgency": "normal",
                                                  "category_id": duplicate.category_id}, user)
        assert db.session.get(Complaint, main).status == "received"
        db.session.remove()


@pytest.mark.parametrize("case", ["self", "chain", "has_duplicates", "closed"])
def test_links_that_make_no_sense_are_refused(app, case):
    desk = make_user(app, "desk", "Petugas Pengelola")
    a, b, c = _bridge(app), _bridge(app), _bridge(app)
    with app.app_context():
        user = _user(app, desk)
        get = lambda pk: db.session.get(Complaint, pk)  # noqa: E731
        if case in ("chain", "has_duplicates"):
            duplicates.link(get(b), get(a), user)
        if case == "closed":
            get(a).status = "resolved"
            db.session.commit()
        duplicate, main = {"self": (a, a), "chain": (c, b), "has_duplicates": (a, c),
                           "closed": (b, a)}[case]
        with pytest.raises(services.ServiceError):
            duplicates.link(get(duplicate), get(main), user)
        assert get(duplicate).duplicate_of_id == (a if case == "chain" and duplicate == b
                                                  else None)
        db.session.remove()


def test_the_staff_api_offers_links_and_unlinks(app, client, login_as):
    login_as("desk")
    make_user(app, "kadus", "Petugas Penghubung")
    main = _bridge(app)
    second = _bridge(app, complainant_phone="+6281277777777")
    headers = _api_headers(client, "desk")
    offered = client.get(f"/api/v1/complaint/{second}/duplicates", headers=headers)
    assert offered.status_code == 200
    assert [c["id"] for c in offered.get_json()["candidates"]] == [main]
    assert offered.get_json()["candidates"][0]["reasons"] == ["same_place_category",
                                                               "similar_subject"]
    missing = client.post(f"/api/v1/complaint/{second}/duplicate-of", headers=headers, json={})
    assert missing.status_code == 400 and "main_id" in missing.get_json()["errors"]
    linked = client.post(f"/api/v1/complaint/{second}/duplicate-of", headers=headers,
                         json={"main_id": main, "note": "Sama"})
    assert linked.status_code == 200, linked.get_json()
    assert linked.get_json()["duplicate_of"] == main
    again = client.post(f"/api/v1/complaint/{second}/duplicate-of", headers=headers,
                        json={"main_id": main})
    assert again.status_code == 409
    no_reason = client.post(f"/api/v1/complaint/{second}/unlink", headers=headers, json={})
    assert no_reason.status_code == 400 and "reason" in no_reason.get_json()["errors"]
    unlinked = client.post(f"/api/v1/complaint/{second}/unlink", headers=headers,
                           json={"reason": "Bukan jembatan yang sama"})
    assert unlinked.status_code == 200 and unlinked.get_json()["duplicate_of"] is None

    liaison = _api_headers(client, "kadus")
    assert client.get(f"/api/v1/complaint/{second}/duplicates",
                      headers=liaison).status_code in (403, 404)
    assert client.post(f"/api/v1/complaint/{second}/duplicate-of", headers=liaison,
                       json={"main_id": main}).status_code in (403, 404)


def test_the_add_form_lists_possible_duplicates_as_the_desk_types(app, client, login_as):
    login_as("desk")
    dusun, categories = _ids(app)
    main = _bridge(app, complainant_phone="+6281200000009")
    page = client.get("/complaint/add").get_data(as_text=True)
    assert 'id="duplicate-candidates"' in page and "duplicates.js" in page
    answer = client.get("/duplicate/candidates", query_string={
        "subject": "jembatan rusak", "dusun": "", "category": "", "phone": ""}).get_json()
    assert [c["id"] for c in answer["candidates"]] == [main]
    assert answer["candidates"][0]["reasons"] == ["Pokok pengaduan mirip"]
    by_phone = client.get("/duplicate/candidates", query_string={
        "subject": "Surat pindah", "phone": "0812-0000-0009"}).get_json()
    assert by_phone["candidates"][0]["reasons"] == ["Warga yang sama (telepon)"]
    nothing = client.get("/duplicate/candidates", query_string={
        "subject": "Surat pindah", "dusun": str(dusun), "category": str(categories[1]),
        "phone": "bukan nomor"}).get_json()
    assert nothing["candidates"] == []


def test_the_same_phone_is_a_reason_only_for_who_may_read_the_identity(app):
    """The village head may open a masked complaint but not read its phone: offering it as
    "same resident" would tell him whose it is."""
    head = make_user(app, "kades", "Kepala Desa")
    desk = make_user(app, "desk", "Petugas Pengelola")
    masked = _bridge(app, subject="Surat pindah", identity_level="masked",
                     complainant_phone="+6281288888888", dusun_id=None, category_id=None)
    with app.app_context():
        for user_id, expected in ((desk, [masked]), (head, [])):
            found = duplicates.candidates(_user(app, user_id), "Jalan licin",
                                          phone="+6281288888888")
            assert [other.id for other, _ in found] == expected
        db.session.remove()


# --- Telling every linked complainant ------------------------------------------------------

def test_resolving_and_informing_the_main_one_tells_every_linked_complainant(
        app, client, login_as, smtp_server):
    """Each complainant is told on their own complaint, through their own channel: the one
    with an email gets the outcome and then the desk's answer (drafted from their own
    complaint, never naming the others); the one without email is left for WhatsApp or a
    letter and named to the desk; the box note without identity is never informed."""
    desk = login_as("desk")
    dusun, categories = _ids(app)
    main = _bridge(app, complainant_email="siti@example.test")
    by_email = _bridge(app, complainant_name="Budi Santoso", complainant_phone="+6281277777777",
                       complainant_email="budi@example.test", identity_level="anonymous")
    by_phone = _bridge(app, complainant_name="Wati", complainant_phone="+6281288888888")
    box = _bridge(app, channel="complaint_box", without_identity=True)
    with app.app_context():
        user = _user(app, desk)
        get = lambda pk: db.session.get(Complaint, pk)  # noqa: E731
        for pk in (by_email, by_phone, box):
            duplicates.link(get(pk), get(main), user)
        services.apply_step(get(main), "verify", {"kind": "pengaduan", "urgency": "normal",
                                                  "category_id": categories[0]}, user)
        services.apply_step(get(main), "resolve", {
            "outcome_type": "corrective", "outcome_text": "Jembatan diperbaiki.",
            "public_note": "Jembatan sudah diperbaiki."}, user)
        outcomes = {n.complaint_id: n.email for n in db.session.query(Notification).filter_by(
            kind="resident_outcome")}
        assert outcomes == {main: "siti@example.test", by_email: "budi@example.test"}
        budi_code = get(by_email).tracking_code
        numbers = {pk: get(pk).register_number for pk in (main, by_email, by_phone, box)}
        db.session.remove()

    response = post_form(client, f"/inform/{main}", {
        "subject": "Hasil pengaduan", "message": "Yth. Ibu Siti Aminah, jembatan sudah baik.",
        "action": "letter"})
    [still] = re.findall(r"masih harus diberi tahu[^<]*", response.get_data(as_text=True))
    assert numbers[by_phone] in still
    assert numbers[box] not in still and numbers[by_email] not in still
    with app.app_context():
        assert [get(pk).status for pk in (main, by_email, by_phone, box)] == [
            "informed", "informed", "resolved", "resolved"]
        [event] = db.session.query(ComplaintEvent).filter_by(complaint_id=by_email,
                                                             step="inform").all()
        assert json.loads(event.data)["channel"] == "email"
        assert "Siti" not in event.note
        assert outbox.send_due(now=now_wib() + dt.timedelta(days=1))[1] == 0
        db.session.remove()
    to_budi = [m for m in smtp_server.messages() if m["To"] == "budi@example.test"]
    bodies = [m.get_content() for m in to_budi]
    assert len(to_budi) == 4  # receipt, verified, result, the desk's answer
    assert all(budi_code in body for body in bodies[:3])
    assert all("Siti" not in body and numbers[main] not in body for body in bodies)
    assert numbers[by_email] in bodies[-1]
