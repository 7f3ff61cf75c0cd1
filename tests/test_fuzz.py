"""Fuzzing (issue 7, point 10): arbitrary text, numbers and dates into every form and the public API.

Hypothesis drives the desk's add and edit forms, the step forms, the public
``/lapor`` page and the public JSON API with text of every kind (control
characters, very long strings, HTML and script), numbers and dates. Whatever
comes in: never a 5xx, nothing typed comes back as live HTML, and a refused
request leaves the database as it was.

Examples are kept few (``FUZZ``) because the suite runs twice in CI. The
database is cleaned per test, not per example, so each example compares the
database before and after itself.
"""

import datetime as dt
import os
import re

import jwt
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import CHECKS
from schemathesis.generation import GenerationMode

from app.auth import security
from app.extensions import db
from app.models import Category, Complaint, ComplaintEvent, Dusun, ResponseTemplate
from tests.conftest import CSRF_RE, PASSWORD, make_complaint, make_officer, make_user

# CI runs the same examples every time (derandomize): a merge must not turn red by chance.
# HYPOTHESIS_PROFILE=explore draws new ones each run, to look for new bugs.
settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

FUZZ = settings(max_examples=30, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

# Script and markup that must never come back live: only escaped.
PAYLOADS = (
    "<script>fuzz()</script>",
    '"><img src=x onerror=fuzz()>',
    "</textarea><script>fuzz()</script>",
    "'><svg onload=fuzz()>",
)
RAW_MARKERS = ("<script>fuzz()", "<img src=x onerror=fuzz()", "<svg onload=fuzz()")

control_text = st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=20)
with_payload = st.builds(lambda a, p, b: a + p + b, st.text(max_size=10),
                         st.sampled_from(PAYLOADS), st.text(max_size=10))
long_text = st.builds(lambda c, n: c * n, st.sampled_from(["x", "é", "\u0000", "<", "9"]),
                      st.integers(min_value=100, max_value=12000))
nul_text = st.builds(lambda a, b: a + "\x00" + b, st.text(max_size=10), st.text(max_size=10))
any_text = st.one_of(st.text(max_size=200), control_text, nul_text, with_payload, long_text,
                     st.integers(min_value=-(2 ** 70), max_value=2 ** 70).map(str))


def field(valid):
    """A field's value: often the valid one (so requests get through), else anything."""
    return st.one_of(st.just(valid), any_text)


dates = st.one_of(st.dates().map(lambda d: d.isoformat()), st.dates().map(str), any_text)
datetimes = st.one_of(st.datetimes().map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S")),
                      st.datetimes().map(lambda d: d.isoformat(" ", "seconds")), any_text)


def assert_escaped(response):
    """No 5xx, and none of the script we typed comes back live in a page."""
    assert response.status_code < 500, response.get_data(as_text=True)[:400]
    if response.mimetype == "text/html":
        page = response.get_data(as_text=True)
        for marker in RAW_MARKERS:
            assert marker not in page, f"unescaped {marker!r} in {response.request.path}"


def snapshot(app):
    """What a refused request must leave alone: every complaint row and the timeline."""
    with app.app_context():
        rows = db.session.query(Complaint).order_by(Complaint.id).all()
        state = [(c.id, c.version, c.status, c.subject, c.description, c.complainant_name,
                  c.complainant_phone, c.identity_level, c.due_date) for c in rows]
        events = db.session.query(ComplaintEvent).count()
        db.session.remove()
        return state, events


@pytest.fixture
def high_limits(app, monkeypatch):
    """Fuzzing sends hundreds of public requests from one address: lift the public limits."""
    monkeypatch.setitem(app.config, "PUBLIC_SUBMIT_LIMIT", "100000 per hour")
    monkeypatch.setitem(app.config, "PUBLIC_STATUS_LIMIT", "100000 per hour")
    monkeypatch.setitem(app.config, "PUBLIC_CODE_LIMIT", "100000 per hour")
    monkeypatch.setitem(app.config, "PUBLIC_CODE_DAILY_FAILURES", 100000)
    monkeypatch.setitem(app.config, "PUBLIC_LOOKUP_MIN_SECONDS", 0)


