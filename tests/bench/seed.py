"""Bulk seeding for the benchmark: N complaints over five years, with their timelines.

The rows are what the services would have written (register numbers gap-free per
village and year in order of receipt, unique tracking codes, deadlines in working
days, one timeline event per step up to the complaint's status), but written in bulk:
COPY on PostgreSQL, ``executemany`` on SQLite. 100,000 complaints take seconds,
not the minutes that ``services.register_complaint`` one by one would.

With ``villages`` > 1 the first village is today's and the others get their own
officers, categories and dusun; complaints spread over them with a skew (a few
villages much busier than most). On PostgreSQL the complaint and timeline tables'
secondary indexes and unique keys are dropped for the load and built once after it
(at millions of rows that is several times faster than keeping them up to date).
"""

import datetime as dt
import json
import os
import queue
import random
import threading
import time

from flask import current_app
from sqlalchemy import func, select, text

from app.auth import security
from app.core import workflow
from app.core.numbering import TRACKING_ALPHABET, format_register_number
from app.core.timeutil import add_working_days, now_wib
from app.extensions import db
from app.models import (Category, Complaint, ComplaintEvent, Dusun, Officer, RegisterCounter,
                        Village)
from app.models.villages import KABUPATEN
from app.services import oversight
from app.services.reference_data import seed_village

BENCH_USER = "bench_desk"
INSPEKTORAT_USER = "bench_inspektorat"
BENCH_PASSWORD = "bench-kata-sandi-panjang"
CHUNK = 20_000

FIRST = ["Siti", "Sri", "Tri", "Budi", "Slamet", "Wahyu", "Ratna", "Ahmad", "Suparman", "Dewi",
         "Yuli", "Rohmat", "Sugeng", "Kusnadi", "Warsini", "Tarsono", "Endang", "Ngatini",
         "Joko", "Sumarni", "Darsono", "Kartini", "Wartono", "Rini"]
LAST = ["Aminah", "Rahayu", "Santoso", "Hidayat", "Purwanto", "Lestari", "Susanti", "Wibowo",
        "Saputra", "Mulyadi", "Handayani", "Kurniawan", "Setiawan", "Wulandari", "Pratama",
        "Nugroho", "Maryati", "Sutrisno"]
SUBJECTS = ["Lampu jalan mati", "Jalan berlubang", "Saluran air tersumbat", "KK belum jadi",
            "Nama tidak masuk daftar BLT", "Bantuan beras terlambat", "Surat pengantar lama",
            "Pungutan saat mengurus surat", "Jadwal posyandu tidak jelas", "Jembatan rusak",
            "Sampah menumpuk", "Usulan taman bacaan"]
CHANNELS = ["walk_in"] * 4 + ["complaint_box", "phone", "phone", "email", "website", "website",
                              "social_media"]
KINDS = ["pengaduan"] * 6 + ["laporan"] * 3 + ["saran"]
URGENCIES = ["low", "normal", "normal", "normal", "normal", "high", "urgent"]
OUTCOMES = ["administrative", "corrective", "policy"]
# (status, weight) for complaints older than two months, and for recent ones.
OLD_STATUSES = [("informed", 55), ("resolved", 10), ("rejected", 8), ("referred", 5),
                ("in_review", 2), ("forwarded", 10), ("verified", 5), ("received", 3),
                ("needs_completion", 2)]
NEW_STATUSES = [("informed", 10), ("resolved", 10), ("rejected", 5), ("referred", 3),
                ("in_review", 7), ("forwarded", 25), ("verified", 15), ("received", 20),
                ("needs_completion", 5)]
# The steps that lead to each status, after "register".
PATHS = {
    "received": [],
    "needs_completion": ["request_completion"],
    "verified": ["verify"],
    "forwarded": ["verify", "forward"],
    "in_review": ["verify", "forward", "schedule_meeting"],
    "resolved": ["verify", "forward", "resolve"],
    "informed": ["verify", "forward", "resolve", "inform"],
    "rejected": ["reject"],
    "referred": ["verify", "refer"],
}
STEP_TARGET = {"request_completion": "needs_completion", "verify": "verified",
               "forward": "forwarded", "schedule_meeting": "in_review", "resolve": "resolved",
               "inform": "informed", "reject": "rejected", "refer": "referred"}
