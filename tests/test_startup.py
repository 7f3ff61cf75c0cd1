"""Starting the app stays light: charts, PDF and migration libraries load only when needed."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("matplotlib", "reportlab", "qrcode", "alembic", "flask_migrate")


def test_creating_the_app_imports_no_chart_or_pdf_library():
    code = ("import sys; from app import create_app; create_app({'SQLALCHEMY_DATABASE_URI': "
            "'sqlite://', 'SECRET_KEY': 'x' * 40}); "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, text=True,
                         stdout=subprocess.PIPE).stdout.strip()
    assert out.splitlines()[-1:] in ([], [""]), f"loaded at start: {out}"

