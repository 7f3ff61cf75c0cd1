#!/usr/bin/env bash
# Refresh the catalogues: extract our messages and Flask-AppBuilder's own (FAB ships no
# Indonesian), merge them into translations/messages.pot, update every language and
# compile. Run from anywhere; translate new entries in translations/<lang>/LC_MESSAGES/messages.po.
# (Not `flask fab babel-extract`: it runs extract and update concurrently and can lose work.)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
fab="$(python -c 'import flask_appbuilder, os; print(os.path.dirname(flask_appbuilder.__file__))')"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
pybabel extract -F translations/babel.cfg -k _l -k lazy_gettext -k N_ --no-location \
  --sort-output -o "$tmp/app.pot" app
(cd "$fab" && pybabel extract -F "$root/translations/babel.cfg" -k _l -k lazy_gettext \
  --no-location --sort-output -o "$tmp/fab.pot" .)
# WTForms' own validation messages ("Not a valid choice.") are looked up in our catalogue too.
wtf="$(python -c 'import wtforms, os; print(os.path.dirname(wtforms.__file__))')"
(cd "$wtf" && pybabel extract -F "$root/translations/babel.cfg" --no-location \
  --sort-output -o "$tmp/wtforms.pot" .)
python - "$tmp/app.pot" "$tmp/fab.pot" "$tmp/wtforms.pot" translations/messages.pot <<'PY'
import sys
from babel.messages.pofile import read_po, write_po
ours, *theirs, out = sys.argv[1:]
with open(ours, "rb") as f:
    catalog = read_po(f)
for path in theirs:
    with open(path, "rb") as f:
        for message in read_po(f):
            if message.id and message.id not in catalog:
                catalog[message.id] = message
catalog.project, catalog.version = "pengaduan-desa", "1"
catalog.msgid_bugs_address = ""
catalog.copyright_holder = "Pemerintah Desa Babakan"
with open(out, "wb") as f:
    write_po(f, catalog, omit_header=False, sort_output=True, no_location=True, width=100)
PY
for lang in id; do
  if [ -f "translations/$lang/LC_MESSAGES/messages.po" ]; then
    pybabel update -i translations/messages.pot -d translations -l "$lang" \
      --ignore-obsolete -w 100
  else
    pybabel init -i translations/messages.pot -d translations -l "$lang" -w 100
  fi
done
pybabel compile -d translations --statistics 2>&1 | grep -v '^$' || true
