"""Villages, first step (issue 25): the installation's village is a row, every village-owned
row points to it, and the letterhead reads it; a single-village install works as before."""

import contextlib
import datetime as dt
from pathlib import Path
from unittest.mock import ANY

import pytest
from sqlalchemy import inspect, text

from app.auth import villages
from app.auth.villages import VillageNotChosen, current_village
from app.documents.letterhead import letterhead_lines
from app.extensions import db
from app.models import Complaint, Holiday, RegisterCounter
from app.services.reference_data import seed_reference_data
from tests.conftest import make_complaint, make_officer
from tests.test_migrations import _before

REVISION = "0025_villages"
# Written out by hand from migration 0025's docstring (not imported from the code under test).
OWNED = {"complaint", "officer", "category", "dusun", "deadline_tier", "response_template",
         "meeting", "register_counter", "inbox_message"}
BABAKAN = ("babakan", "Babakan", "Karangpucung", "Cilacap",
           "Desa Babakan, Kec. Karangpucung, Kab. Cilacap, Jawa Tengah", "0821 3345 4594",
           "desababakan0401@gmail.com", "https://babakan-karangpucung.desa.id",
           "Sidik Noer Amin")


def _demo_with_holidays(seed):
    """The demo data (40 complaints) and a local and a national holiday, committed."""
    from app.demo import load_demo

    load_demo(count=40, seed=seed)
    db.session.add_all([
        Holiday(date=dt.date(2030, 8, 20), year=2030, name="Sedekah bumi", kind="local"),
        Holiday(date=dt.date(2030, 12, 25), year=2030, name="Natal", kind="national")])
    db.session.commit()


def _every_row(conn):
    """{table: sorted rows as {column: value}} of every table holding rows but Alembic's and
    the villages (a later migration's empty table, gone below it, holds nothing to lose)."""
    found = {}
    for table in inspect(conn).get_table_names():
        if table in ("alembic_version", "village"):
            continue
        rows = [dict(row._mapping) for row in conn.execute(text(f"SELECT * FROM {table}"))]
        if rows:
            found[table] = sorted(rows, key=lambda row: sorted((k, repr(v))
                                                                for k, v in row.items()))
    return found


def _without_village(tables):
    return {table: [{k: v for k, v in row.items() if k != "village_id"} for row in rows]
            for table, rows in tables.items()}


@contextlib.contextmanager
def _at_revision(app, revision):
    """The database down at migration ``revision`` (Alembic itself: Flask-Migrate would turn
    a refusal into a logged exit); yields the migrations' folder and Alembic's config, and
    goes back to head afterwards, whatever the test found. A refusal is then tested from
    there: PostgreSQL runs a whole downgrade in one transaction, so one refused further down
    would also undo the steps above it."""
    from alembic import command

    directory = str(Path(app.root_path) / "migrations")
    db.session.remove()
    config = app.extensions["migrate"].migrate.get_config(directory)
    command.downgrade(config, revision)
    try:
        yield directory, config
    finally:
        command.upgrade(config, "head")
        villages.forget()


def _version():
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def test_the_demo_data_goes_down_and_up_through_the_village_migration_whole(app, ctx):
    """The demo data down to 0023 (a single-village database as it was), then up: every row of
    every table is as before, each village-owned row points to the one village made from the
    settings, a local holiday too and a national one not; down again loses nothing."""
    from flask_migrate import downgrade, upgrade

    _demo_with_holidays(seed=5)
    directory = str(Path(app.root_path) / "migrations")
    with db.engine.connect() as conn:
        at_head = _every_row(conn)
    assert len(at_head["complaint"]) >= 40 and at_head["meeting"] and at_head["officer"]
    db.session.remove()
    try:
        downgrade(directory=directory, revision=_before(directory, REVISION))
        with db.engine.connect() as conn:
            assert "village" not in inspect(conn).get_table_names()
            before = _every_row(conn)
        assert before == _without_village(at_head)
        assert not any("village_id" in row for rows in before.values() for row in rows)

        upgrade(directory=directory, revision=REVISION)
        with db.engine.connect() as conn:
            after = _every_row(conn)
            village = conn.execute(text(
                "SELECT id, slug, name, kecamatan, kabupaten, address, phone, email, website, "
                "head_name FROM village")).all()
            holidays = dict(conn.execute(text("SELECT name, village_id FROM holiday")).all())
            columns = {table: {c["name"]: c["nullable"] for c in inspect(conn).get_columns(table)}
                       for table in OWNED | {"holiday"}}
        assert [row[1:] for row in village] == [BABAKAN]
        village_id = village[0][0]
        assert _without_village(after) == before
        for table in OWNED:
            assert columns[table]["village_id"] is False, table
            assert {row["village_id"] for row in after.get(table, [])} <= {village_id}, table
        assert holidays["Sedekah bumi"] == village_id and holidays["Natal"] is None
        assert columns["holiday"]["village_id"] is True

        db.session.remove()
        downgrade(directory=directory, revision=_before(directory, REVISION))
        with db.engine.connect() as conn:
            assert _every_row(conn) == before
    finally:
        db.session.remove()
        upgrade(directory=directory)
        villages.forget()