def _reference_ids(app):
    with app.app_context():
        categories = [str(c.id) for c in db.session.query(Category).filter_by(active=True)]
        dusun = [str(d.id) for d in db.session.query(Dusun).filter_by(active=True)]
        names = [d.name for d in db.session.query(Dusun).filter_by(active=True)]
        db.session.remove()
        return categories, dusun, names


def _staff_fields(categories, dusun):
    return st.fixed_dictionaries({
        "kind": field("pengaduan"),
        "channel": field("walk_in"),
        "received_at": st.one_of(st.just(""), datetimes),
        "complainant_name": field("Siti Aminah"),
        "complainant_address": field("RT 02/RW 03"),
        "complainant_phone": field("081234567890"),
        "complainant_email": st.one_of(st.just(""), st.just("siti@example.test"), any_text),
        "subject": field("Lampu jalan mati"),
        "description": field("Lampu jalan di depan mushola mati."),
        "dusun": st.one_of(st.just(""), st.sampled_from(dusun), any_text),
        "rt_rw": st.one_of(st.just(""), any_text),
        "location": st.one_of(st.just(""), any_text),
        "incident_date": st.one_of(st.just(""), dates),
        "category": st.one_of(st.just(""), st.sampled_from(categories), any_text),
        "urgency": field("normal"),
        "identity_level": field("named"),
    })


# --- The desk's add and edit forms ---------------------------------------------------------

def test_fuzzed_add_form_never_fails_and_a_refusal_stores_nothing(app, client, login_as):
    login_as("desk")
    token = CSRF_RE.search(client.get("/complaint/add").get_data(as_text=True)).group(1)
    categories, dusun, _ = _reference_ids(app)

    @FUZZ
    @given(data=_staff_fields(categories, dusun))
    def run(data):
        before = snapshot(app)
        response = client.post("/complaint/add", data={**data, "csrf_token": token})
        assert_escaped(response)
        if response.status_code == 302:
            assert snapshot(app)[1] == before[1] + 1  # one new register event
            assert_escaped(client.get(response.headers["Location"]))
        else:
            assert snapshot(app) == before

    run()


def test_fuzzed_edit_form_never_fails_and_a_refusal_changes_nothing(app, client, login_as):
    desk = login_as("desk")
    pk = make_complaint(app, desk)
    token = CSRF_RE.search(client.get(f"/complaint/edit/{pk}").get_data(as_text=True)).group(1)
    categories, dusun, _ = _reference_ids(app)
    fields = _staff_fields(categories, dusun).map(
        lambda d: {k: v for k, v in d.items() if k not in ("received_at", "category", "urgency")})

    @FUZZ
    @given(data=fields, version=st.one_of(st.none(), any_text),
           target=st.one_of(st.just(None), any_text.filter(lambda s: "/" not in s and s)))
    def run(data, version, target):
        with app.app_context():
            current = str(db.session.get(Complaint, pk).version)
            db.session.remove()
        before = snapshot(app)
        path = f"/complaint/edit/{pk if target is None else target}"
        response = client.post(path, data={**data, "csrf_token": token,
                                           "expected_version": version or current})
        assert_escaped(response)
        if response.status_code != 302:
            assert snapshot(app) == before
        else:
            assert_escaped(client.get(f"/complaint/show/{pk}"))

    run()


# --- The step forms ------------------------------------------------------------------------

STEP_FIELDS = {
    "note": {"note": any_text, "is_public": st.sampled_from(["", "y", "on", "\x00"])},
    "verify": {"kind": field("pengaduan"), "category_id": any_text, "urgency": field("high"),
               "identity_level": any_text, "reported_officer_id": any_text, "note": any_text},
    "request_completion": {"missing": any_text},
    "reject": {"reason": any_text},
    "refer": {"office": any_text, "public_note": any_text},
    "extend_deadline": {"days": st.one_of(st.integers(-(2 ** 70), 2 ** 70).map(str), any_text),
                        "reason": any_text},
}


