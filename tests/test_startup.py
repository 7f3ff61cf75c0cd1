"""Starting the app stays light: charts, PDF and migration libraries load only when needed."""

import json
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
import json, sys, tempfile
from app import create_app, charts, security
from app.cli import prepare_database
from tests.conftest import login, make_user
app = create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite:///' + tempfile.mkdtemp() + '/t.db',
                  'SECRET_KEY': 'startup-test-' + 'x' * 40, 'RATELIMIT_ENABLED': False,
                  'FAB_PASSWORD_HASH_METHOD': 'pbkdf2:sha256:1000', 'CHART_PROCESS': %s})
with app.app_context():
    prepare_database()
make_user(app, 'someone', getattr(security, '%s'))
login(app.test_client(), 'someone')
if charts._warm_up:
    charts._warm_up[0].join(60)
process = app.extensions.get('chart_process')
print(json.dumps({'warmed': bool(charts._warm_up), 'matplotlib': 'matplotlib' in sys.modules,
                  'process': process is not None and process.reachable()}))
"""


def _after_login(role, chart_process=True):
    out = subprocess.run([sys.executable, "-c", WARM_UP % (chart_process, role)], cwd=ROOT,
                         check=True, text=True, stdout=subprocess.PIPE).stdout.strip()
    return json.loads(out.splitlines()[-1])


def test_a_dashboard_user_logging_in_starts_the_chart_process_in_the_background():
    # The first dashboard view after a start then does not wait for matplotlib, and the
    # web worker itself never loads it: the chart process draws.
    after = _after_login("HEAD")
    assert after == {"warmed": True, "matplotlib": False, "process": True}
    # A village officer has no dashboard: nothing is started.
    assert not _after_login("LIAISON")["warmed"]


def test_without_the_chart_process_the_worker_loads_the_library_at_login():
    after = _after_login("HEAD", chart_process=False)
    assert after == {"warmed": True, "matplotlib": True, "process": False}
