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

PUBLIC_PAGES = ["/", "/lapor", "/status", "/login/", "/statistik", "/privasi", "/desa/",
                "/babakan/lapor"]

# role login -> the pages that role works in every day ({mine}: a complaint it may open,
# {meeting}: a meeting it may open, {step}: a step form open to it on {mine}).
STAFF_PAGES = {
    "petugas": ["/", "/complaint/list/", "/complaint/show/{mine}", "/complaint/add",
                "/complaint/step/{mine}/note", "/complaint/step/{mine}/resolve",
                "/complaint/overdue/list/", "/meeting/list/", "/meeting/show/{meeting}",
                "/meeting/schedule", "/dashboard/", "/inbox/list/", "/tasks/", "/bantuan/"],
    "kadus1": ["/", "/complaint/list/", "/complaint/show/{mine}", "/complaint/step/{mine}/note",
               "/complaint/step/{mine}/resolve", "/tasks/", "/bantuan/"],
    "kades": ["/", "/dashboard/", "/complaint/list/", "/complaint/show/{mine}", "/meeting/list/",
              "/meeting/show/{meeting}", "/bantuan/"],
    "admin": ["/", "/users/list/", "/officer/list/", "/officer/show/{officer}",
              "/complaint/list/", "/category/list/", "/auditlog/list/", "/outbox/", "/retention/",
              "/bantuan/"],
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
        found = {"mine": ids, "default": any_open.id, "meeting": meeting, "officer": kadus.id}
        db.session.remove()
    return found


def _paths(login, demo):
    mine = demo["mine"].get(login, demo["default"])
    return [p.format(mine=mine, meeting=demo["meeting"], officer=demo["officer"])
            for p in STAFF_PAGES[login]]


def _report(found):
    return "\n".join(f"{path}: {problem}" for path, problems in found.items()
                     for problem in problems)


# Controls a screen reader cannot name: links and buttons with no text of their own (an icon
# only) and no aria-label, title or labelled image; checkboxes (the register's row checkboxes)
# with no label. Hidden ones are left out: nobody reaches them.
UNNAMED_CONTROLS = """() => {
    const visible = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
    const named = el => (el.textContent || '').trim() || el.getAttribute('aria-label')
        || el.getAttribute('aria-labelledby') || el.getAttribute('title')
        || [...el.querySelectorAll('img[alt]')].some(img => img.alt.trim());
    const describe = el => el.outerHTML.slice(0, 120);
    const links = [...document.querySelectorAll('a[href], button')]
        .filter(el => visible(el) && !named(el)).map(describe);
    const boxes = [...document.querySelectorAll('input[type=checkbox], input[type=radio]')]
        .filter(el => visible(el) && !(el.labels && el.labels.length)
                && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
        .map(describe);
    return {links, boxes};
}"""


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


@pytest.mark.parametrize("login, phone", [(login, False) for login in sorted(STAFF_PAGES)]
                         + [("kadus1", True)])  # the Kepala Dusun works on a 360 px phone
def test_staff_pages_of_every_role_have_no_critical_or_serious_violation(
        app, live_server, new_page, demo, login, phone):
    page = new_page(phone=phone)
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
        unnamed = page.evaluate(UNNAMED_CONTROLS)
        found[path] = (blocking_violations(page) + _landmark_problems(landmarks)
                       + [f"link or button without a name: {html}" for html in unnamed["links"]]
                       + [f"checkbox without a label: {html}" for html in unnamed["boxes"]])
        titles[path] = landmarks["title"]
    assert not any(found.values()), _report(found)
    # Each page names itself: no two of a role's pages share a title.
    repeated = {t for t in titles.values() if list(titles.values()).count(t) > 1}
    assert not repeated, {p: t for p, t in titles.items() if t in repeated}
    assert all(re.search(r"\S", t) for t in titles.values())
