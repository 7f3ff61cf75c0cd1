"""The public side: residents submit and track complaints, and nobody learns who complained.

Every public answer in these tests goes through ``Resident``, which checks the
headers (no-store, noindex) and scans the body (PDFs too) for the
complainant's name, address, phone and email and the handling officer's name.
"""

import datetime
import io
import re
import time

import pytest

from app.core.numbering import group_tracking_code
from app.auth import security
from app.extensions import db
from app.models import Category, Complaint, PublicLookupFailure
from app.public import resident as public
from app.services import complaints as services
from tests.conftest import CSRF_RE, make_complaint, make_officer, make_user

NAME = "Siti Aminah Rahayu"
ADDRESS = "Jalan Kenanga 7, Babakan"
PHONE_TYPED = "0812-3456-7890"
PHONE = "+6281234567890"
EMAIL = "siti.rahayu@surel-babakan.id"
OFFICER = "Sutrisno Wibowo"
DESK_OFFICER = "Dwi Lestari Meja"
INTERNAL_NOTE = "Catatan internal: cek ke rumah pengadu"
SECRETS = (NAME, ADDRESS, PHONE, "081234567890", "6281234567890", "0812-3456-7890", EMAIL,
           OFFICER, DESK_OFFICER, INTERNAL_NOTE)

FORM = {
    "name": NAME,
    "address": ADDRESS,
    "phone": PHONE_TYPED,
    "email": EMAIL,
    "kind": "pengaduan",
    "subject": "Jalan berlubang",
    "description": "Jalan di RT 02 berlubang besar sejak Oktober.",
    "dusun": "Dusun II",
    "rt_rw": "02/03",
    "incident_date": "2026-10-01",
}
QUESTION_RE = re.compile(r"(\d+) \+ (\d+)")
TOKEN_RE = re.compile(r'name="question"[^>]*value="([^"]+)"')
SUBMISSION_RE = re.compile(r'name="submission_token"[^>]*value="([^"]+)"')


def _text_of(response):
    if response.mimetype == "application/pdf":
        from pypdf import PdfReader

        return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    if response.mimetype.startswith("image/"):
        return ""  # a photo re-encoded by the app: no text, no metadata (tests/test_evidence.py)
    return response.get_data(as_text=True)


class Resident:
    """A browser or API client on the public side; checks every answer it gets."""

    def __init__(self, app, address="203.0.113.7"):
        self.client = app.test_client()
        self.environ = {"REMOTE_ADDR": address}
        self.answers = 0

    def _check(self, response, typed=()):
        """Headers right, and no personal data, except what this very request typed into a
        form that comes back refused (the form keeps what was typed)."""
        self.answers += 1
        assert response.headers["Cache-Control"] == "no-store"
        assert "noindex" in response.headers["X-Robots-Tag"]
        text = _text_of(response)
        echoed = set()
        if response.status_code in (400, 409, 429, 503) and response.mimetype == "text/html":
            echoed = {v for v in typed if isinstance(v, str)} | ({PHONE, "6281234567890"} if PHONE_TYPED in typed else set())
        for secret in SECRETS:
            if secret not in echoed:
                assert secret not in text, f"{secret!r} in {response.request.path}"
        return response

    def get(self, path):
        return self._check(self.client.get(path, environ_base=self.environ))

    def post(self, path, **kwargs):
        typed = (kwargs.get("data") or {}).values() if isinstance(kwargs.get("data"), dict) else ()
        return self._check(self.client.post(path, environ_base=self.environ, **kwargs), typed)

    def submit_page(self, **overrides):
        page = self.get("/lapor").get_data(as_text=True)
        a, b = QUESTION_RE.search(page).groups()
        data = {**FORM, "answer": str(int(a) + int(b)), "question": TOKEN_RE.search(page).group(1),
                "csrf_token": CSRF_RE.search(page).group(1), "homepage": "",
                "submission_token": SUBMISSION_RE.search(page).group(1)}
        data.update(overrides)
        return self.post("/lapor", data=data)

    def track_page(self, code, last4):
        page = self.get("/status").get_data(as_text=True)
        return self.post("/status", data={"tracking_code": code, "phone_last4": last4,
                                          "csrf_token": CSRF_RE.search(page).group(1)})

    def api_submit(self, **overrides):
        return self.post("/api/v1/public/complaints", json={**FORM, **overrides})

    def api_status(self, code, last4):
        return self.post("/api/v1/public/status",
                         json={"tracking_code": code, "phone_last4": last4})


@pytest.fixture
def resident(app):
    return Resident(app)


