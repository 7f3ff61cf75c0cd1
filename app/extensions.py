"""The extensions, created unbound; ``create_app`` binds them to one app."""

from pathlib import Path

import click
from flask import current_app
from flask_appbuilder import AppBuilder
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_wtf.csrf import CSRFProtect

MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")

db = get_sqla_class()()
appbuilder = AppBuilder(update_perms=False)
csrf = CSRFProtect()


def init_migrate(app):
    """Flask-Migrate on ``app``, when a migration is about to run.

    Flask-Migrate loads Alembic and Mako: the web workers never
    migrate, so they never load it. ``prepare_database`` and ``flask db`` call this.
    """
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate  # Alembic and Mako: only for a migration

        Migrate(app, db, directory=MIGRATIONS_DIR)
    return app.extensions["migrate"]


@click.command("db", add_help_option=False, context_settings={
    "ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def migrate_commands(ctx):
    """Schema migrations (Flask-Migrate's commands, loaded only when used)."""
    from flask_migrate.cli import db as commands  # loaded only when ``flask db`` runs

    init_migrate(current_app._get_current_object())
    commands.main(args=ctx.args, prog_name="flask db", obj=ctx.obj, standalone_mode=False)
