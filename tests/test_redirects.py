"""Open redirect: login's ?next= and a spoofed Host header stay on the app (issue 7, point 6)."""

from urllib.parse import urlsplit

import pytest

from app.web.hardening import is_local_redirect
from tests.conftest import CSRF_RE, PASSWORD, make_user

EVIL = ["https://evil.example/", "//evil.example/x", "/\\evil.example", "\\\\evil.example",
        "https:evil.example", "javascript:alert(1)", "http://evil.example@evil.example/",
        " //evil.example", "/%09/evil.example", "http://pengaduan.example.test.evil.example/"]


def _stays_here(location):
    location = location.replace("\\", "/")
    parts = urlsplit(location)
    return not location.strip().startswith("//") and parts.netloc in ("", "localhost",
                                                                      "pengaduan.example.test")


@pytest.mark.parametrize("target", EVIL)
@pytest.mark.parametrize("host", [None, "evil.example"])
def test_login_next_never_leads_off_the_app(app, target, host):
    make_user(app, "petugas", "Petugas Pengelola")
    client = app.test_client()
    headers = {"Host": host} if host else {}
    page = client.get("/login/", headers=headers).get_data(as_text=True)
    token = CSRF_RE.search(page).group(1)
    response = client.post("/login/", query_string={"next": target}, headers=headers,
                           data={"username": "petugas", "password": PASSWORD,
                                 "csrf_token": token})
    assert response.status_code == 302
    assert _stays_here(response.headers["Location"]), response.headers["Location"]
    # Already logged in: the login page redirects again, still home.
    again = client.get("/login/", query_string={"next": target}, headers=headers)
    assert _stays_here(again.headers["Location"]), again.headers["Location"]


def test_a_relative_next_is_kept(app):
    make_user(app, "petugas", "Petugas Pengelola")
    client = app.test_client()
    token = CSRF_RE.search(client.get("/login/").get_data(as_text=True)).group(1)
    response = client.post("/login/?next=/complaint/list/", data={
        "username": "petugas", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/complaint/list/"


@pytest.mark.parametrize("location, ok", [
    ("/complaint/list/", True), ("complaint/list/", True), ("?page=2", True),
    ("https://pengaduan.example.test/status", True), ("https://PENGADUAN.example.test/", True),
    *[(target, False) for target in EVIL if not target.startswith("/%09")],
])
def test_is_local_redirect(location, ok):
    assert is_local_redirect(location, {"pengaduan.example.test"}) is ok
