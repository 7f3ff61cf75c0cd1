"""Every route of the app, asked anonymously: only the public ones answer (issue 7, point 1).

The sweep walks ``app.url_map`` itself, so a route added later is covered without
editing this file. An anonymous client has a valid CSRF token (any visitor can get
one from the login page), so a refusal here comes from the access check, not CSRF.
"""

import re

import pytest

from app.extensions import db
from app.models import Complaint
from tests.conftest import csrf_token, make_complaint

# Open to everyone, and why.
PUBLIC_ENDPOINTS = {
    "static", "appbuilder.static",                          # CSS, JavaScript, images
    "AuthDBView.login", "AuthDBView.logout",                # logging in and out
    "LocaleView.index", "UtilView.back",                    # language switch, "back" link
    "HomeView.index",                                       # the village's name and a login link
    "PublicView.submit", "PublicView.receipt", "PublicView.receipt_pdf", "PublicView.status",
    "PublicView.feedback", "PublicApi.feedback",            # the resident's answer (issue 10)
    "PublicView.complete", "PublicApi.completion",          # the resident completes (issue 10)
    "PublicApi.complaints", "PublicApi.status",             # the public pages and API
    "StatisticsView.statistics", "StatisticsApi.statistics",  # aggregates only (issue 23)
    # The photo after the work a published resolved problem names (else 404).
    "StatisticsView.photo", "StatisticsView.photo_thumbnail",
    "SecurityApi.login",                                    # the REST API's login
    "VillageDirectoryView.directory",                       # the kabupaten's list of villages
    # A file of the complaint this session looked up with its code and phone digits (else 404).
    "PublicView.attachment", "PublicView.attachment_thumbnail",
    "PublicView.privacy",                                   # what is done with a resident's data
    "AccountLinkView.set_password",                         # a one-time password link
    "AccountLinkView.forgot",                               # "lupa kata sandi"
}
ARGUMENTS = {"pk": "1", "complaint_id": "1", "meeting_id": "1", "name": "forward_selected", "step": "verify",
             "version": "v1", "filename": "x.csv", "group_by": "username", "locale": "en",
             "fmt": "csv", "thumb": "thumb", "village_id": "1", "chart": "status"}


def _routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _url(rule):
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: ARGUMENTS[m.group(1)], rule.rule)


def test_every_non_public_route_refuses_an_anonymous_visitor(app, client):
    make_complaint(app)
    token = csrf_token(client, "/login/")
    checked, wrong = 0, []
    for rule, method in _routes(app):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = _url(rule)
        if url.startswith("/api/"):
            response = client.open(url, method=method, json={})
        else:
            response = client.open(url, method=method, data={"csrf_token": token})
        checked += 1
        location = response.headers.get("Location", "")
        if response.status_code == 401 or (response.status_code == 302 and "/login/" in location):
            continue
        wrong.append(f"{method} {url} -> {response.status_code} {location}")
    assert wrong == []
    assert checked > 100
    with app.app_context():
        complaint = db.session.get(Complaint, 1)
        assert complaint.status == "received" and not complaint.voided


def test_the_home_page_shows_an_anonymous_visitor_no_figures(app, client):
    make_complaint(app)
    page = client.get("/").get_data(as_text=True)
    assert "/login/" in page
    assert "figure-box" not in page


@pytest.mark.parametrize("url, data", [
    ("/category/action/no_such_action/1", None),
    ("/complaint/action_post", {"action": "no_such_action", "rowid": "1"}),
])
def test_an_unknown_fab_action_is_a_404_not_a_500(client, login_as, url, data):
    login_as("desk")
    if data is not None:
        data["csrf_token"] = csrf_token(client, "/resetmypassword/form")
    response = client.post(url, data=data or {"csrf_token": csrf_token(client, "/resetmypassword/form")})
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/lapor", "/status", "/login/"])
def test_the_public_pages_answer_anonymously(client, path):
    assert client.get(path).status_code == 200
