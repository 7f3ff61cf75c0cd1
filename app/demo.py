"""Demo data: Babakan's officers per the SOP, demo logins, and complaints over 12 months.

Every complaint goes through the real services (register, then workflow steps,
backdated), so the timeline, deadlines and statistics are what real use gives.
Names and phone numbers are invented. Not for a production database.
"""

import datetime as dt
import io
import os
import random

from flask import current_app
from PIL import Image, ImageDraw

from app.auth import identity, security
from app.auth.villages import current_village
from app.core import workflow
from app.core.timeutil import now_wib
from app.extensions import db
from app.models import Category, Complaint, Dusun, Meeting, Officer
from app.models.meetings import HELD, SCHEDULED
from app.services import complaints as services, evidence, feedback, response_templates

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-babakan-2026")

# (login, name, position, field of work, role)
OFFICERS = [
    ("kades", None, "kepala_desa", "Pemerintahan desa", security.HEAD),
    ("sekdes", "Tri Wahyuningsih", "sekretaris_desa", "Sekretariat", security.LIAISON),
    ("petugas", "Dwi Lestari", "petugas_pengelola", "Desk pengaduan", security.DESK),
    ("kasipem", "Agus Salim", "kasi", "Pemerintahan", security.LIAISON),
    ("kasikesra", "Nur Khasanah", "kasi", "Kesejahteraan", security.LIAISON),
    ("kasipel", "Bambang Riyadi", "kasi", "Pelayanan", security.LIAISON),
    ("kaurkeu", "Sri Mulyani", "kaur", "Keuangan", security.LIAISON),
    ("kaurum", "Eko Prasetyo", "kaur", "Umum dan perencanaan", security.LIAISON),
    ("stafkasi", "Fajar Nugroho", "staf_kasi", "Pelayanan", security.LIAISON),
]

FIRST = ["Siti", "Sri", "Tri", "Budi", "Slamet", "Wahyu", "Ratna", "Ahmad", "Suparman", "Dewi",
         "Yuli", "Rohmat", "Sugeng", "Kusnadi", "Warsini", "Tarsono", "Endang", "Ngatini"]
LAST = ["Aminah", "Rahayu", "Santoso", "Hidayat", "Purwanto", "Lestari", "Susanti", "Wibowo",
        "Saputra", "Mulyadi", "Handayani", "Kurniawan", "Setiawan", "Wulandari"]

SUBJECTS = {
    "Pelayanan publik": ["Surat pengantar lama selesai", "Petugas kantor desa tidak ada di tempat",
                         "Antrian pelayanan tidak tertib"],
    "Program/kegiatan desa": ["Pembangunan talud belum selesai", "Jadwal posyandu tidak jelas",
                              "Pelatihan UMKM tidak diumumkan"],
    "Dugaan penyimpangan": ["Pungutan saat mengurus surat", "Dana kegiatan tidak transparan"],
    "Infrastruktur dan lingkungan": ["Lampu jalan mati", "Jalan berlubang di RT 03",
                                     "Saluran air tersumbat", "Jembatan kecil rusak"],
    "Bantuan sosial": ["Nama tidak masuk daftar BLT", "Bantuan beras terlambat"],
    "Administrasi kependudukan": ["KK belum jadi", "Surat keterangan domisili ditolak"],
    "Lainnya": ["Usulan taman bacaan", "Anjing liar di sekitar sekolah"],
}
OUTCOMES = ["administrative", "corrective", "policy"]
# What was done, as the desk writes it for the public list (no names, no resident's words).
PUBLIC_SUMMARIES = [
    "Petugas meninjau lokasi dan perbaikan selesai dalam seminggu.",
    "Data penerima diperbarui bersama Kasi Kesejahteraan.",
    "Jadwal pelayanan kantor desa diumumkan di papan informasi.",
    "Saluran dibersihkan bersama warga dalam kerja bakti.",
]


