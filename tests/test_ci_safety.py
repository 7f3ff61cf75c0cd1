"""The suite's own guards: it never wipes a database not made for tests, and in CI a
missing browser or Redis fails the run instead of skipping quietly."""

import pytest

from tests.components import in_ci, missing
from tests.conftest import refuse_unless_test_database


@pytest.mark.parametrize("url", [
    "postgresql://postgres@127.0.0.1:5432/pengaduan",
    "postgresql://postgres@127.0.0.1:5432/postgres",
    "postgresql://postgres@127.0.0.1:5432/production_test",
    "postgresql://postgres@127.0.0.1:5432/",
])
def test_a_database_not_named_for_tests_stops_the_run(url):
    with pytest.raises(pytest.exit.Exception, match="drop its whole schema"):
        refuse_unless_test_database(url)


@pytest.mark.parametrize("name", ["test_pengaduan", "ci_pengaduan_4242", "t_sessions"])
def test_a_database_named_for_tests_is_used(name):
    refuse_unless_test_database(f"postgresql://postgres@127.0.0.1:5432/{name}")


@pytest.mark.parametrize("value, ci", [("1", True), ("true", True), ("", False), ("0", False),
                                       ("false", False)])
def test_ci_is_read_from_the_environment(monkeypatch, value, ci):
    monkeypatch.setenv("CI", value)
    assert in_ci() is ci


def test_a_missing_component_fails_in_ci(monkeypatch):
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="no Redis.*CI must provide it"):
        missing("no Redis at redis://127.0.0.1:1/15")


def test_a_missing_component_is_skipped_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no Chromium"):
        missing("no Chromium at /nowhere")
