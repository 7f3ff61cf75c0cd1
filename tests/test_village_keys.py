"""Villages, their keys (issue 25): each village numbers its own register and names its own
lists; the admin's village screen adds a village with its starting lists and edits one."""

import datetime as dt

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from app.auth import villages
from app.auth.villages import current_village
from app.core.errors import ServiceError
from app.extensions import db
from app.models import (Category, Complaint, DeadlineTier, Dusun, Holiday, InboxMessage,
                        Officer, RegisterCounter, ResponseTemplate, Village)
from app.services import complaints as services
from app.services.reference_data import seed_reference_data
from app.services.village_setup import check_unique_name, prepare_new_village
from tests.conftest import COMPLAINT_FIELDS, post_form

# Written out by hand from reference_data (7 SOP categories, Dusun I to IV).
SEEDED_CATEGORIES = 7
PLACEHOLDER_DUSUN = ["Dusun I", "Dusun II", "Dusun III", "Dusun IV"]


def add_village(slug="karangsari", name="Karangsari", code="PGD"):
    """A second village through the service the screen uses; its id."""
    village = Village(slug=slug, name=name, kecamatan="Karangpucung", kabupaten="Cilacap",
                      register_code=code)
    prepare_new_village(village)
    db.session.commit()
    villages.forget()  # as the screen does after adding one
    return village.id


def first_village_id():
    return db.session.scalar(select(func.min(Village.id)))


def register_in(village_id, day):
    """A complaint registered as the desk of village ``village_id`` would."""
    with villages.acting_for(village_id):
        complaint = Complaint(**COMPLAINT_FIELDS,
                              received_at=dt.datetime.combine(day, dt.time(9, 0)))
        services.register_complaint(complaint, notify=False)
        assert complaint.village_id == village_id
        return complaint


def test_two_villages_each_number_their_register_from_one(app, ctx):
    babakan, karangsari = first_village_id(), add_village()
    numbers = [(register_in(village, dt.date(2026, 11, 3)).register_number, village)
               for village in (babakan, karangsari, karangsari, babakan, karangsari)]
    assert numbers == [("001/PGD/XI/2026", babakan), ("001/PGD/XI/2026", karangsari),
                       ("002/PGD/XI/2026", karangsari), ("002/PGD/XI/2026", babakan),
                       ("003/PGD/XI/2026", karangsari)]
    assert db.session.execute(text(
        "SELECT village_id, year, last_number FROM register_counter ORDER BY village_id")
    ).all() == [(babakan, 2026, 2), (karangsari, 2026, 3)]
    # The tracking codes stay unique across the installation.
    with villages.every_village():
        assert db.session.scalar(select(func.count(func.distinct(Complaint.tracking_code)))) \
            == 5


def test_the_register_number_carries_its_villages_code(app, ctx):
    karangsari = add_village(code="KRS")
    assert register_in(karangsari, dt.date(2027, 1, 4)).register_number == "001/KRS/I/2027"
    assert register_in(first_village_id(), dt.date(2027, 1, 4)).register_number \
        == "001/PGD/I/2027"


def test_within_one_village_a_register_number_is_taken_once(app, ctx):
    babakan = first_village_id()
    taken = register_in(babakan, dt.date(2026, 11, 3))
    twin = Complaint(**COMPLAINT_FIELDS, village_id=babakan, received_at=taken.received_at,
                     register_number=taken.register_number, register_year=2027,
                     register_seq=99, tracking_code="ABCDEFGHJKMN", status="received")
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    twin = Complaint(**COMPLAINT_FIELDS, village_id=babakan, received_at=taken.received_at,
                     register_number="999/PGD/XI/2026", register_year=2026,
                     register_seq=taken.register_seq, tracking_code="ABCDEFGHJKMP",
                     status="received")
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_new_village_gets_its_own_lists(app, ctx):
    before = {model: db.session.scalar(select(func.count(model.id)))
              for model in (Category, Dusun, DeadlineTier, ResponseTemplate)}
    karangsari = add_village()
    with villages.every_village():
        mine = {model: db.session.scalar(select(func.count(model.id)).where(
            model.village_id == karangsari)) for model in before}
        assert mine[Category] == SEEDED_CATEGORIES
        assert db.session.scalars(select(Dusun.name).where(Dusun.village_id == karangsari)
                                  .order_by(Dusun.name)).all() == PLACEHOLDER_DUSUN
        # The same tiers and templates as the first village, on the new village's categories.
        assert mine[DeadlineTier] == before[DeadlineTier] > 0
        assert mine[ResponseTemplate] == before[ResponseTemplate] > 0
        for model in (DeadlineTier, ResponseTemplate):
            assert db.session.scalar(select(func.count(model.id)).join(Category).where(
                model.village_id == karangsari, Category.village_id == karangsari)) > 0
            assert not db.session.scalar(select(func.count(model.id)).join(Category).where(
                model.village_id == karangsari, Category.village_id != karangsari))
        # Idempotent: the next start adds nothing to either village.
        seed_reference_data()
        assert db.session.scalar(select(func.count(Category.id))) == 2 * SEEDED_CATEGORIES


