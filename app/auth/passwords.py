"""The password rule: long, and not one everybody tries first.

Current guidance (NIST SP 800-63B) asks for length and a check against known
common passwords, not for composition rules ("one digit, one capital"): those
make passwords harder to remember and no harder to guess. FAB calls
``check_password`` through its complexity hook (``FAB_PASSWORD_COMPLEXITY_*``)
on the user forms, the reset-password forms and the user REST API; FAB stores
only the hash.
"""

from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import gettext

MIN_LENGTH = 12
MAX_LENGTH = 128

# Passwords (and password stems) that guessing tools try first, including the local ones.
COMMON_PASSWORDS = frozenset("""
123456789012 1234567890123 12345678901234 123123123123 111111111111 000000000000
123412341234 147258369147 987654321098 qwertyuiop12 qwertyuiop123 qwerty123456
1q2w3e4r5t6y asdfghjkl123 zxcvbnm12345 passwordpassword password1234 password12345
password123456 passw0rd1234 p@ssw0rd1234 iloveyou1234 letmein12345 welcome12345
administrator admin1234567 adminadmin12 administrator1 superadmin123 rahasia12345
rahasiasekali katasandi123 katasandiku12 bismillah123 bismillah1234 alhamdulillah
indonesia123 indonesia1945 merdeka12345 sayangku1234 cintaku12345 desababakan
desababakan1 babakan12345 karangpucung cilacap12345 pengaduan123 pengaduandesa
kepaladesa12 sekretarisdesa petugasdesa1 demo-babakan-2026
""".split())


def is_common(password):
    """Whether ``password`` is on the list, ignoring case and digits or symbols at the end."""
    lowered = password.lower()
    stem = lowered.rstrip("0123456789!@#$%^&*.-_ ")
    return lowered in COMMON_PASSWORDS or (len(stem) >= 6 and stem in {
        common.rstrip("0123456789!@#$%^&*.-_ ") for common in COMMON_PASSWORDS})


def check_password(password):
    """Raise ``PasswordComplexityValidationError`` with a translated reason, or return None."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        raise PasswordComplexityValidationError(gettext(
            "The password must be at least %(min)d characters long; a few words "
            "with spaces or dashes are easy to remember.", min=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        raise PasswordComplexityValidationError(gettext(
            "The password may be at most %(max)d characters long.", max=MAX_LENGTH))
    if len(set(password)) < 4 or is_common(password):
        raise PasswordComplexityValidationError(gettext(
            "This password is too common and easy to guess; choose another."))


def init_app(app):
    """Turn FAB's password hook on with our rule (unless the config already chose one)."""
    app.config.setdefault("FAB_PASSWORD_COMPLEXITY_ENABLED", True)
    app.config.setdefault("FAB_PASSWORD_COMPLEXITY_VALIDATOR", check_password)
