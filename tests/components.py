"""Tests that need something outside Python: skipped without it, failed in CI.

On a developer's machine a test that needs Chromium, Redis or a tool that is not
installed is skipped with the reason. In CI (the ``CI`` environment variable set,
as ``.ci/run`` does) the same test fails instead: CI installs all of them, and a
skip there would hide that the browser, Redis or soak checks never ran.
"""

import os

import pytest


def in_ci():
    """Whether this run is CI (``CI`` set to anything but empty, 0, false or no)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing(reason):
    """Skip the calling test because ``reason`` (something it needs is missing); fail in CI."""
    if in_ci():
        pytest.fail(f"{reason} (CI must provide it)", pytrace=False)
    pytest.skip(reason)
