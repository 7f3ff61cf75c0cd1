"""Security headers and cookies on every kind of answer (issue 7, point 7)."""

import pytest


@pytest.mark.parametrize("path", ["/login/", "/lapor", "/status", "/api/v1/public/categories",
                                  "/complaint/list/", "/no-such-page"])
def test_every_answer_carries_the_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self' 'nonce-" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin")


@pytest.mark.parametrize("path", ["/login/", "/lapor", "/status"])
def test_login_and_public_pages_are_never_cached(client, path):
    assert client.get(path).headers["Cache-Control"] == "no-store"


def test_staff_pages_are_never_cached_but_static_files_may_be(client, login_as):
    login_as("desk")
    assert client.get("/complaint/list/").headers["Cache-Control"] == "no-store"
    static = client.get("/static/app.css")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_the_nonce_is_new_on_every_request_and_on_the_page_scripts(client):
    first, second = client.get("/login/"), client.get("/login/")
    nonces = []
    for response in (first, second):
        nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
        assert f'nonce="{nonce}"' in response.get_data(as_text=True)
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_session_cookie_is_httponly_and_samesite(app, client, login_as):
    login_as("desk")
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert not cookie.secure  # plain HTTP in tests; SESSION_COOKIE_SECURE turns it on


def test_secure_cookie_and_hsts_when_configured_for_https(app):
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        response = app.test_client().get("/login/", base_url="https://localhost")
        set_cookie = response.headers["Set-Cookie"]
        assert set_cookie.startswith("session=")
        for flag in ("Secure", "HttpOnly", "SameSite=Lax"):
            assert flag in set_cookie
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False


def test_proxy_fix_is_off_unless_configured(app):
    from werkzeug.middleware.proxy_fix import ProxyFix

    assert not isinstance(app.wsgi_app, ProxyFix)


def test_proxy_fix_takes_the_client_address_from_the_proxy_when_configured():
    """On a bare Flask app: with PROXY_FIX_X_FOR=1 the address is the client's (rate limits)."""
    from flask import Flask, request

    from app.web import hardening

    def remote_addr(config):
        bare = Flask("bare")
        bare.config.update(config)
        bare.appbuilder = None
        hardening.init_app(bare)
        bare.add_url_rule("/ip", "ip", lambda: request.remote_addr or "")
        return bare.test_client().get("/ip", headers={"X-Forwarded-For": "203.0.113.9"},
                                      environ_base={"REMOTE_ADDR": "10.0.0.1"}).data.decode()

    assert remote_addr({"PROXY_FIX_X_FOR": 1}) == "203.0.113.9"
    assert remote_addr({}) == "10.0.0.1"
