"""Officer accounts: one form for officer and login, one-time password links, deactivation
that ends every session and token, handing open complaints on, and "lupa kata sandi"."""

import datetime as dt
import re

import pytest
from flask.testing import FlaskClient

from app.services import accounts
from app.extensions import db
from app.models import AccountLink, AuditEntry, Complaint, ComplaintEvent, Dusun, Officer
from tests.conftest import (PASSWORD, csrf_token, login, make_complaint, make_officer,
                            make_user, post_form)
from tests.test_informing import smtp_server  # noqa: F401 - the real SMTP server fixture
from tests.test_sessions import api_status, api_tokens

NEW_PASSWORD = "pagi cerah di babakan"
LINK_RE = re.compile(r"https://pengaduan\.example\.test(/akun/sandi/[A-Za-z0-9_-]+)")


def _dusun_id(app):
    with app.app_context():
        return db.session.query(Dusun).order_by(Dusun.id).first().id


def _add_kadus(app, client, **extra):
    data = {"name": "Sutrisno Hadi", "position": "kepala_dusun", "dusun_id": _dusun_id(app),
            "field_of_work": "", "phone": "0812 1111 2222", "email": "", "username":
            "kadus.satu", **extra}
    return post_form(client, "/officer-account/new", data)


def _set_password(client, path, password=NEW_PASSWORD, repeated=None):
    return post_form(client, path, {"password": password,
                                    "repeated": password if repeated is None else repeated},
                     follow=False)


# --- one form: officer and login ------------------------------------------------------------

def test_the_admin_adds_an_officer_and_login_in_one_form(app, client, login_as):
    login_as("admin")
    page = _add_kadus(app, client)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    path = LINK_RE.search(body).group(1)
    assert "<svg" in body  # the QR code
    assert "https://wa.me/6281211112222?text=" in body
    with app.app_context():
        officer = db.session.query(Officer).filter_by(name="Sutrisno Hadi").one()
        assert (officer.position, officer.dusun_id, officer.active) == \
            ("kepala_dusun", _dusun_id(app), True)
        user = officer.user
        assert [role.name for role in user.roles] == ["Petugas Penghubung"]
        assert user.username == "kadus.satu" and user.password == "!"
        assert not accounts.has_email(user)
    # Nobody knows a password yet: not even the empty one, nor the admin's choice.
    other = FlaskClient(app, use_cookies=True)
    assert other.post("/api/v1/security/login", json={
        "username": "kadus.satu", "password": "!", "provider": "db"}).status_code == 401
    # The officer opens the link and sets it.
    assert other.get(path).status_code == 200
    answer = _set_password(other, path)
    assert answer.status_code == 302 and "/login/" in answer.headers["Location"]
    login(other, "kadus.satu", NEW_PASSWORD)
    assert other.get("/complaint/list/").status_code == 200


@pytest.mark.parametrize("position, role", [("sekretaris_desa", "Petugas Penghubung"),
                                            ("staf_kasi", "Petugas Penghubung"),
                                            ("petugas_pengelola", "Petugas Pengelola")])
def test_the_role_follows_from_the_position(app, client, login_as, position, role):
    login_as("admin")
    _add_kadus(app, client, position=position, dusun_id="", username="petugas.baru")
    with app.app_context():
        officer = db.session.query(Officer).filter_by(name="Sutrisno Hadi").one()
        assert [r.name for r in officer.user.roles] == [role]
        assert officer.dusun_id is None


@pytest.mark.parametrize("change, message", [
    ({"dusun_id": ""}, "Kepala Dusun memerlukan dusunnya"),
    ({"username": "A B"}, "Nama login"),
    ({"username": "admin"}, "sudah dipakai"),
])
def test_a_refused_form_keeps_what_was_typed_and_saves_nothing(app, client, login_as, change,
                                                                message):
    login_as("admin")
    page = _add_kadus(app, client, **change)
    body = page.get_data(as_text=True)
    assert message in body
    assert 'value="Sutrisno Hadi"' in body
    with app.app_context():
        assert db.session.query(Officer).count() == 0


