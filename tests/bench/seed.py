"""Bulk seeding for the benchmark: N complaints over five years, with their timelines.

The rows are what the services would have written (register numbers gap-free per
year in order of receipt, unique tracking codes, deadlines in working days, one
timeline event per step up to the complaint's status), but written in bulk:
COPY on PostgreSQL, ``executemany`` on SQLite. 100,000 complaints take seconds,
not the minutes that ``services.register_complaint`` one by one would.
"""

import datetime as dt
import json
import os
import random
import time

from flask import current_app
from sqlalchemy import func, select, text

from app.auth import security
from app.auth.villages import current_village
from app.core import workflow
from app.core.numbering import TRACKING_ALPHABET, format_register_number
from app.core.timeutil import add_working_days, now_wib
from app.extensions import db
from app.models import Category, Complaint, ComplaintEvent, Dusun, Officer, RegisterCounter
from app.services.complaints import register_code

BENCH_USER = "bench_desk"
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
IDENTITY_LEVELS = ("named", "masked", "anonymous", "confidential")
EVENT_COLUMNS = [c.name for c in ComplaintEvent.__table__.columns]


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
    """Officers (the SOP's, one Kepala Dusun per dusun) and the benchmark's desk login."""
    sm = current_app.appbuilder.sm
    if sm.find_user(username=BENCH_USER) is None:
        sm.add_user(username=BENCH_USER, first_name="Bench", last_name="Petugas",
                    email="bench@example.test", role=sm.find_role(security.DESK),
                    password=BENCH_PASSWORD)
    if db.session.scalar(select(func.count(Officer.id))) == 0:
        rows = [("Tri Wahyuningsih", "sekretaris_desa", None),
                ("Dwi Lestari", "petugas_pengelola", None), ("Agus Salim", "kasi", None),
                ("Nur Khasanah", "kasi", None), ("Bambang Riyadi", "kasi", None),
                ("Sri Mulyani", "kaur", None), ("Eko Prasetyo", "kaur", None),
                ("Fajar Nugroho", "staf_kasi", None)]
        for dusun in db.session.scalars(select(Dusun).order_by(Dusun.id)):
            rows.append((f"Kadus {dusun.name}", "kepala_dusun", dusun.id))
        db.session.add_all(Officer(name=n, position=p, dusun_id=d, active=True)
                           for n, p, d in rows)
    db.session.commit()


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