def _ensure_officers():
    """Create the SOP's officers (and one Kepala Dusun per dusun) with demo logins."""
    sm = current_app.appbuilder.sm
    head = current_village().head_name
    rows = list(OFFICERS)
    for index, dusun in enumerate(db.session.query(Dusun).order_by(Dusun.id), start=1):
        rows.append((f"kadus{index}", f"Kadus {dusun.name}", "kepala_dusun", dusun.name,
                     security.LIAISON))
    officers = {}
    for login, name, position, field, role in rows:
        name = name or head
        user = sm.find_user(username=login) or sm.add_user(
            username=login, first_name=name.split()[0], last_name=" ".join(name.split()[1:]) or "-",
            email=f"{login}@babakan.desa.id", role=sm.find_role(role), password=DEMO_PASSWORD)
        officer = db.session.query(Officer).filter_by(user_id=user.id).first()
        if officer is None:
            dusun = db.session.query(Dusun).filter_by(name=field).first()
            officer = Officer(name=name, position=position, field_of_work=field, active=True,
                              user_id=user.id, dusun=dusun,
                              phone=f"+62812{random.randint(10000000, 99999999)}")
            db.session.add(officer)
        officers[login] = officer
    db.session.commit()
    return officers


def _identity_level(target, rng):
    """Most residents give their name; some ask for it masked or kept from the officers; a
    few file confidentially (never forwarded: only the desk and the Kepala Desa see those)."""
    roll = rng.random()
    if roll < 0.03 and target in (workflow.RECEIVED, workflow.VERIFIED, workflow.REJECTED):
        return identity.CONFIDENTIAL
    if roll < 0.10:
        return identity.MASKED
    if roll < 0.15:
        return identity.ANONYMOUS
    return identity.NAMED


def _target_status(age_days, rng):
    """Older complaints are further along, as in real life."""
    if age_days < 3:
        return rng.choice([workflow.RECEIVED, workflow.RECEIVED, workflow.VERIFIED])
    if age_days < 20:
        return rng.choice([workflow.NEEDS_COMPLETION, workflow.VERIFIED, workflow.FORWARDED,
                           workflow.IN_REVIEW, workflow.RESOLVED])
    return rng.choice([workflow.INFORMED] * 6 + [workflow.RESOLVED, workflow.REJECTED,
                                                 workflow.REFERRED, workflow.FORWARDED])


def load_demo(count=300, seed=2026, progress=None):
    """Load the demo set (skipped when complaints already exist); return a summary line.

    ``progress(done, total)`` is called after each complaint: on a small machine the load takes
    over a minute, and whoever started it should see it moving.
    """
    if db.session.query(Complaint.id).first():
        return "Data demo sudah ada / demo data already present."
    report = progress or (lambda done, total: None)
    rng = random.Random(seed)
    officers = _ensure_officers()
    sm = current_app.appbuilder.sm
    desk = sm.find_user(username="petugas")
    liaisons = [o for login, o in officers.items() if login not in ("kades", "petugas")]
    categories = db.session.query(Category).all()
    dusuns = db.session.query(Dusun).all()
    now = now_wib()
    meetings = _DemoMeetings(desk, list(officers.values()), now)
    arrivals = []
    for _ in range(count):
        age = rng.randint(0, 364)
        received = now - dt.timedelta(days=age, hours=rng.randint(0, 8), minutes=rng.randint(0, 59))
        arrivals.append((min(now, received.replace(hour=max(8, min(received.hour, 15)))), age))
    reopen_at = (now - dt.timedelta(days=8)).replace(hour=9, minute=30)
    arrivals.append((reopen_at, None))  # the complaint that will wait for a reopen answer
    reopen_case = None
    photographed = []
    # Registered in the order they arrived, as at the desk: numbers follow the dates.
    for done, (received, age) in enumerate(sorted(arrivals, key=lambda a: a[0]), start=1):
        if age is None:
            reopen_case = _reopen_case(desk, rng, categories, dusuns, liaisons, received, now)
        else:
            _demo_complaint(desk, rng, categories, dusuns, liaisons, received, age, now,
                            meetings, photographed)
        report(done, len(arrivals))
    meetings.close()
    db.session.commit()
    _ask_to_reopen(reopen_case, now)
    _feedback(desk, rng, now)
    _photos_after(photographed, desk, rng)
    total = db.session.query(Complaint).count()
    return f"Data demo dimuat: {total} pengaduan, {len(officers)} petugas, " \
           f"{len(meetings.by_week)} rapat, {len(photographed)} foto (kata sandi demo: {DEMO_PASSWORD})."


