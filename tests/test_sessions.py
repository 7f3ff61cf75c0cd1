"""Logout, a new password and deactivation end every session and token of that user.

A copied session cookie is replayed from a second client, as an attacker who took
it would; API tokens are sent as they were issued. Other users keep theirs.
"""

import pytest
from werkzeug.security import check_password_hash

from app.extensions import db
from app.web.perf import count_queries
from tests.conftest import PASSWORD, login, make_user, post_form

NEW_PASSWORD = "teh manis di pagi hari"
PAGE = "/complaint/list/"
API = "/api/v1/complaint/"


def cookie_of(client):
    """The session cookie as an attacker would copy it."""
    return client.get_cookie("session").value


def replay(app, cookie):
    """A fresh client that sends only ``cookie``: what does the page answer?"""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other.get(PAGE)


def assert_logged_in(response):
    assert response.status_code == 200, response.status_code


def assert_sent_to_login(response):
    assert response.status_code == 302, response.status_code
    assert "/login/" in response.headers["Location"]


def api_tokens(client, username, password=PASSWORD):
    answer = client.post("/api/v1/security/login", json={
        "username": username, "password": password, "provider": "db", "refresh": True})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    return body["access_token"], body["refresh_token"]


def api_status(client, access_token):
    return client.get(API, headers={"Authorization": f"Bearer {access_token}"}).status_code


def refresh_status(client, refresh_token):
    return client.post("/api/v1/security/refresh",
                       headers={"Authorization": f"Bearer {refresh_token}"}).status_code


def test_a_cookie_copied_before_logout_no_longer_logs_in(app, client):
    make_user(app, "petugas", "Petugas Pengelola")
    login(client, "petugas")
    copied = cookie_of(client)
    assert_logged_in(replay(app, copied))
    client.get("/logout/")
    assert_sent_to_login(replay(app, copied))
    assert_sent_to_login(client.get(PAGE))


def test_logging_out_on_one_device_ends_the_others_and_the_tokens(app):
    make_user(app, "petugas", "Petugas Pengelola")
    phone, desktop, api = app.test_client(), app.test_client(), app.test_client()
    login(phone, "petugas")
    login(desktop, "petugas")
    access, refresh = api_tokens(api, "petugas")
    assert_logged_in(desktop.get(PAGE))
    assert api_status(api, access) == 200
    phone.get("/logout/")
    assert_sent_to_login(desktop.get(PAGE))
    assert api_status(api, access) == 401
    assert refresh_status(api, refresh) == 401
    # A new login starts a new generation that works.
    login(desktop, "petugas")
    assert_logged_in(desktop.get(PAGE))
    assert api_status(api, api_tokens(api, "petugas")[0]) == 200


def test_an_ended_session_says_why_in_indonesian(app, client):
    make_user(app, "petugas", "Petugas Pengelola")
    login(client, "petugas")
    copied = cookie_of(client)
    client.get("/logout/")
    other = app.test_client()
    other.set_cookie("session", copied)
    page = other.get(PAGE, follow_redirects=True)
    assert page.status_code == 200
    assert "Sesi Anda telah berakhir" in page.get_data(as_text=True)


def test_my_new_password_ends_my_old_cookie_and_tokens_but_not_other_users(app, client):
    make_user(app, "petugas", "Petugas Pengelola")
    make_user(app, "kades", "Kepala Desa")
    colleague = app.test_client()
    login(colleague, "kades")
    colleague_access, colleague_refresh = api_tokens(app.test_client(), "kades")
    login(client, "petugas")
    copied = cookie_of(client)
    access, refresh = api_tokens(app.test_client(), "petugas")

    page = post_form(client, "/resetmypassword/form",
                     {"password": NEW_PASSWORD, "conf_password": NEW_PASSWORD})
    assert page.status_code == 200
    with app.app_context():  # the change itself happened
        user = app.appbuilder.sm.find_user(username="petugas")
        assert check_password_hash(user.password, NEW_PASSWORD)

    api = app.test_client()
    assert_sent_to_login(replay(app, copied))
    assert api_status(api, access) == 401
    assert refresh_status(api, refresh) == 401
    # Every session of that user, the one that made the change too: log in with the new one.
    assert_sent_to_login(client.get(PAGE))
    login(client, "petugas", NEW_PASSWORD)
    assert_logged_in(client.get(PAGE))
    # The Kepala Desa was not touched.
    assert colleague.get(PAGE).status_code == 200
    assert api_status(api, colleague_access) == 200
    assert refresh_status(api, colleague_refresh) == 200


def test_the_admin_setting_a_password_ends_that_users_sessions_not_the_admins(app, client):
    user_id = make_user(app, "petugas", "Petugas Pengelola")
    make_user(app, "admin", "Admin")
    victim = app.test_client()
    login(victim, "petugas")
    access, refresh = api_tokens(app.test_client(), "petugas")
    login(client, "admin")

    post_form(client, f"/resetpassword/form?pk={user_id}",
              {"password": NEW_PASSWORD, "conf_password": NEW_PASSWORD})

    assert_sent_to_login(victim.get(PAGE))
    api = app.test_client()
    assert api_status(api, access) == 401
    assert refresh_status(api, refresh) == 401
    assert_logged_in(client.get(PAGE))  # the admin's own session goes on
    login(victim, "petugas", NEW_PASSWORD)
    assert_logged_in(victim.get(PAGE))


def test_deactivating_a_user_ends_their_sessions_for_good(app, client):
    user_id = make_user(app, "petugas", "Petugas Pengelola")
    login(client, "petugas")
    copied = cookie_of(client)
    access, _ = api_tokens(app.test_client(), "petugas")
    with app.app_context():
        sm = app.appbuilder.sm
        for active in (False, True):  # deactivated, then brought back
            user = sm.get_user_by_id(user_id)
            user.active = active
            db.session.commit()
        db.session.remove()
    assert_sent_to_login(replay(app, copied))
    assert api_status(app.test_client(), access) == 401


def test_editing_a_user_without_a_new_password_keeps_their_sessions(app, client):
    user_id = make_user(app, "petugas", "Petugas Pengelola")
    login(client, "petugas")
    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(user_id)
        user.first_name = "Ganti"
        db.session.commit()
        db.session.remove()
    assert_logged_in(client.get(PAGE))


@pytest.mark.parametrize("kind", ["cookie", "token"])
def test_the_generation_is_read_with_the_user_in_one_statement(app, client, kind):
    make_user(app, "petugas", "Petugas Pengelola")
    headers = {}
    if kind == "cookie":
        login(client, "petugas")
        path = PAGE
    else:
        headers = {"Authorization": f"Bearer {api_tokens(client, 'petugas')[0]}"}
        path = API
    with app.app_context():
        engine = db.engine
    with count_queries(engine) as counter:
        assert client.get(path, headers=headers).status_code == 200
    generation = [s for s in counter.statements if "user_session_generation" in s]
    assert len(generation) == 1, generation
    user_loads = [s for s in counter.statements
                  if "FROM ab_user" in s and "ab_user.id =" in s and s not in generation]
    assert user_loads == [], user_loads


def test_a_user_who_logged_out_can_still_be_deleted(app, client):
    user_id = make_user(app, "petugas", "Petugas Pengelola")
    login(client, "petugas")
    client.get("/logout/")  # the user now has a generation row
    with app.app_context():
        sm = app.appbuilder.sm
        db.session.delete(sm.get_user_by_id(user_id))
        db.session.commit()
        assert sm.get_user_by_id(user_id) is None
        db.session.remove()
