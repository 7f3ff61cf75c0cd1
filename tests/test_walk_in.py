"""The desk records a walk-in: a form written for the desk, and after saving the receipt and the
tracking code one tap away."""

import re

from app.core.numbering import group_tracking_code, normalize_tracking_code
from app.extensions import db
from app.models import Complaint
from tests.conftest import COMPLAINT_FIELDS, make_complaint, post_form


def _form(**overrides):
    """The add form's fields as a browser sends them, the optional lists left blank."""
    data = {**COMPLAINT_FIELDS, "complainant_phone": "0812-3456-7890", "dusun": "__None",
            "category": "__None", "complainant_email": "", "rt_rw": "02/03", "location": "",
            "incident_date": "", "received_at": "", "identity_level": "named"}
    data.update(overrides)
    return data


def test_the_grouped_code_reads_in_fours_and_types_back():
    assert group_tracking_code("ABCDEFGHJKLM") == "ABCD-EFGH-JKLM"
    assert normalize_tracking_code("abcd-efgh-jklm") == "ABCDEFGHJKLM"
    assert group_tracking_code("") == ""


def test_the_add_form_shows_words_not_placeholders_and_speaks_to_the_desk(app, client, login_as):
    login_as("desk")
    page = client.get("/complaint/add").get_data(as_text=True)
    for name in ("dusun", "category"):
        select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
        first = re.search(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select)
        assert first.group(2).strip() == "(tidak dipilih)", (name, first.group(0))
    assert ">__None<" not in page
    # The identity help is for the desk asking the resident, not for the resident.
    assert "Tanyakan kepada pengadu" in page
    assert "nama Anda" not in page


def test_after_saving_the_receipt_and_the_tracking_code_are_one_tap_away(app, client, login_as):
    login_as("desk")
    response = post_form(client, "/complaint/add", _form(), follow=False)
    assert response.status_code == 302
    location = response.headers["Location"]
    with app.app_context():
        complaint = db.session.query(Complaint).one()
        pk, number, code = complaint.id, complaint.register_number, complaint.tracking_code
        assert complaint.dusun_id is None and complaint.category_id is None
        db.session.remove()
    assert location.endswith(f"/complaint/show/{pk}?registered=1")
    page = client.get(location).get_data(as_text=True)
    box = re.search(r'<div class="registered-box[^"]*"[^>]*>(.*?)</div>', page, re.S).group(1)
    assert number in box
    assert group_tracking_code(code) in box
    for link in (f"/complaint/receipt/{pk}", f"/complaint/receipt/{pk}/pdf"):
        assert f'href="{link}"' in box
        assert client.get(link).status_code == 200
    # Opened again later (no "registered"), the page is the usual one.
    assert "registered-box" not in client.get(f"/complaint/show/{pk}").get_data(as_text=True)


def test_the_just_registered_box_never_shows_the_code_to_the_village_head(app, client, login_as):
    pk = make_complaint(app)
    login_as("head")
    with app.app_context():
        code = db.session.get(Complaint, pk).tracking_code
        db.session.remove()
    page = client.get(f"/complaint/show/{pk}?registered=1").get_data(as_text=True)
    assert group_tracking_code(code) not in page and code not in page
    assert "/complaint/receipt/" not in page


# What the desk reads on the form, in order: words for the desk about the complainant.
DESK_LABELS = ["Jenis", "Saluran", "Diterima", "Tanpa identitas", "Nama pengadu", "Alamat",
               "Telepon/WhatsApp", "Email", "Pokok pengaduan", "Uraian", "Dusun", "RT/RW",
               "Lokasi", "Tanggal kejadian", "Kategori", "Urgensi", "Perlindungan identitas",
               "Foto atau dokumen (tidak wajib)"]
RESIDENT_WORDS = re.compile(r"\b(Anda|kamu|saya)\b", re.I)


def _form_html(page):
    return re.search(r'<form[^>]*class="[^"]*complaint-form[^"]*"[^>]*>(.*?)</form>', page,
                     re.S).group(1)


def _labels(form):
    return [re.sub(r"<[^>]+>|\*", "", text).split() for text in
            re.findall(r"<label[^>]*>(.*?)</label>", form, re.S)]


def test_the_form_has_a_label_above_each_field_not_a_table(app, client, login_as):
    login_as("desk")
    response = client.get("/complaint/add")
    assert response.status_code == 200
    form = _form_html(response.get_data(as_text=True))
    assert "<table" not in form and "<td" not in form
    assert [" ".join(words) for words in _labels(form)] == DESK_LABELS
    assert not RESIDENT_WORDS.search(re.sub(r"<[^>]+>", " ", form))
    # Every visible field is named by a label pointing at it.
    for name in ("complainant_name", "subject", "description", "dusun", "category", "urgency"):
        assert f'<label for="{name}"' in form, name
    assert ">__None<" not in form


def test_the_edit_form_is_the_same_form_with_words_for_the_blank_lists(app, client, login_as):
    pk = make_complaint(app)
    login_as("desk")
    response = client.get(f"/complaint/edit/{pk}")
    assert response.status_code == 200
    form = _form_html(response.get_data(as_text=True))
    assert "<table" not in form
    select = re.search(r'<select[^>]*name="dusun"[^>]*>(.*?)</select>', form, re.S).group(1)
    assert ">__None<" not in select and "(tidak dipilih)" in select
    labels = [" ".join(words) for words in _labels(form)]
    assert "Nama pengadu" in labels and "Perlindungan identitas" in labels
    assert 'name="expected_version"' in form  # the hidden field still goes with it


def test_a_refused_form_keeps_the_layout_and_what_was_typed(app, client, login_as):
    login_as("desk")
    response = post_form(client, "/complaint/add", _form(subject="", complainant_name="Siti"),
                         follow=False)
    assert response.status_code == 200
    form = _form_html(response.get_data(as_text=True))
    assert 'value="Siti"' in form
    group = re.search(r'<div class="form-group has-error">(.*?)</div>\s*</div>', form, re.S)
    assert group and 'for="subject"' in group.group(1)
    with app.app_context():
        assert db.session.query(Complaint).count() == 0