def progress_line(done, total, steps=10):
    """The line to print after ``done`` of ``total`` complaints, at each tenth; None between."""
    if done == total or done * steps // total != (done - 1) * steps // total:
        return f"Memuat data demo / loading demo data: {done}/{total} pengaduan " \
               f"({done * 100 // total}%)"
    return None


def _demo_complaint(desk, rng, categories, dusuns, liaisons, received, age, now, meetings,
                    photographed):
    """Register one invented complaint as the desk would and walk it to a status its age fits;
    the first six about a road, a drain or a lamp get the resident's photo."""
    category = rng.choice(categories)
    complaint = Complaint(
        kind=rng.choice(["pengaduan"] * 5 + ["laporan"] * 3 + ["saran"] * 2),
        channel=rng.choice(["walk_in"] * 4 + ["complaint_box", "phone", "phone", "email",
                                              "website", "website", "social_media"]),
        received_at=received,
        complainant_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        complainant_address=f"RT {rng.randint(1, 6):02d}/RW {rng.randint(1, 4):02d}",
        complainant_phone=f"+6281{rng.randint(100000000, 999999999)}",
        subject=rng.choice(SUBJECTS.get(category.name, SUBJECTS["Lainnya"])),
        description="Mohon segera ditindaklanjuti. Kejadian sudah berlangsung beberapa hari.",
        dusun=rng.choice(dusuns), rt_rw=f"{rng.randint(1, 6):02d}/{rng.randint(1, 4):02d}",
        urgency="normal",
    )
    target = _target_status(age, rng)
    complaint.identity_level = _identity_level(target, rng)
    services.register_complaint(complaint, desk, at=received, notify=False)
    if complaint.subject in PHOTO_SUBJECTS and len(photographed) < 6:
        _photo_sent(complaint, desk, rng)
        photographed.append(complaint)
    _walk(complaint, target, desk, rng, category, liaisons, received, now, meetings)


class _DemoMeetings:
    """Review meetings for the demo: one on the Tuesday after each week's scheduling, with
    minutes once held; the complaints still in review share one meeting next week."""

    def __init__(self, desk, officers, now):
        self.desk, self.officers, self.now = desk, officers, now
        self.by_week = {}

    def for_week(self, when, upcoming=False):
        day = (self.now if upcoming else when).date()
        tuesday = day + dt.timedelta(days=(1 - day.weekday()) % 7 or 7)
        starts = dt.datetime.combine(tuesday, dt.time(9, 0))
        if starts not in self.by_week:
            meeting = Meeting(
                starts_at=starts, ends_at=starts + dt.timedelta(hours=2),
                place="Balai Desa Babakan", agenda="Pembahasan pengaduan masyarakat.",
                status=SCHEDULED, created_at=when, created_by_id=self.desk.id,
                officers=[o for o in self.officers if o.position in (
                    "sekretaris_desa", "petugas_pengelola", "kepala_desa")],
            )
            db.session.add(meeting)
            db.session.flush()
            self.by_week[starts] = meeting
        return self.by_week[starts]

    def close(self):
        """Meetings already past get their minutes."""
        for starts, meeting in self.by_week.items():
            if starts < self.now:
                meeting.status = HELD
                meeting.findings = "Data pengadu lengkap dan benar; lokasi sudah dicek petugas."
                meeting.recommendations = "Tindak lanjuti sesuai kewenangan masing-masing kasi."
                meeting.public_recommendations = (
                    "Pemeriksaan rutin lampu jalan dan saluran air tiap bulan oleh Kadus.")
                meeting.minutes_at = starts + dt.timedelta(hours=2)
                meeting.minutes_by_id = self.desk.id


