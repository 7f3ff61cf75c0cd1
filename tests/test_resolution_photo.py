"""The photo after the work on "Sudah ditangani" (/statistik): the desk chooses one of the
complaint's public staff photos when resolving or later; the public route serves it only
while the complaint is published and the photo still public, never under its uploaded name.
"""

from pathlib import Path

import pytest

from app.auth import security
from app.core.errors import ServiceError
from app.extensions import db
from app.models import Attachment, Complaint
from app.reporting import public_statistics
from app.services import evidence
from tests import files
from tests.conftest import csrf_token, login, make_complaint, make_user, post_form, set_fields
from tests.test_statistics import SUMMARY, _forwarded, _resolve_step, _scan

# An uploaded name that names the complainant: it must never reach a public answer.
NAMED_FILE = "Siti_Aminah_Rahayu_lampu.png"


@pytest.fixture(autouse=True)
def cold_cache():
    public_statistics.clear_cache()
    yield
    public_statistics.clear_cache()


def _photo(app, pk, public=True, resident=False, pdf=False, name=NAMED_FILE):
    """A file stored on complaint ``pk`` as staff (or the resident) added it; its id."""
    with app.test_request_context():
        complaint = db.session.get(Complaint, pk)
        prepared = evidence.prepare("surat.pdf" if pdf else name,
                                    files.pdf() if pdf else files.png(320, 240, "RGB"))
        with evidence.saved_together([prepared]) as staged:
            (row,) = evidence.record(staged, None, complaint, is_public=public,
                                     resident=resident)
            db.session.commit()
        row_id = row.id
        db.session.remove()
    return row_id


def _published_with_photo(app, client=None):
    """A forwarded complaint with a public staff photo, resolved and published by the desk
    through the resolve form with that photo chosen; (complaint, photo, desk user)."""
    pk, desk = _forwarded(app)
    photo = _photo(app, pk)
    _resolve_step(app, pk, desk, publishable="y", public_summary=SUMMARY,
                  public_photo_id=str(photo))
    return pk, photo, desk


def _listed(client):
    return client.get("/api/v1/public/statistics").get_json()["resolved_publicly"]


def _public_answers(client, photo):
    """Every public answer that shows the list or the photo (the photo's headers as text)."""
    answers = [client.get("/statistik"), client.get("/api/v1/public/statistics")]
    for path in (f"/statistik/foto/{photo}", f"/statistik/foto/{photo}/kecil"):
        response = client.get(path)
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        answers.append(response)
    return answers


def test_the_photo_chosen_on_the_resolve_form_is_shown_with_the_problem(app, client):
    pk, _ = _forwarded(app)
    photo = _photo(app, pk)
    internal = _photo(app, pk, public=False)
    theirs = _photo(app, pk, resident=True)
    login(client, "meja")
    form = client.get(f"/complaint/step/{pk}/resolve").get_data(as_text=True)
    assert 'name="public_photo_id"' in form
    assert f'value="{photo}"' in form
    assert f'value="{internal}"' not in form and f'value="{theirs}"' not in form
    post_form(client, f"/complaint/step/{pk}/resolve", {
        "outcome_type": "administrative", "outcome_text": "Diganti",
        "public_note": "Sudah diperbaiki.", "publishable": "y", "public_summary": SUMMARY,
        "public_photo_id": str(photo)})
    with app.app_context():
        assert db.session.get(Complaint, pk).public_photo_id == photo
    client.get("/logout/")
    (item,) = _listed(client)
    assert item["photo_id"] == photo
    assert item["photo_url"] == f"http://localhost/statistik/foto/{photo}"
    assert item["photo_thumbnail_url"] == f"http://localhost/statistik/foto/{photo}/kecil"
    page = client.get("/statistik").get_data(as_text=True)
    assert f'src="/statistik/foto/{photo}/kecil"' in page
    assert "Foto setelah ditangani: Pelayanan publik, Dusun II" in page
    for response in _public_answers(client, photo):
        text = str(response.headers)
        if response.mimetype != "image/jpeg":
            text += _scan(response)
        assert "Siti" not in text and "Aminah" not in text and NAMED_FILE not in text
    assert f"foto-{photo}.jpg" in client.get(f"/statistik/foto/{photo}") \
        .headers["Content-Disposition"]