COMPLAINT_COLUMNS = [c.name for c in Complaint.__table__.columns]
DEFAULTS = {c.name: c.default.arg if c.default is not None and c.default.is_scalar else None
            for c in Complaint.__table__.columns}
IDENTITY_LEVELS = ("named", "masked", "anonymous", "confidential")
# The timeline's columns in the order ``_event`` gives them (its rows are tuples: four to
# five per complaint, the bulk of the load).
EVENT_COLUMNS = ["id", "complaint_id", "occurred_at", "actor_name", "step", "from_status",
                 "to_status", "note", "is_public", "audience", "data"]
OFFICERS = [("Tri Wahyuningsih", "sekretaris_desa"), ("Dwi Lestari", "petugas_pengelola"),
            ("Agus Salim", "kasi"), ("Nur Khasanah", "kasi"), ("Bambang Riyadi", "kasi"),
            ("Sri Mulyani", "kaur"), ("Eko Prasetyo", "kaur"), ("Fajar Nugroho", "staf_kasi")]
KECAMATAN = ["Dayeuhluhur", "Wanareja", "Majenang", "Cimanggu", "Karangpucung", "Cipari",
             "Sidareja", "Kedungreja", "Patimuan", "Gandrungmangu", "Bantarsari", "Kawunganten",
             "Kampung Laut", "Jeruklegi", "Kesugihan", "Adipala", "Maos", "Sampang", "Kroya",
             "Binangun", "Nusawungu", "Cilacap Selatan", "Cilacap Tengah", "Cilacap Utara"]


def reset_database(engine):
    """Empty the benchmark database (only ever one whose name starts with ``bench``)."""
    url = engine.url
    name = url.database or ""
    base = name.rsplit("/", 1)[-1]
    if not base.startswith("bench"):
        raise SystemExit(f"refusing to reset {name!r}: benchmark databases are named bench*")
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(name + suffix):
                os.remove(name + suffix)


def _ensure_people():
    """The first village's officers (the SOP's, one Kepala Dusun per dusun)."""
    if db.session.scalar(select(func.count(Officer.id))) == 0:
        rows = list(OFFICERS)
        dusun = db.session.execute(select(Dusun.id, Dusun.name).where(Dusun.village_id == 1)
                                   .order_by(Dusun.id)).all()
        db.session.add_all(Officer(village_id=1, name=n, position=p, active=True)
                           for n, p in rows)
        db.session.add_all(Officer(village_id=1, name=f"Kadus {name}", position="kepala_dusun",
                                   dusun_id=d, active=True) for d, name in dusun)
    db.session.commit()


def _add_villages(count):
    """Villages 2..``count``, each with the lists a new register starts with (categories,
    dusun, deadline tiers, templates) and its own officers."""
    first = db.session.get(Village, 1)
    for number in range(2, count + 1):
        village = Village(slug=f"desa-{number:03d}", name=f"Desa Contoh {number:03d}",
                          kecamatan=KECAMATAN[number % len(KECAMATAN)],
                          kabupaten=first.kabupaten, register_code=first.register_code)
        db.session.add(village)
        db.session.flush()
        seed_village(village.id)
        dusun = db.session.scalars(select(Dusun.id).where(Dusun.village_id == village.id)
                                   .order_by(Dusun.id)).all()
        db.session.add_all(Officer(village_id=village.id, name=n, position=p, active=True)
                           for n, p in OFFICERS)
        db.session.add_all(Officer(village_id=village.id, name=f"Kadus {i + 1}",
                                   position="kepala_dusun", dusun_id=d, active=True)
                           for i, d in enumerate(dusun))
    db.session.commit()


