"""The first run: the run command installs and needs only what running needs.

requirements.txt is the app; tests/requirements.txt holds the test tools (Playwright,
schemathesis, hypothesis, bandit...), which only the test command adds. ``python run.py --demo``
must start without any of them: the subprocess below refuses to import every module those
packages provide, loads a small demo set and reads what it printed.
"""

import re
import subprocess  # nosec B404
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

from app.demo import progress_line

ROOT = Path(__file__).resolve().parents[1]


def pinned(path):
    """{lower-case distribution name: version} of a requirements file's ``name==version`` lines."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            pins[name.split("[")[0].strip().lower()] = version.strip()
    return pins


def modules_of(distributions):
    """The importable top-level modules of ``distributions`` (as installed here)."""
    wanted = {d.replace("_", "-") for d in distributions}
    return sorted(module for module, dists in packages_distributions().items()
                  if not module.startswith("_")
                  and any(d.lower().replace("_", "-") in wanted for d in dists))


def test_the_test_tools_are_only_in_the_test_requirements():
    app, tests = pinned(ROOT / "requirements.txt"), pinned(ROOT / "tests/requirements.txt")
    assert set(app) & set(tests) == set()
    for tool in ("pytest", "pytest-timeout", "playwright", "schemathesis", "hypothesis", "bandit",
                 "aiosmtpd", "import-linter"):
        assert tool in tests, tool
        assert tool not in app, tool
    for needed in ("flask-appbuilder", "flask", "sqlalchemy", "reportlab", "matplotlib"):
        assert needed in app, needed


def test_the_readme_and_ci_install_the_test_requirements_only_for_the_tests():
    readme = (ROOT / "README.md").read_text()
    run_command = next(line for line in readme.splitlines() if "python run.py --demo" in line)
    test_command = next(line for line in readme.splitlines() if "python -m pytest tests" in line)
    assert "-r requirements.txt" in run_command and "tests/requirements.txt" not in run_command
    assert "-r requirements.txt -r tests/requirements.txt" in test_command
    ci = (ROOT / ".ci/run").read_text()
    assert "pip install --quiet -r requirements.txt -r tests/requirements.txt" in ci
    # The README is the front door: its first two code blocks are the run and the test command.
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", readme, re.S | re.M)
    assert blocks[0].strip() == run_command.strip() and blocks[1].strip() == test_command.strip()


def test_the_readme_and_the_docs_link_to_files_that_exist():
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)|src=\"([^\":]+)\"", page.read_text()):
            target = target[0] or target[1]
            assert (page.parent / target).exists(), (page.name, target)


# Refuses the test tools' modules, shrinks the demo to a few complaints, then runs run.py.
_RUN_WITHOUT_TEST_TOOLS = """
import functools, sys
BLOCKED = set(sys.argv[1].split(","))

class RefuseTestTools:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"test tool imported by the app: {name}")
        return None

for name in list(sys.modules):
    if name.split(".")[0] in BLOCKED:
        del sys.modules[name]
sys.meta_path.insert(0, RefuseTestTools())
import app.demo
app.demo.load_demo = functools.partial(app.demo.load_demo, count=19)
import run
run.main(["--demo", "--no-serve"])
"""


def test_run_demo_needs_nothing_from_the_test_requirements_and_shows_its_progress(tmp_path):
    blocked = modules_of(pinned(ROOT / "tests/requirements.txt"))
    assert {"pytest", "playwright", "hypothesis", "schemathesis"} <= set(blocked)
    env = {"PATH": "/usr/bin:/bin", "INSTANCE_PATH": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'first.db'}", "ADMIN_PASSWORD": "",
           "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "HOME": str(tmp_path)}
    result = subprocess.run(  # nosec B603
        [sys.executable, "-c", _RUN_WITHOUT_TEST_TOOLS, ",".join(blocked)], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=240, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    # 19 complaints and the one waiting for a reopen answer: a line at each tenth, the last at 100%
    progress = re.findall(r"loading demo data: (\d+)/20 pengaduan \((\d+)%\)", out)
    assert [int(done) for done, _ in progress] == [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]
    assert progress[-1][1] == "100"
    assert "Data demo dimuat: 20 pengaduan" in out
    # The login comes last, framed, after the progress and the summary.
    tail = out.rstrip().splitlines()[-5:]
    assert tail[0] == tail[-1] and set(tail[0]) == {"="} and len(tail[0]) > 40
    assert tail[1].strip() == "Buka / open: http://127.0.0.1:8080/login/"
    match = re.fullmatch(r"\s*Admin: admin / (\S{12,})", tail[2])
    assert match, tail[2]
    assert "demo-babakan-2026" in tail[3]
    assert out.index("100%") < out.index(tail[0])


def test_progress_is_printed_at_each_tenth_and_at_the_end():
    lines = [progress_line(done, 301) for done in range(1, 302)]
    shown = [line for line in lines if line]
    assert len(shown) == 10
    assert shown[0].endswith("31/301 pengaduan (10%)")
    assert shown[-1].endswith("301/301 pengaduan (100%)")
    assert [line for line in (progress_line(d, 3) for d in (1, 2, 3)) if line] == [
        progress_line(1, 3), progress_line(2, 3), progress_line(3, 3)]
