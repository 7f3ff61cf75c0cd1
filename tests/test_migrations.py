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
