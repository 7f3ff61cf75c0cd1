"""Clicks and page loads of the desk's and the Kepala Dusun's daily work, counted in Chromium
(issue targets: find, verify and forward one complaint in at most 8 clicks and 4 page loads;
a Kepala Dusun resolves a forwarded complaint on a phone in at most 5 taps). Each click or tap
is one action of the user (a button, a link, a choice in a list, a tap into a text box to type);
a page load is a new document in the tab. Also: the template picker keeps what was typed, the
WhatsApp link follows the message box."""

import re
from urllib.parse import parse_qs, urlsplit

from app.extensions import db
from app.models import Complaint, Dusun
from tests.browser.conftest import no_horizontal_scroll, shot, ui_login
from tests.conftest import PASSWORD, make_complaint, make_officer, make_user

FIND_VERIFY_FORWARD = (8, 4)  # clicks, page loads
KADUS_RESOLVES = 5  # taps


class Counter:
    """Counts the user's clicks (``tap``) and the page's loads after ``start``."""

    def __init__(self, page):
        self.page, self.clicks, self.loads = page, 0, 0
        page.on("load", self._loaded)

    def _loaded(self, _page):
        self.loads += 1

    def start(self):
        self.clicks = self.loads = 0

    def tap(self, selector):
        self.clicks += 1
        self.page.click(selector)

    def choose(self, selector, **option):
        """A choice in a list: one tap (the list opens and the choice is made)."""
        self.clicks += 1
        self.page.select_option(selector, **option)

    def type_into(self, selector, text):
        """A tap into a text box, then typing (typing is not counted as clicks)."""
        self.tap(selector)
        self.page.keyboard.type(text)

    def wait(self):
        self.page.wait_for_load_state()


def _village(app):
    with app.app_context():
        dusun = db.session.query(Dusun).filter_by(name="Dusun II").one()
        dusun_id = dusun.id
        db.session.remove()
    desk = make_user(app, "petugas", "Petugas Pengelola", first_name="Dwi")
    make_officer(app, name="Dwi Lestari", position="petugas_pengelola", user_id=desk)
    kadus = make_user(app, "kadus2", "Petugas Penghubung", first_name="Zainal")
    kadus_officer = make_officer(app, name="Zainal", position="kepala_dusun", user_id=kadus,
                                 dusun_id=dusun_id)
    make_officer(app, name="Agus Salim", position="kasi")
    pk = make_complaint(app, subject="Jembatan bambu di RT 04 patah", dusun_id=dusun_id,
                        description="Jembatan bambu penghubung RT 04 patah sejak hujan deras.")
    make_complaint(app, subject="Lampu jalan mati", complainant_name="Budi Santoso")
    with app.app_context():
        number = db.session.get(Complaint, pk).register_number
        db.session.remove()
    return pk, number, kadus_officer