def _complaint(app, **filters):
    with app.app_context():
        complaint = db.session.query(Complaint).filter_by(**filters).one()
        db.session.expunge(complaint)
        return complaint


def _count(app, model=Complaint):
    with app.app_context():
        return db.session.query(model).count()


# --- Submitting ----------------------------------------------------------------------------

def test_resident_submits_on_the_page_and_gets_a_printable_receipt_and_pdf(app, resident):
    response = resident.submit_page()
    assert response.status_code == 303
    receipt = resident.get(response.headers["Location"])
    assert receipt.status_code == 200

    stored = _complaint(app, subject="Jalan berlubang")
    assert (stored.channel, stored.status, stored.created_by_id) == ("website", "received", None)
    assert (stored.complainant_name, stored.complainant_phone) == (NAME, PHONE)
    assert stored.complainant_address == ADDRESS and stored.complainant_email == EMAIL
    assert stored.rt_rw == "02/03" and str(stored.incident_date) == "2026-10-01"
    page = receipt.get_data(as_text=True)
    grouped = group_tracking_code(stored.tracking_code)  # ABCD-EFGH-JKLM
    assert stored.register_number in page and grouped in page
    assert "TANDA TERIMA PENGADUAN" in page and "@media print" not in page
    # "Cek status" opens the status page with the code in the fragment (never sent to the
    # server); the code is shown large beside the QR code for a phone without JavaScript.
    assert re.search(rf'<a class="button check-status" href="/status#kode={grouped}">Cek status</a>',
                     page)
    assert re.search(rf'class="code-large">.*<strong>{grouped}</strong>', page, re.S)
    assert re.search(r'<div class="qr"[^>]*><svg', page)

    pdf = resident.get("/lapor/tanda-terima.pdf")
    assert pdf.mimetype == "application/pdf"
    text = _text_of(pdf)
    assert stored.register_number in text and grouped in text
    assert "Website desa (daring)" in text


def test_the_api_submits_and_answers_only_the_numbers(app, resident):
    response = resident.api_submit(phone="+62 812 3456 7890")
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"tracking_code", "register_number"}
    stored = _complaint(app, tracking_code=body["tracking_code"])
    assert stored.register_number == body["register_number"]
    assert (stored.channel, stored.status, stored.complainant_phone) == ("website", "received", PHONE)


def test_bad_input_is_refused_at_each_field_in_indonesian_and_the_form_keeps_it(app, resident):
    response = resident.submit_page(name="", phone="12345", incident_date="2999-01-01",
                                    dusun="Dusun Antah")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Nama pengadu wajib diisi." in page
    assert "nomor telepon" in page.lower()
    assert "Tanggal ini belum terjadi" in page
    assert "Pilih dusun dari daftar." in page
    assert 'value="Jalan berlubang"' in page and "sejak Oktober." in page
    assert _count(app) == 0


def test_the_api_needs_only_the_required_fields(app, resident):
    response = resident.post("/api/v1/public/complaints", json={
        "name": NAME, "address": ADDRESS, "phone": "6281234567890", "subject": "Sampah",
        "description": "Sampah menumpuk di pasar."})
    assert response.status_code == 201
    stored = _complaint(app, subject="Sampah")
    assert (stored.kind, stored.dusun_id, stored.complainant_email) == ("pengaduan", None, None)


def test_an_expired_form_is_refused_with_a_clear_message_and_keeps_the_text(app, resident):
    response = resident.submit_page(csrf_token="expired")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Formulir sudah kedaluwarsa" in page and "sejak Oktober." in page
    assert _count(app) == 0


def test_the_api_answers_400_with_indonesian_messages_per_field(app, resident):
    response = resident.api_submit(name="", subject="", phone="abc", kind="lain")
    assert response.status_code == 400
    errors = response.get_json()["message"]
    assert set(errors) == {"name", "subject", "phone", "kind"}
    assert errors["name"] == ["Nama pengadu wajib diisi."]
    bad_body = resident.post("/api/v1/public/complaints", data="not json",
                             content_type="application/json")
    assert bad_body.status_code == 400
    assert _count(app) == 0


def test_a_filled_honeypot_or_a_wrong_answer_stores_nothing(app, resident):
    assert resident.submit_page(homepage="http://spam.example").status_code == 400
    response = resident.submit_page(answer="99")
    assert response.status_code == 400
    assert "Jawaban salah" in response.get_data(as_text=True)
    assert resident.submit_page(question="forged-token").status_code == 400
    assert _count(app) == 0


def test_the_receipt_cannot_be_opened_by_anyone_else(app, resident):
    resident.submit_page()
    stranger = Resident(app, "198.51.100.9")
    for path in ("/lapor/tanda-terima", "/lapor/tanda-terima.pdf"):
        response = stranger.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/status")


