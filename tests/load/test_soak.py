"""The short form of the load and soak run (tests/load/soak.py), in CI on every push.

On SQLite it makes its own database file; with TEST_DATABASE_URL it runs on a new
PostgreSQL database next to the test database (made and dropped here, like the
backup test's).
"""

import pytest

from tests.load import soak
from tests.test_backup import empty_database  # noqa: F401  (fixture: a new empty database)


@pytest.mark.soak
def test_a_short_soak_under_gunicorn_refuses_nothing_and_loses_no_submission(
        capsys, empty_database):  # noqa: F811
    """10 users for 8 seconds against gunicorn (2 workers): every answer the expected one."""
    code = soak.main(["--duration", "8", "--users", "10", "--demo-complaints", "20",
                      "--database-url", empty_database])
    output = capsys.readouterr().out
    assert code == 0, output
    assert "missing from the register: 0" in output