def _walk(complaint, target, desk, rng, category, liaisons, start, now, meetings):
    """Take the SOP's steps from 'received' to ``target``, spread over the days since."""
    clock = [start]

    def later(max_days):
        moment = clock[0] + dt.timedelta(days=rng.uniform(0.2, max_days))
        if not 8 <= moment.hour < 16:  # officers work office hours
            moment = moment.replace(hour=8 + moment.hour % 8)
        clock[0] = min(now, max(clock[0], moment))
        return clock[0]

    def step(name, user, **fields):
        services.apply_step(complaint, name, fields, user, at=later(4), notify=False)

    if target == workflow.RECEIVED:
        return
    if target == workflow.NEEDS_COMPLETION:
        step("request_completion", desk, missing="Mohon lengkapi lokasi kejadian (RT/RW).")
        return
    if target == workflow.REJECTED:
        step("reject", desk, reason="Di luar kewenangan pemerintah desa.")
        return
    step("verify", desk, kind=complaint.kind, category_id=category.id,
         urgency=rng.choice(["low", "normal", "normal", "high", "urgent"]))
    if target == workflow.VERIFIED:
        return
    officer = rng.choice(liaisons)
    step("forward", desk, officer_id=officer.id, reported_to="kepala_desa")
    liaison_user = officer.user
    step("note", liaison_user, note="Sudah dicek ke lokasi, sedang dikoordinasikan.",
         is_public=rng.random() < 0.5)
    if target == workflow.FORWARDED:
        return
    if target == workflow.REFERRED:
        step("refer", liaison_user, office="Kecamatan Karangpucung",
             public_note="Dilimpahkan ke kecamatan sesuai kewenangan.")
        return
    if meetings is not None and (rng.random() < 0.3 or target == workflow.IN_REVIEW):
        meeting = meetings.for_week(later(4), upcoming=target == workflow.IN_REVIEW)
        meeting.complaints.append(complaint)
        step("schedule_meeting", desk, note=f"Dibahas dalam rapat pembahasan {meeting}.",
             meeting_id=meeting.id)
        if target == workflow.IN_REVIEW or meeting.starts_at > now:
            return  # decided at a meeting still to come
        clock[0] = max(clock[0], meeting.starts_at + dt.timedelta(hours=2))
    published = rng.random() < 0.2  # the desk publishes some on the "Sudah ditangani" list
    step("resolve", rng.choice([desk, liaison_user]) if complaint.status != workflow.IN_REVIEW
         else desk, outcome_type=rng.choice(OUTCOMES), outcome_text="Sudah ditindaklanjuti.",
         public_note="Masalah sudah ditangani. Terima kasih atas laporannya.",
         publishable="y" if published else "",
         public_summary=rng.choice(PUBLIC_SUMMARIES) if published else "")
    if target == workflow.INFORMED:
        # The message the desk would send: the template of the result, filled in.
        step("inform", desk, channel="whatsapp",
             message=response_templates.draft(complaint, desk)[1])


def _feedback(desk, rng, now):
    """Half of the informed complainants answer within the window; most say it is solved.

    A "not solved" is answered by the desk a day or two later: reopened or kept closed.
    """
    informed = db.session.query(Complaint).filter_by(status=workflow.INFORMED).order_by(Complaint.id)
    for complaint in informed.all():
        if rng.random() < 0.5:
            continue
        told = [e for e in complaint.events if e.step == "inform"][-1].occurred_at
        at = told + dt.timedelta(days=rng.uniform(0.3, 9))
        if at > now:
            continue
        solved = rng.random() < 0.8
        comment = rng.choice([None, "Terima kasih, sudah beres.", "Pelayanan cepat."]) if solved \
            else rng.choice(["Lampu mati lagi setelah dua hari.", "Belum ada perbaikan di lokasi."])
        try:
            feedback.submit_feedback(complaint, solved, comment, at=at)
        except services.ServiceError:
            continue
        if solved:
            continue
        answer_at = min(now, at + dt.timedelta(days=rng.uniform(0.5, 2)))
        if rng.random() < 0.5:
            services.apply_step(complaint, "reopen", {
                "public_note": "Pengaduan dibuka kembali dan ditinjau ulang oleh petugas."},
                desk, at=answer_at, notify=False)
        else:
            services.apply_step(complaint, "keep_closed", {
                "reason": "Hasil pengecekan ulang: perbaikan sudah sesuai dan berfungsi."},
                desk, at=answer_at, notify=False)