# --- Tracking ------------------------------------------------------------------------------

@pytest.fixture
def handled(app):
    """A walk-in complaint received by the desk officer, verified, forwarded to a named
    officer and given an internal and a public note."""
    desk = make_user(app, "meja", security.DESK)
    make_officer(app, name=DESK_OFFICER, position="petugas_pengelola", user_id=desk)
    pk = make_complaint(app, user_id=desk, complainant_name=NAME, complainant_address=ADDRESS,
                        complainant_phone=PHONE, complainant_email=EMAIL)
    officer = make_officer(app, name=OFFICER, position="kepala_dusun")
    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(desk)
        complaint = db.session.get(Complaint, pk)
        category = db.session.query(Category).filter_by(name="Pelayanan publik").one()
        services.apply_step(complaint, "verify", {"kind": "pengaduan", "urgency": "high",
                                                  "category_id": category.id,
                                                  "note": INTERNAL_NOTE}, user)
        services.apply_step(complaint, "forward", {"officer_id": officer,
                                                   "note": INTERNAL_NOTE}, user)
        services.apply_step(complaint, "note", {"note": INTERNAL_NOTE}, user)
        services.apply_step(complaint, "note", {"note": "Petugas sudah meninjau lokasi.",
                                                "is_public": "1"}, user)
        code = complaint.tracking_code
        db.session.remove()
    return code


def test_resident_tracks_on_the_page_and_sees_only_the_public_timeline(app, resident, handled):
    response = resident.track_page(handled.lower()[:6] + " " + handled[6:], "7890")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # Plain words, not the office's "Diteruskan" (core.vocabularies.RESIDENT_STATUSES).
    assert "Sedang ditangani petugas yang bertugas" in page and "Diteruskan" not in page
    assert "Diserahkan untuk ditangani" in page
    assert "Pelayanan publik" in page
    assert "Kepala Dusun" in page
    assert "Petugas sudah meninjau lokasi." in page
    assert handled not in page
    # After a successful look-up the resident may open the receipt again; the officer who
    # received it is named by position only.
    receipt = resident.get("/lapor/tanda-terima").get_data(as_text=True)
    assert "Petugas Pengelola Pengaduan" in receipt
    pdf = resident.get("/lapor/tanda-terima.pdf")
    assert pdf.mimetype == "application/pdf" and group_tracking_code(handled) in _text_of(pdf)


def test_the_api_tracks_with_the_same_public_view(app, resident, handled):
    response = resident.api_status(handled, "7890")
    assert response.status_code == 200
    view = response.get_json()
    assert (view["status"], view["status_label"]) == \
        ("forwarded", "Sedang ditangani petugas yang bertugas")
    assert view["category"] == "Pelayanan publik"
    assert view["due_date"] and view["public_note"] == "Petugas sudah meninjau lokasi."
    steps = [(e["step"], e["officer_position"]) for e in view["timeline"]]
    assert steps == [("register", None), ("verify", None),
                     ("forward", "Kepala Dusun"), ("note", None)]
    assert [e["note"] for e in view["timeline"]][:3] == [None, None, None]


PUBLIC_NOTE = "Sudah ditindak"
INFORM = ("inform", {"channel": "phone", "message": "Sudah kami telepon"})
# Each path of the SOP, step by step; None as the fields: the resident's own step.
PATHS = {
    "completed, handled, reopened, solved": [
        ("request_completion", {"missing": "RT/RW lokasi?"}), ("complete", None),
        ("verify", "category"), ("forward", "officer"),
        ("note", {"note": "Petugas sudah meninjau lokasi.", "is_public": "1"}),
        ("note", {"note": INTERNAL_NOTE}),
        ("extend_deadline", {"days": 5, "reason": "Menunggu material"}),
        ("schedule_meeting", {}),
        ("resolve", {"outcome_type": "corrective", "outcome_text": "Teguran",
                     "public_note": PUBLIC_NOTE}),
        INFORM, ("request_reopen", None), ("reopen", {"public_note": "Ditinjau ulang"}),
        ("resolve", {"outcome_type": "administrative", "outcome_text": "Selesai",
                     "public_note": PUBLIC_NOTE}),
        INFORM, ("confirm_solved", None)],
    "rejected": [("reject", {"reason": "Duplikat"}), INFORM],
    "referred, kept closed": [
        ("verify", "category"), ("refer", {"office": "Dinas PU", "public_note": "Kewenangan"}),
        INFORM, ("request_reopen", None), ("keep_closed", {"reason": "Sudah sesuai"})],
}