def test_only_the_admin_opens_the_officer_form(app, client, login_as):
    login_as("desk")
    assert client.get("/officer-account/new").status_code == 403


# --- the link: once, for an hour ---------------------------------------------------------------

def _link_for(app, username, purpose=accounts.SET):
    with app.test_request_context():
        user = app.appbuilder.sm.find_user(username=username)
        token = accounts.new_link(user, purpose)
        db.session.commit()
        return f"/akun/sandi/{token}"


def test_a_link_works_once(app, client):
    make_user(app, "kadus", "Petugas Penghubung")
    path = _link_for(app, "kadus")
    assert _set_password(client, path).status_code == 302
    assert client.get(path).status_code == 410
    token = csrf_token(client, "/lupa-sandi")
    again = client.post(path, data={"csrf_token": token, "password": "another good passphrase",
                                    "repeated": "another good passphrase"})
    assert again.status_code == 410
    login(client, "kadus", NEW_PASSWORD)


def test_a_link_expires_after_an_hour(app, client):
    make_user(app, "kadus", "Petugas Penghubung")
    path = _link_for(app, "kadus")
    with app.app_context():
        link = db.session.query(AccountLink).one()
        link.expires_at = link.created_at - dt.timedelta(seconds=1)
        assert link.expires_at - link.created_at < dt.timedelta(0)
        db.session.commit()
    assert client.get(path).status_code == 410


def test_a_link_lives_exactly_one_hour(app):
    make_user(app, "kadus", "Petugas Penghubung")
    _link_for(app, "kadus")
    with app.app_context():
        link = db.session.query(AccountLink).one()
        assert link.expires_at - link.created_at == dt.timedelta(hours=1)
        assert len(link.token_hash) == 64  # only the keyed hash is stored


def test_a_newer_link_ends_the_older_one(app, client):
    make_user(app, "kadus", "Petugas Penghubung")
    first = _link_for(app, "kadus")
    second = _link_for(app, "kadus")
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


def test_a_weak_or_mismatched_password_is_refused_and_the_link_still_works(app, client):
    make_user(app, "kadus", "Petugas Penghubung")
    path = _link_for(app, "kadus")
    weak = _set_password(client, path, "pendek")
    assert weak.status_code == 200 and "minimal 12 karakter" in weak.get_data(as_text=True)
    mismatch = _set_password(client, path, NEW_PASSWORD, "pagi cerah di cilacap")
    assert "tidak sama" in mismatch.get_data(as_text=True)
    assert _set_password(client, path).status_code == 302


def test_a_password_set_through_a_link_ends_earlier_sessions_and_tokens(app, client):
    make_user(app, "kadus", "Petugas Penghubung")
    access_token, _refresh = api_tokens(client, "kadus")
    assert api_status(client, access_token) == 200
    path = _link_for(app, "kadus", accounts.RESET)
    assert _set_password(FlaskClient(app, use_cookies=True), path).status_code == 302
    assert api_status(client, access_token) == 401


# --- leaving ---------------------------------------------------------------------------------------

def test_deactivation_ends_sessions_and_tokens_at_once(app, client, login_as):
    kadus_user = make_user(app, "kadus", "Petugas Penghubung")
    officer = make_officer(app, name="Sutrisno", user_id=kadus_user)
    kadus = FlaskClient(app, use_cookies=True)
    login(kadus, "kadus")
    access_token, refresh_token = api_tokens(kadus, "kadus")
    assert kadus.get("/complaint/list/").status_code == 200
    login_as("admin")
    post_form(client, f"/officer-account/{officer}/deactivate", {})
    assert kadus.get("/complaint/list/").status_code == 302
    assert api_status(kadus, access_token) == 401
    assert kadus.post("/api/v1/security/refresh", headers={
        "Authorization": f"Bearer {refresh_token}"}).status_code == 401
    assert kadus.post("/api/v1/security/login", json={
        "username": "kadus", "password": PASSWORD, "provider": "db"}).status_code == 401
    with app.app_context():
        row = db.session.get(Officer, officer)
        assert row.active is False and row.user.active is False  # deactivated, not deleted