def add_inspektorat():
    """An Inspektorat login watching the seeded villages' kabupaten: the comparison's reader."""
    sm = current_app.appbuilder.sm
    if sm.find_user(username=INSPEKTORAT_USER) is None:
        sm.add_user(username=INSPEKTORAT_USER, first_name="Bench", last_name="Inspektorat",
                    email=f"{INSPEKTORAT_USER}@example.test",
                    role=sm.find_role(security.INSPEKTORAT), password=BENCH_PASSWORD)
    kabupaten = db.session.scalar(select(Village.kabupaten).order_by(Village.id).limit(1))
    oversight.give(INSPEKTORAT_USER, KABUPATEN, kabupaten)
    return INSPEKTORAT_USER


def desk_user(village_id):
    """The benchmark's desk login of a village (the first village's keeps its old name)."""
    return BENCH_USER if village_id == 1 else f"{BENCH_USER}_{village_id}"


def add_desk(village_id):
    """A desk login tied to an officer of ``village_id`` (the officer says its village)."""
    sm = current_app.appbuilder.sm
    username = desk_user(village_id)
    user = sm.find_user(username=username)
    if user is None:
        user = sm.add_user(username=username, first_name="Bench", last_name=f"Desa {village_id}",
                           email=f"{username}@example.test", role=sm.find_role(security.DESK),
                           password=BENCH_PASSWORD)
    if db.session.scalar(select(Officer.id).where(Officer.user_id == user.id)) is None:
        with db.engine.begin() as conn:
            conn.execute(Officer.__table__.insert().values(
                village_id=village_id, name=f"Bench Petugas {village_id}",
                position="petugas_pengelola", active=True, user_id=user.id))
    return username


def _weighted(rng, pairs):
    values = [v for v, _ in pairs]
    weights = [w for _, w in pairs]
    return lambda: rng.choices(values, weights)[0]


class _Deadlines:
    """Verification and resolution due dates, memoised by (date, urgency)."""

    def __init__(self, config, holidays):
        self.config = config
        self.holidays = holidays
        self.memo = {}

    def __call__(self, day, urgency):
        key = (day, urgency)
        if key not in self.memo:
            cfg = self.config
            self.memo[key] = (
                add_working_days(day, cfg["DEADLINE_VERIFICATION_DAYS"], self.holidays),
                add_working_days(day, cfg["DEADLINE_RESOLUTION_DAYS"].get(urgency, 14),
                                 self.holidays),
            )
        return self.memo[key]


# Per complaint only these columns are drawn; the rest comes from one of a few thousand
# complaints drawn in full ("variants": subject, names, steps and their notes), so ten
# million rows take minutes. Times are the variant's offsets added to the received time.
STAMPED = ["id", "village_id", "register_number", "register_year", "register_seq",
           "tracking_code", "status", "received_at", "created_at", "changed_at", "resolved_at",
           "closed_at", "incident_date", "verification_due", "due_date", "category_id",
           "dusun_id", "assigned_officer_id"]
VARIANT_COLUMNS = [c for c in COMPLAINT_COLUMNS if c not in STAMPED]
VARIANTS_PER_STATUS = 300
T0 = dt.datetime(2000, 1, 3)


