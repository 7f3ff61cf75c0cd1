"""The desk's day in fewer steps: verify and forward in one form (both steps or neither), the
officers it may go to, each step form with its complaint above it, "publik" only on what the
resident reads, the register opening on what is still to do, the Kadus' own list at home."""

import html
import re

import pytest

from app.core import workflow
from app.core.errors import ServiceError
from app.extensions import db
from app.models import Category, Complaint, ComplaintEvent, Dusun
from app.services import complaints as services
from tests.conftest import login, make_complaint, make_officer, make_user, post_form, set_fields


def _ids(app):
    with app.app_context():
        dusun = {d.name: d.id for d in db.session.query(Dusun)}
        category = db.session.query(Category.id).filter_by(name="Infrastruktur dan lingkungan") \
            .scalar()
        db.session.remove()
    return dusun, category


def _complaint(app, pk):
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        result = {"status": complaint.status, "category_id": complaint.category_id,
                  "officer": complaint.assigned_officer_id, "urgency": complaint.urgency,
                  "steps": [e.step for e in complaint.events]}
        db.session.remove()
        return result


def _officer_options(body):
    """The (value, text) of the officer list of the verify-and-forward form, in order."""
    select = re.search(r'<select[^>]*id="officer_id".*?</select>', body, re.S).group(0)
    return [(value, html.unescape(text).strip()) for value, text in
            re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select) if value]


@pytest.fixture
def village(app):
    """The desk (with its own officer record), the Kepala Desa, two Kepala Dusun, a Kasi, an
    officer whose login is the desk's, and a complaint from Dusun II."""
    dusun, category = _ids(app)
    desk = make_user(app, "petugas", "Petugas Pengelola", first_name="Dwi")
    head = make_user(app, "kades", "Kepala Desa")
    kadus2_user = make_user(app, "kadus2", "Petugas Penghubung")
    desk_helper = make_user(app, "bantu", "Petugas Pengelola")
    ids = {
        "desk_user": desk, "category": category, "dusun": dusun,
        "desk": make_officer(app, name="Dwi Lestari", position="petugas_pengelola", user_id=desk),
        "head": make_officer(app, name="Sidik Noer", position="kepala_desa", user_id=head),
        "kadus1": make_officer(app, name="Ahmad Kadus", position="kepala_dusun",
                               dusun_id=dusun["Dusun I"]),
        "kadus2": make_officer(app, name="Zainal Kadus", position="kepala_dusun",
                               dusun_id=dusun["Dusun II"], user_id=kadus2_user),
        "kasi": make_officer(app, name="Bambang Kasi", position="kasi"),
        # A staf Kasi who also keeps the desk's login: the desk all the same.
        "helper": make_officer(app, name="Citra Bantu", position="staf_kasi", user_id=desk_helper),
        "reported": make_officer(app, name="Eko Dilapor", position="kaur"),
    }
    ids["pk"] = make_complaint(app, dusun_id=dusun["Dusun II"],
                               reported_officer_id=ids["reported"])
    return ids