def test_fuzzed_step_forms_never_fail_and_a_refusal_changes_nothing(app, client, login_as):
    desk = login_as("desk")
    make_officer(app, name="Sutrisno")
    pks = [make_complaint(app, desk) for _ in range(3)]
    token = CSRF_RE.search(client.get(f"/complaint/step/{pks[0]}/note")
                           .get_data(as_text=True)).group(1)

    @FUZZ
    @given(pk=st.one_of(st.sampled_from([str(p) for p in pks]), any_text.filter(
               lambda s: s and "/" not in s and "?" not in s and "#" not in s)),
           step=st.one_of(st.sampled_from(sorted(STEP_FIELDS)), st.text(max_size=20).filter(
               lambda s: "/" not in s and "?" not in s and "#" not in s)),
           data=st.sampled_from(sorted(STEP_FIELDS)).flatmap(
               lambda s: st.fixed_dictionaries(STEP_FIELDS[s])),
           version=st.one_of(st.none(), any_text))
    def run(pk, step, data, version):
        before = snapshot(app)
        form = {**data, "csrf_token": token}
        if version is not None:
            form["expected_version"] = version
        response = client.post(f"/complaint/step/{pk}/{step}", data=form)
        assert_escaped(response)
        location = response.headers.get("Location", "")
        if response.status_code != 302 or "/step/" in location:
            assert snapshot(app) == before
        if response.status_code == 302 and pk.isdigit() and int(pk) in pks:
            assert_escaped(client.get(f"/complaint/show/{pk}"))

    run()


# --- The public side -----------------------------------------------------------------------

def _public_fields(dusun_names):
    return st.fixed_dictionaries({
        "name": field("Siti Aminah"),
        "address": field("Jalan Kenanga 7"),
        "phone": field("0812-3456-7890"),
        "email": st.one_of(st.just(""), any_text),
        "kind": field("pengaduan"),
        "subject": field("Jalan berlubang"),
        "description": field("Jalan di RT 02 berlubang."),
        "dusun": st.one_of(st.just(""), st.sampled_from(dusun_names), any_text),
        "rt_rw": st.one_of(st.just(""), any_text),
        "incident_date": st.one_of(st.just(""), dates),
        "identity_level": st.one_of(st.just(""), field("named")),
    })


QUESTION_RE = re.compile(r"(\d+) \+ (\d+)")
TOKEN_RE = re.compile(r'name="question"[^>]*value="([^"]+)"')


def test_fuzzed_public_form_never_fails_and_escapes_what_was_typed(app, high_limits):
    client = app.test_client()
    _, _, names = _reference_ids(app)

    @FUZZ
    @given(data=_public_fields(names), answer=st.one_of(st.none(), any_text),
           homepage=st.sampled_from(["", "", "", "http://spam.example"]))
    def run(data, answer, homepage):
        page = client.get("/lapor").get_data(as_text=True)
        a, b = QUESTION_RE.search(page).groups()
        before = snapshot(app)
        form = {**data, "question": TOKEN_RE.search(page).group(1),
                "csrf_token": CSRF_RE.search(page).group(1), "homepage": homepage,
                "answer": str(int(a) + int(b)) if answer is None else answer}
        response = client.post("/lapor", data=form)
        assert_escaped(response)
        if response.status_code == 303:
            assert_escaped(client.get(response.headers["Location"]))
        else:
            assert snapshot(app) == before

    run()


surrogates = st.text(alphabet=st.characters(categories=["Cs"]), min_size=1, max_size=5)
json_values = st.one_of(any_text, surrogates, st.integers(), st.floats(), st.booleans(), st.none(),
                        st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3),
                                                                             st.integers(),
                                                                             max_size=2))


def test_fuzzed_public_api_never_fails_and_a_refusal_stores_nothing(app, high_limits):
    client = app.test_client()
    _, _, names = _reference_ids(app)
    bodies = st.one_of(
        _public_fields(names),
        _public_fields(names).flatmap(lambda d: st.fixed_dictionaries(
            {k: st.one_of(st.just(v), json_values) for k, v in d.items()})),
        json_values,
    )

    @FUZZ
    @given(body=bodies)
    def run(body):
        before = snapshot(app)
        response = client.post("/api/v1/public/complaints", json=body)
        assert response.status_code < 500, response.get_data(as_text=True)[:400]
        assert response.mimetype == "application/json"
        if response.status_code == 201:
            code = response.get_json()["tracking_code"]
            with app.app_context():
                assert db.session.query(Complaint).filter_by(tracking_code=code).count() == 1
                db.session.remove()
        else:
            assert snapshot(app) == before

    run()