def test_names_are_unique_within_a_village_not_across(app, ctx):
    babakan, karangsari = first_village_id(), add_village()
    # Both villages have "Lainnya" and "Dusun I" (seeded): allowed.
    for model, name in ((Category, "Lainnya"), (Dusun, "Dusun I")):
        with villages.every_village():
            assert db.session.scalar(select(func.count(model.id)).where(model.name == name)) \
                == 2
        with villages.acting_for(karangsari):
            check_unique_name(model(name=f"{name} baru"))
            with pytest.raises(ServiceError, match="Sudah ada"):
                check_unique_name(model(name=name))
        db.session.add(model(village_id=babakan, name=name))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_holidays_national_once_a_date_local_once_per_village(app, ctx):
    babakan, karangsari = first_village_id(), add_village()
    day = dt.date(2031, 8, 20)
    db.session.add_all([
        Holiday(date=day, year=2031, name="Sedekah bumi", kind="local", village_id=babakan),
        Holiday(date=day, year=2031, name="Sedekah bumi", kind="local", village_id=karangsari),
        Holiday(date=dt.date(2031, 12, 25), year=2031, name="Natal", kind="national")])
    db.session.commit()
    for twin in (Holiday(date=day, year=2031, name="Lagi", kind="local", village_id=babakan),
                 Holiday(date=dt.date(2031, 12, 25), year=2031, name="Natal", kind="national")):
        db.session.add(twin)
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_a_message_id_is_imported_once_per_village(app, ctx):
    babakan, karangsari = first_village_id(), add_village()

    def message(village_id):
        return InboxMessage(village_id=village_id, message_id="<abc@desa.id>",
                            sender="warga@example.test", subject="Jalan rusak", body="...")

    db.session.add_all([message(babakan), message(karangsari)])
    db.session.commit()
    db.session.add(message(babakan))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_counter_is_keyed_by_village_and_year(app, ctx):
    assert [column.name for column in RegisterCounter.__table__.primary_key.columns] \
        == ["village_id", "year"]


# --- The village screen ---------------------------------------------------------------------

VILLAGE_FORM = {"name": "Karang Jati", "slug": "karang-jati", "kecamatan": "Karangpucung",
                "kabupaten": "Cilacap", "address": "", "phone": "", "email": "",
                "website": "", "head_name": "Wahyudi", "register_code": "KJT"}


def _villages(app):
    with app.app_context():
        rows = db.session.execute(select(Village.slug, Village.register_code,
                                         Village.edited_in_app).order_by(Village.id)).all()
        db.session.remove()
        return rows


def test_the_admin_adds_a_village_with_its_lists(app, client, login_as):
    login_as("admin")
    page = client.get("/village/add").get_data(as_text=True)
    assert "Tambah desa" in page and 'value="PGD"' in page  # the setting's code to start with
    response = post_form(client, "/village/add", VILLAGE_FORM, follow=False)
    assert response.status_code == 302
    assert _villages(app)[1:] == [("karang-jati", "KJT", True)]
    with app.app_context(), villages.every_village():
        village_id = db.session.scalar(select(Village.id).where(Village.slug == "karang-jati"))
        assert db.session.scalar(select(func.count(Category.id)).where(
            Category.village_id == village_id)) == SEEDED_CATEGORIES
        db.session.remove()


@pytest.mark.parametrize("slug, message", [
    ("Karang Jati", "hanya boleh berisi huruf kecil"),
    ("karang--jati", "hanya boleh berisi huruf kecil"),
    ("-karang", "hanya boleh berisi huruf kecil"),
    ("babakan", "sudah dipakai oleh Babakan"),
    ("lapor", "sudah menjadi alamat aplikasi ini"),
])
def test_a_bad_slug_is_refused_with_a_message_and_the_form_kept(app, client, login_as, slug,
                                                                message):
    login_as("admin")
    response = post_form(client, "/village/add", {**VILLAGE_FORM, "slug": slug})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page and "Wahyudi" in page
    assert len(_villages(app)) == 1


def test_a_register_code_with_a_slash_is_refused(app, client, login_as):
    login_as("admin")
    response = post_form(client, "/village/add", {**VILLAGE_FORM, "register_code": "P/GD"})
    assert response.status_code == 200
    assert "Kode register hanya boleh berisi" in response.get_data(as_text=True)
    assert len(_villages(app)) == 1


