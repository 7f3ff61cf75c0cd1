"""The register (SOP D.1-2): every complaint is recorded with a number and a receipt."""

import io
import re
import threading

import pytest
from pypdf import PdfReader

from app.extensions import db
from app.models import Complaint, ComplaintEvent
from app.core.numbering import (
    group_tracking_code,
    TRACKING_ALPHABET, InvalidPhone, format_register_number, new_tracking_code,
    normalize_phone,
)
from tests.conftest import COMPLAINT_FIELDS, make_complaint, make_officer, post_form


@pytest.mark.parametrize("typed, stored", [
    ("0812-3456-7890", "+6281234567890"),
    ("+62 812 3456 7890", "+6281234567890"),
    ("6281234567890", "+6281234567890"),
    ("(0282) 123456", "+62282123456"),
])
def test_phone_numbers_are_stored_as_plus_62(typed, stored):
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize("typed", ["", "12345", "0812abc", "+1 202 555 0100", "0000000000",
                                    "08123456789012345678", "+62+812345678"])
def test_unreachable_phone_numbers_are_refused(typed):
    with pytest.raises(InvalidPhone):
        normalize_phone(typed)


def test_tracking_codes_are_long_random_and_unambiguous():
    codes = {new_tracking_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert len(code) >= 10
        assert set(code) <= set(TRACKING_ALPHABET)
    assert not set("01OIL") & set(TRACKING_ALPHABET)


def test_register_number_is_in_village_letter_style():
    import datetime as dt

    assert format_register_number(1, dt.datetime(2026, 11, 23, 9), "PGD") == "001/PGD/XI/2026"
    assert format_register_number(1234, dt.datetime(2026, 1, 2), "PGD") == "1234/PGD/I/2026"


def test_numbers_run_per_year_without_gaps(app):
    import datetime as dt

    ids = [make_complaint(app, received_at=dt.datetime(2025, 12, 30, 10)),
           make_complaint(app, received_at=dt.datetime(2026, 1, 2, 8)),
           make_complaint(app, received_at=dt.datetime(2026, 1, 5, 8)),
           make_complaint(app, received_at=dt.datetime(2025, 12, 31, 8))]
    with app.app_context():
        numbers = [db.session.get(Complaint, i).register_number for i in ids]
    assert numbers == ["001/PGD/XII/2025", "001/PGD/I/2026", "002/PGD/I/2026",
                       "002/PGD/XII/2025"]


def test_concurrent_registrations_get_unique_gap_free_numbers(app):
    errors = []

    def register_some():
        try:
            for _ in range(5):
                make_complaint(app)
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=register_some) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with app.app_context():
        seqs = sorted(s for (s,) in db.session.query(Complaint.register_seq))
        numbers = {n for (n,) in db.session.query(Complaint.register_number)}
    assert seqs == list(range(1, 31))
    assert len(numbers) == 30


def _form(**overrides):
    data = {**COMPLAINT_FIELDS, "complainant_phone": "0812-3456-7890", "dusun": "",
            "category": "", "complainant_email": "", "rt_rw": "02/03", "location": "",
            "incident_date": "", "received_at": ""}
    data.update(overrides)
    return data