def _reopen_case(desk, rng, categories, dusuns, liaisons, received, now):
    """A recent complaint, informed; its complainant will say it is not solved."""
    category = next((c for c in categories if c.name == "Infrastruktur dan lingkungan"),
                    categories[0])
    complaint = Complaint(
        kind="pengaduan", channel="website", received_at=received,
        complainant_name="Warsini Handayani", complainant_address="RT 03/RW 02",
        complainant_phone="+6281398765432", subject="Saluran air tersumbat",
        description="Saluran air di depan rumah tersumbat sampah, air meluap saat hujan.",
        dusun=rng.choice(dusuns), rt_rw="03/02", urgency="normal")
    services.register_complaint(complaint, desk, at=received, notify=False)
    _walk(complaint, workflow.INFORMED, desk, rng, category, liaisons, received,
          now - dt.timedelta(hours=2), meetings=None)
    return complaint


def _ask_to_reopen(complaint, now):
    """The complainant answers "not solved": a reopen request waiting for the desk."""
    if complaint is not None and complaint.status == workflow.INFORMED:
        feedback.submit_feedback(complaint, False, "Setelah hujan kemarin saluran tersumbat lagi.",
                                 at=now - dt.timedelta(hours=1))


# Subjects a resident shows with a photo, and what the demo draws for each.
PHOTO_SUBJECTS = {"Jalan berlubang di RT 03": "road", "Lampu jalan mati": "lamp",
                  "Saluran air tersumbat": "drain", "Jembatan kecil rusak": "bridge"}


def _photo_sent(complaint, desk, rng):
    """The resident's photo, drawn here (never downloaded), sent with the complaint: through
    the website, or by WhatsApp and attached by the desk when registering it."""
    scene = PHOTO_SUBJECTS[complaint.subject]
    files = [evidence.prepare(f"foto-{scene}.jpg", _draw(scene, rng, fixed=False))]
    website = complaint.channel == "website"
    with evidence.saved_together(files) as staged:
        evidence.record(staged, None if website else desk, complaint, at=complaint.received_at,
                        resident=website, note=None if website else "Foto dari pelapor (WhatsApp)")
        db.session.commit()


def _photos_after(complaints, desk, rng):
    """For the photographed complaints since resolved, the desk's "after" photo, shown to the
    resident (added now: the timeline stays in order)."""
    for complaint in complaints:
        if complaint.resolved_at is None:
            continue
        scene = PHOTO_SUBJECTS[complaint.subject]
        files = [evidence.prepare(f"sesudah-{scene}.jpg", _draw(scene, rng, fixed=True))]
        with evidence.saved_together(files) as staged:
            evidence.record(staged, desk, complaint, is_public=True,
                            note="Foto sesudah perbaikan")
            db.session.commit()


def _draw(scene, rng, fixed):
    """A simple 1200 x 900 picture of ``scene`` (before, or ``fixed``) as JPEG bytes."""
    image = Image.new("RGB", (1200, 900), (150, 200, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 500, 1200, 900), fill=(90, 150, 70))  # fields
    if scene in ("road", "lamp"):
        draw.polygon([(450, 500), (750, 500), (1100, 900), (100, 900)], fill=(105, 105, 110))
    if scene == "road" and not fixed:
        for _ in range(3):
            x, y = rng.randint(350, 750), rng.randint(620, 820)
            draw.ellipse((x, y, x + rng.randint(90, 180), y + rng.randint(40, 70)),
                         fill=(60, 45, 35))
    if scene == "lamp":
        draw.rectangle((880, 180, 900, 560), fill=(70, 70, 70))
        draw.ellipse((840, 150, 940, 210), fill=(255, 230, 120) if fixed else (60, 60, 60))
    if scene == "drain":
        draw.rectangle((0, 620, 1200, 720), fill=(120, 110, 100))
        draw.rectangle((0, 640, 1200, 700), fill=(70, 120, 160) if fixed else (95, 85, 60))
        if not fixed:
            for _ in range(12):
                x = rng.randint(0, 1150)
                draw.ellipse((x, 645, x + 45, 690), fill=(140, 120, 80))
    if scene == "bridge":
        draw.rectangle((0, 640, 1200, 760), fill=(70, 120, 160))
        draw.rectangle((300, 600, 900, 640), fill=(130, 90, 60))
        if not fixed:
            draw.polygon([(560, 600), (640, 600), (610, 660)], fill=(70, 120, 160))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()
