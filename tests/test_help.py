"""Bantuan: the guide for each role, matching the screens' words, linked from every step form,
and printable as a short PDF."""

import io
import re

import pytest
from pypdf import PdfReader

from app.core import workflow
from app.documents import guide
from app.web import step_forms
from app.web.views.complaint_steps import STEP_PAGES
from tests.conftest import make_complaint, make_officer

# What the desk and a liaison click, as the Indonesian screens name it (typed here, not taken
# from the code): a renamed button must be renamed in the guide too.
BUTTONS = {
    "verify": "Verifikasi", "request_completion": "Minta dilengkapi", "forward": "Teruskan",
    "note": "Tambah catatan perkembangan", "schedule_meeting": "Jadwalkan rapat pembahasan",
    "resolve": "Selesaikan", "reject": "Tolak", "refer": "Limpahkan ke instansi di atasnya",
    "inform": "Informasikan ke pengadu", "complete": "Catat kelengkapan",
    "extend_deadline": "Perpanjang tenggat", "reopen": "Buka kembali",
    "keep_closed": "Tetap ditutup",
}


def test_every_step_a_user_takes_has_its_paragraph():
    taken = {name for name, step in workflow.STEPS.items() if step.action}
    assert taken == set(BUTTONS)
    anchors = [item.anchor for item in guide.items()]
    assert len(anchors) == len(set(anchors))
    for name in taken:
        assert f"langkah-{name}" in anchors, name
        assert name in step_forms.FORMS or name in STEP_PAGES, name


def test_the_guide_page_names_each_steps_button_and_quotes_the_sop(app, client, login_as):
    login_as("liaison")
    response = client.get("/bantuan/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for name, button in BUTTONS.items():
        paragraph = re.search(rf'id="langkah-{name}".*?</div>', page, re.S)
        assert paragraph and f"«{button}»" in paragraph.group(0), name
    assert "mendistribusikan kepada tim penjawab aduan" in page  # SOP D.2, word for word
    for anchor in ("petugas", "kepala-dusun", "kepala-desa", "admin"):
        assert f'<section id="{anchor}"' in page
    # The reader's own part is named first.
    assert re.search(r'Bagian Anda:\s*<a href="#kepala-dusun">', page)


@pytest.mark.parametrize("kind, part", [("desk", "petugas"), ("head", "kepala-desa"),
                                        ("admin", "admin")])
def test_each_role_is_pointed_to_its_part(app, client, login_as, kind, part):
    login_as(kind)
    page = client.get("/bantuan/").get_data(as_text=True)
    assert re.search(rf'Bagian Anda:\s*<a href="#{part}">', page)


def test_a_step_form_links_to_its_paragraph(app, client, login_as):
    desk = login_as("desk")
    pk = make_complaint(app, desk)
    page = client.get(f"/complaint/step/{pk}/verify")
    assert page.status_code == 200
    assert 'href="/bantuan/#langkah-verify"' in page.get_data(as_text=True)
    both = client.get(f"/complaint/verify-forward/{pk}")
    assert both.status_code == 200
    assert 'href="/bantuan/#langkah-verify"' in both.get_data(as_text=True)
    make_officer(app)
    pk = make_complaint(app, desk, status=workflow.RESOLVED)
    inform = client.get(f"/inform/{pk}")
    assert inform.status_code == 200
    assert 'href="/bantuan/#langkah-inform"' in inform.get_data(as_text=True)


def test_the_guide_prints_as_a_short_pdf(app, client, login_as):
    login_as("head")
    response = client.get("/bantuan/pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.get_data()))
    assert 1 <= len(reader.pages) <= 4
    text = " ".join(page.extract_text() for page in reader.pages)
    text = re.sub(r"\s+", " ", text)
    assert "PANDUAN SINGKAT SISTEM PENGADUAN DESA" in text
    for part in guide.PARTS:
        assert part.title in text, part.title
    assert "Selesaikan" in text and "PEMERINTAH DESA BABAKAN" in text


def test_every_screenshot_the_guide_names_is_there(app, client, login_as):
    pictures = [item.picture for item in guide.items() if item.picture]
    assert pictures
    login_as("desk")
    page = client.get("/bantuan/").get_data(as_text=True)
    for name in pictures:
        assert f"/static/help/{name}?v=" in page, name
        assert client.get(f"/static/help/{name}").status_code == 200, name