def test_desk_registers_a_walk_in_complaint_and_prints_the_receipt(app, client, login_as):
    user_id = login_as("desk")
    make_officer(app, name="Wahyuni", position="petugas_pengelola", user_id=user_id)
    response = post_form(client, "/complaint/add", _form())
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    with app.app_context():
        complaint = db.session.query(Complaint).one()
        assert complaint.status == "received"
        assert complaint.complainant_phone == "+6281234567890"
        assert complaint.created_by_id == user_id
        assert complaint.register_number.startswith("001/PGD/")
        assert complaint.verification_due is not None and complaint.due_date is not None
        events = db.session.query(ComplaintEvent).all()
        assert [e.step for e in events] == ["register"]
        number, code, pk = complaint.register_number, complaint.tracking_code, complaint.id
    assert number in page and group_tracking_code(code) in page  # ABCD-EFGH-JKLM

    receipt = client.get(f"/complaint/receipt/{pk}")
    assert receipt.status_code == 200
    assert group_tracking_code(code) in receipt.get_data(as_text=True)
    # The walk-in's printed receipt: the code large beside the QR code to the status page.
    assert re.search(rf'<div class="qr"[^>]*><svg.*<strong>{group_tracking_code(code)}</strong>',
                     receipt.get_data(as_text=True), re.S)

    pdf = client.get(f"/complaint/receipt/{pk}/pdf")
    assert pdf.status_code == 200
    assert pdf.headers["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert number in text
    assert group_tracking_code(code) in text
    assert "PEMERINTAH DESA BABAKAN" in text
    assert "KABUPATEN CILACAP" in text
    assert "Wahyuni" in text
    assert "https://pengaduan.example.test/status" in text


@pytest.mark.parametrize("field, value, message", [
    ("complainant_name", "", "Nama pengadu wajib diisi"),
    ("complainant_phone", "", "Nomor telepon yang dapat dihubungi wajib diisi"),
    ("complainant_phone", "12345", "Masukkan nomor telepon Indonesia"),
    ("subject", "", "Tuliskan singkat pokok pengaduan"),
    ("description", "x" * 100_000, "Paling banyak 5000 karakter"),
    ("complainant_email", "bukan-email", "Masukkan alamat email yang benar"),
])
def test_bad_input_is_refused_at_the_field_and_keeps_what_was_typed(
        app, client, login_as, field, value, message):
    login_as("desk")
    typed = _form(**{field: value, "subject": "Jalan rusak <b>parah</b>"}
                  if field != "subject" else {field: value})
    response = post_form(client, "/complaint/add", typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert "Siti Aminah" in page or field == "complainant_name"
    if field != "subject":
        assert "Jalan rusak &lt;b&gt;parah&lt;/b&gt;" in page
    with app.app_context():
        assert db.session.query(Complaint).count() == 0


def test_html_in_fields_is_shown_escaped(app, client, login_as):
    login_as("desk")
    post_form(client, "/complaint/add",
              _form(subject="<script>alert(1)</script>", complainant_name="<i>Budi</i>"))
    with app.app_context():
        pk = db.session.query(Complaint.id).scalar()
    for path in (f"/complaint/show/{pk}", "/complaint/list/", f"/complaint/receipt/{pk}"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_register_entry_is_never_deleted_only_voided(app, client, login_as):
    login_as("desk")
    pk = make_complaint(app)
    assert client.get(f"/complaint/delete/{pk}").status_code == 404
    assert client.post(f"/complaint/delete/{pk}").status_code in (404, 405)

    refused = post_form(client, f"/complaint/show/{pk}", {"reason": ""}, follow=False)
    response = client.post(f"/complaint/void/{pk}", data={
        "reason": "Tercatat dua kali",
        "csrf_token": _token(client, pk)}, follow_redirects=True)
    assert response.status_code == 200
    assert "Tercatat dua kali" in response.get_data(as_text=True)
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        assert complaint.voided and complaint.register_number == "001/PGD/" + complaint.register_number.split("/", 2)[2]
        assert [e.step for e in complaint.events] == ["register", "void"]
    del refused


def _token(client, pk):
    from tests.conftest import csrf_token

    return csrf_token(client, f"/complaint/show/{pk}")


def test_void_without_reason_changes_nothing(app, client, login_as):
    login_as("desk")
    pk = make_complaint(app)
    client.post(f"/complaint/void/{pk}", data={"reason": " ", "csrf_token": _token(client, pk)})
    with app.app_context():
        assert not db.session.get(Complaint, pk).voided


def test_second_save_of_a_stale_form_is_refused_and_names_who_changed_it(app, client, login_as):
    from tests.conftest import csrf_token, login, make_user

    login_as("desk")
    pk = make_complaint(app)
    other = app.test_client()
    make_user(app, "desk2", "Petugas Pengelola", first_name="Rina", last_name="Lestari")
    login(other, "desk2")

    first_token = csrf_token(client, f"/complaint/edit/{pk}")
    second_token = csrf_token(other, f"/complaint/edit/{pk}")
    edit = {k: v for k, v in _form().items() if k not in ("received_at", "category")}
    edit["expected_version"] = "1"

    saved = other.post(f"/complaint/edit/{pk}", data={**edit, "subject": "Versi Rina",
                                                      "csrf_token": second_token})
    assert saved.status_code == 302
    refused = client.post(f"/complaint/edit/{pk}", data={**edit, "subject": "Versi saya",
                                                         "csrf_token": first_token},
                          follow_redirects=True)
    page = refused.get_data(as_text=True)
    assert "Rina Lestari" in page
    assert "Versi saya" in page  # what the user typed is still in the form
    with app.app_context():
        assert db.session.get(Complaint, pk).subject == "Versi Rina"


def test_a_void_entry_cannot_be_edited(app, client, login_as):
    from tests.conftest import csrf_token

    login_as("desk")
    pk = make_complaint(app)
    client.post(f"/complaint/void/{pk}", data={"reason": "Salah catat",
                                               "csrf_token": _token(client, pk)})
    edit = {k: v for k, v in _form().items() if k not in ("received_at", "category")}
    response = client.post(f"/complaint/edit/{pk}", data={
        **edit, "subject": "Diubah", "expected_version": "2",
        "csrf_token": csrf_token(client, f"/complaint/edit/{pk}")}, follow_redirects=True)
    assert "sudah dibatalkan" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Complaint, pk).subject == COMPLAINT_FIELDS["subject"]