def test_an_edit_in_the_screen_is_read_at_once_and_outlives_the_settings(app, client, login_as):
    login_as("admin")
    with app.app_context():
        village_id = first_village_id()
        assert current_village().head_name == "Sidik Noer Amin"
        db.session.remove()
    form = {"name": "Babakan", "slug": "babakan", "kecamatan": "Karangpucung",
            "kabupaten": "Cilacap", "address": "Jl. Raya Babakan 1", "phone": "0821 3345 4594",
            "email": "desababakan0401@gmail.com", "website": "", "head_name": "Siti Rahmawati",
            "register_code": "BBK"}
    response = post_form(client, f"/village/edit/{village_id}", form, follow=False)
    assert response.status_code == 302
    with app.app_context():
        # Read again at once (``villages.forget``), without a restart.
        assert current_village().head_name == "Siti Rahmawati"
        # The next start leaves the admin's row alone (the settings still say Sidik Noer Amin).
        seed_reference_data()
        village = db.session.get(Village, village_id)
        assert (village.head_name, village.address, village.register_code,
                village.edited_in_app) == ("Siti Rahmawati", "Jl. Raya Babakan 1", "BBK", True)
        complaint = Complaint(**COMPLAINT_FIELDS, received_at=dt.datetime(2026, 11, 3, 9))
        services.register_complaint(complaint, notify=False)
        assert complaint.register_number == "001/BBK/XI/2026"
        db.session.remove()
        villages.forget()


def test_the_settings_still_give_an_unedited_village_its_register_code(app, ctx):
    old = app.config["REGISTER_CODE"]
    try:
        app.config["REGISTER_CODE"] = "BBK"
        seed_reference_data()
        assert db.session.scalar(select(Village.register_code)) == "BBK"
        complaint = register_in(first_village_id(), dt.date(2026, 11, 3))
        assert complaint.register_number == "001/BBK/XI/2026"
    finally:
        app.config["REGISTER_CODE"] = old
        seed_reference_data()


def test_a_category_name_taken_in_the_village_is_refused_on_the_screen(app, client, login_as):
    login_as("admin")
    response = post_form(client, "/category/add", {"name": "Lainnya", "description": "",
                                                   "active": "y"})
    assert response.status_code == 200
    assert "Sudah ada kategori bernama &#34;Lainnya&#34;." in response.get_data(as_text=True) \
        or "Sudah ada kategori bernama &quot;Lainnya&quot;." in response.get_data(as_text=True)
    response = post_form(client, "/dusun/add", {"name": "Dusun I", "active": "y"})
    assert response.status_code == 200
    assert "Sudah ada dusun bernama" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Category.id)).where(
            Category.name == "Lainnya")) == 1
        db.session.remove()
    response = post_form(client, "/category/add", {"name": "Air bersih", "description": "",
                                                   "active": "y"}, follow=False)
    assert response.status_code == 302


def test_a_villages_own_admin_manages_that_village_only(app, client, login_as):
    """An admin who is a village's officer sees and edits their village, not another, and
    adds none (adding villages is the installation's admin's)."""
    user_id = login_as("admin")
    with app.app_context():
        babakan, karangsari = first_village_id(), add_village()
        with villages.acting_for(babakan):
            db.session.add(Officer(name="Admin Babakan", position="sekretaris_desa",
                                   user_id=user_id, active=True))
            db.session.commit()
        db.session.remove()
    page = client.get("/village/list/").get_data(as_text=True)
    assert "Babakan" in page and "Karangsari" not in page
    assert client.get(f"/village/show/{karangsari}").status_code == 404
    assert client.get(f"/village/edit/{karangsari}").status_code == 404
    assert client.get(f"/village/show/{babakan}").status_code == 200
    response = post_form(client, "/village/add", VILLAGE_FORM)
    assert response.status_code == 200
    assert "Hanya administrator seluruh instalasi" in response.get_data(as_text=True)
    assert [slug for slug, _, _ in _villages(app)] == ["babakan", "karangsari"]