def test_fuzzed_public_status_and_feedback_never_fail(app, high_limits):
    client = app.test_client()
    pk = make_complaint(app, status="informed")
    with app.app_context():
        code = db.session.get(Complaint, pk).tracking_code
        db.session.remove()
    codes = st.one_of(st.just(code), st.just(code.lower()), any_text, json_values)
    digits = st.one_of(st.just("7890"), st.just("0000"), any_text, json_values)

    @FUZZ
    @given(path=st.sampled_from(["/api/v1/public/status", "/api/v1/public/feedback"]),
           body=st.fixed_dictionaries({"tracking_code": codes, "phone_last4": digits},
                                      optional={"solved": st.one_of(
                                          st.sampled_from(["yes", "no", True, False]),
                                          json_values),
                                          "comment": json_values}))
    def run(path, body):
        before = snapshot(app)
        response = client.post(path, json=body)
        assert response.status_code < 500, response.get_data(as_text=True)[:400]
        assert response.mimetype == "application/json"
        if response.status_code != 200:
            assert snapshot(app) == before

    run()


def test_fuzzed_public_status_page_never_fails(app, high_limits):
    client = app.test_client()
    pk = make_complaint(app)
    with app.app_context():
        code = db.session.get(Complaint, pk).tracking_code
        db.session.remove()
    token = CSRF_RE.search(client.get("/status").get_data(as_text=True)).group(1)

    @FUZZ
    @given(code=st.one_of(st.just(code), any_text), digits=st.one_of(st.just("7890"), any_text))
    def run(code, digits):
        response = client.post("/status", data={"tracking_code": code, "phone_last4": digits,
                                                "csrf_token": token})
        assert_escaped(response)

    run()


# --- What the fuzzing found (regressions) --------------------------------------------------

@pytest.mark.parametrize("path", [
    "/complaint/show/2147483648", "/complaint/edit/2147483648",
    "/complaint/step/2147483648/note", "/complaint/step/-99999999999999999999/note",
    "/complaint/receipt/2147483648", "/complaint/forward?ids=1,2147483648",
    "/api/v1/public/status?id=2147483648",
    "/complaint/edit/" + "9" * 5000, "/complaint/forward?ids=1," + "9" * 5000,  # int() refuses
])
def test_a_row_id_beyond_the_database_integer_range_is_not_found(app, client, login_as, path):
    """PostgreSQL answered "integer out of range" (a 500) before any row was looked up."""
    desk = login_as("desk")
    make_complaint(app, desk)
    before = snapshot(app)
    assert client.get(path).status_code == 404
    token = CSRF_RE.search(client.get("/complaint/add").get_data(as_text=True)).group(1)
    assert client.post(path, data={"note": "x", "csrf_token": token}).status_code in (404, 405)
    assert snapshot(app) == before


def test_characters_nobody_types_are_dropped_not_a_database_error(app, client, login_as,
                                                                  high_limits):
    """A NUL reached PostgreSQL ("cannot contain NUL") and answered 500; a lone surrogate in
    JSON could not be encoded. Both are dropped from text fields, the rest is kept."""
    response = app.test_client().post("/api/v1/public/complaints", json={
        "name": "Siti\x00 Aminah", "address": "Jalan\x01 Kenanga", "phone": "081234567890",
        "subject": "Jalan\ud800 rusak", "description": "Baris satu\r\nbaris\tdua\x00"})
    assert response.status_code == 201
    login_as("desk")
    with app.app_context():
        stored = db.session.query(Complaint).one()
        assert (stored.complainant_name, stored.complainant_address, stored.subject,
                stored.description) == ("Siti Aminah", "Jalan Kenanga", "Jalan rusak",
                                        "Baris satu\r\nbaris\tdua")
        pk = stored.id
        db.session.remove()
    token = CSRF_RE.search(client.get(f"/complaint/step/{pk}/note").get_data(as_text=True))
    response = client.post(f"/complaint/step/{pk}/note",
                           data={"note": "cek\x00 lokasi", "csrf_token": token.group(1)})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.query(ComplaintEvent).filter_by(step="note").one().note == "cek lokasi"
        db.session.remove()


# --- schemathesis against the app's own OpenAPI document -----------------------------------