def test_find_verify_forward_then_the_kadus_resolves_on_a_phone(app, live_server, new_page):
    pk, number, kadus_officer = _village(app)

    desk = new_page()
    ui_login(desk, live_server, "petugas", PASSWORD)
    desk.goto(f"{live_server}/")
    count = Counter(desk)
    count.start()
    count.type_into("#quick-search", number)
    count.tap("form.quick-search button[type=submit]")
    count.wait()
    assert desk.url.endswith(f"/complaint/show/{pk}"), desk.url
    count.tap("a.step-verify_forward")
    count.wait()
    # The complaint's text is beside the form; the dusun's Kepala Dusun heads the list.
    assert "Jembatan bambu penghubung RT 04 patah" in desk.inner_text("section.essentials")
    officers = desk.eval_on_selector_all("#officer_id option", "os => os.map(o => o.text)")
    assert officers[1] == "Zainal (Kepala Dusun) · Dusun II", officers
    assert not any("Dwi Lestari" in o for o in officers)
    count.choose("#category_id", label="Infrastruktur dan lingkungan")
    count.choose("#officer_id", value=str(kadus_officer))
    shot(desk, "desk-verify-forward")
    count.tap("form.verify-forward button[type=submit]")
    count.wait()
    assert "Terverifikasi dan diteruskan kepada Zainal." in desk.inner_text("body")
    print(f"\nfind, verify and forward one complaint: {count.clicks} clicks, "
          f"{count.loads} page loads (target {FIND_VERIFY_FORWARD[0]} clicks, "
          f"{FIND_VERIFY_FORWARD[1]} page loads)")
    assert count.clicks <= FIND_VERIFY_FORWARD[0]
    assert count.loads <= FIND_VERIFY_FORWARD[1]
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        assert (complaint.status, complaint.assigned_officer_id) == ("forwarded", kadus_officer)
        db.session.remove()

    phone = new_page(phone=True)
    ui_login(phone, live_server, "kadus2", PASSWORD)
    phone.goto(f"{live_server}/")
    assert no_horizontal_scroll(phone)
    shot(phone, "kadus-home-phone")
    taps = Counter(phone)
    taps.start()
    taps.tap(f"section.forwarded-to-me a.step-resolve[href$='/complaint/step/{pk}/resolve']")
    taps.wait()
    # The step form fits the phone with the complaint's essentials above it.
    assert no_horizontal_scroll(phone)
    essentials = phone.locator("section.essentials")
    assert "Jembatan bambu di RT 04 patah" in essentials.inner_text()
    form_top = phone.locator("form.step-form").bounding_box()["y"]
    assert essentials.bounding_box()["y"] < form_top
    assert phone.locator("section.essentials a[href^='tel:']").count() == 1
    assert phone.locator("section.essentials a[href^='https://wa.me/']").count() == 1
    taps.choose("#outcome_type", value="administrative")
    taps.type_into("#outcome_text", "Jembatan diganti papan kayu bersama warga.")
    taps.type_into("#public_note", "Jembatan sudah diperbaiki dan bisa dilewati.")
    shot(phone, "kadus-resolve-phone")
    taps.tap("form.step-form button[type=submit]")
    taps.wait()
    assert "Selesai" in phone.inner_text("body")
    print(f"Kadus resolves a forwarded complaint: {taps.clicks} taps, {taps.loads} page loads "
          f"(target {KADUS_RESOLVES} taps)")
    assert taps.clicks <= KADUS_RESOLVES
    with app.app_context():
        assert db.session.get(Complaint, pk).status == "resolved"
        db.session.remove()

    # The home page's figures are whole links: a tap anywhere on a tile opens its list.
    phone.goto(f"{live_server}/")
    tiles = phone.locator(".figures a.figure-box")
    assert tiles.count() == 3
    for index in range(3):
        tile = tiles.nth(index)
        box = tile.bounding_box()
        for x, y in ((box["x"] + 3, box["y"] + 3), (box["x"] + box["width"] - 3,
                                                    box["y"] + box["height"] - 3)):
            assert tile.evaluate("(a, [x, y]) => a.contains(document.elementFromPoint(x, y))",
                                 [x, y]), (index, x, y)
    with phone.expect_navigation():
        tiles.nth(1).tap()
    assert "/complaint/list/" in phone.url and "_status=" in phone.url

    # The register on the phone: open complaints as cards, the closed one behind a link.
    phone.goto(f"{live_server}/complaint/list/")
    assert phone.locator("nav.register-states a", has_text="Ditutup").is_visible()
    assert number not in phone.inner_text("table.list-ComplaintModelView") \
        if phone.locator("table.list-ComplaintModelView").count() else True
    phone.click("nav.register-states >> text=Ditutup")
    phone.wait_for_load_state()
    assert number in phone.inner_text("table.list-ComplaintModelView")
    assert no_horizontal_scroll(phone)

    # The desk informs the resident: the WhatsApp link carries the text as it is in the box.
    desk.goto(f"{live_server}/inform/{pk}")
    message = desk.locator("textarea[name=message]")
    message.fill("Jembatan sudah diperbaiki. Terima kasih & salam.")
    href = desk.get_attribute("#whatsapp-link", "href")
    query = parse_qs(urlsplit(href).query)
    assert query["text"] == ["Jembatan sudah diperbaiki. Terima kasih & salam."], href
    assert urlsplit(href).path == "/6281234567890"
    assert desk.locator("button[value=whatsapp_link]").is_hidden()


def test_the_template_picker_inserts_at_the_cursor_and_keeps_what_was_typed(
        app, live_server, new_page):
    from playwright.sync_api import expect  # like conftest: collected even without Playwright

    pk, _number, kadus_officer = _village(app)
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        complaint.status, complaint.assigned_officer_id = "forwarded", kadus_officer
        db.session.commit()
        db.session.remove()
    page = new_page()
    ui_login(page, live_server, "kadus2", PASSWORD)
    page.goto(f"{live_server}/complaint/step/{pk}/resolve")
    loads = Counter(page)
    field = page.locator("#public_note")
    field.fill("Sudah dicek. ")
    field.evaluate("f => { f.selectionStart = f.selectionEnd = f.value.length; }")
    loads.start()
    page.select_option("#template-picker", label="Selesai ditindaklanjuti")
    page.click("form.template-picker input[type=submit]")
    expect(page.locator(".template-status")).not_to_be_empty()
    text = field.input_value()
    assert text.startswith("Sudah dicek. ") and len(text) > len("Sudah dicek. ") + 10, text
    assert loads.loads == 0  # no page load: nothing else on the form was thrown away
    assert "yang sudah Anda ketik tetap ada" in page.inner_text("form.template-picker")
    # A field holding only a template's text takes the next template in its place.
    field.fill("")
    page.click("form.template-picker input[type=submit]")
    expect(field).to_have_value(re.compile(r".{10,}", re.S))
    template_text = field.input_value()
    assert template_text == text[len("Sudah dicek. "):]
    page.locator(".template-status").evaluate("s => { s.textContent = ''; }")
    page.click("form.template-picker input[type=submit]")
    expect(page.locator(".template-status")).not_to_be_empty()
    assert field.input_value() == template_text