def test_the_desk_hands_open_complaints_on_in_one_step(app, client, login_as):
    leaving = make_officer(app, name="Sutrisno")
    successor = make_officer(app, name="Wahyudi")
    open_ones = [make_complaint(app, assigned_officer_id=leaving, status="forwarded",
                                subject=f"Terbuka {i}") for i in range(3)]
    closed = make_complaint(app, assigned_officer_id=leaving, status="resolved",
                            subject="Sudah selesai")
    with app.app_context():
        db.session.get(Officer, leaving).active = False
        db.session.commit()
    login_as("desk")
    page = client.get(f"/officer-account/{leaving}/reassign").get_data(as_text=True)
    assert all(f"Terbuka {i}" in page for i in range(3)) and "Sudah selesai" not in page
    token = csrf_token(client, f"/officer-account/{leaving}/reassign")
    answer = client.post(f"/officer-account/{leaving}/reassign", data={
        "csrf_token": token, "complaint": [str(pk) for pk in open_ones],
        "officer_id": str(successor)}, follow_redirects=True)
    assert "3 pengaduan diserahkan kepada Wahyudi" in answer.get_data(as_text=True)
    with app.app_context():
        for pk in open_ones:
            assert db.session.get(Complaint, pk).assigned_officer_id == successor
            event = db.session.query(ComplaintEvent).filter_by(complaint_id=pk,
                                                               step="reassign").one()
            assert '"from": "Sutrisno"' in event.data and '"to": "Wahyudi"' in event.data
        assert db.session.get(Complaint, closed).assigned_officer_id == leaving
        assert db.session.query(AuditEntry).filter_by(
            entity="complaint", field="assigned_officer", new_value="Wahyudi (Kepala Dusun)"
        ).count() in (0, 3)


def test_handing_on_to_an_inactive_officer_is_refused_whole(app, client, login_as):
    leaving = make_officer(app, name="Sutrisno")
    inactive = make_officer(app, name="Pensiun")
    pk = make_complaint(app, assigned_officer_id=leaving, status="forwarded")
    with app.app_context():
        db.session.get(Officer, inactive).active = False
        db.session.commit()
    login_as("desk")
    post_form(client, f"/officer-account/{leaving}/reassign",
              {"complaint": str(pk), "officer_id": str(inactive)})
    with app.app_context():
        assert db.session.get(Complaint, pk).assigned_officer_id == leaving


# --- lupa kata sandi ---------------------------------------------------------------------------------

def _forgot(client, identifier):
    return post_form(client, "/lupa-sandi", {"identifier": identifier})


def test_forgot_password_emails_a_link_that_works_once_for_an_hour(app, client,
                                                                   smtp_server):  # noqa: F811
    from app.models import OutboxMessage
    from app.services import outbox

    make_user(app, "kadus", "Petugas Penghubung")  # kadus@example.test
    page = _forgot(client, "kadus@example.test")
    assert page.status_code == 200
    assert smtp_server.messages() == []  # nothing is sent while the request waits
    with app.app_context():
        queued = db.session.query(OutboxMessage).one()
        assert (queued.status, queued.address, queued.urgent) == (
            "queued", "kadus@example.test", True)
        link = db.session.query(AccountLink).one()
        assert link.purpose == accounts.RESET
        assert link.expires_at - link.created_at == dt.timedelta(hours=1)
    with app.test_request_context():
        assert outbox.send_due() == (1, 0)
        sent = db.session.query(OutboxMessage).one()
        assert sent.status == "sent" and not LINK_RE.search(sent.body)  # the secret is gone
        assert "/akun/sandi/(terkirim)" in sent.body
    [message] = smtp_server.messages()
    assert message["To"] == "kadus@example.test"
    path = LINK_RE.search(message.get_content()).group(1)
    assert _set_password(client, path).status_code == 302
    login(client, "kadus", NEW_PASSWORD)
    assert client.get(path).status_code == 410  # once
    _forgot(client, "kadus")
    with app.app_context():
        newest = db.session.query(AccountLink).order_by(AccountLink.id.desc()).first()
        newest.expires_at = newest.created_at + dt.timedelta(hours=1)
        newest.created_at -= dt.timedelta(hours=1, seconds=1)
        newest.expires_at -= dt.timedelta(hours=1, seconds=1)
        db.session.commit()
    with app.test_request_context():
        outbox.send_due()
    path = LINK_RE.search(smtp_server.messages()[-1].get_content()).group(1)
    assert client.get(path).status_code == 410  # an hour later


