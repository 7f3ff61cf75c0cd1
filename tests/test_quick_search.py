"""The desk's quick search and the home page's figures: a register number, a tracking code or a name finds the complaint in one
step, through the same guard as the list's own search (a name only where the user may read it, a
tracking code only for the desk)."""

import datetime as dt
import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from app.auth import identity
from app.extensions import db
from app.models import Complaint
from app.services import complaints as services
from tests.conftest import make_complaint, make_officer

CODE = "QWERTY234567"


def _register_number(app, pk):
    with app.app_context():
        number = db.session.get(Complaint, pk).register_number
        db.session.remove()
        return number


def _find(client, text):
    return client.get("/complaint/find", query_string={"q": text})


def _set(app, pk, **fields):
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        for name, value in fields.items():
            setattr(complaint, name, value)
        db.session.commit()
        db.session.remove()


def test_one_register_number_opens_its_complaint(app, client, login_as):
    login_as("desk")
    make_complaint(app, subject="Lain")
    pk = make_complaint(app, subject="Dicari")
    number = _register_number(app, pk)  # e.g. 002/PGD/XII/2026
    response = _find(client, f"  {number} ")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/complaint/show/{pk}")


def test_a_tracking_code_typed_as_on_the_receipt_opens_it_for_the_desk(app, client, login_as):
    login_as("desk")
    pk = make_complaint(app)
    _set(app, pk, tracking_code=CODE)
    response = _find(client, "qwer-ty23 4567")
    assert response.headers["Location"].endswith(f"/complaint/show/{pk}")


def test_a_name_in_part_opens_the_one_complaint_that_has_it(app, client, login_as):
    login_as("desk")
    make_complaint(app, complainant_name="Budi Santoso")
    pk = make_complaint(app, complainant_name="Siti Aminah")
    response = _find(client, "aminah")
    assert response.headers["Location"].endswith(f"/complaint/show/{pk}")


def test_several_matches_open_the_register_filtered_on_what_matched(app, client, login_as):
    login_as("desk")
    first = make_complaint(app, complainant_name="Siti Aminah")
    second = make_complaint(app, complainant_name="Siti Rahayu")
    make_complaint(app, complainant_name="Budi Santoso")
    response = _find(client, "Siti")
    location = urlsplit(response.headers["Location"])
    assert location.path == "/complaint/list/"
    (arg, value), = parse_qs(location.query).items()
    assert arg.endswith("_complainant_name") and value == ["Siti"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    for pk in (first, second):
        assert f"/complaint/show/{pk}" in page
    assert "Budi Santoso" not in page


def test_nothing_found_says_so_and_keeps_the_register(app, client, login_as):
    login_as("desk")
    make_complaint(app)
    response = _find(client, "Tidak Ada Orangnya")
    assert response.headers["Location"].endswith("/complaint/list/")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tidak ada pengaduan" in page and "Tidak Ada Orangnya" in page


def test_an_empty_search_is_the_register(app, client, login_as):
    login_as("desk")
    assert _find(client, "   ").headers["Location"].endswith("/complaint/list/")


def test_a_liaison_finds_only_what_was_forwarded_and_no_code(app, client, login_as):
    user_id = login_as("liaison")
    mine = make_officer(app, name="Kadus Satu", user_id=user_id)
    own = make_complaint(app, complainant_name="Siti Aminah", assigned_officer_id=mine,
                         status="forwarded")
    other = make_complaint(app, complainant_name="Siti Rahayu")
    _set(app, own, tracking_code=CODE)
    assert _find(client, "Siti").headers["Location"].endswith(f"/complaint/show/{own}")
    # The tracking code is the resident's credential: never a way in for a liaison.
    assert _find(client, CODE).headers["Location"].endswith("/complaint/list/")
    assert _find(client, _register_number(app, other)).headers["Location"].endswith(
        "/complaint/list/")


@pytest.mark.parametrize("level", [identity.ANONYMOUS, identity.MASKED])
def test_a_hidden_name_finds_nothing_for_the_village_head(app, client, login_as, level):
    login_as("head")
    pk = make_complaint(app, complainant_name="Wulandari Anonim")
    _set(app, pk, identity_level=level)
    assert _find(client, "Wulandari").headers["Location"].endswith("/complaint/list/")
    # ...while the register number, which the head may read, finds it.
    assert _find(client, _register_number(app, pk)).headers["Location"].endswith(
        f"/complaint/show/{pk}")


def test_the_search_box_is_on_the_register_and_the_home_page(app, client, login_as):
    login_as("desk")
    for path in ("/", "/complaint/list/"):
        page = client.get(path).get_data(as_text=True)
        assert 'action="/complaint/find"' in page, path
        assert "kode pelacakan" in page, path  # the desk may search by tracking code


def test_the_search_box_does_not_offer_the_code_to_a_liaison(app, client, login_as):
    login_as("liaison")
    page = client.get("/complaint/list/").get_data(as_text=True)
    assert 'action="/complaint/find"' in page
    assert "kode pelacakan" not in page.lower()


def _tiles(page):
    """(number, name, href) of the home page's figures."""
    return [(int(number), name.strip(), html.unescape(href)) for href, number, name in re.findall(
        r'<a class="figure-box[^"]*" href="([^"]+)">\s*<span class="number">(\d+)</span>([^<]+)</a>',
        page)]


def _listed(client, href):
    page = client.get(href).get_data(as_text=True)
    return set(re.findall(r"/complaint/(?:overdue/)?show/(\d+)", page))


def test_each_home_figure_is_a_link_to_the_list_of_what_it_counts(app, client, login_as):
    user_id = login_as("desk")
    new = make_complaint(app, subject="Baru")
    make_complaint(app, subject="Diverifikasi", status="verified")
    make_complaint(app, subject="Selesai", status="resolved")
    late = make_complaint(app, subject="Terlambat", status="forwarded")
    _set(app, late, due_date=dt.date(2026, 1, 5))
    void = make_complaint(app, subject="Batal")
    with app.app_context():
        complaint = db.session.get(Complaint, void)
        services.void_complaint(complaint, "Salah catat", app.appbuilder.sm.get_user_by_id(user_id),
                                complaint.version)
        db.session.remove()
    tiles = _tiles(client.get("/").get_data(as_text=True))[:3]  # then the feedback's own
    assert [(number, name) for number, name, _ in tiles] == [
        (1, "Baru, perlu diverifikasi"), (3, "Belum selesai"), (1, "Terlambat")]
    for number, name, href in tiles:
        assert len(_listed(client, href)) == number, (name, href)
    assert _listed(client, tiles[0][2]) == {str(new)}
    assert _listed(client, tiles[2][2]) == {str(late)}