def test_going_down_is_refused_while_two_villages_exist(app, ctx):
    from alembic import command

    make_complaint(app)
    with _at_revision(app, REVISION) as (directory, config):
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO village (slug, name, kecamatan, kabupaten) "
                              "VALUES ('karangsari', 'Karangsari', 'Karangpucung', 'Cilacap')"))
        with pytest.raises(RuntimeError, match="more than one village"):
            command.downgrade(config, _before(directory, REVISION))
        assert _version() == REVISION
        with db.engine.connect() as conn:
            assert conn.execute(text(
                "SELECT count(*) FROM complaint WHERE village_id IS NOT NULL")).scalar() == 1


def test_new_rows_get_the_one_village_and_a_national_holiday_none(app, ctx):
    pk = make_complaint(app)
    village_id = db.session.execute(text("SELECT id FROM village")).scalar_one()
    complaint = db.session.get(Complaint, pk)
    assert complaint.village_id == village_id
    make_officer(app)
    for table in ("category", "dusun", "deadline_tier", "response_template", "officer"):
        assert db.session.execute(text(f"SELECT village_id, count(*) FROM {table} "
                                       "GROUP BY village_id")).all() == [(village_id, ANY)], table
    counter = db.session.get(RegisterCounter, {"village_id": village_id,
                                               "year": complaint.register_year})
    assert counter.village_id == village_id
    db.session.add_all([Holiday(date=dt.date(2027, 8, 20), year=2027, name="Sedekah bumi",
                                kind="local"),
                        Holiday(date=dt.date(2027, 1, 1), year=2027, name="Tahun Baru",
                                kind="national")])
    db.session.commit()
    assert dict(db.session.execute(text(
        "SELECT name, village_id FROM holiday WHERE year = 2027")).all()) \
        == {"Sedekah bumi": village_id, "Tahun Baru": None}


def test_the_letterhead_reads_the_villages_row(app, ctx):
    assert letterhead_lines() == [
        "PEMERINTAH DESA BABAKAN", "KECAMATAN KARANGPUCUNG", "KABUPATEN CILACAP",
        "Desa Babakan, Kec. Karangpucung, Kab. Cilacap, Jawa Tengah · Telp/WA 0821 3345 4594"
        " · desababakan0401@gmail.com"]
    db.session.execute(text("UPDATE village SET name = 'Karangsari', phone = '0812 1111 2222'"))
    db.session.commit()
    villages.forget()
    assert letterhead_lines()[0] == "PEMERINTAH DESA KARANGSARI"
    assert "Telp/WA 0812 1111 2222" in letterhead_lines()[3]


def test_a_single_village_install_still_takes_its_letterhead_from_the_settings(app, ctx):
    """A new Kepala Desa's name set in VILLAGE_HEAD_NAME reaches the documents at the next
    start, as before the village table; with two villages the settings touch no row."""
    settings = app.config["VILLAGE"]
    old = dict(settings)
    try:
        settings["head_name"] = "Siti Rahmawati"
        seed_reference_data()
        assert current_village().head_name == "Siti Rahmawati"
        assert db.session.execute(text("SELECT head_name FROM village")).scalar() \
            == "Siti Rahmawati"

        db.session.execute(text(
            "INSERT INTO village (slug, name, kecamatan, kabupaten, register_code) "
            "VALUES ('karangsari', 'Karangsari', 'Karangpucung', 'Cilacap', 'PGD')"))
        db.session.commit()
        settings["head_name"] = "Lain Lagi"
        seed_reference_data()
        assert db.session.execute(text("SELECT head_name FROM village ORDER BY id")).scalars()\
            .all() == ["Siti Rahmawati", None]
        with pytest.raises(VillageNotChosen):
            current_village()
    finally:
        settings.clear()
        settings.update(old)
        villages.forget()


KEYS = "0026_village_keys"
# Written out from migration 0026's docstring: the keys of old (installation-wide) and new.
OLD_KEYS = {"category": [["name"]], "dusun": [["name"]], "inbox_message": [["message_id"]],
            "complaint": [["register_number"], ["register_year", "register_seq"],
                          ["submission_token"], ["tracking_code"]],
            "holiday": [["date"]]}
