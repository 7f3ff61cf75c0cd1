"""The short form of the load and soak run (tests/load/soak.py), in CI on every push."""

import pytest

from tests.load import soak


@pytest.mark.soak
def test_a_short_soak_under_gunicorn_has_no_server_error_and_loses_no_submission(capsys):
    """10 users for 8 seconds against gunicorn (2 workers) on a fresh SQLite database."""
    code = soak.main(["--duration", "8", "--users", "10", "--demo-complaints", "20"])
    output = capsys.readouterr().out
    assert code == 0, output
    assert "missing from the register: 0" in output
