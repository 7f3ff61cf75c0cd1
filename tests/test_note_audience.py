"""Who reads which timeline note: public, staff, or the complaint desk only.

Messages to the resident carry the full name, and the resident's comments are
for the desk: a liaison or the Kepala Desa sees those lines (step, time, actor)
but not their text. The rule is ``access.can_read_note``; each step declares its
note's audience in the workflow table.
"""

import datetime as dt

import pytest

from app.auth import access
from app.extensions import db
from app.models import Complaint, ComplaintEvent
from app.public import resident as public
from app.services import complaints as services, feedback, informing, response_templates
from tests.conftest import login, make_complaint, make_officer, make_user

FULL_NAME = "Siti Aminah Rahayu"
REOPEN_COMMENT = "Lampu mati lagi sejak Senin, mohon hanya petugas desk yang membaca."
HIDDEN = "(catatan hanya untuk petugas pengelola pengaduan)"


def _user(app, user_id):
    return app.appbuilder.sm.get_user_by_id(user_id)


def informed_and_reopened(app):
    """A masked complaint forwarded to a liaison, resolved, told to the resident with the
    default template (which fills in the full name), then "not solved" with a comment.
    Returns the complaint's id and the message sent."""
    desk_id = make_user(app, "desk", "Petugas Pengelola")
    liaison_id = make_user(app, "kadus", "Petugas Penghubung")
    officer = make_officer(app, name="Kadus Satu", user_id=liaison_id)
    pk = make_complaint(app, status="resolved", assigned_officer_id=officer,
                        complainant_name=FULL_NAME, identity_level="masked")
    with app.test_request_context():
        complaint = db.session.get(Complaint, pk)
        _subject, message = response_templates.draft(complaint, _user(app, desk_id))
        assert FULL_NAME in message  # the template's {nama}, for the desk in full
        informing.confirm_sent(complaint, "whatsapp", message, _user(app, desk_id))
        feedback.submit_feedback(complaint, solved=False, comment=REOPEN_COMMENT)
        assert complaint.status == "reopen_requested"
        db.session.remove()
    return pk, message