NEW_KEYS = {"category": [["village_id", "name"]], "dusun": [["village_id", "name"]],
            "inbox_message": [["village_id", "message_id"]],
            "complaint": [["submission_token"], ["tracking_code"],
                          ["village_id", "register_number"],
                          ["village_id", "register_year", "register_seq"]],
            "holiday": [["date"], ["village_id", "date"]]}


def _unique_keys(conn):
    """{table: sorted column lists of its unique constraints and unique indexes}."""
    found = {}
    inspector = inspect(conn)
    for table in OLD_KEYS:
        keys = [c["column_names"] for c in inspector.get_unique_constraints(table)]
        keys += [i["column_names"] for i in inspector.get_indexes(table)
                 if i["unique"] and not i.get("duplicates_constraint")]
        found[table] = sorted(keys)
    return found


def _counter_key(conn):
    return inspect(conn).get_pk_constraint("register_counter")["constrained_columns"]


def test_the_demo_data_goes_down_and_up_through_the_keys_migration_whole(app, ctx):
    """The demo data down to 0025 (keys of the whole installation), then up: every row of
    every table as before, the keys per village, the register code from REGISTER_CODE."""
    from flask_migrate import downgrade, upgrade

    _demo_with_holidays(seed=7)
    directory = str(Path(app.root_path) / "migrations")
    with db.engine.connect() as conn:
        at_head = _every_row(conn)
        assert _unique_keys(conn) == NEW_KEYS and _counter_key(conn) == ["village_id", "year"]
    assert at_head["register_counter"] and len(at_head["complaint"]) >= 40
    db.session.remove()
    old_code = app.config["REGISTER_CODE"]
    try:
        downgrade(directory=directory, revision=_before(directory, KEYS))
        with db.engine.connect() as conn:
            assert _every_row(conn) == at_head
            assert _unique_keys(conn) == OLD_KEYS and _counter_key(conn) == ["year"]
            assert "register_code" not in {c["name"] for c in inspect(conn).get_columns("village")}

        app.config["REGISTER_CODE"] = "BBK"
        upgrade(directory=directory, revision=KEYS)
        with db.engine.connect() as conn:
            assert _every_row(conn) == at_head
            assert _unique_keys(conn) == NEW_KEYS and _counter_key(conn) == ["village_id", "year"]
            assert conn.execute(text("SELECT register_code, edited_in_app FROM village")).all() \
                == [("BBK", False)]
    finally:
        app.config["REGISTER_CODE"] = old_code
        db.session.remove()
        upgrade(directory=directory)
        villages.forget()


def test_going_below_the_keys_is_refused_while_two_villages_share_a_key(app, ctx):
    """Two villages both with the seeded category "Lainnya", both with a number 1 of 2026:
    down to 0025 would collide, so it is refused, naming them, before anything changes."""
    from alembic import command

    from app.models import Village
    from app.services.village_setup import prepare_new_village

    make_complaint(app, received_at=dt.datetime(2026, 11, 3, 9))
    second = Village(slug="karangsari", name="Karangsari", kecamatan="Karangpucung",
                     kabupaten="Cilacap", register_code="KRS")
    prepare_new_village(second)
    db.session.commit()
    complaint = Complaint(subject="Jalan", description="Rusak", complainant_name="Budi",
                          complainant_address="RT 01", complainant_phone="+6281234567891",
                          channel="walk_in", received_at=dt.datetime(2026, 11, 4, 9))
    from app.services.complaints import register_complaint
    with villages.acting_for(second.id):
        register_complaint(complaint, notify=False)
    with _at_revision(app, KEYS) as (directory, config):
        with db.engine.connect() as conn:
            before = _every_row(conn)
        with pytest.raises(RuntimeError) as refused:
            command.downgrade(config, _before(directory, KEYS))
        message = str(refused.value)
        assert "register_counter.year: 2026" in message
        assert "category.name: " in message and "Lainnya" in message
        assert "complaint.register_year, register_seq: 2026 1" in message
        assert "Not done; nothing changed." in message
        assert _version() == KEYS
        with db.engine.connect() as conn:
            assert _every_row(conn) == before
            assert _unique_keys(conn) == NEW_KEYS


def test_going_below_the_keys_is_refused_while_the_code_is_not_the_setting(app, ctx):
    from alembic import command

    db.session.execute(text("UPDATE village SET register_code = 'BBK'"))
    db.session.commit()
    with _at_revision(app, KEYS) as (directory, config):
        with pytest.raises(RuntimeError, match="babakan uses 'BBK'. Set REGISTER_CODE"):
            command.downgrade(config, _before(directory, KEYS))
        assert _version() == KEYS