def _api_token(client, username):
    """A Bearer token from the real JWT login."""
    response = client.post("/api/v1/security/login", json={
        "username": username, "password": PASSWORD, "provider": "db"})
    assert response.status_code == 200, response.get_data(as_text=True)[:200]
    return response.get_json()["access_token"]


def _on_row(case_and_pk):
    case, pk = case_and_pk
    case.path_parameters = {**case.path_parameters, "pk": pk}
    return case


STAFF_OPERATIONS = {
    ("GET", "/api/v1/complaint/"), ("POST", "/api/v1/complaint/"),
    ("GET", "/api/v1/complaint/{pk}"), ("PUT", "/api/v1/complaint/{pk}"),
    ("POST", "/api/v1/complaint/{pk}/steps/{step}"),
    ("GET", "/api/v1/complaint/{pk}/templates/{step}"),
    ("GET", "/api/v1/complaint/{pk}/duplicates"),
    ("POST", "/api/v1/complaint/{pk}/duplicate-of"), ("POST", "/api/v1/complaint/{pk}/unlink"),
}
PUBLIC_OPERATIONS = {
    ("POST", "/api/v1/public/complaints"), ("POST", "/api/v1/public/status"),
    ("POST", "/api/v1/public/feedback"), ("POST", "/api/v1/public/completion"),
    ("GET", "/api/v1/public/statistics"),
}
# FAB's own, answered with our guards (app.web.openapi completes their documentation).
FAB_OPERATIONS = {
    ("POST", "/api/v1/security/login"), ("POST", "/api/v1/security/refresh"),
    ("GET", "/api/v1/menu/"), ("GET", "/api/{version}/_openapi"),
}


def test_the_staff_and_public_apis_hold_to_their_openapi_document(app, client, high_limits):
    """Cases generated from /api/v1/_openapi (valid and invalid input) for every operation of
    the document: the staff API and FAB's own (as the desk, with a token from the real
    login) and the public API: no 5xx, and status codes, content types and bodies as
    documented (dates with their offset, ids as numbers, every field the answer holds).
    ``positive_data_acceptance`` is left out: the document cannot say which phone numbers,
    dusun names and workflow steps are possible for a given complaint."""
    make_user(app, "admin", security.ADMIN)
    desk = make_user(app, "desk", security.DESK)
    officer = make_officer(app, name="Sutrisno")
    pks = [make_complaint(app, desk),
           make_complaint(app, desk, identity_level="masked", assigned_officer_id=officer,
                          status="forwarded")]
    with app.app_context():  # one template that fills in, one that cannot
        db.session.add_all([
            ResponseTemplate(title="Cek", step="note", active=True, body="Dicek {nomor}"),
            ResponseTemplate(title="Rusak", step="note", active=True, body="{x.__class__}")])
        db.session.commit()
        db.session.remove()
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/_openapi", app,
        headers={"Authorization": f"Bearer {_api_token(client, 'admin')}"})
    desk_auth = {"Authorization": f"Bearer {_api_token(client, 'desk')}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert ({(op.method.upper(), op.path) for op in operations}
            == STAFF_OPERATIONS | PUBLIC_OPERATIONS | FAB_OPERATIONS)
    # The village head reads without the tracking code and with masked names: the nulls and
    # complainant_display are checked against the document too.
    make_user(app, "head", security.HEAD)
    head_auth = {"Authorization": f"Bearer {_api_token(client, 'head')}"}
    reads = [op for op in operations if op.method.upper() == "GET"
             and op.path in ("/api/v1/complaint/", "/api/v1/complaint/{pk}")]
    excluded = [CHECKS.get_one("positive_data_acceptance")]
    for operation, headers in [(op, {} if op.path.startswith("/api/v1/public/")
                                 else desk_auth) for op in operations] + [
                                     (op, head_auth) for op in reads]:
        positive = operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
        strategy = positive | operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
        if "{pk}" in operation.path:  # random ids seldom name a row: aim at real ones too
            strategy |= st.tuples(positive, st.sampled_from(pks)).map(_on_row)

        @settings(max_examples=25, deadline=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture,
                                         HealthCheck.too_slow, HealthCheck.filter_too_much])
        @given(case=strategy)
        def run(case):
            # The WSGI client does not unzip: ask for the body as it is (the app gzips for
            # clients that accept it, app/web/compression.py).
            case.call_and_validate(headers={**headers, "Accept-Encoding": "identity"},
                                   excluded_checks=excluded)

        run()