def test_the_officer_list_puts_the_dusun_kadus_first_and_leaves_out_desk_head_and_accused(
        app, client, village):
    login(client, "petugas")
    response = client.get(f"/complaint/verify-forward/{village['pk']}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    options = _officer_options(body)
    assert [value for value, _ in options] == [
        str(village["kadus2"]), str(village["kadus1"]), str(village["kasi"])]
    assert options[0][1] == "Zainal Kadus (Kepala Dusun) · Dusun II"
    assert options[2][1].startswith("Bambang Kasi (")  # name and position
    values = {value for value, _ in options}
    for left_out in ("desk", "head", "helper", "reported"):
        assert str(village[left_out]) not in values, left_out
    # The complaint's own text is on the page, beside the form.
    assert "Lampu jalan di depan mushola mati sejak seminggu." in body
    assert "Verifikasi dan teruskan" in body


def test_verify_and_forward_takes_both_steps_in_one_form(app, client, village):
    login(client, "petugas")
    show = client.get(f"/complaint/show/{village['pk']}").get_data(as_text=True)
    assert f'href="/complaint/verify-forward/{village["pk"]}"' in show
    response = post_form(client, f"/complaint/verify-forward/{village['pk']}", {
        "kind": "pengaduan", "category_id": village["category"], "urgency": "high",
        "identity_level": "named", "reported_officer_id": village["reported"],
        "officer_id": village["kadus2"], "reported_to": "kepala_desa",
        "note": "Mohon dicek ke lokasi"})
    assert response.status_code == 200
    assert "Terverifikasi dan diteruskan kepada Zainal Kadus." in response.get_data(as_text=True)
    after = _complaint(app, village["pk"])
    assert after["status"] == workflow.FORWARDED
    assert after["officer"] == village["kadus2"]
    assert after["category_id"] == village["category"] and after["urgency"] == "high"
    assert after["steps"] == ["register", "verify", "forward"]


@pytest.mark.parametrize("officer, message", [
    ("reported", "Petugas ini adalah pihak yang diadukan"),
    ("head", "Petugas pengelola pengaduan dan Kepala Desa tidak menindaklanjuti"),
    ("helper", "Petugas pengelola pengaduan dan Kepala Desa tidak menindaklanjuti"),
])
def test_a_refused_forward_refuses_the_verification_too_and_keeps_what_was_typed(
        app, client, village, officer, message):
    login(client, "petugas")
    response = post_form(client, f"/complaint/verify-forward/{village['pk']}", {
        "kind": "saran", "category_id": village["category"], "urgency": "urgent",
        "identity_level": "named", "reported_officer_id": village["reported"],
        "officer_id": village[officer], "reported_to": "kepala_desa",
        "note": "Catatan yang diketik petugas"})
    assert response.status_code == 200
    body = html.unescape(response.get_data(as_text=True))
    assert message in body, body[:3000]
    assert "Catatan yang diketik petugas" in body  # nothing typed lost
    assert re.search(r'<option selected value="urgent">|<option value="urgent" selected', body)
    after = _complaint(app, village["pk"])
    assert after == {"status": workflow.RECEIVED, "category_id": None, "officer": None,
                     "urgency": "normal", "steps": ["register"]}


def test_the_service_refuses_both_steps_as_a_whole(app, village):
    """The services layer on its own: a forward it refuses undoes the verification."""
    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(village["desk_user"])
        complaint = db.session.get(Complaint, village["pk"])
        verify = {"kind": "pengaduan", "category_id": village["category"], "urgency": "high"}
        for officer in ("desk", "head", "helper", "reported"):
            with pytest.raises(ServiceError):
                services.verify_and_forward(complaint, verify, {"officer_id": village[officer]},
                                            user)
            complaint = db.session.get(Complaint, village["pk"])
            assert complaint.status == workflow.RECEIVED and complaint.category_id is None
        # A refused verification (no category) forwards nothing either.
        with pytest.raises(ServiceError):
            services.verify_and_forward(complaint, {"kind": "pengaduan", "urgency": "high"},
                                        {"officer_id": village["kasi"]}, user)
        complaint = db.session.get(Complaint, village["pk"])
        assert complaint.assigned_officer_id is None
        assert db.session.query(ComplaintEvent).filter_by(complaint_id=complaint.id).count() == 1
        services.verify_and_forward(complaint, verify, {"officer_id": village["kasi"]}, user)
        assert complaint.status == workflow.FORWARDED
        assert complaint.assigned_officer_id == village["kasi"]
        db.session.remove()


def test_no_verify_and_forward_for_a_confidential_complaint(app, client, village):
    set_fields(app, village["pk"], identity_level="confidential")
    login(client, "petugas")
    show = client.get(f"/complaint/show/{village['pk']}").get_data(as_text=True)
    assert "/complaint/verify-forward/" not in show
    response = client.get(f"/complaint/verify-forward/{village['pk']}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/complaint/show/{village['pk']}")


def test_a_step_form_shows_the_complaint_and_its_phone_only_where_the_identity_may_be_read(
        app, client, village):
    pk = village["pk"]
    set_fields(app, pk, status="forwarded", assigned_officer_id=village["kadus2"])
    login(client, "kadus2")
    body = client.get(f"/complaint/step/{pk}/resolve").get_data(as_text=True)
    assert "Lampu jalan di depan mushola mati sejak seminggu." in body
    assert 'href="tel:+6281234567890"' in body and 'href="https://wa.me/6281234567890"' in body
    show = client.get(f"/complaint/show/{pk}").get_data(as_text=True)
    assert 'href="tel:+6281234567890"' in show
    set_fields(app, pk, identity_level="masked")
    body = client.get(f"/complaint/step/{pk}/resolve").get_data(as_text=True)
    assert "Lampu jalan di depan mushola mati" in body
    assert "tel:" not in body and "wa.me" not in body and "6281234567890" not in body
    assert "S***h" in body and "Siti Aminah" not in body  # the masked name, as they may read it


def _timeline_public_marks(client, pk):
    body = client.get(f"/complaint/show/{pk}").get_data(as_text=True)
    timeline = body[body.index('class="timeline"'):]
    return timeline.count('class="label label-info"')


def test_the_staff_timeline_marks_public_only_what_the_resident_reads(app, client, village):
    pk = village["pk"]
    set_fields(app, pk, status="forwarded")
    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(village["desk_user"])
        complaint = db.session.get(Complaint, pk)
        services.apply_step(complaint, "note", {"note": "Untuk warga", "is_public": True}, user)
        services.apply_step(complaint, "note", {"note": "Internal"}, user)
        db.session.remove()
    login(client, "petugas")
    assert _timeline_public_marks(client, pk) == 1
    # Without identity the resident has no phone digits to open the status page: nothing
    # on it is read by the resident, so nothing is marked public.
    set_fields(app, pk, channel="box", without_identity=True, complainant_phone="")
    assert _timeline_public_marks(client, pk) == 0
    set_fields(app, pk, without_identity=False, complainant_phone="+6281234567890", voided=True,
               void_reason="Salah catat")
    assert _timeline_public_marks(client, pk) == 0


def test_the_register_opens_on_what_is_still_to_do_and_shows_closed_ones_behind_a_link(
        app, client, village):
    closed = make_complaint(app, subject="Jembatan sudah diperbaiki", status="informed")
    reopen = make_complaint(app, subject="Minta dibuka lagi", status="reopen_requested")
    login(client, "petugas")
    body = html.unescape(client.get("/complaint/list/").get_data(as_text=True))
    assert "Lampu jalan mati" in body and "Minta dibuka lagi" in body
    assert "Jembatan sudah diperbaiki" not in body
    links = dict((text, href) for href, text in re.findall(
        r'<a class="btn btn-sm[^"]*" href="([^"]+)"[^>]*>([^<]+)</a>',
        body[body.index("register-states"):]))
    assert set(links) == {"Perlu ditangani", "Ditutup", "Semua"}
    closed_page = html.unescape(client.get(links["Ditutup"]).get_data(as_text=True))
    assert "Jembatan sudah diperbaiki" in closed_page and "Lampu jalan mati" not in closed_page
    all_page = html.unescape(client.get(links["Semua"]).get_data(as_text=True))
    assert "Jembatan sudah diperbaiki" in all_page and "Lampu jalan mati" in all_page
    assert reopen and closed


def test_the_kadus_home_lists_what_was_forwarded_to_them_with_its_steps(app, client, village):
    pk = village["pk"]
    set_fields(app, pk, status="forwarded", assigned_officer_id=village["kadus2"])
    other = make_complaint(app, subject="Bukan untuk Kadus II", status="forwarded",
                           assigned_officer_id=village["kasi"])
    done = make_complaint(app, subject="Sudah selesai", status="resolved",
                          assigned_officer_id=village["kadus2"])
    login(client, "kadus2")
    body = html.unescape(client.get("/").get_data(as_text=True))
    section = body[body.index("Diteruskan kepada Anda"):]
    assert "Lampu jalan mati" in section
    assert f'href="/complaint/step/{pk}/resolve"' in section
    assert "Bukan untuk Kadus II" not in body and "Sudah selesai" not in section
    assert other and done
    make_user(app, "kades2", "Kepala Desa")
    client.get("/logout/")
    login(client, "kades2")
    assert "Diteruskan kepada Anda" not in client.get("/").get_data(as_text=True)


def test_the_next_page_of_closed_complaints_keeps_every_closed_status(app, client, village):
    """FAB's page links kept one value of each argument: page 2 of "Ditutup" showed one status."""
    for index, status in enumerate(["resolved", "informed", "rejected", "referred"] * 7):
        make_complaint(app, subject=f"Selesai {index}", status=status)
    login(client, "petugas")
    body = html.unescape(client.get("/complaint/list/").get_data(as_text=True))
    closed = re.search(r'<a class="btn btn-sm[^"]*" href="([^"]+)"[^>]*>Ditutup</a>', body).group(1)
    page = html.unescape(client.get(closed).get_data(as_text=True))
    next_links = set(re.findall(r'href="([^"]*page_ComplaintModelView=1[^"]*)"', page))
    assert next_links, page[-3000:]
    for link in next_links:
        assert sorted(re.findall(r"_status=(\w+)", link)) == \
            ["informed", "referred", "rejected", "resolved"], link
        second = html.unescape(client.get(link).get_data(as_text=True))
        assert 'aria-current="page">Ditutup<' in second
