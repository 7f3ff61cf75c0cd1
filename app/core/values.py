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
