"""Reading loosely typed input (form fields, JSON, query strings) into Python values."""

# Row ids are 32-bit integers in both databases; a larger number names no row, and the
# database drivers refuse to bind it (an error, not "not found").
MAX_ID = 2 ** 31 - 1


def int_or_none(value):
    """``value`` as an int, or None when it is not a whole number in the databases' range."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if -MAX_ID - 1 <= number <= MAX_ID else None


def truthy(value):
    return str(value).lower() in ("1", "true", "y", "yes", "on")


# RFC 2606 reserves this top-level domain for addresses that can never exist: the login of
# an officer without email gets one (``accounts.NO_EMAIL_DOMAIN``), as may a typed address.
NEVER_MAIL_SUFFIX = ".invalid"


def mail_can_reach(address):
    """Whether email to ``address`` may be sent at all: an address with a domain, and not in
    a domain reserved as invalid (no message is ever queued or sent to a placeholder)."""
    address = (address or "").strip()
    local, at, domain = address.rpartition("@")
    domain = domain.rstrip(".").lower()
    return bool(local and at and domain) and not (
        domain == NEVER_MAIL_SUFFIX[1:] or domain.endswith(NEVER_MAIL_SUFFIX))
