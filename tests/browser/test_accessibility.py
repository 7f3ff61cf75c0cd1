"""Accessibility: axe-core finds no critical or serious violation on the public pages and on the
main staff pages of every role, and each staff page has the landmarks a screen reader uses.

The data is the demo set (a small one), so the pages show what real use shows: badges of every
status, forwarded complaints, meetings, the figures on the home page.
"""

import re

import pytest

from app.demo import DEMO_PASSWORD, load_demo
from app.core import workflow
from app.extensions import db
from app.models import Complaint, Meeting, Officer
from app.auth.security import ensure_admin
from tests.browser.axe import blocking_violations
from tests.browser.conftest import ui_login

PUBLIC_PAGES = ["/", "/lapor", "/status", "/login/"]

# role login -> the pages that role works in every day ({mine}: a complaint it may open,
# {meeting}: a meeting it may open, {step}: a step form open to it on {mine}).
STAFF_PAGES = {
    "petugas": ["/", "/complaint/list/", "/complaint/show/{mine}", "/complaint/add",
                "/complaint/step/{mine}/note", "/complaint/overdue/list/", "/meeting/list/",
                "/meeting/show/{meeting}", "/dashboard/"],
    "kadus1": ["/", "/complaint/list/", "/complaint/show/{mine}", "/complaint/step/{mine}/note"],
    "kades": ["/", "/dashboard/", "/complaint/list/", "/complaint/show/{mine}"],
    "admin": ["/", "/users/list/", "/officer/list/", "/complaint/list/"],
}


@pytest.fixture
def demo(app):
    """A small demo set plus an admin; returns, per login, the complaint it may open."""
    with app.app_context():
        load_demo(count=40, seed=5)
        ensure_admin("admin", DEMO_PASSWORD)
        kadus = db.session.query(Officer).join(Officer.user).filter_by(username="kadus1").one()
        forwarded = db.session.query(Complaint).filter(
            Complaint.assigned_officer_id == kadus.id,
            Complaint.status == workflow.FORWARDED).first()
        if forwarded is None:  # the seed gives kadus1 none: forward one to it as the desk
            forwarded = db.session.query(Complaint).filter_by(status=workflow.FORWARDED).first()
            forwarded.assigned_officer_id = kadus.id
            db.session.commit()
        any_open = db.session.query(Complaint).filter_by(status=workflow.FORWARDED).first()
        meeting = db.session.query(Meeting.id).first()[0]
        ids = {"kadus1": forwarded.id}
        db.session.remove()
    return {"mine": ids, "default": any_open.id, "meeting": meeting}


def _paths(login, demo):
    mine = demo["mine"].get(login, demo["default"])
    return [p.format(mine=mine, meeting=demo["meeting"]) for p in STAFF_PAGES[login]]


def _report(found):
    return "\n".join(f"{path}: {problem}" for path, problems in found.items()
                     for problem in problems)


def _landmark_problems(landmarks):
    """What a screen reader user misses on the page: its language, one h1, one main."""
    problems = []
    if landmarks["lang"] not in ("id", "en"):
        problems.append(f"<html lang> is {landmarks['lang']!r}")
    if landmarks["h1"] != 1:
        problems.append(f"{landmarks['h1']} <h1> (one expected)")
    if landmarks["main"] != 1:
        problems.append(f"{landmarks['main']} <main> landmarks (one expected)")
    return problems


def test_public_pages_have_no_critical_or_serious_violation(app, live_server, new_page):
    page = new_page()
    found = {}
    for path in PUBLIC_PAGES:
        page.goto(f"{live_server}{path}")
        found[path] = blocking_violations(page)
    assert not any(found.values()), _report(found)


@pytest.mark.parametrize("login", sorted(STAFF_PAGES))
def test_staff_pages_of_every_role_have_no_critical_or_serious_violation(
        app, live_server, new_page, demo, login):
    page = new_page()
    ui_login(page, live_server, login, DEMO_PASSWORD)
    found, titles = {}, {}
    for path in _paths(login, demo):
        response = page.goto(f"{live_server}{path}")
        assert response.status == 200, path
        landmarks = page.evaluate("""() => ({
            lang: document.documentElement.lang,
            title: document.title,
            h1: document.querySelectorAll('h1').length,
            main: document.querySelectorAll('main, [role=main]').length,
        })""")
        found[path] = blocking_violations(page) + _landmark_problems(landmarks)
        titles[path] = landmarks["title"]
    assert not any(found.values()), _report(found)
    # Each page names itself: no two of a role's pages share a title.
    repeated = {t for t in titles.values() if list(titles.values()).count(t) > 1}
    assert not repeated, {p: t for p, t in titles.items() if t in repeated}
    assert all(re.search(r"\S", t) for t in titles.values())
