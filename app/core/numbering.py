"""Numbers of the register: official register numbers, tracking codes, phones.

Pure helpers; handing out the next number of a year without gaps is the database's
(``app.models.register.next_register_seq``).
"""

import re
import secrets

from app.core.timeutil import ROMAN_MONTHS

# No 0/O, 1/I/L: a resident reads the code off paper or a phone screen.
TRACKING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
TRACKING_LENGTH = 12

PHONE_PATTERN = re.compile(r"^\+62[1-9][0-9]{6,12}$")


class InvalidPhone(ValueError):
    """The text is not an Indonesian phone number we could call back."""


def new_tracking_code():
    """A random, unguessable code (31^12, about 59 bits) for the resident."""
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def normalize_tracking_code(text):
    """Upper-case the code a resident typed and drop spaces and dashes."""
    return re.sub(r"[\s-]", "", text or "").upper()


def group_tracking_code(code, size=4):
    """'ABCD-EFGH-JKLM': the code in groups, easier to read out and type back (the dashes are
    dropped again by ``normalize_tracking_code``)."""
    code = code or ""
    return "-".join(code[i:i + size] for i in range(0, len(code), size))


def normalize_phone(text):
    """Return the number as +62..., accepting 08.., 628.., +62 8.., (0282) 123456.

    Raises ``InvalidPhone`` for anything else, so that every stored number can
    be dialled and matched by its last four digits.
    """
    raw = (text or "").strip()
    if not raw:
        raise InvalidPhone(raw)
    if re.search(r"[^0-9+\s().-]", raw) or raw.count("+") > 1 or "+" in raw[1:]:
        raise InvalidPhone(raw)
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("+"):
        if not digits.startswith("62"):
            raise InvalidPhone(raw)
    elif digits.startswith("62"):
        pass
    elif digits.startswith("0"):
        digits = "62" + digits[1:]
    else:
        raise InvalidPhone(raw)
    number = "+" + digits
    if not PHONE_PATTERN.match(number):
        raise InvalidPhone(raw)
    return number


def format_register_number(seq, received_at, code):
    """'001/PGD/XI/2026': sequence, village code, Roman month, year."""
    return f"{seq:03d}/{code}/{ROMAN_MONTHS[received_at.month - 1]}/{received_at.year}"
