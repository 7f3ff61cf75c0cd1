"""Who reads which file: the same answer as for the file's complaint (identity rules
included), withdrawn files for the desk only, the resident only public files and their own
after the tracking code and phone digits; photos served without EXIF, PDFs only as downloads."""

import io
import re

import pytest
from PIL import Image

from app.auth import security
from app.extensions import db
from app.models import Attachment, Complaint
from tests import files
from tests.conftest import csrf_token, login, make_complaint, make_officer, make_user
from tests.test_access import file_on


def test_a_confidential_complaints_file_is_never_served_to_the_officer_complained_about(
        app, client):
    named = make_user(app, "kades", security.HEAD)
    reported = make_officer(app, name="Pak Kades", position="kepala_desa", user_id=named)
    pk = make_complaint(app, reported_officer_id=reported, identity_level="confidential")
    file_id = file_on(app, pk, public=True)
    login(client, "kades")
    for path in (f"/attachment/{file_id}", f"/attachment/{file_id}/thumb"):
        assert client.get(path).status_code == 404
    client.get("/logout/")
    make_user(app, "kades2", security.HEAD)
    login(client, "kades2")
    assert client.get(f"/attachment/{file_id}").status_code == 200


def test_a_liaison_reads_files_of_complaints_forwarded_to_them_only(app, client):
    user_id = make_user(app, "kadus", security.LIAISON)
    mine = make_officer(app, name="Kadus Satu", user_id=user_id)
    forwarded = make_complaint(app, assigned_officer_id=mine, status="forwarded")
    confidential = make_complaint(app, assigned_officer_id=mine, status="forwarded",
                                  identity_level="confidential")
    seen, unseen = file_on(app, forwarded), file_on(app, confidential)
    login(client, "kadus")
    assert client.get(f"/attachment/{seen}").status_code == 200
    assert client.get(f"/attachment/{unseen}").status_code == 404


def test_a_served_photo_has_no_exif_or_gps_and_a_pdf_is_only_a_download(app, client,
                                                                         login_as):
    from app.services import evidence

    pk = make_complaint(app)
    with app.test_request_context():
        complaint = db.session.get(Complaint, pk)
        photo = evidence.prepare("IMG_0001.HEIC.jpg", files.phone_photo(3000, 2000))
        pdf = evidence.prepare("surat.pdf", files.pdf())
        with evidence.saved_together([photo, pdf]) as staged:
            rows = evidence.record(staged, None, complaint)
            db.session.commit()
        photo_id, pdf_id = rows[0].id, rows[1].id
    login_as("desk")
    response = client.get(f"/attachment/{photo_id}")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["Cache-Control"] == "no-store"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    served = Image.open(io.BytesIO(response.data))
    assert not served.getexif() and not served.getexif().get_ifd(0x8825)
    assert b"Exif" not in response.data and b"TelefonUji" not in response.data
    response = client.get(f"/attachment/{pdf_id}")
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.data == files.pdf()


def _upload(client, pk, names_and_data, **fields):
    token = csrf_token(client, "/resetmypassword/form")
    data = {"csrf_token": token, **fields,
            "attachments": [(io.BytesIO(data), name) for name, data in names_and_data]}
    return client.post(f"/attachment/add/{pk}", data=data, content_type="multipart/form-data")


def test_the_desk_adds_files_and_the_page_shows_thumbnails_and_who_added_them(app, client):
    desk = make_user(app, "meja", security.DESK, first_name="Dwi", last_name="Lestari")
    pk = make_complaint(app)
    login(client, "meja")
    response = _upload(client, pk, [("sebelum.jpg", files.phone_photo(800, 600)),
                                    ("ba.pdf", files.pdf())], note="Foto sebelum", is_public="y")
    assert response.status_code == 302
    page = client.get(f"/complaint/show/{pk}").get_data(as_text=True)
    with app.app_context():
        rows = db.session.scalars(db.select(Attachment).order_by(Attachment.id)).all()
        assert [(r.original_name, r.is_public, r.uploaded_by_id) for r in rows] == [
            ("sebelum.jpg", True, desk), ("ba.pdf", True, desk)]
        ids = [r.id for r in rows]
    assert f'src="/attachment/{ids[0]}/thumb"' in page
    assert f'href="/attachment/{ids[1]}" download' in page
    assert "Berkas ditambahkan" in page and "Dwi Lestari" in page and "Foto sebelum" in page
    refused = _upload(client, pk, [("skrip.jpg", b"<script>")], follow_redirects=False)
    assert refused.status_code == 302
    assert "skrip.jpg tidak diterima" in client.get(f"/complaint/show/{pk}").get_data(
        as_text=True)


