"""axe-core, the accessibility rules engine, fetched from the npm registry and run in a page.

The pinned release is fetched once with ``npm pack`` (npm's own registry settings, no
node_modules), checked against the registry's integrity hash and kept in tests/.cache/. Without
npm (or a network on first use) the tests that need it are skipped, and fail in CI
(tests/components.py).
"""

import base64
import hashlib
import shutil
import subprocess  # nosec B404
import tarfile
import tempfile
from pathlib import Path

from tests.components import missing

AXE_VERSION = "4.11.0"
# npm's "dist.integrity" of axe-core@4.11.0 (npm view axe-core@4.11.0 dist.integrity).
AXE_INTEGRITY = ("sha512-ilYanEU8vxxBexpJd8cWM4ElSQq4QctCLKih0TSfjIfCQTeyH/6zVrmIJfLPrKTKJRbiG+"
                 "cfnZbQIjAlJmF1jQ==")
CACHE = Path(__file__).resolve().parent.parent / ".cache" / f"axe-core-{AXE_VERSION}"
# What the issue counts: axe's two worst impact levels.
BLOCKING = ("critical", "serious")


def axe_source():
    """The text of axe.min.js of the pinned release, fetched on first use."""
    script = CACHE / "axe.min.js"
    if script.exists():
        return script.read_text()
    npm = shutil.which("npm")
    if not npm:
        missing("npm not installed: it fetches axe-core for the accessibility test")
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(  # nosec B603
            [npm, "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", tmp, "--silent"],
            capture_output=True, text=True, timeout=180, check=False)
        tarball = Path(tmp) / f"axe-core-{AXE_VERSION}.tgz"
        if result.returncode != 0 or not tarball.exists():
            missing(f"npm pack axe-core@{AXE_VERSION} failed: {result.stderr.strip()[-300:]}")
        digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
        assert f"sha512-{digest}" == AXE_INTEGRITY, "axe-core tarball does not match its hash"
        with tarfile.open(tarball) as archive:
            member = archive.extractfile("package/axe.min.js")
            text = member.read().decode()
    CACHE.mkdir(parents=True, exist_ok=True)
    # A file of this process's own, renamed into place: two test workers fetching at once
    # never read one another's half-written copy.
    with tempfile.NamedTemporaryFile("w", dir=CACHE, suffix=".part", delete=False) as partial:
        partial.write(text)
    Path(partial.name).replace(script)
    return text


def blocking_violations(page):
    """Run axe on the page as it is now; return its critical and serious violations, readable.

    Injected through Playwright (page.evaluate), not a <script> tag, so the app's Content
    Security Policy, which refuses foreign scripts, stays as it is in production.
    """
    page.evaluate(axe_source())
    results = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in results["violations"]:
        if violation["impact"] in BLOCKING:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:5]]
            found.append(f"{violation['impact']} {violation['id']}: {violation['help']} "
                         f"({len(violation['nodes'])}x: {'; '.join(targets)})")
    return found