@pytest.mark.parametrize("role, username, reads", [
    ("Petugas Penghubung", None, False),  # the liaison it was forwarded to
    ("Kepala Desa", "kades", False),
    ("Petugas Pengelola", None, True),
])
def test_the_message_to_the_resident_and_their_comment_are_for_the_desk_only(
        app, client, role, username, reads):
    pk, message = informed_and_reopened(app)
    if username:
        make_user(app, username, role)
    login(client, username or {"Petugas Penghubung": "kadus", "Petugas Pengelola": "desk"}[role])
    response = client.get(f"/complaint/show/{pk}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # The lines are there for everyone who may open the complaint...
    assert "Diinformasikan" in page
    assert "Pelapor: belum selesai, minta dibuka kembali" in page
    # ...their text only for the desk.
    first_line = message.splitlines()[0]
    assert (FULL_NAME in page) is reads
    assert (first_line in page) is reads
    assert (REOPEN_COMMENT in page) is reads
    assert (HIDDEN in page) is not reads


def _take(app, pk, user_id, step_name, fields, as_resident=False):
    with app.test_request_context():
        complaint = db.session.get(Complaint, pk)
        user = None if as_resident else _user(app, user_id)
        services.apply_step(complaint, step_name, fields, user, as_resident=as_resident)
        event = db.session.query(ComplaintEvent).filter_by(complaint_id=pk) \
            .order_by(ComplaintEvent.id.desc()).first()
        result = (event.step, event.audience, event.is_public)
        db.session.remove()
        return result


# (step, status it starts from, fields, as the resident) -> (audience, line public), by hand
# from what each note is: the resident reads what was written for them, messages to and
# from the resident are the desk's, internal notes are for whoever may open the complaint.
STEP_NOTES = [
    ("verify", "received", {"kind": "pengaduan", "category_id": "CAT", "urgency": "normal",
                            "note": "Identitas lengkap"}, False, ("staff", True)),
    ("request_completion", "received", {"missing": "Nomor RT"}, False, ("public", True)),
    ("complete", "needs_completion", {"completion": "RT 02, rumah Pak Darto"}, True,
     ("desk", False)),
    ("forward", "verified", {"officer_id": "OFFICER", "note": "Mohon dicek"}, False,
     ("staff", True)),
    ("note", "forwarded", {"note": "Dicek ke lokasi", "is_public": True}, False,
     ("public", True)),
    ("note", "forwarded", {"note": "Pelapor menelepon lagi"}, False, ("staff", False)),
    ("resolve", "forwarded", {"outcome_type": "corrective", "outcome_text": "Teguran",
                              "public_note": "Sudah ditindak"}, False, ("staff", True)),
    ("reject", "received", {"reason": "Duplikat"}, False, ("public", True)),
    ("refer", "verified", {"office": "Kecamatan", "public_note": "Kewenangan kecamatan"},
     False, ("public", True)),
    ("inform", "resolved", {"channel": "phone", "message": "Yth. Ibu Siti"}, False,
     ("desk", True)),
    ("extend_deadline", "forwarded", {"days": 3, "reason": "Menunggu material"}, False,
     ("public", True)),
    ("keep_closed", "reopen_requested", {"reason": "Sudah sesuai"}, False, ("public", True)),
    ("reopen", "reopen_requested", {"public_note": "Ditinjau ulang"}, False, ("public", True)),
]


@pytest.mark.parametrize("step_name, source, fields, as_resident, expected", STEP_NOTES)
def test_each_step_writes_its_note_for_its_readers(app, step_name, source, fields,
                                                   as_resident, expected):
    from app.models import Category

    desk_id = make_user(app, "desk", "Petugas Pengelola")
    officer = make_officer(app, name="Kadus Satu")
    pk = make_complaint(app, status=source, assigned_officer_id=officer)
    with app.app_context():
        category = db.session.query(Category.id).first()[0]
    fields = {k: {"CAT": category, "OFFICER": officer}.get(v, v) if isinstance(v, str) else v
              for k, v in fields.items()}
    assert _take(app, pk, desk_id, step_name, fields, as_resident) == (step_name, *expected)


def test_the_residents_answers_are_desk_notes(app):
    pk, _message = informed_and_reopened(app)
    with app.app_context():
        answers = [(e.step, e.audience) for e in db.session.query(ComplaintEvent)
                   .filter_by(complaint_id=pk).order_by(ComplaintEvent.id)][-2:]
    assert answers == [("inform", "desk"), ("request_reopen", "desk")]


def test_can_read_note_by_audience_and_reader(app):
    """The rule itself, without a screen: each audience for each reader."""
    desk_id = make_user(app, "desk", "Petugas Pengelola")
    liaison_id = make_user(app, "kadus", "Petugas Penghubung")
    other_id = make_user(app, "kasi", "Petugas Penghubung")
    head_id = make_user(app, "kades", "Kepala Desa")
    mine = make_officer(app, name="Kadus Satu", user_id=liaison_id)
    make_officer(app, name="Kasi Lain", user_id=other_id)
    pk = make_complaint(app, status="forwarded", assigned_officer_id=mine)
    expected = {  # audience -> (public side, desk, its liaison, another liaison, head)
        "public": (True, True, True, False, True),
        "staff": (False, True, True, False, True),
        "desk": (False, True, False, False, False),
        "unknown": (False, True, False, False, False),
    }
    with app.test_request_context():
        complaint = db.session.get(Complaint, pk)
        readers = [None] + [_user(app, i) for i in (desk_id, liaison_id, other_id, head_id)]
        for audience, allowed in expected.items():
            # A public note is always on a public line (services.add_event).
            event = ComplaintEvent(step="note", note="x", audience=audience,
                                   is_public=audience == "public")
            assert tuple(access.can_read_note(user, complaint, event) for user in readers) \
                == allowed, audience


def test_the_public_page_shows_public_notes_only(app):
    desk_id = make_user(app, "desk", "Petugas Pengelola")
    pk = make_complaint(app, status="forwarded")
    _take(app, pk, desk_id, "note", {"note": "Untuk warga", "is_public": True})
    _take(app, pk, desk_id, "note", {"note": "Internal saja"})
    _take(app, pk, desk_id, "extend_deadline", {"days": 2, "reason": "Menunggu cuaca"})
    _take(app, pk, desk_id, "resolve", {"outcome_type": "corrective", "outcome_text":
                                        "Teguran lisan", "public_note": "Sudah ditindak"})
    _take(app, pk, desk_id, "inform", {"channel": "phone", "message": f"Yth. {FULL_NAME}"})
    with app.test_request_context():
        view = public.public_view(db.session.get(Complaint, pk))
    text = str(view)
    assert "Untuk warga" in text and "Menunggu cuaca" in text
    assert "Internal saja" not in text and "Teguran lisan" not in text
    assert FULL_NAME not in text
    assert [e["step"] for e in view["timeline"]] == [
        "register", "note", "extend_deadline", "resolve", "inform"]
    assert view["due_date_moves"][-1]["note"] == "Menunggu cuaca"


def test_a_note_written_without_a_known_audience_is_refused(app):
    pk = make_complaint(app)
    with app.test_request_context():
        complaint = db.session.get(Complaint, pk)
        with pytest.raises(ValueError):
            services.add_event(complaint, "note", None, "received", "received", note="x",
                               audience="everyone")


def test_new_timeline_rows_default_to_the_desk(app):
    """A row inserted without an audience (a script, a future import) is for the desk only."""
    from sqlalchemy import text

    pk = make_complaint(app)
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("INSERT INTO complaint_event (complaint_id, occurred_at, step, note, "
                          "is_public) VALUES (:pk, :at, 'note', 'x', false)"),
                     {"pk": pk, "at": dt.datetime(2026, 12, 1, 9, 0)})
        assert conn.execute(text("SELECT audience FROM complaint_event WHERE note = 'x'")) \
            .scalar() == "desk"