@pytest.mark.parametrize("kind", ["internal", "resident", "pdf", "other_complaint",
                                  "withdrawn"])
def test_only_a_public_staff_photo_of_the_complaint_may_be_chosen(app, client, kind):
    pk, desk = _forwarded(app)
    if kind == "other_complaint":
        candidate = _photo(app, make_complaint(app, subject="Jalan berlubang"))
    else:
        candidate = _photo(app, pk, public=kind != "internal", resident=kind == "resident",
                           pdf=kind == "pdf")
    if kind == "withdrawn":
        with app.app_context():
            evidence.withdraw(db.session.get(Attachment, candidate), "Salah foto",
                              app.appbuilder.sm.get_user_by_id(desk))
            db.session.remove()
    with pytest.raises(ServiceError, match="ditampilkan untuk umum dan ditambahkan petugas"):
        _resolve_step(app, pk, desk, publishable="y", public_summary=SUMMARY,
                      public_photo_id=str(candidate))
    with app.app_context():
        complaint = db.session.get(Complaint, pk)
        assert complaint.status == "forwarded" and complaint.public_photo_id is None
    assert client.get(f"/statistik/foto/{candidate}").status_code == 404


def test_a_photo_of_a_complaint_that_is_not_published_is_never_served(app, client):
    pk, desk = _forwarded(app)
    photo = _photo(app, pk)
    # Resolved without publishing: the chosen photo is not kept, nothing is served.
    _resolve_step(app, pk, desk, public_summary=SUMMARY, public_photo_id=str(photo))
    with app.app_context():
        assert db.session.get(Complaint, pk).public_photo_id is None
    # Even named by hand on a complaint that is not publishable (a stray value).
    set_fields(app, pk, public_photo_id=photo)
    for path in (f"/statistik/foto/{photo}", f"/statistik/foto/{photo}/kecil"):
        assert client.get(path).status_code == 404
    assert _listed(client) == []
    # The desk cannot add one afterwards either.
    login(client, "meja")
    page = client.get(f"/complaint/show/{pk}").get_data(as_text=True)
    assert f"/attachment/public-list/{photo}" not in page
    token = csrf_token(client, f"/complaint/show/{pk}")
    client.post(f"/attachment/public-list/{photo}", data={"csrf_token": token, "chosen": "y"})
    assert "Hanya masalah yang sudah selesai dan diterbitkan" in \
        client.get(f"/complaint/show/{pk}").get_data(as_text=True)


@pytest.mark.parametrize("change", ["hidden", "withdrawn", "voided", "reopened"])
def test_the_photo_leaves_the_list_when_it_or_its_complaint_stops_being_public(
        app, client, change):
    pk, photo, desk = _published_with_photo(app)
    assert _listed(client)[0]["photo_id"] == photo  # cached now
    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(desk)
        attachment = db.session.get(Attachment, photo)
        if change == "hidden":
            evidence.set_public(attachment, False, user)
        elif change == "withdrawn":
            evidence.withdraw(attachment, "Foto keliru", user)
        db.session.remove()
    if change == "voided":
        set_fields(app, pk, voided=True, void_reason="Salah catat")
    if change == "reopened":
        set_fields(app, pk, status="forwarded", resolved_at=None)
    assert client.get(f"/statistik/foto/{photo}").status_code == 404
    assert client.get(f"/statistik/foto/{photo}/kecil").status_code == 404
    listed = _listed(client)
    assert listed == [] if change in ("voided", "reopened") else listed[0]["photo_id"] is None
    assert f"/statistik/foto/{photo}" not in client.get("/statistik").get_data(as_text=True)


