"""Indonesian first: every message of the app and of FAB has a checked Indonesian text."""

import gettext
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "translations" / "id" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\d*\}")


def _catalog():
    with open(PO, "rb") as f:
        return read_po(f)


def test_every_entry_is_translated_and_none_is_fuzzy():
    bad = [m.id for m in _catalog() if m.id and (
        not m.string or m.fuzzy or (m.pluralizable and not all(m.string)))]
    assert bad == []


def test_translations_keep_their_placeholders():
    for message in _catalog():
        if not message.id or not message.string:
            continue
        msgid = message.id[0] if message.pluralizable else message.id
        strings = message.string if message.pluralizable else (message.string,)
        for string in strings:
            assert sorted(set(PLACEHOLDER.findall(msgid))) == sorted(
                set(PLACEHOLDER.findall(string))), msgid


def test_every_message_in_the_code_is_in_the_catalogue():
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
                "N_": None}
    catalog = _catalog()
    found = {
        msg if isinstance(msg, str) else msg[0]
        for _, _, msg, _, _ in extract_from_dir(str(ROOT / "app"), method_map, keywords=keywords)
    }
    missing = sorted(m for m in found if not catalog.get(m) or not catalog.get(m).string)
    assert missing == [], "run translations/update.sh and translate these"


def test_compiled_catalogue_matches_the_po_file():
    with open(MO, "rb") as f:
        compiled = gettext.GNUTranslations(f)
    for message in _catalog():
        if message.id and not message.pluralizable:
            assert compiled.gettext(message.id) == message.string, message.id


def test_login_page_speaks_indonesian_by_default(client):
    page = client.get("/login/").get_data(as_text=True)
    assert "Masuk" in page
    assert "Nama pengguna" in page
    assert "Kata sandi" in page