class Variant:
    """One complaint drawn in full with a status, received at ``T0``."""

    def __init__(self, rng, status, officers):
        self.urgency = rng.choice(URGENCIES)
        steps = PATHS[status]
        self.officer = rng.randrange(len(officers)) if "forward" in steps else None
        officer = officers[self.officer] if self.officer is not None else None
        channel = rng.choice(CHANNELS)
        row = {
            "kind": rng.choice(KINDS), "channel": channel,
            "complainant_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "complainant_address": f"RT {rng.randint(1, 9):02d}/RW {rng.randint(1, 5):02d}",
            "complainant_phone": f"+628{rng.randint(100000000, 9999999999)}",
            "subject": rng.choice(SUBJECTS),
            "description": "Mohon segera ditindaklanjuti. " * rng.randint(1, 6),
            "rt_rw": f"{rng.randint(1, 9):02d}/{rng.randint(1, 5):02d}",
            "urgency": self.urgency,
            # Graded identity (issue 10): mostly named, a few masked, anonymous, confidential.
            "identity_level": rng.choices(IDENTITY_LEVELS, (90, 5, 3, 2))[0],
            "voided": rng.random() < 0.003, "version": 1 + len(steps),
        }
        if row["voided"]:
            row["void_reason"] = "Tercatat dua kali"
        self.category = rng.randrange(99) if rng.random() < 0.95 else None
        self.dusun = rng.randrange(99) if rng.random() < 0.9 else None
        self.incident_days = rng.randint(0, 10)
        when = T0
        # (offset from receipt, the event's columns after occurred_at)
        self.events = [(dt.timedelta(0), _event("register", None, "received", None,
                                                {"channel": channel}))]
        source = "received"
        for step in steps:
            when = when + dt.timedelta(hours=rng.randint(2, 24 * 6))
            note, data = _step_effects(row, step, officer, when, rng)
            target = STEP_TARGET[step]
            self.events.append((when - T0, _event(step, source, target, note, data)))
            source = target
        self.changed = when - T0
        self.resolved = row.pop("resolved_at", None)
        self.closed = row.pop("closed_at", None)
        self.resolved = self.resolved and self.resolved - T0
        self.closed = self.closed and self.closed - T0
        self.values = tuple(row.get(c, DEFAULTS[c]) for c in VARIANT_COLUMNS)
        self.text = "\t".join(map(_copy_text, self.values))
        self.events = [(offset, event, "\t".join(map(_copy_text, event)))
                       for offset, event in self.events]


def seed(rows, villages=1, random_seed=8, log=print):
    """Fill the (migrated, empty) database with ``rows`` complaints over ``villages``
    villages; return timing facts."""
    from app.services.complaints import holidays

    started = time.monotonic()
    _ensure_people()
    if villages > 1:
        _add_villages(villages)
    rng = random.Random(random_seed)
    categories, dusun_ids, officers = {}, {}, {}
    for village_id, category in db.session.execute(
            select(Category.village_id, Category.id).order_by(Category.id)):
        categories.setdefault(village_id, []).append(category)
    for village_id, dusun in db.session.execute(
            select(Dusun.village_id, Dusun.id).order_by(Dusun.id)):
        dusun_ids.setdefault(village_id, []).append(dusun)
    first_officers = []
    for village_id, officer, name, position in db.session.execute(select(
            Officer.village_id, Officer.id, Officer.name, Officer.position).order_by(Officer.id)):
        officers.setdefault(village_id, []).append(officer)
        if village_id == 1:
            first_officers.append((officer, name, position))
    village_ids = sorted(categories)
    # Every village has the first one's officers by name, in the same order (OFFICERS, then
    # a Kadus per dusun): a variant's officer is the same position in each.
    variants = {status: [Variant(rng, status, first_officers)
                         for _ in range(VARIANTS_PER_STATUS)] for status in PATHS}
    # A skewed load: a village's share drawn from a log-normal, so the busiest village has
    # about ten times the median one's complaints and the quietest a tenth of it.
    weights = [rng.lognormvariate(0, 1) for _ in village_ids]
    codes = dict(db.session.execute(select(Village.id, Village.register_code)).all())
    deadlines = _Deadlines(current_app.config, holidays())
    now = now_wib().replace(microsecond=0)
    span = 5 * 365 * 24 * 3600
    # Sorted received times, so register numbers follow the order of receipt within a year.
    offsets = sorted((rng.random() * span for _ in range(rows)), reverse=True)
    old_status = _weighted(rng, OLD_STATUSES)
    new_status = _weighted(rng, NEW_STATUSES)
    seq = {}  # (village, year) -> last register number
    event_id = 0
    writer = Writer(db.engine)
    rebuild = _drop_secondary_keys(db.engine)
    for start in range(0, rows, CHUNK):
        complaints, events = [], []
        count = min(rows, start + CHUNK) - start
        for index, village_id in zip(range(start, start + count),
                                     rng.choices(village_ids, weights, k=count)):
            received = now - dt.timedelta(seconds=int(offsets[index]))
            status = old_status() if (now - received).days > 60 else new_status()
            variant = rng.choice(variants[status])
            year = received.year
            number = seq[village_id, year] = seq.get((village_id, year), 0) + 1
            verification_due, due_date = deadlines(received.date(), variant.urgency)
            mine = categories[village_id], dusun_ids[village_id], officers[village_id]
            complaint_id = index + 1
            complaints.append(((
                complaint_id, village_id, format_register_number(number, received, codes[village_id]), year,
                number,
                # 31^12 codes: a repeat among ten million has odds of about 1 in 10,000, and
                # the unique index (built after the load) would refuse it.
                "".join(rng.choices(TRACKING_ALPHABET, k=12)), status, received, received,
                received + variant.changed, variant.resolved and received + variant.resolved,
                variant.closed and received + variant.closed,
                received.date() - dt.timedelta(days=variant.incident_days), verification_due,
                due_date, _nth(mine[0], variant.category), _nth(mine[1], variant.dusun),
                _nth(mine[2], variant.officer)), variant))
            for offset, values, line in variant.events:
                event_id += 1
                events.append((event_id, complaint_id, received + offset, values, line))
        writer.put(COMPLAINTS, complaints)
        writer.put(EVENTS, events)
        if (start + count) % 500_000 == 0 or start + count == rows:
            log(f"  seeded {start + count:,} complaints ({time.monotonic() - started:.0f} s)")
    writer.close()
    loaded = time.monotonic()
    _finish(db.engine, seq, rebuild, log)
    return {"rows": rows, "events": event_id, "villages": len(village_ids),
            "seconds": round(time.monotonic() - started, 1),
            "index_seconds": round(time.monotonic() - loaded, 1)}


