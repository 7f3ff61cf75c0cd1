"""The desk registers a walk-in on a 360 px phone and on a desktop: every label reads whole
(above its field on a phone, beside it on a wide screen; FAB's table form wrapped them one letter
a line), and after saving the receipt is one tap away with the grouped tracking code."""

import re

from app.extensions import db
from app.models import Complaint
from tests.browser.conftest import click_and_wait, no_horizontal_scroll, shot, ui_login
from tests.conftest import PASSWORD, make_user

# Each visible label of the form and the box of the field it names, or of the checkbox's label.
LAYOUT = """() => [...document.querySelectorAll('form.complaint-form label')]
  .filter(l => l.offsetParent !== null)
  .map(l => {
    const box = l.getBoundingClientRect();
    const target = l.htmlFor ? document.getElementById(l.htmlFor) : null;
    const shown = target && target.offsetParent === null
      ? target.parentElement.querySelector('.select2-container, .input-group') : target;
    const field = shown ? shown.getBoundingClientRect() : null;
    return {text: l.textContent.trim().replace(/\\s+/g, ' '), width: box.width,
            height: box.height, lineHeight: parseFloat(getComputedStyle(l).lineHeight),
            field: field && {top: field.top, left: field.left}, bottom: box.bottom, right: box.right,
            top: box.top};
  })"""


def _check_labels(page, phone):
    labels = page.evaluate(LAYOUT)
    texts = [label["text"] for label in labels]
    assert "Nama pengadu *" in texts and "Tanpa identitas" in texts, texts
    for label in labels:
        lines = round(label["height"] / label["lineHeight"])
        # A label wraps at spaces if at all: never more lines than words (one letter a line
        # gave "Jenis" five lines).
        assert lines <= len(label["text"].split()), label
        assert label["width"] >= 40, label
        if label["field"] is None:  # the checkbox's label holds its box
            continue
        if phone:
            assert label["bottom"] <= label["field"]["top"] + 1, label
        else:
            assert label["right"] <= label["field"]["left"], label
            assert abs(label["top"] - label["field"]["top"]) < 20, label


def _grouped(code):
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def test_a_walk_in_on_a_phone_reads_whole_and_the_receipt_is_one_tap_away(
        app, live_server, new_page):
    make_user(app, "petugas", "Petugas Pengelola")
    page = new_page(phone=True)
    ui_login(page, live_server, "petugas", PASSWORD)
    page.goto(f"{live_server}/complaint/add")
    assert no_horizontal_scroll(page)
    _check_labels(page, phone=True)
    for select in ("dusun", "category"):
        assert "__None" not in page.locator(f"select#{select}").inner_text()
    shot(page, "walk-in-add-phone")

    page.fill("#complainant_name", "Siti Aminah")
    page.fill("#complainant_address", "Jalan Kenanga 7, Babakan")
    page.fill("#complainant_phone", "0812 3456 7890")
    page.fill("#subject", "Lampu jalan mati")
    page.fill("#description", "Lampu jalan di RT 03 mati sejak seminggu.")
    click_and_wait(page, "form.complaint-form button[type=submit]")

    with app.app_context():
        complaint = db.session.query(Complaint).one()
        pk, number, code = complaint.id, complaint.register_number, complaint.tracking_code
        assert complaint.complainant_name == "Siti Aminah"
        db.session.remove()
    assert re.search(rf"/complaint/show/{pk}\?registered=1$", page.url), page.url
    box = page.locator(".registered-box")
    assert number in box.inner_text()
    assert box.locator(".tracking-code").inner_text() == _grouped(code)
    assert box.locator(".tracking-code").is_visible()
    assert no_horizontal_scroll(page)
    shot(page, "walk-in-saved-phone")
    pdf = box.locator(f'a[href="/complaint/receipt/{pk}/pdf"]')
    assert pdf.is_visible()
    response = page.request.get(live_server + pdf.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"

    # One tap: the printable receipt with the code large.
    click_and_wait(page, f'.registered-box a[href="/complaint/receipt/{pk}"]')
    assert page.url.endswith(f"/complaint/receipt/{pk}")
    assert page.inner_text(".code-large strong") == _grouped(code)

    # The edit form is laid out the same way.
    page.goto(f"{live_server}/complaint/edit/{pk}")
    assert page.input_value("#complainant_name") == "Siti Aminah"
    assert no_horizontal_scroll(page)
    _check_labels(page, phone=True)


def test_on_a_desktop_the_labels_stand_beside_their_fields(app, live_server, new_page):
    make_user(app, "petugas", "Petugas Pengelola")
    page = new_page()
    ui_login(page, live_server, "petugas", PASSWORD)
    page.goto(f"{live_server}/complaint/add")
    assert no_horizontal_scroll(page)
    _check_labels(page, phone=False)
    shot(page, "walk-in-add-desktop")
