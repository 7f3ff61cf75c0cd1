"""A Kepala Dusun on a 360 px phone: the bell shows the forwarded complaint, "Tugas saya" lists it,
opening it marks it read and leads to the complaint."""

from app.extensions import db
from app.models import Category, Complaint
from app.services import complaints as services
from tests.browser.conftest import click_and_wait, no_horizontal_scroll, shot, ui_login
from tests.conftest import PASSWORD, make_complaint, make_officer, make_user


def test_the_bell_and_my_tasks_on_a_phone(app, live_server, new_page):
    desk = make_user(app, "desk", "Petugas Pengelola")
    kadus_user = make_user(app, "kadus", "Petugas Penghubung")
    kadus = make_officer(app, name="Sutrisno", user_id=kadus_user)
    pk = make_complaint(app, desk, subject="Lampu jalan mati di depan mushola")
    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(desk)
        complaint = db.session.get(Complaint, pk)
        category = db.session.query(Category).first().id
        services.apply_step(complaint, "verify", {"kind": "pengaduan", "category_id": category,
                                                  "urgency": "normal"}, user)
        services.apply_step(complaint, "forward", {"officer_id": kadus}, user)
        db.session.remove()

    page = new_page(phone=True)
    ui_login(page, live_server, "kadus", PASSWORD)
    page.goto(f"{live_server}/complaint/list/")
    bell = page.locator("a.navbar-bell")
    assert bell.is_visible()  # outside the collapsed menu
    assert bell.locator(".bell-count").inner_text() == "1"
    box = bell.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert no_horizontal_scroll(page)

    click_and_wait(page, "a.navbar-bell")
    assert "Tugas saya" in page.locator("h1").first.inner_text()
    assert page.locator(".task-list").first.get_by_text("Lampu jalan mati").is_visible()
    notice = page.locator(".notification-list li.unread a")
    assert "diteruskan kepada Anda" in notice.inner_text()
    assert no_horizontal_scroll(page)
    shot(page, "notifications-tasks-phone")

    click_and_wait(page, ".notification-list li.unread a")
    assert page.url.endswith(f"/complaint/show/{pk}")
    assert page.locator("a.navbar-bell .bell-count").count() == 0  # read now


def test_the_bell_sits_clear_of_the_menu_on_a_desktop(app, live_server, new_page):
    make_user(app, "kades", "Kepala Desa")
    make_complaint(app, urgency="urgent")  # the Kepala Desa is told at once
    page = new_page()
    ui_login(page, live_server, "kades", PASSWORD)
    page.goto(f"{live_server}/complaint/list/")
    bell = page.locator("a.navbar-bell").bounding_box()
    assert page.locator("a.navbar-bell .bell-count").inner_text() == "1"
    for item in page.locator(".navbar-nav > li").all():
        other = item.bounding_box()
        apart = (bell["x"] >= other["x"] + other["width"] or other["x"] >= bell["x"] +
                 bell["width"] or bell["y"] >= other["y"] + other["height"])
        assert apart, (item.inner_text(), other, bell)
    shot(page, "notifications-bell-desktop")
