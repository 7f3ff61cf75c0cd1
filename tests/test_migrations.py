"""The schema comes only from the migrations, and they match the models exactly."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from app.extensions import db
from tests.conftest import make_complaint


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Model.metadata) == []


@pytest.mark.parametrize("statement", [
    "UPDATE complaint_event SET note = 'diubah'",
    "DELETE FROM complaint_event",
])
def test_the_database_refuses_to_change_the_timeline(app, statement):
    make_complaint(app)
    with app.app_context():
        with pytest.raises(DatabaseError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text(statement))
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*), max(note) FROM complaint_event")).one() \
                == (1, None)


def test_flask_db_loads_the_migration_commands_when_asked(tmp_path):
    # The web app does not load Flask-Migrate (tests/test_startup.py); ``flask db`` brings
    # it in on use, as a newcomer or an upgrade script types it.
    import os
    import sqlite3
    import subprocess
    import sys
    from pathlib import Path

    database = tmp_path / "fresh.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "x" * 40}
    subprocess.run([sys.executable, "-m", "flask", "--app", "run.py", "db", "upgrade"],
                   cwd=Path(__file__).resolve().parents[1], env=env, check=True,
                   capture_output=True)
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() \
            == ("0014_submission_token",)
