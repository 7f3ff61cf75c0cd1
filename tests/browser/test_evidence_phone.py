"""A real Chromium on a 360 px phone: the resident attaches a photo with the plain file input
(no JavaScript needed), the receipt names it, and the desk sees its thumbnail on the
complaint's page without scrolling sideways; the served photo carries no EXIF or GPS."""

import io

from PIL import Image

from app.extensions import db
from app.models import Complaint
from tests import files
from tests.browser.conftest import fill_report, no_horizontal_scroll, shot, ui_login
from tests.conftest import PASSWORD, make_user


def test_a_phone_sends_a_photo_and_the_desk_sees_its_thumbnail(app, live_server, new_page,
                                                                tmp_path):
    photo = tmp_path / "IMG_20261202_0812.jpg"
    photo.write_bytes(files.phone_photo(4000, 3000))
    page = new_page(phone=True)
    page.goto(live_server + "/lapor")
    fill_report(page, "Jalan berlubang", "Jalan di RT 02 berlubang besar sejak Oktober.")
    page.set_input_files("#attachments-0", str(photo))
    assert no_horizontal_scroll(page)
    page.click("button[type=submit]")
    page.wait_for_url("**/lapor/tanda-terima")
    assert "IMG_20261202_0812.jpg" in page.inner_text("table")
    assert no_horizontal_scroll(page)

    make_user(app, "meja", "Petugas Pengelola")
    desk = new_page(phone=True)
    ui_login(desk, live_server, "meja", PASSWORD)
    with app.app_context():
        pk = db.session.scalar(db.select(Complaint.id).where(
            Complaint.subject == "Jalan berlubang"))
        db.session.remove()
    desk.goto(f"{live_server}/complaint/show/{pk}")
    thumb = desk.locator("#lampiran img").first
    thumb.wait_for()
    assert desk.evaluate("(img) => img.complete && img.naturalWidth", thumb.element_handle()) \
        == 240  # 3000 x 4000 standing, 320 px long side
    assert no_horizontal_scroll(desk)
    shot(desk, "evidence-complaint-phone")
    href = thumb.evaluate("(img) => img.closest('a').getAttribute('href')")
    full = desk.request.get(live_server + href)
    assert full.ok and full.headers["content-type"] == "image/jpeg"
    served = Image.open(io.BytesIO(full.body()))
    assert served.size == (1500, 2000) and not served.getexif()