def _take(app, pk, desk, step, fields):
    from app.services import feedback

    with app.test_request_context():
        complaint = db.session.get(Complaint, pk)
        if step == "complete":
            public.submit_completion(complaint, "RT 02/03")
        elif step in ("request_reopen", "confirm_solved"):
            feedback.submit_feedback(complaint, step == "confirm_solved", "Komentar")
        else:
            if fields == "category":
                category = db.session.query(Category).filter_by(name="Pelayanan publik").one()
                fields = {"kind": "pengaduan", "urgency": "high", "category_id": category.id}
            elif fields == "officer":
                fields = {"officer_id": make_officer(app, name=OFFICER, position="kasi")}
            services.apply_step(complaint, step, fields,
                                app.appbuilder.sm.get_user_by_id(desk))
        db.session.remove()


def _both_views(app, code, last4="7890"):
    """The public view of the complaint as the look-up reads it (``track``, its category and
    timeline loaded with it) and of the same complaint read plainly in a fresh session."""
    with app.test_request_context():
        found = public.public_view(public.track(code, last4))
        db.session.remove()
        plain = db.session.query(Complaint).filter_by(tracking_code=code).one()
        views = [public.public_view(plain), found]
        db.session.remove()
    return views


@pytest.mark.parametrize("path", PATHS)
def test_the_look_up_shows_what_the_complaint_shows_at_every_stage(app, path, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_CODE_LIMIT", "1000 per hour")
    monkeypatch.setitem(app.config, "PUBLIC_STATUS_LIMIT", "1000 per hour")
    monkeypatch.setitem(app.config, "PUBLIC_LOOKUP_MIN_SECONDS", 0)
    desk = make_user(app, "meja", security.DESK)
    pk = make_complaint(app, user_id=desk, complainant_phone=PHONE)
    code = _complaint(app, id=pk).tracking_code
    seen = set()
    for step, fields in [("register", None)] + PATHS[path]:
        if step != "register":
            _take(app, pk, desk, step, fields)
        orm_view, found_view = _both_views(app, code)
        assert found_view == orm_view, step
        seen |= {key for key, value in orm_view.items() if value}
    assert _complaint(app, id=pk).status == "informed"
    if path.startswith("completed"):  # every part of the view was compared filled at least once
        # but "handled together", which needs a second complaint (tests/test_duplicates.py)
        assert seen | {"handled_together"} == set(orm_view)


def test_the_look_up_refuses_a_wrong_code_wrong_digits_and_a_void_entry(app, handled):
    with app.test_request_context():
        for code, last4 in ((handled, "0000"), ("TIDAKADA2345", "7890")):
            with pytest.raises(public.NotFound):
                public.track(code, last4)
        complaint = db.session.query(Complaint).filter_by(tracking_code=handled).one()
        complaint.voided = True
        db.session.commit()
        with pytest.raises(public.NotFound):
            public.track(handled, "7890")
        db.session.remove()


def test_the_look_up_form_signs_its_token_only_when_shown(app):
    from flask import g
    from flask_wtf.csrf import generate_csrf

    from app.web.views.public import TrackForm

    with app.test_request_context():
        form = TrackForm()
        assert "csrf_token" not in g
        assert f'value="{generate_csrf()}"' in str(form.csrf_token)


def test_tracking_is_post_only_and_a_get_shows_just_the_form(app, resident, handled):
    page = resident.get(f"/status?tracking_code={handled}&phone_last4=7890")
    assert page.status_code == 200
    assert "Sedang ditangani" not in page.get_data(as_text=True)
    assert resident.client.get("/api/v1/public/status").status_code == 405


def test_the_track_form_still_needs_its_csrf_token(app, resident, handled):
    response = resident.post("/status", data={"tracking_code": handled, "phone_last4": "7890",
                                              "csrf_token": "forged"})
    assert response.status_code == 400
    assert "Sedang ditangani" not in response.get_data(as_text=True)


def _normalised(response):
    return CSRF_RE.sub("csrf", response.get_data(as_text=True))


def test_unknown_code_and_wrong_phone_get_the_same_answer_on_page_and_api(app, resident, handled):
    unknown = resident.track_page("ZZZZZZZZZZZZ", "7890")
    wrong_phone = resident.track_page(handled, "1111")
    assert unknown.status_code == wrong_phone.status_code == 404
    assert _normalised(unknown) == _normalised(wrong_phone)
    assert "Tidak ada pengaduan" in unknown.get_data(as_text=True)

    unknown = resident.api_status("ZZZZZZZZZZZZ", "7890")
    wrong_phone = resident.api_status(handled, "1111")
    assert unknown.status_code == wrong_phone.status_code == 404
    assert unknown.data == wrong_phone.data


class FakeClock:
    """``time.monotonic`` and ``time.sleep`` for ``app.public.resident``: sleeping moves the clock,
    and so does the look-up's own work, by however long a test says it took."""

    def __init__(self):
        self.now = 1000.0
        self.slept = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_unknown_code_and_wrong_phone_take_the_same_time(app, resident, handled, monkeypatch):
    """Both refusals wait until the same minimum time (``PUBLIC_LOOKUP_MIN_SECONDS``) from
    their start, however long their own work took: the wrong phone's look-up (a complaint
    found, a failure recorded) is made slower here than the unknown code's, and both
    answers still end exactly at the floor. Checked with a clock the test controls, so a
    busy machine cannot make it fail; on the real clock only the floor is checked."""
    import types

    from app.core.numbering import normalize_tracking_code

    floor = app.config["PUBLIC_LOOKUP_MIN_SECONDS"]
    for code, last4 in (("UNKNOWN0", "7890"), (handled, "1111")):
        started = time.perf_counter()
        assert resident.api_status(code, last4).status_code == 404
        assert time.perf_counter() - started >= floor

    clock = FakeClock()
    monkeypatch.setattr(public, "time", types.SimpleNamespace(
        monotonic=clock.monotonic, sleep=clock.sleep, time=time.time))
    work = {"UNKNOWN1": floor / 10, normalize_tracking_code(handled): floor / 2}
    real_track = public._track

    def timed_work(code, last4):
        try:
            return real_track(code, last4)
        finally:
            clock.now += work[code]

    monkeypatch.setattr(public, "_track", timed_work)
    answers = []
    for ask in (resident.api_status, resident.track_page):
        for code, last4 in (("UNKNOWN1", "7890"), (handled, "1111")):
            before = clock.now
            response = ask(code, last4)
            assert response.status_code == 404
            assert clock.now - before == pytest.approx(floor), (ask.__name__, code)
            answers.append(_normalised(response))
    assert answers[0] == answers[1] and answers[2] == answers[3]
    assert clock.slept == pytest.approx([floor * 0.9, floor * 0.5] * 2)


def test_every_public_answer_is_free_of_personal_data(app, resident, handled):
    """Walk every public page and API answer once more; ``Resident`` scans each."""
    resident.submit_page()
    resident.get("/lapor/tanda-terima")
    resident.get("/lapor/tanda-terima.pdf")
    resident.submit_page(name="")
    resident.api_submit()
    resident.api_submit(name="")
    resident.track_page(handled, "7890")
    resident.track_page(handled, "0000")
    resident.api_status(handled, "7890")
    resident.api_status(handled, "0000")
    resident.get("/status")
    assert resident.answers == 15


def test_the_public_statistics_are_free_of_personal_data(app, resident, handled):
    """/statistik and its JSON are the same for every visitor (no-cache with an ETag, not
    no-store): scanned here for the same secrets, after a submission and a handled one."""
    resident.submit_page()
    for path in ("/statistik", "/api/v1/public/statistics"):
        response = resident.client.get(path, environ_base=resident.environ)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-cache" and response.headers["ETag"]
        text = response.get_data(as_text=True)
        for secret in SECRETS + (FORM["description"], FORM["subject"]):
            assert secret not in text, f"{secret!r} in {path}"


# --- Rate limits and the per-code lock -----------------------------------------------------

def test_submissions_are_limited_per_client_across_page_and_api(app, resident, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_SUBMIT_LIMIT", "3 per hour")
    assert resident.api_submit().status_code == 201
    assert resident.submit_page().status_code == 303
    assert resident.api_submit().status_code == 201
    assert resident.api_submit().status_code == 429
    refused = resident.submit_page()
    assert refused.status_code == 429
    assert "Terlalu banyak" in refused.get_data(as_text=True)
    assert _count(app) == 3
    assert Resident(app, "198.51.100.20").api_submit().status_code == 201


def test_look_ups_are_limited_per_client(app, resident, handled, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_STATUS_LIMIT", "4 per hour")
    for _ in range(2):
        assert resident.api_status(handled, "7890").status_code == 200
        assert resident.track_page(handled, "7890").status_code == 200
    assert resident.api_status(handled, "7890").status_code == 429
    assert Resident(app, "198.51.100.21").api_status(handled, "7890").status_code == 200


def test_look_ups_are_limited_per_code_from_any_client(app, handled, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_CODE_LIMIT", "3 per hour")
    for i in range(3):
        assert Resident(app, f"198.51.100.{i}").api_status(handled, "7890").status_code == 200
    assert Resident(app, "198.51.100.99").api_status(handled, "7890").status_code == 429


def test_a_code_is_locked_for_the_day_after_ten_failed_tries(app, handled):
    for i in range(10):
        assert Resident(app, f"192.0.2.{i}").api_status(handled, "0000").status_code == 404
    resident = Resident(app, "192.0.2.200")
    locked = resident.api_status(handled, "7890")
    assert locked.status_code == 429
    assert "besok" in locked.get_json()["message"]
    assert resident.track_page(handled, "7890").status_code == 429
    # An unknown code is locked the same way, so a lock tells nothing about a code.
    for _ in range(10):
        resident.api_status("TIDAKADA2345", "7890")
    assert resident.api_status("TIDAKADA2345", "7890").data == locked.data
    # Tomorrow the code opens again.
    with app.app_context():
        import datetime as dt

        for failure in db.session.query(PublicLookupFailure):
            failure.failed_at -= dt.timedelta(days=1)
        db.session.commit()
    assert resident.api_status(handled, "7890").status_code == 200


def test_rate_limits_can_be_switched_off(app, resident, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_SUBMIT_LIMIT", "1 per hour")
    monkeypatch.setattr(app.appbuilder.sm.limiter, "enabled", False)
    assert [resident.api_submit().status_code for _ in range(3)] == [201, 201, 201]


def test_an_app_built_with_rate_limits_off_does_not_limit(app):
    from app import create_app

    other = create_app({**{k: app.config[k] for k in (
        "TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "PUBLIC_LOOKUP_MIN_SECONDS")},
        "RATELIMIT_ENABLED": False, "PUBLIC_SUBMIT_LIMIT": "1 per hour"})
    assert not other.appbuilder.sm.limiter.enabled
    resident = Resident(other)
    assert [resident.api_submit().status_code for _ in range(3)] == [201, 201, 201]
    with other.app_context():
        db.session.remove()


# --- Light pages, documented API ----------------------------------------------------------

@pytest.mark.parametrize("path", ["/lapor", "/status"])
def test_public_pages_are_light_and_need_no_admin_javascript(app, resident, path):
    page = resident.get(path).get_data(as_text=True)
    # The one script of the public side: the status page's few lines that read the QR
    # code's fragment; no framework, no admin-panel JavaScript.
    scripts = re.findall(r'<script src="([^"?]+)[^"]*" defer></script>', page)
    assert page.count("<script") == len(scripts)
    assert scripts == (["/static/status.js"] if path == "/status" else [])
    assert all(len(resident.client.get(src).data) < 2000 for src in scripts)
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert 'name="viewport"' in page
    css = resident.client.get("/static/public.css").data
    assert len(page.encode()) + len(css) < 100_000
    assert "Lapor" in page or "Laporkan" in page
    assert "Cek status" in page


def test_the_public_api_is_described_in_the_openapi_document(app, client, login_as):
    login_as("admin")
    spec = client.get("/api/v1/_openapi").get_json()
    for path in ("/api/v1/public/complaints", "/api/v1/public/status"):
        operation = spec["paths"][path]["post"]
        assert operation["tags"] == ["Public"]
        assert "security" not in operation
        assert "requestBody" in operation
    assert "201" in spec["paths"]["/api/v1/public/complaints"]["post"]["responses"]
    assert "404" in spec["paths"]["/api/v1/public/status"]["post"]["responses"]


@pytest.mark.parametrize("path", ["/api/v1/public/complaints", "/api/v1/public/status",
                                  "/api/v1/public/feedback", "/api/v1/public/completion"])
def test_json_nested_a_thousand_deep_is_a_clear_400(app, resident, path):
    for body in ("[" * 1000 + "]" * 1000, '{"name": ' * 5000 + "1" + "}" * 5000):
        response = resident.post(path, data=body, content_type="application/json")
        assert response.status_code == 400
        assert response.get_json() == {"message": "JSON dalam permintaan bersarang terlalu "
                                                  "dalam; kirim satu objek berisi isian."}
    assert _count(app) == 0


class _UnreadBody:
    """A request body that fails the test if anyone reads it."""

    def read(self, *args):
        raise AssertionError("the body of a too large request was read")

    readline = readlines = read


@pytest.mark.parametrize("path, content_type", [
    ("/lapor", "application/x-www-form-urlencoded"),
    ("/lapor", "multipart/form-data; boundary=x"),
    ("/status", "application/x-www-form-urlencoded"),
    ("/api/v1/public/complaints", "application/json"),
    ("/register/import", "multipart/form-data; boundary=x"),
])
def test_a_request_declaring_150_mb_is_refused_unread(app, path, content_type):
    response = app.test_client().post(path, content_type=content_type, environ_overrides={
        "wsgi.input": _UnreadBody(), "CONTENT_LENGTH": str(150 * 1024 * 1024)})
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert "lebih besar daripada yang dapat diterima halaman ini" in text
    if path.startswith("/api/"):
        assert response.get_json()["message"].startswith("Yang dikirim lebih besar")
    assert _count(app) == 0


def test_the_public_form_and_api_take_a_few_hundred_kilobytes(app, resident):
    big = "x" * (300 * 1024)
    response = resident.submit_page(description=big)
    assert response.status_code == 413
    assert "paling banyak 256 KB" in response.get_data(as_text=True)
    response = resident.api_submit(description="y" * (70 * 1024))
    assert response.status_code == 413
    assert "paling banyak 64 KB" in response.get_json()["message"]
    # A body sent without a declared length stops at the limit too.
    response = resident.client.post(
        "/api/v1/public/complaints", input_stream=io.BytesIO(b"{" + b" " * (100 * 1024)),
        content_type="application/json", environ_base={**resident.environ,
                                                       "wsgi.input_terminated": True})
    assert response.status_code == 413
    assert _count(app) == 0
    # What the form really sends is well under it.
    assert resident.submit_page(description="z" * 5000).status_code == 303
    assert _count(app) == 1


# --- Registered once -----------------------------------------------------------------------

CODE_RE = re.compile(r"\b[A-HJ-NP-Z2-9]{12}\b")


def _filled_form(resident):
    """The submit form as the browser holds it after the resident filled it in."""
    page = resident.get("/lapor").get_data(as_text=True)
    a, b = QUESTION_RE.search(page).groups()
    token = SUBMISSION_RE.search(page).group(1)
    return {**FORM, "answer": str(int(a) + int(b)), "question": TOKEN_RE.search(page).group(1),
            "csrf_token": CSRF_RE.search(page).group(1), "homepage": "",
            "submission_token": token}


def test_the_same_form_sent_three_times_registers_one_complaint(app, resident):
    form = _filled_form(resident)
    codes = set()
    for _ in range(3):  # a double click, then Back and send again
        response = resident.post("/lapor", data=form)
        assert response.status_code == 303
        receipt = resident.get(response.headers["Location"]).get_data(as_text=True)
        codes.add(_complaint(app, subject="Jalan berlubang").tracking_code)
        assert group_tracking_code(next(iter(codes))) in receipt
    assert _count(app) == 1 and len(codes) == 1
    # A new form with another complaint is a new complaint.
    assert resident.submit_page(subject="Selokan mampet").status_code == 303
    assert _count(app) == 2


def test_a_form_sent_again_long_after_registers_nothing_and_says_so(app, resident):
    form = _filled_form(resident)
    assert resident.post("/lapor", data=form).status_code == 303
    with app.app_context():
        complaint = db.session.query(Complaint).one()
        complaint.created_at = complaint.created_at - datetime.timedelta(hours=2)
        db.session.commit()
    response = resident.post("/lapor", data=form)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Formulir ini sudah dikirim dan tercatat sebelumnya." in page
    assert not CODE_RE.search(page.split("<form")[0])
    assert _count(app) == 1


def test_the_api_registers_once_per_idempotency_key(app, resident):
    key = {"Idempotency-Key": "5f0c6a0e-2d4b-4e8e-9d1c-7c3f2b1a0e9d"}
    answers = [resident.post("/api/v1/public/complaints", json=FORM, headers=key)
               for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 200, 200]
    assert len({tuple(sorted(a.get_json().items())) for a in answers}) == 1
    assert _count(app) == 1
    assert resident.api_submit().status_code == 201  # no key: each request is a complaint
    assert _count(app) == 2
    short = resident.post("/api/v1/public/complaints", json=FORM,
                          headers={"Idempotency-Key": "1"})
    assert short.status_code == 400 and "Idempotency-Key" in short.get_json()["message"]
    assert _count(app) == 2


def test_a_twin_request_arriving_at_once_finds_the_first(app, monkeypatch):
    """Two copies of one request at the same moment: the second's insert meets the unique
    token and answers with the first's complaint."""
    values = {"name": NAME, "address": ADDRESS, "phone": PHONE, "email": None,
              "kind": "pengaduan", "subject": "Sampah", "description": "Sampah menumpuk.",
              "dusun": "", "rt_rw": "", "incident_date": None, "identity_level": "named"}
    real, looked = public._submitted_with, []

    def not_seen_yet(token):
        looked.append(token)
        return None if len(looked) == 2 else real(token)

    with app.test_request_context():
        first, repeated = public.submit_complaint(values, "k" * 20, source="api")
        assert not repeated
        monkeypatch.setattr(public, "_submitted_with", not_seen_yet)
        twin, repeated = public.submit_complaint(values, "k" * 20, source="api")
        assert repeated and twin.id == first.id
        db.session.remove()
    assert _count(app) == 1


# --- A busy database -----------------------------------------------------------------------

@pytest.fixture
def write_lock(app, monkeypatch):
    """``hold()``: another connection takes the database's write lock until ``release()``;
    lock waits shortened to 0.2 s so the test does not wait."""
    from sqlalchemy import text

    monkeypatch.setitem(app.config, "DATABASE_LOCK_TIMEOUT", 0.2)
    with app.app_context():
        db.engine.dispose()  # new connections read the shorter wait
        engine = db.engine
    held = []

    def hold():
        connection = engine.connect()
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:  # every writer of the register waits; readers do not
            connection.execute(text("LOCK TABLE complaint, register_counter IN EXCLUSIVE MODE"))
        held.append(connection)

    def release():
        while held:
            connection = held.pop()
            connection.rollback()
            connection.close()

    yield hold, release
    release()
    with app.app_context():
        db.engine.dispose()


def test_a_submission_while_the_database_is_busy_keeps_what_was_typed(app, resident, write_lock):
    hold, release = write_lock
    form = _filled_form(resident)
    hold()
    response = resident.post("/lapor", data=form)
    release()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    page = response.get_data(as_text=True)
    assert "Sistem sedang sibuk sebentar dan pengaduan Anda belum tercatat." in page
    assert 'value="Jalan berlubang"' in page and "sejak Oktober." in page
    assert form["submission_token"] in page
    assert _count(app) == 0
    # Sent again from the page as it came back: registered, once.
    a, b = QUESTION_RE.search(page).groups()
    again = {**form, "answer": str(int(a) + int(b)), "question": TOKEN_RE.search(page).group(1)}
    assert resident.post("/lapor", data=again).status_code == 303
    assert resident.post("/lapor", data=again).status_code == 303
    assert _count(app) == 1


def test_an_api_submission_while_the_database_is_busy_is_a_503(app, resident, write_lock):
    hold, release = write_lock
    hold()
    response = resident.api_submit()
    release()
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.get_json()["message"].startswith("Sistem sedang sibuk sebentar")
    assert _count(app) == 0


def test_back_and_send_again_from_a_reloaded_form_registers_nothing_more(app, resident):
    """Back after the receipt reloads the form (never cached) with a new token: the very same
    complaint sent again from this browser is still one complaint; another one is new."""
    assert resident.submit_page().status_code == 303
    first = _complaint(app, subject="Jalan berlubang").tracking_code
    response = resident.submit_page()  # a fresh form, the same text
    assert response.status_code == 303
    assert group_tracking_code(first) in resident.get(response.headers["Location"]).get_data(
        as_text=True)
    assert _count(app) == 1
    assert resident.submit_page(subject="Jalan berlubang lagi").status_code == 303
    assert _count(app) == 2
    assert Resident(app, "198.51.100.30").submit_page().status_code == 303  # another browser
    assert _count(app) == 3


def test_a_residents_answer_while_the_database_is_busy_keeps_what_was_typed(app, write_lock):
    from tests.test_feedback import LAST4, informed, look_up

    pk, code = informed(app)
    client = app.test_client()
    page = look_up(client, code).get_data(as_text=True)
    token = CSRF_RE.findall(page)[-1]
    answer = {"solved": "no", "comment": "Lampu masih mati di ujung gang.", "csrf_token": token}
    hold, release = write_lock
    hold()
    response = client.post("/status/tanggapan", data=answer)
    release()
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    page = response.get_data(as_text=True)
    assert "Sistem sedang sibuk sebentar dan jawaban Anda belum tercatat." in page
    assert "Lampu masih mati di ujung gang." in page
    with app.app_context():
        assert db.session.get(Complaint, pk).status == "informed"
    assert client.post("/status/tanggapan", data=answer).status_code == 200
    with app.app_context():
        assert db.session.get(Complaint, pk).status == "reopen_requested"
    # The same through the API.
    other, other_code = informed(app)
    answer = {"tracking_code": other_code, "phone_last4": LAST4, "solved": "yes"}
    hold()
    response = app.test_client().post("/api/v1/public/feedback", json=answer)
    release()
    assert response.status_code == 503
    assert response.get_json()["message"].startswith("Sistem sedang sibuk sebentar dan jawaban")
    assert app.test_client().post("/api/v1/public/feedback", json=answer).status_code == 200
