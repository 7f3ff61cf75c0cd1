"""Command-line verbs: ``flask sync-roles``, ``flask seed``, ``flask demo-data``.

``prepare_database`` is what ``run.py`` does at every start: upgrade the
schema, sync roles and permissions, fill the reference lists.
"""

import click
from flask import current_app
from flask_migrate import upgrade

from app.reference_data import seed_reference_data
from app.security import sync_roles


def prepare_database():
    """Bring the database to the current schema, roles and reference lists."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    sync_roles()
    seed_reference_data()


def init_app(app):
    """Register the commands on ``app``."""

    @app.cli.command("sync-roles")
    def sync_roles_command():
        """Create permissions and give each role exactly its list (app/security.py)."""
        sync_roles()
        click.echo("Roles synced.")

    @app.cli.command("seed")
    def seed_command():
        """Upgrade the database, sync roles and fill empty reference lists."""
        prepare_database()
        click.echo("Database ready.")

    @app.cli.command("demo-data")
    @click.option("--complaints", default=300, show_default=True)
    def demo_data_command(complaints):
        """Load Babakan's officers, demo logins and complaints over the past 12 months."""
        from app.demo import load_demo

        prepare_database()
        report = load_demo(complaints)
        click.echo(report)
