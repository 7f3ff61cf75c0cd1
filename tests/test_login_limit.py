"""Login brute force: limited per client address, page and API together (issue 7, point 4)."""

import os
import uuid

import pytest

from tests.components import missing
from tests.conftest import CSRF_RE, PASSWORD, make_user

ATTACKER, OFFICE = "203.0.113.66", "198.51.100.5"


def _page_login(client, address, password="salah-sekali-kata-sandi"):
    env = {"REMOTE_ADDR": address}
    page = client.get("/login/", environ_base=env).get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    return client.post("/login/", environ_base=env, data={
        "username": "petugas", "password": password, "csrf_token": token})


def _api_login(client, address, password="salah-sekali-kata-sandi"):
    return client.post("/api/v1/security/login", environ_base={"REMOTE_ADDR": address}, json={
        "username": "petugas", "password": password, "provider": "db"})


def test_login_attempts_are_limited_per_client_and_others_still_get_in(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "5 per minute")
    make_user(app, "petugas", "Petugas Pengelola")
    attacker = app.test_client()
    for _ in range(3):
        assert _page_login(attacker, ATTACKER).status_code == 302  # back to the form
    for _ in range(2):
        assert _api_login(attacker, ATTACKER).status_code == 401
    refused = _page_login(attacker, ATTACKER, PASSWORD)  # even the right password, now
    assert refused.status_code == 429
    assert "Terlalu banyak percobaan masuk" in refused.get_data(as_text=True)
    api = _api_login(attacker, ATTACKER, PASSWORD)
    assert api.status_code == 429 and "access_token" not in api.get_json()
    # Someone at the village office is not affected.
    office = app.test_client()
    assert _page_login(office, OFFICE, PASSWORD).status_code == 302
    assert office.get("/complaint/list/", environ_base={"REMOTE_ADDR": OFFICE}).status_code == 200
    assert _api_login(office, OFFICE, PASSWORD).status_code == 200


def test_reading_the_login_page_is_not_limited(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "2 per minute")
    client = app.test_client()
    for _ in range(5):
        assert client.get("/login/").status_code == 200


def _redis_url():
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:
        missing(f"no Redis at {url}")
    return url


def test_with_redis_the_limit_holds_across_worker_processes(app):
    """Two app instances sharing Redis stand for two gunicorn workers."""
    from app import create_app
    from app.extensions import db

    url = _redis_url()
    config = {k: app.config[k] for k in (
        "TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "FAB_PASSWORD_HASH_METHOD")}
    config.update(RATELIMIT_STORAGE_URI=url, RATELIMIT_ENABLED=True,
                  LOGIN_RATE_LIMIT="4 per minute")
    worker_1, worker_2 = create_app(config), create_app(config)
    make_user(app, "petugas", "Petugas Pengelola")
    address = f"2001:db8::{uuid.uuid4().hex[:4]}"  # counters in Redis outlive a test run
    for worker in (worker_1, worker_2, worker_1, worker_2):
        assert _api_login(worker.test_client(), address).status_code == 401
    assert _api_login(worker_1.test_client(), address, PASSWORD).status_code == 429
    assert _api_login(worker_2.test_client(), address, PASSWORD).status_code == 429
    assert _api_login(worker_2.test_client(), f"2001:db8::1:{uuid.uuid4().hex[:4]}", PASSWORD).status_code == 200
    for worker in (worker_1, worker_2):
        with worker.app_context():
            db.session.remove()