def _nth(ids, index):
    """The village's ``index``-th id of a list (None stays None)."""
    return None if index is None else ids[index % len(ids)]


_JSON = {}


def _json(data):
    """The event's data as JSON (a few hundred distinct values: encoded once each)."""
    key = tuple(data.items())
    if key not in _JSON:
        _JSON[key] = json.dumps(data, sort_keys=True)
    return _JSON[key]


def _event(step, source, target, note, data):
    """A timeline event's columns after its time (``EVENT_COLUMNS[3:]``)."""
    return ("Dwi Lestari" if step != "register" else None, step, source, target, note, True,
            workflow.note_audience(step) if step in workflow.STEPS else workflow.STAFF,
            _json(data) if data else None)


def _step_effects(row, step, officer, when, rng):
    """What the step writes on the complaint; returns the event's (note, data)."""
    if step == "request_completion":
        row["public_note"] = "Mohon lengkapi alamat kejadian."
        return row["public_note"], {"missing": row["public_note"]}
    if step == "verify":
        return None, {"kind": row["kind"], "urgency": row["urgency"]}
    if step == "forward":
        return None, {"officer": officer[1], "position": officer[2],
                      "reported_to": "kepala_desa"}
    if step == "schedule_meeting":
        return None, {}
    if step == "resolve":
        row["outcome_type"] = rng.choice(OUTCOMES)
        row["outcome_text"] = "Sudah diperbaiki oleh petugas."
        row["public_note"] = "Sudah ditindaklanjuti."
        row["resolved_at"] = row["closed_at"] = when
        return row["outcome_text"], {"outcome_type": row["outcome_type"]}
    if step == "inform":
        return "Hasil disampaikan lewat WhatsApp.", {"channel": "whatsapp"}
    if step == "reject":
        row["rejection_reason"] = row["public_note"] = "Bukan kewenangan desa."
        row["closed_at"] = when
        return row["rejection_reason"], {}
    if step == "refer":
        row["referred_to"] = "Kecamatan Karangpucung"
        row["closed_at"] = when
        return None, {"office": row["referred_to"]}
    raise ValueError(step)