def seed(rows, random_seed=8, log=print):
    """Fill the (migrated, empty) database with ``rows`` complaints; return timing facts."""
    from app.services.complaints import holidays

    started = time.monotonic()
    _ensure_people()
    rng = random.Random(random_seed)
    categories = list(db.session.scalars(select(Category.id)))
    dusun_ids = list(db.session.scalars(select(Dusun.id)))
    officers = list(db.session.execute(select(Officer.id, Officer.name, Officer.position)))
    village_id = current_village().id
    code = register_code(village_id)
    deadlines = _Deadlines(current_app.config, holidays())
    now = now_wib().replace(microsecond=0)
    span = 5 * 365 * 24 * 3600
    # Sorted received times, so register numbers follow the order of receipt within a year.
    offsets = sorted((rng.random() * span for _ in range(rows)), reverse=True)
    old_status = _weighted(rng, OLD_STATUSES)
    new_status = _weighted(rng, NEW_STATUSES)
    seq_by_year = {}
    codes = set()
    event_id = 0
    engine = db.engine
    for start in range(0, rows, CHUNK):
        complaints, events = [], []
        for index in range(start, min(rows, start + CHUNK)):
            received = now - dt.timedelta(seconds=int(offsets[index]))
            age_days = (now - received).days
            status = old_status() if age_days > 60 else new_status()
            year = received.year
            seq_by_year[year] = seq = seq_by_year.get(year, 0) + 1
            tracking = "".join(rng.choice(TRACKING_ALPHABET) for _ in range(12))
            while tracking in codes:
                tracking = "".join(rng.choice(TRACKING_ALPHABET) for _ in range(12))
            codes.add(tracking)
            urgency = rng.choice(URGENCIES)
            verification_due, due_date = deadlines(received.date(), urgency)
            steps = PATHS[status]
            officer = rng.choice(officers) if "forward" in steps else None
            channel = rng.choice(CHANNELS)
            complaint_id = index + 1
            row = {
                "id": complaint_id, "village_id": village_id,
                "register_number": format_register_number(seq, received, code),
                "register_year": year, "register_seq": seq, "tracking_code": tracking,
                "kind": rng.choice(KINDS), "channel": channel, "received_at": received,
                "complainant_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "complainant_address": f"RT {rng.randint(1, 9):02d}/RW {rng.randint(1, 5):02d}",
                "complainant_phone": f"+628{rng.randint(100000000, 9999999999)}",
                "complainant_email": None,
                "subject": rng.choice(SUBJECTS),
                "description": "Mohon segera ditindaklanjuti. " * rng.randint(1, 6),
                "dusun_id": rng.choice(dusun_ids) if rng.random() < 0.9 else None,
                "rt_rw": f"{rng.randint(1, 9):02d}/{rng.randint(1, 5):02d}",
                "location": None, "incident_date": received.date() - dt.timedelta(
                    days=rng.randint(0, 10)),
                "category_id": rng.choice(categories) if rng.random() < 0.95 else None,
                "urgency": urgency, "status": status,
                "assigned_officer_id": officer[0] if officer else None,
                "reported_officer_id": None,
                # Graded identity (issue 10): mostly named, a few masked, anonymous, confidential.
                "identity_level": rng.choices(IDENTITY_LEVELS, (90, 5, 3, 2))[0],
                "followup_due": None, "paused_since": None, "paused_days": 0,
                "extension_days": 0, "extension_reason": None,
                "verification_due": verification_due, "due_date": due_date,
                "public_note": None, "outcome_type": None, "outcome_text": None,
                "rejection_reason": None, "referred_to": None, "resolved_at": None,
                "closed_at": None, "voided": rng.random() < 0.003, "void_reason": None,
                "created_at": received, "created_by_id": None, "changed_at": received,
                "changed_by_id": None, "version": 1 + len(steps),
            }
            if row["voided"]:
                row["void_reason"] = "Tercatat dua kali"
            when = received
            event_id += 1
            events.append(_event(event_id, complaint_id, when, "register", None, "received",
                                 None, True, {"channel": channel}))
            source = "received"
            for step in steps:
                when = when + dt.timedelta(hours=rng.randint(2, 24 * 6))
                note, data = _step_effects(row, step, officer, when, rng)
                target = STEP_TARGET[step]
                event_id += 1
                events.append(_event(event_id, complaint_id, when, step, source, target, note,
                                     True, data))
                source = target
            row["changed_at"] = when
            complaints.append(row)
        _insert(engine, Complaint.__table__, COMPLAINT_COLUMNS, complaints)
        _insert(engine, ComplaintEvent.__table__, EVENT_COLUMNS, events)
        log(f"  seeded {min(rows, start + CHUNK):,} complaints")
    _finish(engine, seq_by_year, village_id)
    return {"rows": rows, "events": event_id, "seconds": round(time.monotonic() - started, 1)}


def _event(event_id, complaint_id, when, step, source, target, note, is_public, data):
    return {"id": event_id, "complaint_id": complaint_id, "occurred_at": when, "actor_id": None,
            "actor_name": "Dwi Lestari" if step != "register" else None, "step": step,
            "from_status": source, "to_status": target, "note": note, "is_public": is_public,
            "audience": workflow.note_audience(step) if step in workflow.STEPS
            else workflow.STAFF,
            "data": json.dumps(data, sort_keys=True) if data else None}


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


def _insert(engine, table, columns, rows):
    """COPY on PostgreSQL, executemany elsewhere."""
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cursor:
                with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row([row[c] for c in columns])
            raw.commit()
        finally:
            raw.close()
        return
    with engine.begin() as conn:
        conn.execute(table.insert(), rows)


def _finish(engine, seq_by_year, village_id):
    """Register counters at the last numbers, sequences past the ids, fresh statistics."""
    with engine.begin() as conn:
        conn.execute(RegisterCounter.__table__.delete())
        conn.execute(RegisterCounter.__table__.insert(),
                     [{"year": y, "last_number": n, "village_id": village_id}
                      for y, n in seq_by_year.items()])
        if engine.dialect.name == "postgresql":
            for table in ("complaint", "complaint_event"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE complaint"))
            conn.execute(text("VACUUM ANALYZE complaint_event"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
