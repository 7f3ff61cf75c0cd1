"""Time in WIB and dates written the Indonesian way.

The village works in one time zone, WIB (Asia/Jakarta, UTC+7, no daylight
saving). Timestamps are stored as naive WIB wall-clock times, so that what the
database groups by day or month is the village's own day or month.
"""

import datetime as dt
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")

DAYS_ID = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli",
    "Agustus", "September", "Oktober", "November", "Desember",
)
ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def now_wib():
    """The current WIB wall-clock time, naive, to the second."""
    return dt.datetime.now(WIB).replace(tzinfo=None, microsecond=0)


def today_wib():
    """Today's date in WIB."""
    return now_wib().date()


def date_id(value, with_day=False):
    """'23 November 2026', or 'Senin, 23 November 2026' with the day name."""
    if value is None:
        return ""
    text = f"{value.day} {MONTHS_ID[value.month - 1]} {value.year}"
    if with_day:
        text = f"{DAYS_ID[value.weekday()]}, {text}"
    return text


def datetime_id(value, with_day=False):
    """'23 November 2026, 14.05 WIB' (Indonesian uses a dot between hours and minutes)."""
    if value is None:
        return ""
    return f"{date_id(value, with_day)}, {value:%H.%M} WIB"


def add_working_days(start, days, holidays=()):
    """The date ``days`` working days after ``start`` (Monday to Friday, no holidays).

    The day a complaint arrives does not count, as in the SOP's "n hari kerja".
    """
    current = start
    remaining = days
    while remaining > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            remaining -= 1
    return current
