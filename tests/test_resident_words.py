"""What residents read: plain words from one mapping, and the receipt's QR code that opens
the status page with the tracking code in its fragment."""

import io

import pytest

from app.core import workflow
from app.core.vocabularies import (OUTCOME_TYPES, RESIDENT_OUTCOMES, RESIDENT_STATUSES,
                                   RESIDENT_STEPS, STATUSES, resident_label)
from app.extensions import db
from app.models import Complaint
from app.public import resident as public
from app.services import complaints as services, response_templates
from tests.conftest import make_complaint, make_officer, make_user

# The office's terms a resident should not have to decode.
OFFICE_TERMS = ("Diteruskan", "Terverifikasi", "Dilimpahkan", "Diinformasikan",
                "Penyelesaian administratif", "Tindakan korektif", "Rekomendasi kebijakan")


def test_every_status_and_outcome_and_step_has_plain_words():
    assert set(RESIDENT_STATUSES) == set(STATUSES)
    assert set(RESIDENT_OUTCOMES) == set(OUTCOME_TYPES)
    assert set(workflow.STEPS) | {"register"} <= set(RESIDENT_STEPS)


def test_plain_words_in_indonesian_say_what_was_done(app):
    with app.test_request_context(headers={"Accept-Language": "id"}):
        assert resident_label("status", "forwarded") == "Sedang ditangani petugas yang bertugas"
        assert resident_label("step", "forward") == "Diserahkan untuk ditangani"
        assert resident_label("outcome", "corrective").startswith("Pihak yang bertanggung jawab")
        words = [str(resident_label(kind, key)) for kind, keys in
                 (("status", STATUSES), ("outcome", OUTCOME_TYPES), ("step", RESIDENT_STEPS))
                 for key in keys]
        assert not [w for w in words if any(term in w for term in OFFICE_TERMS)]
        # Unknown to the mapping: the staff label, never a blank.
        assert resident_label("step", "void") == "Entri register dibatalkan"


@pytest.fixture
def forwarded(app):
    desk = make_user(app, "meja", "Petugas Pengelola")
    officer = make_officer(app, name="Sutrisno", position="kepala_dusun")
    pk = make_complaint(app, user_id=desk, complainant_phone="+6281234567890",
                        complainant_name="Siti Aminah")
    with app.test_request_context():
        user = app.appbuilder.sm.get_user_by_id(desk)
        complaint = db.session.get(Complaint, pk)
        from app.models import Category
        category = db.session.query(Category).first()
        services.apply_step(complaint, "verify", {"kind": "pengaduan", "urgency": "normal",
                                                  "category_id": category.id}, user)
        services.apply_step(complaint, "forward", {"officer_id": officer}, user)
        db.session.remove()
    return pk, desk


def test_the_status_page_the_message_and_the_letter_use_the_same_words(app, forwarded):
    from pypdf import PdfReader

    from app.documents.letters import letter_pdf

    pk, desk = forwarded
    with app.test_request_context():
        complaint = db.session.get(Complaint, pk)
        view = public.public_view(complaint)
        assert view["status_label"] == "Sedang ditangani petugas yang bertugas"
        assert [e["label"] for e in view["timeline"]] == [
            "Pengaduan Anda diterima dan dicatat",
            "Diperiksa: lengkap dan termasuk urusan desa", "Diserahkan untuk ditangani"]
        user = app.appbuilder.sm.get_user_by_id(desk)
        text = response_templates.fill_text("Status: {status}.", "inform", complaint, user)
        assert text == "Status: Sedang ditangani petugas yang bertugas."
        letter = letter_pdf(complaint, text)
        words = " ".join(" ".join(p.extract_text().split())
                         for p in PdfReader(io.BytesIO(letter)).pages)
        assert "Sedang ditangani petugas yang bertugas" in words
        assert not any(term in words for term in OFFICE_TERMS)
        db.session.remove()


def test_the_receipt_qr_opens_the_status_page_with_the_code_in_the_fragment(app):
    from app.documents import receipts
    from app.services.accounts import qr_svg

    pk = make_complaint(app, complainant_phone="+6281234567890")
    with app.test_request_context():
        complaint = db.session.get(Complaint, pk)
        code = complaint.tracking_code
        grouped = f"{code[:4]}-{code[4:8]}-{code[8:]}"
        expected = app.config["PUBLIC_BASE_URL"] + "/status#kode=" + grouped
        assert receipts.qr_target(complaint) == expected
        # The page's QR is that very address drawn (compared with the library's drawing of
        # the expected address, written out here).
        assert receipts.qr_code_svg(complaint) in qr_svg(expected)
        complaint.without_identity = True  # the status page cannot find it: no code to fill
        assert receipts.qr_target(complaint) == app.config["PUBLIC_BASE_URL"] + "/status"
        db.session.rollback()
        db.session.remove()
