"""Passwords: 12 characters or more, no composition rules, not a common one (issue 7, point 5)."""

import pytest
from flask_appbuilder.exceptions import PasswordComplexityValidationError

from app.auth.passwords import check_password
from tests.conftest import PASSWORD, login, make_user, post_form


@pytest.mark.parametrize("password", [
    "lampu jalan mati", "kopi-tubruk-pagi", "abcdefghijkl", "SEMUA HURUF BESAR", "sawah hijau 7",
])
def test_long_passwords_pass_without_composition_rules(password):
    check_password(password)


@pytest.mark.parametrize("password", [
    "", "pendek", "sebelas-hur",                                # too short
    "password1234", "Password1234", "qwertyuiop123", "bismillah123", "Indonesia1945",
    "desababakan2026!", "aaaaaaaaaaaaaaa", "abababababab",     # common or trivial
])
def test_short_common_or_trivial_passwords_are_refused(password):
    with pytest.raises(PasswordComplexityValidationError):
        check_password(password)


def test_resetting_my_password_to_a_weak_one_is_refused_in_indonesian(app, client):
    make_user(app, "petugas", "Petugas Pengelola")
    login(client, "petugas")
    page = post_form(client, "/resetmypassword/form",
                     {"password": "bismillah123", "conf_password": "bismillah123"})
    assert "terlalu umum" in page.get_data(as_text=True)
    client.get("/logout/")
    login(client, "petugas", PASSWORD)  # the old password still works


def test_a_good_new_password_is_stored_hashed(app, client):
    make_user(app, "petugas", "Petugas Pengelola")
    login(client, "petugas")
    post_form(client, "/resetmypassword/form", {"password": "teh manis di pagi hari",
                                                "conf_password": "teh manis di pagi hari"})
    with app.app_context():
        stored = app.appbuilder.sm.find_user(username="petugas").password
        assert "teh manis" not in stored
        assert stored.startswith(("pbkdf2:", "scrypt:"))
    client.get("/logout/")
    login(client, "petugas", "teh manis di pagi hari")


def test_the_admin_cannot_create_a_user_with_a_short_password(app, client):
    make_user(app, "admin", "Admin")
    login(client, "admin")
    with app.app_context():
        role_id = app.appbuilder.sm.find_role("Petugas Pengelola").id
    page = post_form(client, "/users/add", {
        "first_name": "Baru", "last_name": "Petugas", "username": "baru",
        "email": "baru@example.test", "active": "y", "roles": str(role_id),
        "password": "pendek123", "conf_password": "pendek123"})
    assert "minimal 12 karakter" in page.get_data(as_text=True)
    with app.app_context():
        assert app.appbuilder.sm.find_user(username="baru") is None