def test_a_liaison_adds_before_after_photos_but_cannot_make_them_public_or_touch_others(
        app, client):
    user_id = make_user(app, "kadus", security.LIAISON)
    mine = make_officer(app, name="Kadus Satu", user_id=user_id)
    pk = make_complaint(app, assigned_officer_id=mine, status="forwarded")
    other = make_complaint(app)
    desk_file = file_on(app, pk)
    login(client, "kadus")
    assert _upload(client, pk, [("sesudah.jpg", files.png())], is_public="y").status_code == 302
    assert _upload(client, other, [("x.jpg", files.png())]).status_code == 404
    with app.app_context():
        row = db.session.scalars(db.select(Attachment).where(
            Attachment.original_name == "sesudah.jpg")).one()
        assert not row.is_public and row.uploaded_by_id == user_id
    token = csrf_token(client, f"/complaint/show/{pk}")
    client.post(f"/attachment/withdraw/{desk_file}", data={"reason": "x", "csrf_token": token})
    client.post(f"/attachment/publish/{row.id}", data={"is_public": "y", "csrf_token": token})
    with app.app_context():
        assert db.session.get(Attachment, desk_file).withdrawn_at is None
        assert not db.session.get(Attachment, row.id).is_public
    client.post(f"/attachment/withdraw/{row.id}", data={"reason": "Salah foto",
                                                      "csrf_token": token})
    with app.app_context():
        assert db.session.get(Attachment, row.id).withdraw_reason == "Salah foto"


def test_the_head_may_read_but_not_add(app, client, login_as):
    pk = make_complaint(app)
    login_as("head")
    assert _upload(client, pk, [("a.png", files.png())]).status_code == 403


def test_a_withdrawn_file_is_kept_for_the_desk_and_hidden_from_everyone_else(app, client):
    make_user(app, "meja", security.DESK)
    make_user(app, "kades", security.HEAD)
    pk = make_complaint(app)
    file_id = file_on(app, pk, public=True)
    login(client, "meja")
    token = csrf_token(client, f"/complaint/show/{pk}")
    client.post(f"/attachment/withdraw/{file_id}", data={"reason": "Foto rumah warga lain",
                                                        "csrf_token": token})
    assert client.get(f"/attachment/{file_id}").status_code == 200
    page = client.get(f"/complaint/show/{pk}").get_data(as_text=True)
    assert "Berkas ditarik" in page and "Foto rumah warga lain" in page
    client.get("/logout/")
    login(client, "kades")
    assert client.get(f"/attachment/{file_id}").status_code == 404
    assert f"/attachment/{file_id}/thumb" not in client.get(f"/complaint/show/{pk}").get_data(
        as_text=True)


def test_the_resident_reads_public_files_and_their_own_after_the_look_up(app):
    from tests.test_public import Resident

    resident = Resident(app)
    pk = make_complaint(app, complainant_phone="+6281234567890")
    public_file = file_on(app, pk, public=True)
    own = file_on(app, pk, resident=True)
    internal = file_on(app, pk)
    withdrawn = file_on(app, pk, public=True)
    with app.app_context():
        db.session.get(Attachment, withdrawn).withdrawn_at = db.func.now()
        db.session.commit()
        code = db.session.get(Complaint, pk).tracking_code
        other = file_on(app, make_complaint(app, subject="Lain"), public=True)
    for file_id in (public_file, own):  # not before the look-up
        assert resident.get(f"/status/lampiran/{file_id}").status_code == 404
    page = resident.track_page(code, "7890").get_data(as_text=True)
    shown = set(map(int, re.findall(r"/status/lampiran/(\d+)/kecil", page)))
    assert shown == {public_file, own}
    for file_id in (public_file, own):
        assert resident.get(f"/status/lampiran/{file_id}").status_code == 200
        assert resident.get(f"/status/lampiran/{file_id}/kecil").status_code == 200
    for file_id in (internal, withdrawn, other):
        assert resident.get(f"/status/lampiran/{file_id}").status_code == 404


@pytest.mark.parametrize("path", ["/attachment/add/{pk}", "/attachment/withdraw/{f}",
                                  "/attachment/publish/{f}"])
