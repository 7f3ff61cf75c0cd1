"""Static checks that run with the suite (issue 7, point 13).

* bandit finds nothing of medium or high severity in app/;
* the installed security-relevant packages are at or above the versions that
  fixed their known advisories (update FLOORS when a new advisory is published).
"""

import json
import shutil
import subprocess  # nosec B404
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.version import Version

from tests.components import missing

ROOT = Path(__file__).resolve().parent.parent

# package -> (lowest safe version, the advisory that set it)
FLOORS = {
    "flask-appbuilder": ("5.2.2", "FAB advisories fixed up to 5.2.2 (see FAB-NOTES)"),
    "Flask": ("3.1.3", "CVE-2025-47278 (3.1.1) and later fixes up to 3.1.3"),
    "Werkzeug": ("3.1.4", "CVE-2024-49766/49767 (3.0.6), CVE-2025-66221 safe_join (3.1.4)"),
    "Jinja2": ("3.1.6", "CVE-2024-56201/56326 (3.1.5), CVE-2025-27516 |attr sandbox (3.1.6)"),
    "SQLAlchemy": ("2.0.0", "FAB 5 needs SQLAlchemy 2 (no open advisory)"),
    "Flask-WTF": ("1.2.0", "CSRF token handling of current releases"),
    "WTForms": ("3.1.0", "current major release line"),
    "PyJWT": ("2.10.1", "CVE-2024-53861 issuer check"),
    "Flask-JWT-Extended": ("4.6.0", "current release line"),
    "Flask-Login": ("0.6.3", "current release line"),
    "itsdangerous": ("2.2.0", "current release line"),
    "marshmallow": ("4.1.2", "CVE-2025-68480 Schema.load(many) DoS"),
    "Babel": ("2.9.1", "CVE-2021-42771 locale path traversal"),
    "reportlab": ("3.6.13", "CVE-2023-33733 rl_safe_eval code execution"),
    "pillow": ("11.3.0", "CVE-2025-48379 DDS buffer overflow"),
    "gunicorn": ("23.0.0", "CVE-2024-1135, CVE-2024-6827 request smuggling"),
}


@pytest.mark.parametrize("package", sorted(FLOORS))
def test_security_relevant_packages_are_at_or_above_their_floor(package):
    floor, advisory = FLOORS[package]
    try:
        installed = version(package)
    except PackageNotFoundError:
        missing(f"{package} not installed")
    assert Version(installed) >= Version(floor), f"{package} {installed} < {floor}: {advisory}"


def test_requirements_pin_no_version_below_a_floor():
    floors = {name.lower(): Version(floor) for name, (floor, _) in FLOORS.items()}
    lines = [line for path in (ROOT / "requirements.txt", ROOT / "tests/requirements.txt")
             for line in path.read_text().splitlines()]
    for line in lines:
        if "==" not in line or line.startswith("#"):
            continue
        name, pinned = line.split("==")
        name = name.split("[")[0].strip().lower()
        if name in floors:
            assert Version(pinned.strip()) >= floors[name], line


def test_bandit_finds_no_medium_or_high_issue():
    bandit = shutil.which("bandit") or str(Path(sys.executable).with_name("bandit"))
    if not Path(bandit).exists():
        missing("bandit not installed (pip install -r tests/requirements.txt)")
    result = subprocess.run([bandit, "-r", str(ROOT / "app"), "-ll", "-f", "json", "-q"],  # nosec
                            capture_output=True, text=True, check=False)
    report = json.loads(result.stdout)
    found = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}"
             for r in report["results"]]
    assert found == []
    assert report["metrics"]["_totals"]["loc"] > 1000  # it really scanned the app