def test_staff_api_dates_carry_the_wib_offset_and_ids_are_numbers(app, client):
    """Stored times are WIB wall-clock times: the API answers them as ISO 8601 with +07:00
    (a bare time read as UTC by a client abroad was 7 hours off); ids are integers."""
    desk = make_user(app, "desk", security.DESK)
    pk = make_complaint(app, desk, received_at=dt.datetime(2026, 11, 23, 8, 30))
    auth = {"Authorization": f"Bearer {_api_token(client, 'desk')}"}
    shown = client.get(f"/api/v1/complaint/{pk}", headers=auth)
    assert shown.status_code == 200
    assert shown.get_json()["result"]["received_at"] == "2026-11-23T08:30:00+07:00"
    listed = client.get("/api/v1/complaint/", headers=auth).get_json()
    assert listed["ids"] == [pk]
    assert listed["result"][0]["received_at"] == "2026-11-23T08:30:00+07:00"
    assert listed["result"][0]["complainant_display"] == "Siti Aminah"


def test_the_document_names_every_field_and_the_nulls(app, client):
    """What a non-desk reader gets (tracking code null, identity null, the name as shown in
    complainant_display) is in the document, not a surprise."""
    make_user(app, "admin", security.ADMIN)
    auth = {"Authorization": f"Bearer {_api_token(client, 'admin')}"}
    schemas = client.get("/api/v1/_openapi", headers=auth).get_json()["components"]["schemas"]
    for name in ("ComplaintApi.get_list", "ComplaintApi.get"):
        properties = schemas[name]["properties"]
        assert properties["tracking_code"]["nullable"] is True
        assert properties["complainant_name"]["nullable"] is True
        assert properties["complainant_display"]["type"] == "string"
        assert properties["received_at"]["format"] == "date-time"
        assert properties["id"]["type"] == "integer"


def test_a_forged_token_is_refused_with_401(app, client):
    """Flask-JWT-Extended answered a malformed or forged token with 422."""
    for token in ("abc", "a.b.c", _forged_token()):
        response = client.get("/api/v1/complaint/", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
        assert response.get_json()["message"]


def _forged_token():
    return jwt.encode({"sub": "1", "type": "access", "fresh": False},
                      "not-our-secret-key-but-long-enough-for-hs256", algorithm="HS256")


@pytest.mark.parametrize("query", ["1e%2B5", "7.5e%2B230", "(page:1e%2B5)"])
def test_a_query_the_rison_reader_breaks_on_is_a_400(app, client, query):
    """``q=1e+5`` made the rison reader raise a ValueError, which FAB answered with a 500."""
    make_user(app, "desk", security.DESK)
    auth = {"Authorization": f"Bearer {_api_token(client, 'desk')}"}
    response = client.get(f"/api/v1/complaint/?q={query}", headers=auth)
    assert response.status_code == 400
    assert response.get_json()["message"]


@pytest.mark.parametrize("method,path,operation,size", [
    ("post", "/api/v1/complaint/", "/api/v1/complaint/", 3 * 1024 * 1024),
    ("put", "/api/v1/complaint/1", "/api/v1/complaint/{pk}", 3 * 1024 * 1024),
    ("post", "/api/v1/public/complaints", "/api/v1/public/complaints", 100 * 1024),
    ("post", "/api/v1/public/feedback", "/api/v1/public/feedback", 100 * 1024),
    ("post", "/api/v1/public/completion", "/api/v1/public/completion", 100 * 1024),
    ("post", "/api/v1/public/status", "/api/v1/public/status", 100 * 1024),
    ("post", "/api/v1/complaint/1/steps/note", "/api/v1/complaint/{pk}/steps/{step}",
     3 * 1024 * 1024),
    ("post", "/api/v1/security/login", "/api/v1/security/login", 3 * 1024 * 1024),
    ("get", "/api/v1/menu/", "/api/v1/menu/", 3 * 1024 * 1024),
])
def test_a_body_over_the_limit_is_a_documented_413(app, client, method, path, operation, size):
    """Every route has a size limit (hardening): its 413 is one of the documented answers."""
    make_user(app, "admin", security.ADMIN)
    make_user(app, "desk", security.DESK)
    document = client.get("/api/v1/_openapi", headers={
        "Authorization": f"Bearer {_api_token(client, 'admin')}"}).get_json()
    assert "413" in document["paths"][operation][method]["responses"]
    response = getattr(client, method)(path, data="x" * size, content_type="application/json",
                                       headers={"Authorization":
                                                f"Bearer {_api_token(client, 'desk')}"})
    assert response.status_code == 413


def test_every_operation_documents_the_guards_answers(app, client):
    """What the guards answer on any operation (too large, busy database) and, behind a
    token, 401, are in every operation's documented answers, FAB's own included."""
    make_user(app, "admin", security.ADMIN)
    document = client.get("/api/v1/_openapi", headers={
        "Authorization": f"Bearer {_api_token(client, 'admin')}"}).get_json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"413", "503"} <= codes, (method, path, codes)
            if not path.startswith("/api/v1/public/") and path != "/api/v1/security/login":
                assert "401" in codes, (method, path, codes)
    assert "429" in document["paths"]["/api/v1/security/login"]["post"]["responses"]
    step = document["paths"]["/api/v1/complaint/{pk}/steps/{step}"]["post"]["responses"]
    assert "schema" in step["200"]["content"]["application/json"]