def test_a_village_changed_on_another_host_is_read_once_the_copy_is_old(app, ctx, monkeypatch):
    """With several app hosts, each keeps the villages' rows VILLAGE_CACHE_SECONDS: a name
    edited and a village added on another host (here: straight in the database, no
    ``forget`` in this process) are read here once this process's copy is older."""
    monkeypatch.setitem(app.config, "VILLAGE_CACHE_SECONDS", 60)
    clock = {"now": 1000.0}
    monkeypatch.setattr(villages.time, "monotonic", lambda: clock["now"])
    villages.forget()
    village_id = current_village().id
    assert villages.village_data(village_id).name == "Babakan" and not villages.several()
    assert villages.by_slug("karangsari") is None
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE village SET name = 'Babakan Baru'"))
        conn.execute(text("INSERT INTO village (slug, name, kecamatan, kabupaten, "
                          "register_code, edited_in_app) VALUES ('karangsari', 'Karangsari', "
                          "'Karangpucung', 'Cilacap', 'KRS', false)"))
    clock["now"] += 59
    assert villages.village_data(village_id).name == "Babakan" and not villages.several()
    assert villages.by_slug("karangsari") is None  # its /karangsari/ pages: not yet here
    clock["now"] += 2
    assert villages.village_data(village_id).name == "Babakan Baru" and villages.several()
    assert villages.by_slug("karangsari").name == "Karangsari"


HOST_REVISION = "0030_village_host"


def test_going_below_the_host_names_is_refused_while_a_village_has_one(app, ctx):
    """Down from 0030 drops ``village.host``: refused, naming the village, while one is set;
    without one it goes down and up keeping every row."""
    from alembic import command

    make_complaint(app)
    db.session.execute(text("UPDATE village SET host = 'lapor.babakan.desa.id'"))
    db.session.commit()
    with _at_revision(app, HOST_REVISION) as (directory, config):
        with db.engine.connect() as conn:
            before = _every_row(conn)
        with pytest.raises(RuntimeError, match=r"babakan \(lapor.babakan.desa.id\)"):
            command.downgrade(config, _before(directory, HOST_REVISION))
        assert _version() == HOST_REVISION
        with db.engine.connect() as conn:
            assert _every_row(conn) == before
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE village SET host = NULL"))
        command.downgrade(config, _before(directory, HOST_REVISION))
        with db.engine.connect() as conn:
            assert _every_row(conn) == before
            assert "host" not in {c["name"] for c in inspect(conn).get_columns("village")}
    with db.engine.connect() as conn:
        assert _every_row(conn) == before


FETCH_REVISION = "0031_inbox_fetch_village"


def test_the_mailbox_readings_become_the_first_villages_and_none_is_lost_going_down(app, ctx):
    """Up from 0030: the readings made before (of the one mailbox there was, read into the
    first village) become the first village's. Down drops ``inbox_fetch.village_id``:
    refused, naming the village, while another village has readings (they would pass as the
    first village's); without any it goes down and up keeping every row."""
    from alembic import command

    with _at_revision(app, HOST_REVISION) as (directory, config):
        with db.engine.begin() as conn:
            for ok, error in ((True, None), (False, "ConnectionRefusedError")):
                conn.execute(text("INSERT INTO inbox_fetch (started_at, ok, fetched, attempts, "
                                  "error) VALUES (:at, :ok, 2, 1, :error)"),
                             {"at": dt.datetime(2026, 11, 30, 8), "ok": ok, "error": error})
        command.upgrade(config, FETCH_REVISION)
        with db.engine.begin() as conn:
            first = conn.execute(text("SELECT min(id) FROM village")).scalar()
            assert conn.execute(text("SELECT village_id, ok, error FROM inbox_fetch ORDER BY id")
                                ).all() == [(first, True, None),
                                            (first, False, "ConnectionRefusedError")]
            conn.execute(text("INSERT INTO village (slug, name, kecamatan, kabupaten, "
                              "register_code) VALUES ('karangsari', 'Karangsari', "
                              "'Karangpucung', 'Cilacap', 'KRS')"))
            conn.execute(text("INSERT INTO inbox_fetch (village_id, started_at, ok, fetched, "
                              "attempts) SELECT id, :at, true, 1, 1 FROM village "
                              "WHERE slug = 'karangsari'"), {"at": dt.datetime(2026, 12, 1)})
        with db.engine.connect() as conn:
            before = _every_row(conn)
        with pytest.raises(RuntimeError, match=r"readings of karangsari \(1\)"):
            command.downgrade(config, HOST_REVISION)
        assert _version() == FETCH_REVISION
        with db.engine.connect() as conn:
            assert _every_row(conn) == before
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM inbox_fetch WHERE village_id <> :first"),
                         {"first": first})
            conn.execute(text("DELETE FROM village WHERE slug = 'karangsari'"))
        command.downgrade(config, HOST_REVISION)
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT ok, fetched, error FROM inbox_fetch ORDER BY id")
                                ).all() == [(True, 2, None), (False, 2, "ConnectionRefusedError")]