def test_a_villages_own_admin_keeps_its_addresses_and_kecamatan(app, client, login_as):
    """A village's admin edits its letterhead, not its place in the installation: renamed
    to another village's old slug it would read that village's mailbox (IMAP_USER_<SLUG>),
    moved to another kecamatan it would leave its Camat's sight. Refused with a message,
    what was typed kept; the installation's admin may."""
    user_id = login_as("admin")
    with app.app_context():
        babakan = first_village_id()
        add_village()
        with villages.acting_for(babakan):
            db.session.add(Officer(name="Admin Babakan", position="sekretaris_desa",
                                   user_id=user_id, active=True))
            db.session.commit()
        db.session.remove()
    form = {"name": "Babakan", "slug": "babakan", "kecamatan": "Karangpucung",
            "kabupaten": "Cilacap", "address": "Jl. Raya Babakan 1", "phone": "",
            "email": "", "website": "", "head_name": "Siti Rahmawati", "register_code": "PGD",
            "host": ""}
    for field, value in [("slug", "cipari"), ("kecamatan", "Majenang"),
                         ("kabupaten", "Banyumas"), ("host", "lapor.babakan.desa.id")]:
        response = post_form(client, f"/village/edit/{babakan}", {**form, field: value})
        page = response.get_data(as_text=True)
        assert response.status_code == 200, field
        assert "Hanya administrator seluruh instalasi yang boleh mengubah" in page, field
        assert f'value="{value}"' in page and "Siti Rahmawati" in page, (field, value)
    assert [slug for slug, _, _ in _villages(app)] == ["babakan", "karangsari"]
    with app.app_context():
        row = db.session.get(Village, babakan)
        assert (row.kecamatan, row.kabupaten, row.host, row.head_name) == (
            "Karangpucung", "Cilacap", None, "Sidik Noer Amin")
        db.session.remove()
    # The rest of the village is theirs; the Camat's sight matches the kecamatan exactly, so
    # spaces around it (a non-breaking one too) are not kept.
    response = post_form(client, f"/village/edit/{babakan}", {
        **form, "kecamatan": "Karangpucung ", "kabupaten": "\u00a0Cilacap"}, follow=False)
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(Village, babakan)
        assert (row.head_name, row.kecamatan, row.kabupaten) == (
            "Siti Rahmawati", "Karangpucung", "Cilacap")
        with villages.acting_for(babakan):
            own_record = db.session.scalar(select(Officer.id).where(Officer.user_id == user_id))
        db.session.remove()
    # Nor can they make themselves the installation's admin by taking their login off their
    # officer record (a login without one is of every village).
    officer_form = {"name": "Admin Babakan", "position": "sekretaris_desa", "field_of_work": "",
                    "dusun": "", "phone": "", "active": "y", "user": ""}
    response = post_form(client, f"/officer/edit/{own_record}", officer_form)
    assert response.status_code == 200
    assert "Anda tidak dapat melepas login Anda sendiri" in response.get_data(as_text=True)
    with app.app_context(), villages.acting_for(babakan):
        assert db.session.scalar(select(Officer.user_id).where(Officer.id == own_record)) \
            == user_id
        # The installation's admin (no village's officer) may move it.
        with villages.acting_for(babakan):
            db.session.query(Officer).filter_by(user_id=user_id).delete()
            db.session.commit()
        db.session.remove()
    response = post_form(client, f"/village/edit/{babakan}", {**form, "slug": "babakan-lama"},
                         follow=False)
    assert response.status_code == 302
    assert [slug for slug, _, _ in _villages(app)] == ["babakan-lama", "karangsari"]


def test_a_villages_admin_sees_and_links_only_their_villages_logins(app, client, login_as):
    """The officer screen's login list: a village's admin sees their village's officers'
    logins, not another village's officer, the Camat or the installation's admin (names of
    people of other villages; linking the installation's admin would shut them into one
    village), and a login sent that is not offered is refused."""
    from tests.conftest import make_user

    user_id = login_as("admin")
    with app.app_context():
        babakan = first_village_id()
        karangsari = add_village()
        db.session.remove()
    desk = make_user(app, "dewi_babakan", "Petugas Pengelola", "Dewi", "Meja")
    other = make_user(app, "siti_karangsari", "Petugas Pengelola", "Siti", "Karangsari")
    make_user(app, "admin_kabupaten", "Admin", "Admin", "Kabupaten")
    with app.app_context():
        with villages.acting_for(babakan):
            db.session.add(Officer(name="Admin Babakan", position="sekretaris_desa",
                                   user_id=user_id, active=True))
            record = Officer(name="Dewi Meja", position="petugas_pengelola", user_id=desk, active=True)
            db.session.add(record)
            db.session.commit()
            record_id = record.id
        with villages.acting_for(karangsari):
            db.session.add(Officer(name="Siti Karangsari", position="petugas_pengelola", user_id=other,
                                   active=True))
            db.session.commit()
        db.session.remove()
    page = client.get(f"/officer/edit/{record_id}").get_data(as_text=True)
    assert "Dewi Meja" in page
    assert "Siti Karangsari" not in page and "Admin Kabupaten" not in page
    form = {"name": "Dewi Meja", "position": "petugas_pengelola", "field_of_work": "", "dusun": "",
            "phone": "", "active": "y", "user": str(other)}
    response = post_form(client, f"/officer/edit/{record_id}", form)
    assert response.status_code == 200
    with app.app_context(), villages.acting_for(babakan):
        assert db.session.get(Officer, record_id).user_id == desk
        db.session.remove()