def test_the_desk_puts_a_photo_on_the_list_after_resolving_and_takes_it_off(app, client):
    pk, desk = _forwarded(app)
    _resolve_step(app, pk, desk, publishable="y", public_summary=SUMMARY)
    assert _listed(client)[0]["photo_id"] is None  # cached without a photo
    login(client, "meja")
    photo = _photo(app, pk)
    page = client.get(f"/complaint/show/{pk}").get_data(as_text=True)
    assert f"/attachment/public-list/{photo}" in page and "Tampilkan di daftar publik" in page
    token = csrf_token(client, f"/complaint/show/{pk}")
    response = client.post(f"/attachment/public-list/{photo}",
                           data={"csrf_token": token, "chosen": "y"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/complaint/show/{pk}#lampiran")
    assert _listed(client)[0]["photo_id"] == photo  # the change moved the cache's stamp
    assert client.get(f"/statistik/foto/{photo}").status_code == 200
    client.post(f"/attachment/public-list/{photo}", data={"csrf_token": token})
    assert _listed(client)[0]["photo_id"] is None
    assert client.get(f"/statistik/foto/{photo}").status_code == 404


@pytest.mark.parametrize("role, expected", [
    (None, "login"), ("Petugas Penghubung", 403), ("Kepala Desa", 403),
    ("Petugas Pengelola", 302), ("Admin", 302)])
def test_who_may_choose_the_photo_on_the_list(app, client, role, expected):
    pk, desk = _forwarded(app)
    _resolve_step(app, pk, desk, publishable="y", public_summary=SUMMARY)
    photo = _photo(app, pk)
    if role:
        make_user(app, "pemakai", getattr(security, {
            "Petugas Penghubung": "LIAISON", "Kepala Desa": "HEAD",
            "Petugas Pengelola": "DESK", "Admin": "ADMIN"}[role]))
        login(client, "pemakai")
    token = csrf_token(client, "/login/" if role is None else "/users/userinfo/")
    response = client.post(f"/attachment/public-list/{photo}",
                           data={"csrf_token": token, "chosen": "y"})
    if expected == "login":
        assert response.status_code == 302 and "/login/" in response.headers["Location"]
    else:
        assert response.status_code == expected
    with app.app_context():
        chosen = db.session.get(Complaint, pk).public_photo_id
    assert chosen == (photo if expected == 302 else None)


def test_a_liaison_cannot_choose_through_the_service(app):
    pk, desk = _forwarded(app)
    _resolve_step(app, pk, desk, publishable="y", public_summary=SUMMARY)
    photo = _photo(app, pk)
    liaison = make_user(app, "kadus", security.LIAISON)
    with app.app_context():
        with pytest.raises(ServiceError, match="Hanya petugas pengelola"):
            evidence.set_public_photo(db.session.get(Complaint, pk), photo,
                                      app.appbuilder.sm.get_user_by_id(liaison))


def test_the_photo_column_survives_a_migration_round_trip(app):
    """Down before 0024 and up again: complaints and photos kept, the choice starts empty."""
    from flask_migrate import downgrade, upgrade

    from tests.test_migrations import _before

    pk, photo, _ = _published_with_photo(app)
    with app.app_context():
        directory = str(Path(app.root_path) / "migrations")
        db.session.remove()
        try:
            downgrade(directory=directory, revision=_before(directory, "0024_resolution_photo"))
            with db.engine.connect() as conn:
                assert "public_photo_id" not in {
                    c["name"] for c in db.inspect(conn).get_columns("complaint")}
        finally:
            upgrade(directory=directory)
        complaint = db.session.get(Complaint, pk)
        assert (complaint.publishable, complaint.public_summary, complaint.public_photo_id) \
            == (True, SUMMARY, None)
        assert db.session.get(Attachment, photo).is_public
        db.session.remove()