class Writer:
    """On PostgreSQL, COPY in a second thread, so the database takes one chunk while the
    next is drawn (the load takes as long as the slower of the two, not their sum)."""

    def __init__(self, engine):
        self.engine, self.error = engine, None
        self.queue = queue.Queue(maxsize=2)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while (item := self.queue.get()) is not None:
            if self.error is None:
                try:
                    item[0].copy(self.engine, item[1])
                except Exception as exc:  # raised in the seeding thread, at its next put
                    self.error = exc

    def put(self, table, rows):
        if self.engine.dialect.name != "postgresql":
            return table.insert(self.engine, rows)
        if self.error is not None:
            raise self.error
        self.queue.put((table, table.copy_text(rows)))

    def close(self):
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


class Table:
    """A table written in bulk, from the seed's items: COPY's text or dicts (SQLite)."""

    def __init__(self, table, columns, text, values):
        self.table, self.name = table, table.name
        self.columns, self.text, self.values = columns, text, values

    def insert(self, engine, items):
        """executemany (SQLite; PostgreSQL takes ``copy_text`` through a ``Writer``)."""
        with engine.begin() as conn:
            conn.execute(self.table.insert(), [dict(zip(self.columns, self.values(item)))
                                          for item in items])

    def copy_text(self, items):
        """The items in COPY's text format (the seed's strings hold no tab, newline or
        backslash to escape)."""
        return "".join(self.text(item) + "\n" for item in items)

    def copy(self, engine, data):
        """COPY ``data`` (``copy_text``) into the table."""
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cursor:
                cursor.execute("SET synchronous_commit = off")
                # Skips the foreign-key triggers: the rows point at ids made just before.
                cursor.execute("SET session_replication_role = replica")
                with cursor.copy(f"COPY {self.name} ({', '.join(self.columns)}) FROM STDIN") \
                        as copy:
                    copy.write(data)
                cursor.execute("RESET session_replication_role")
            raw.commit()
        finally:
            raw.close()


# A complaint item: (its STAMPED values, its Variant); an event item: (id, complaint id,
# time, the rest of its columns, those as COPY text).
COMPLAINTS = Table(Complaint.__table__, STAMPED + VARIANT_COLUMNS,
                   lambda item: "\t".join(map(_copy_text, item[0])) + "\t" + item[1].text,
                   lambda item: item[0] + item[1].values)
EVENTS = Table(ComplaintEvent.__table__, EVENT_COLUMNS,
               lambda item: f"{item[0]}\t{item[1]}\t{item[2]}\t{item[4]}",
               lambda item: item[:3] + item[3])


def _copy_text(value):
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    return str(value)


def _drop_secondary_keys(engine):
    """PostgreSQL: drop the secondary indexes and unique keys of the complaint and timeline
    tables; return the statements that build them again. Elsewhere: nothing."""
    if engine.dialect.name != "postgresql":
        return []
    rebuild = []
    with engine.begin() as conn:
        for table in ("complaint", "complaint_event"):
            for name, definition in conn.execute(text(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = CAST(:t AS regclass) AND contype = 'u'"), {"t": table}):
                conn.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT {name}"))
                rebuild.append(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
            for name, definition in conn.execute(text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :t AND "
                    "indexname NOT IN (SELECT conname FROM pg_constraint)"), {"t": table}):
                conn.execute(text(f"DROP INDEX {name}"))
                rebuild.append(definition)
    return rebuild


def _finish(engine, seq, rebuild, log):
    """Register counters at the last numbers, sequences past the ids, the indexes built
    again, fresh statistics."""
    with engine.begin() as conn:
        conn.execute(RegisterCounter.__table__.delete())
        conn.execute(RegisterCounter.__table__.insert(),
                     [{"village_id": v, "year": y, "last_number": n}
                      for (v, y), n in seq.items()])
        if engine.dialect.name == "postgresql":
            for table in ("complaint", "complaint_event"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
    if engine.dialect.name != "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("SET maintenance_work_mem = '1GB'"))
        for statement in rebuild:
            started = time.monotonic()
            conn.execute(text(statement))
            log(f"  {time.monotonic() - started:5.1f} s  {statement[:90]}")
        # Sets the visibility map too, so the indexes can answer without the table.
        conn.execute(text("VACUUM ANALYZE complaint"))
        conn.execute(text("VACUUM ANALYZE complaint_event"))
