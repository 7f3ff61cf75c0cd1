"""Every user sees and chooses their notification channels from their profile, and no mail is
ever queued or sent to a placeholder address (an officer created without email)."""

import datetime as dt

import pytest

from app.core.values import mail_can_reach
from app.extensions import db
from app.models import OutboxMessage
from app.models.notifications import EMAIL, FAILED, QUEUED
from app.services import accounts, outbox
from tests.conftest import login, make_complaint, make_officer, make_user, post_form
from tests.test_notifications import notices, step, verify
from tests.test_outbox import smtp  # noqa: F401

PLACEHOLDER = f"kadus@{accounts.NO_EMAIL_DOMAIN}"


def _outbox(app):
    with app.app_context():
        return [(m.channel, m.address, m.status) for m in
                db.session.query(OutboxMessage).order_by(OutboxMessage.id)]


def _without_email(app, username):
    with app.app_context():
        user = app.appbuilder.sm.find_user(username=username)
        user.email = f"{username}@{accounts.NO_EMAIL_DOMAIN}"
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("address, reachable", [
    ("siti@example.test", True), ("kadus@tanpa-email.invalid", False),
    ("kadus@TANPA-EMAIL.INVALID.", False), ("x@invalid", False), ("", False), (None, False),
    ("tanpa-at", False), ("@desa.id", False), ("a@invalid.desa.id", True),
])
def test_which_addresses_mail_may_reach(address, reachable):
    assert mail_can_reach(address) is reachable


@pytest.mark.parametrize("role", ["desk", "liaison", "head", "admin"])
def test_the_profile_shows_the_channels_and_links_to_choosing_them(app, client, login_as,
                                                                     role):
    login_as(role)
    page = client.get("/users/userinfo/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Saluran notifikasi" in text and 'href="/tasks/settings"' in text
    assert "Di aplikasi (lonceng): selalu" in text
    assert f"Email ke {role}@example.test" in text
    assert client.get("/tasks/settings").status_code == 200
    post_form(client, "/tasks/settings", {})  # email unticked
    assert "Email: mati" in client.get("/users/userinfo/").get_data(as_text=True)


def test_a_login_without_email_is_told_in_app_only_and_never_mailed(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    desk = make_user(app, "desk", "Petugas Pengelola")
    kadus_user = make_user(app, "kadus", "Petugas Penghubung")
    _without_email(app, "kadus")
    kadus = make_officer(app, name="Sutrisno", user_id=kadus_user)
    pk = make_complaint(app, desk, complainant_email="warga@alamat.invalid")
    verify(app, pk, desk)
    step(app, pk, "forward", desk, officer_id=kadus)
    assert [kind for _w, kind, _t in notices(app, user_id=kadus_user)] == ["assigned"]
    assert [row for row in _outbox(app) if row[1].endswith(".invalid")] == []
    assert notices(app, email="warga@alamat.invalid") == []  # no resident mail either
    login(client, "kadus")
    profile = client.get("/users/userinfo/").get_data(as_text=True)
    assert "Email: login Anda tidak memiliki alamat email" in profile
    settings = client.get("/tasks/settings").get_data(as_text=True)
    assert 'name="email"' not in settings and "Minta admin menambahkan" in settings
    post_form(client, "/tasks/settings", {})  # saving keeps the stored email choice
    with app.app_context():
        from app.services import notifications
        assert notifications.settings_of(kadus_user).email is True


def test_the_sender_fails_a_placeholder_address_at_once_and_sends_it_nothing(
        app, smtp):  # noqa: F811
    now = dt.datetime(2026, 12, 2, 10, 0)
    with app.app_context():
        for address in (PLACEHOLDER, "sekdes@example.test"):
            db.session.add(OutboxMessage(channel=EMAIL, address=address, subject="Uji",
                                         body="Isi", urgent=False, next_attempt_at=now,
                                         created_at=now))
        db.session.commit()
        assert outbox.send_due(now) == (1, 1)
        rows = {m.address: (m.status, m.attempts, m.last_error)
                for m in db.session.query(OutboxMessage)}
        db.session.remove()
    status, attempts, error = rows[PLACEHOLDER]
    assert (status, attempts) == (FAILED, 1) and "tidak dapat menerima email" in error
    assert rows["sekdes@example.test"][0] != QUEUED
    assert [m["To"] for m in smtp.inbox.messages()] == ["sekdes@example.test"]
