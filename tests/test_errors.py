"""Errors: a clear Indonesian page, never a traceback or database text (issue 7, point 9)."""

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models import Complaint
from tests.conftest import COMPLAINT_FIELDS, csrf_token, make_complaint


@pytest.mark.parametrize("path, method, code, words", [
    ("/no-such-page", "GET", 404, "Halaman tidak ditemukan"),
    ("/complaint/show/99999", "GET", 404, "Halaman tidak ditemukan"),
    ("/complaint/void/1", "GET", 405, "Tidak diizinkan"),
    ("/users/list/", "GET", 403, "Akses ditolak"),
    ("/complaint/add", "POST", 400, "Formulir sudah kedaluwarsa"),
])
def test_error_pages_are_indonesian_and_in_the_layout(client, login_as, path, method, code,
                                                       words):
    login_as("desk")
    response = client.open(path, method=method)
    page = response.get_data(as_text=True)
    assert response.status_code == code
    assert words in page
    assert "Traceback" not in page and "Werkzeug" not in page
    assert "Content-Security-Policy" in response.headers


def test_api_errors_are_json_in_indonesian(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["message"].startswith("Halaman ini tidak ada")


def test_an_unexpected_error_shows_no_traceback(app, client, monkeypatch):
    def broken():
        raise RuntimeError("secret internals: /srv/app/services.py line 42")

    monkeypatch.setitem(app.view_functions, "HomeView.index", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Terjadi kesalahan" in page
    assert "secret internals" not in page and "RuntimeError" not in page


def test_a_database_error_is_a_clear_message_and_the_session_recovers(app, client, login_as,
                                                                         monkeypatch):
    """A database failure in a request (here: a statement the database refuses)."""
    login_as("desk")

    def query_fails():
        db.session.execute(text("SELECT no_such_column FROM complaint"))

    monkeypatch.setitem(app.view_functions, "HomeView.index", query_fails)
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "masalah pada basis data" in page
    assert "no_such_column" not in page and "SELECT" not in page
    monkeypatch.undo()
    assert client.get("/complaint/list/").status_code == 200


def test_a_failed_save_keeps_what_was_typed(app, client, login_as):
    """The database refuses the row (a register number already taken): the form comes back
    with an Indonesian message and everything typed, and nothing is saved."""
    login_as("desk")
    make_complaint(app)
    with app.app_context():
        taken = db.session.scalar(select(Complaint.register_number))
        # Make the next register number collide with the existing one.
        db.session.execute(text("UPDATE register_counter SET last_number = last_number - 1"))
        db.session.commit()
        before = db.session.scalar(select(func.count(Complaint.id)))
        db.session.remove()
    typed = {**COMPLAINT_FIELDS, "subject": "Jembatan <b>ambruk</b> di RT 05",
             "description": "Jembatan bambu ambruk kemarin sore."}
    typed["csrf_token"] = csrf_token(client, "/complaint/add")
    response = client.post("/complaint/add", data=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "basis data" in page
    assert "Jembatan &lt;b&gt;ambruk&lt;/b&gt; di RT 05" in page
    assert "Jembatan bambu ambruk kemarin sore." in page
    assert "IntegrityError" not in page and "UNIQUE" not in page.upper().replace("UNIK", "")
    with app.app_context():
        assert db.session.scalar(select(func.count(Complaint.id))) == before
        assert taken


@pytest.mark.parametrize("driver_error", [
    __import__("sqlite3").OperationalError("database is locked"),
    type("LockNotAvailable", (Exception,), {"sqlstate": "55P03"})("canceling statement due to "
                                                                  "lock timeout"),
])
def test_a_busy_database_is_a_503_saying_send_again(app, client, login_as, monkeypatch,
                                                     driver_error):
    """Anywhere a busy database is not caught by the page itself: 503, not 500."""
    login_as("desk")

    def busy():
        raise OperationalError("UPDATE register_counter ...", {}, driver_error)

    monkeypatch.setitem(app.view_functions, "HomeView.index", busy)
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "Basis data sedang sibuk sebentar. Tidak ada yang berubah" in page
    assert "locked" not in page and "lock timeout" not in page
