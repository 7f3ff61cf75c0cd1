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


WARM_UP = """
import sys, tempfile
from app import create_app, charts, security
from app.cli import prepare_database
from tests.conftest import login, make_user
app = create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite:///' + tempfile.mkdtemp() + '/t.db',
                  'SECRET_KEY': 'x' * 40, 'FAB_PASSWORD_HASH_METHOD': 'pbkdf2:sha256:1000',
                  'RATELIMIT_ENABLED': False})
with app.app_context():
    prepare_database()
make_user(app, 'someone', getattr(security, '%s'))
login(app.test_client(), 'someone')
if charts._warm_up:
    charts._warm_up[0].join(60)
print('matplotlib' in sys.modules)
"""


def _loaded_after_login(role):
    out = subprocess.run([sys.executable, "-c", WARM_UP % role], cwd=ROOT, check=True,
                         text=True, stdout=subprocess.PIPE).stdout.strip()
    return out.splitlines()[-1] == "True"


def test_a_dashboard_user_logging_in_loads_the_chart_library_in_the_background():
    # The first dashboard view after a start then does not wait for matplotlib.
    assert _loaded_after_login("HEAD")
    # A village officer has no dashboard: the worker stays light.
    assert not _loaded_after_login("LIAISON")