def test_forgot_password_answers_the_same_when_the_mail_server_is_down(app, client,
                                                                      monkeypatch):
    """No SMTP conversation in the request (so no wait that tells an existing account
    apart): with the mail server down the page is the same, and the email waits in the
    outbox."""
    import socket

    from app.models import OutboxMessage

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    make_user(app, "kadus", "Petugas Penghubung")
    answers = set()
    for identifier in ("kadus", "tidak-ada"):
        page = _forgot(client, identifier)
        assert page.status_code == 200
        answers.add(re.search(r'<div class="alert alert-info">(.*?)</div>',
                              page.get_data(as_text=True), re.S).group(1))
    assert len(answers) == 1
    with app.app_context():
        assert db.session.query(OutboxMessage).filter_by(status="queued").count() == 1


def test_forgot_password_answers_the_same_whether_the_account_exists(app, client,
                                                                    smtp_server):  # noqa: F811
    make_user(app, "kadus", "Petugas Penghubung")
    with app.app_context():  # a login without an email address (the admin passes links on)
        user = app.appbuilder.sm.find_user(username="kadus")
        user.email = f"kadus@{accounts.NO_EMAIL_DOMAIN}"
        db.session.commit()
    answers = set()
    for identifier in ("kadus", "tidak-ada", "siapa@example.test"):
        body = _forgot(client, identifier).get_data(as_text=True)
        answers.add(re.search(r'<div class="alert alert-info">(.*?)</div>', body, re.S)
                    .group(1))
    assert len(answers) == 1 and "admin" in answers.pop()
    assert smtp_server.messages() == []
    with app.app_context():
        assert db.session.query(AccountLink).count() == 0


def test_forgot_password_is_limited_per_address(app, client):
    for i in range(5):
        assert _forgot(client, f"tidak-ada-{i}").status_code == 200
    assert _forgot(client, "tidak-ada-9").status_code == 429


def test_forgot_password_is_limited_per_name_asked_about(app, client):
    for _ in range(3):
        assert _forgot(client, "Kadus").status_code == 200
    other_address = app.test_client()
    other_address.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    assert _forgot(other_address, "kadus").status_code == 429


def test_the_login_page_offers_forgot_password(client):
    assert 'href="/lupa-sandi"' in client.get("/login/").get_data(as_text=True)


def test_the_admin_reads_yes_or_no_on_the_login_screens(app, client, login_as):
    user_id = login_as("admin")
    for path in ("/users/list/", f"/users/show/{user_id}"):
        page = client.get(path).get_data(as_text=True)
        assert ">Ya<" in page.replace("\n", "").replace(" ", "") or "Ya" in page
        assert "True" not in page and "False" not in page, path


def test_a_new_position_brings_its_role_and_the_audit_log_has_it(app, client, login_as):
    user_id = make_user(app, "kadus", "Petugas Penghubung")
    officer = make_officer(app, name="Sutrisno", position="kepala_dusun", user_id=user_id)
    login_as("admin")
    post_form(client, f"/officer/edit/{officer}", {"name": "Sutrisno",
                                                    "position": "petugas_pengelola",
                                                    "active": "y", "user": str(user_id)})
    with app.app_context():
        row = db.session.get(Officer, officer)
        assert row.position == "petugas_pengelola"
        assert [r.name for r in row.user.roles] == ["Petugas Pengelola"]
        change = db.session.query(AuditEntry).filter_by(entity="user", entity_id=user_id,
                                                        field="roles").one()
        assert (change.old_value, change.new_value) == ("Petugas Penghubung",
                                                        "Petugas Pengelola")
