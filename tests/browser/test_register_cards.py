"""The register on a 360 px phone is a stack of cards (number, subject, status, due date,
dusun, each named); on a desktop it stays a table."""

from app.extensions import db
from app.models import Dusun
from tests.browser.conftest import no_horizontal_scroll, shot, ui_login
from tests.conftest import PASSWORD, make_complaint, make_user

SHOWN = ["No. register", "Pokok pengaduan", "Status", "Batas waktu", "Dusun"]


def _visible_labels(card):
    return card.evaluate("""tr => [...tr.querySelectorAll('td[data-label]')]
        .filter(td => getComputedStyle(td).display !== 'none')
        .map(td => td.dataset.label)""")


def test_the_register_is_cards_on_a_phone_and_a_table_on_a_desktop(app, live_server, new_page):
    make_user(app, "petugas", "Petugas Pengelola")
    with app.app_context():
        dusun_id = db.session.query(Dusun.id).first()[0]
        db.session.remove()
    for subject in ("Lampu jalan mati", "Saluran air tersumbat di depan rumah warga RT 03"):
        make_complaint(app, subject=subject, dusun_id=dusun_id)
    phone = new_page(phone=True)
    ui_login(phone, live_server, "petugas", PASSWORD)
    phone.goto(f"{live_server}/complaint/list/")
    cards = phone.locator("table.list-ComplaintModelView > tbody > tr")
    assert cards.count() == 2
    assert phone.locator("table.list-ComplaintModelView > thead").is_hidden()
    for index in range(2):
        card = cards.nth(index)
        assert card.evaluate("tr => getComputedStyle(tr).display") == "block"
        assert _visible_labels(card) == SHOWN
        assert "Dusun I" in card.inner_text()
        # Each value is named on the card (the cell's label, drawn before it).
        before = card.locator("td.col-dusun").evaluate(
            "td => getComputedStyle(td, '::before').content")
        assert before == '"Dusun: "', before
    assert no_horizontal_scroll(phone)
    shot(phone, "register-cards-phone")

    desk = new_page()
    ui_login(desk, live_server, "petugas", PASSWORD)
    desk.goto(f"{live_server}/complaint/list/")
    assert desk.locator("table.list-ComplaintModelView > thead").is_visible()
    row = desk.locator("table.list-ComplaintModelView > tbody > tr").first
    assert row.evaluate("tr => getComputedStyle(tr).display") == "table-row"
    assert len(_visible_labels(row)) == 10