def test_staff_file_actions_need_a_login_and_a_csrf_token(app, client, login_as, path):
    pk = make_complaint(app)
    file_id = file_on(app, pk)
    url = path.format(pk=pk, f=file_id)
    assert client.post(url, data={"reason": "x", "is_public": "y"}).status_code == 400
    token = csrf_token(client, "/lapor")  # a token of this session, still anonymous
    response = client.post(url, data={"reason": "x", "is_public": "y", "csrf_token": token})
    assert response.status_code == 302 and "/login/" in response.headers["Location"]
    login_as("desk")
    assert client.post(url, data={"reason": "x", "is_public": "y"}).status_code == 400
    with app.app_context():
        row = db.session.get(Attachment, file_id)
        assert (row.withdrawn_at, row.is_public) == (None, False)
        assert db.session.scalar(db.select(db.func.count(Attachment.id))) == 1


def test_a_meetings_signed_berita_acara_is_kept_and_read_under_the_meetings_rule(app, client):
    from tests.test_access import _resolved_at_a_held_meeting

    make_user(app, "meja", security.DESK)
    named = make_user(app, "kades", security.HEAD)
    make_user(app, "kades2", security.HEAD)
    _done, meeting = _resolved_at_a_held_meeting(app)
    login(client, "meja")
    token = csrf_token(client, f"/meeting/show/{meeting}")
    response = client.post(f"/attachment/meeting/{meeting}", data={
        "csrf_token": token, "attachments": [(io.BytesIO(files.pdf("Berita acara")),
                                              "ba-ttd.pdf")]},
        content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        row = db.session.scalars(db.select(Attachment)).one()
        assert (row.meeting_id, row.complaint_id, row.kind) == (meeting, None, "pdf")
        file_id = row.id
    assert f'href="/attachment/{file_id}" download' in client.get(
        f"/meeting/show/{meeting}").get_data(as_text=True)
    client.get("/logout/")
    login(client, "kades2")
    assert client.get(f"/attachment/{file_id}").status_code == 200
    assert client.post(f"/attachment/meeting/{meeting}", data={
        "csrf_token": csrf_token(client, "/resetmypassword/form")}).status_code == 403
    client.get("/logout/")
    # A Kepala Desa named in one of the meeting's complaints reads neither it nor its papers.
    reported = make_officer(app, name="Pak Kades", position="kepala_desa", user_id=named)
    with app.app_context():
        from app.models import Meeting

        db.session.get(Meeting, meeting).complaints[0].reported_officer_id = reported
        db.session.commit()
    login(client, "kades")
    assert client.get(f"/meeting/show/{meeting}").status_code == 404
    assert client.get(f"/attachment/{file_id}").status_code == 404


def test_the_desk_registers_a_whatsapp_complaint_with_its_photo(app, client, login_as):
    from tests.conftest import post_form
    from tests.test_register import _form

    login_as("desk")
    refused = post_form(client, "/complaint/add", _form(
        channel="phone", subject="Foto dari WA",
        attachments=(io.BytesIO(b"<svg onload=alert(1)>"), "wa.svg")))
    page = refused.get_data(as_text=True)
    assert "wa.svg tidak diterima" in page and "Foto dari WA" in page  # the form, as typed
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Complaint.id))) == 0
    response = post_form(client, "/complaint/add", _form(
        channel="phone", subject="Foto dari WA",
        attachments=(io.BytesIO(files.phone_photo(1000, 750)), "IMG-WA0001.jpg")))
    assert response.status_code == 200
    with app.app_context():
        complaint = db.session.scalars(db.select(Complaint)).one()
        (row,) = db.session.scalars(db.select(Attachment)).all()
        assert (row.complaint_id, row.original_name) == (complaint.id, "IMG-WA0001.jpg")
        assert [e.step for e in complaint.events] == ["register", "attach"]
        pk = complaint.id
    receipt = client.get(f"/complaint/receipt/{pk}").get_data(as_text=True)
    assert "IMG-WA0001.jpg" in receipt


@pytest.mark.parametrize("role", ["desk", "head"])
def test_the_complaint_page_costs_the_same_for_one_or_five_files(app, client, login_as, role):
    from tests.test_query_counts import statements

    one, five = make_complaint(app), make_complaint(app, subject="Banyak foto")
    file_on(app, one)
    for n in range(5):
        file_on(app, five, public=bool(n % 2), pdf=n == 4)
    login_as(role)
    assert statements(app, client, f"/complaint/show/{one}") \
        == statements(app, client, f"/complaint/show/{five}")
