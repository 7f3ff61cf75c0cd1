"""The receipt on a 360 px phone: the QR code and the grouped code large, "Cek status" opens
the status page with the code already typed (from the URL fragment, which the server never
receives), and without JavaScript the page says where to find the code to type."""

import re

from tests.browser.axe import blocking_violations
from tests.browser.conftest import PHONE, fill_report, no_horizontal_scroll, shot

CODE_RE = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$")


def _submit(page, server):
    page.goto(server + "/lapor")
    fill_report(page, "Lampu jalan mati", "Lampu jalan di RT 03 mati sejak seminggu.")
    page.click("button[type=submit]")
    page.wait_for_url("**/lapor/tanda-terima")


def test_the_qr_link_fills_the_code_on_a_phone(live_server, new_page):
    seen = []
    page = new_page(phone=True)
    page.on("request", lambda request: seen.append(request.url))
    _submit(page, live_server)
    code = page.inner_text(".code-large strong")
    assert CODE_RE.match(code)
    qr = page.locator(".receipt-code .qr svg").bounding_box()
    assert qr["width"] >= 150 and qr["x"] >= 0 and qr["x"] + qr["width"] <= PHONE["width"]
    assert page.evaluate("parseFloat(getComputedStyle(document.querySelector("
                         "'.code-large strong')).fontSize)") >= 24
    assert no_horizontal_scroll(page)
    assert not blocking_violations(page)
    shot(page, "receipt-phone")

    page.click("a.check-status")
    page.wait_for_url("**/status")
    assert page.input_value("#tracking_code") == code
    # The fragment is gone from the address bar, and no request ever carried the code.
    assert page.evaluate("window.location.hash") == ""
    assert not [url for url in seen if code in url or code.replace("-", "") in url]
    assert page.evaluate("document.activeElement.id") == "phone_last4"
    assert not blocking_violations(page)
    page.fill("#phone_last4", "7890")
    page.click("main button[type=submit]")
    assert "Lampu jalan mati" not in page.inner_text("main")  # the public view: no subject
    assert page.locator(".summary").count() == 1
    assert no_horizontal_scroll(page)


def test_without_javascript_the_page_says_where_the_code_is(live_server, browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, java_script_enabled=False,
                                  locale="id-ID")
    try:
        page = context.new_page()
        page.goto(live_server + "/status#kode=ABCD-EFGH-JKLM")
        assert page.input_value("#tracking_code") == ""
        assert "tertulis besar di tanda terima" in page.inner_text("main")
        assert no_horizontal_scroll(page)
    finally:
        context.close()