def test_a_login_over_the_rate_limit_is_a_documented_429(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "2 per minute")
    make_user(app, "desk", security.DESK)
    answers = [client.post("/api/v1/security/login", json={
        "username": "desk", "password": "salah", "provider": "db"}) for _ in range(3)]
    assert [a.status_code for a in answers] == [401, 401, 429]
    assert answers[-1].get_json()["message"]


def test_a_rest_login_without_its_provider_is_a_field_error_not_a_500(app, client):
    make_user(app, "desk", security.DESK)
    answer = client.post("/api/v1/security/login", json={"username": "desk",
                                                          "password": "rahasia-desk"},
                         headers={"Accept-Language": "id"})
    assert answer.status_code == 400
    assert answer.get_json()["message"] == {"provider": ["Data ini wajib diisi."]}
    assert client.post("/api/v1/security/login", json={
        "username": "desk", "password": "salah", "provider": "db"}).status_code == 401


def test_the_add_schema_says_other_fields_are_ignored_and_the_edit_schema_refuses_them(
        app, client):
    """POST ignores fields it does not know, PUT refuses them (400): the document says so."""
    make_user(app, "admin", security.ADMIN)
    desk = make_user(app, "desk", security.DESK)
    pk = make_complaint(app, desk)
    schemas = client.get("/api/v1/_openapi", headers={
        "Authorization": f"Bearer {_api_token(client, 'admin')}"}).get_json()["components"][
        "schemas"]
    assert schemas["ComplaintApi.post"].get("additionalProperties", True) is not False
    assert schemas["ComplaintApi.put"]["additionalProperties"] is False
    auth = {"Authorization": f"Bearer {_api_token(client, 'desk')}"}
    added = client.post("/api/v1/complaint/", headers=auth, json={
        "channel": "walk_in", "complainant_name": "Budi", "complainant_address": "RT 01",
        "complainant_phone": "081234567891", "subject": "Got mampet",
        "description": "Got di depan rumah mampet.", "colour": "blue"})
    assert added.status_code == 201
    edited = client.put(f"/api/v1/complaint/{pk}", headers=auth,
                        json={"version": 1, "colour": "blue"})
    assert edited.status_code == 400


def test_selected_columns_are_answered_as_documented(app, client):
    """``q=(columns:...)`` made FAB build a schema of its own on the fly: times without
    their offset, unlike the documented answer."""
    desk = make_user(app, "desk", security.DESK)
    make_complaint(app, desk, received_at=dt.datetime(2026, 11, 23, 8, 30))
    auth = {"Authorization": f"Bearer {_api_token(client, 'desk')}"}
    response = client.get("/api/v1/complaint/?q=(columns:!(received_at,category.name))",
                          headers=auth)
    assert response.status_code == 200
    assert response.get_json()["result"] == [{
        "received_at": "2026-11-23T08:30:00+07:00", "category": None,
        "complainant_display": "Siti Aminah"}]
