"""Command-line verbs: ``flask sync-roles``, ``flask seed``, ``flask demo-data``,
``flask retention``, ``flask backup``, ``flask restore``, ``flask fetch-mail``,
``flask notifications send|remind``.

``prepare_database`` is what ``run.py`` does at every start: upgrade the
schema, sync roles and permissions, fill the reference lists.
"""

import tarfile

import click
from flask import current_app
from flask_babel import gettext

from app import background
from app.auth import villages
from app.auth.security import sync_roles
from app.core.errors import ServiceError
from app.core.timeutil import now_wib
from app.backup import (BackupError, backup_database, backup_files, protect_sqlite_file,
                        restore_database, restore_files)
from app.demo import load_demo, progress_line
from app.extensions import db, init_migrate
from app.services import oversight, storage
from app.services.inbox import fetch_mail
from app.services.reference_data import seed_reference_data


def prepare_database():
    """Bring the database to the current schema, roles and reference lists."""
    from flask_migrate import upgrade  # Alembic and Mako: only when migrating (app.extensions)

    upgrade(directory=init_migrate(current_app._get_current_object()).directory)
    protect_sqlite_file(current_app.config["SQLALCHEMY_DATABASE_URI"])
    sync_roles()
    seed_reference_data()


def _run_background_job(name):
    """Run one background job once, under its lease (another process may hold it now)."""
    result = background.run_job(name)
    if result is None:
        click.echo(f"{name}: another process is running it now (or it failed: see the log).")
    else:
        click.echo(f"{name}: {result}")


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
        def echo_progress(done, total):
            line = progress_line(done, total)
            if line:
                click.echo(line)

        prepare_database()
        report = load_demo(complaints, progress=echo_progress)
        click.echo(report)

    @app.cli.group("notifications")
    def notifications_group():
        """Send the outbox and give the reminders (for a systemd timer or cron)."""

    @notifications_group.command("send")
    def send_command():
        """Deliver the queued emails and Telegram messages that are due."""
        _run_background_job("send")

    @notifications_group.command("remind")
    def remind_command():
        """Give the deadline reminders, escalations and the weekly digest that are due."""
        _run_background_job("remind")

    @app.cli.group("oversight")
    def oversight_group():
        """Logins that watch villages from above: a Camat, the Inspektorat or a Dinas."""

    @oversight_group.command("add")
    @click.argument("username")
    @click.argument("area", type=click.Choice(["kecamatan", "kabupaten"]))
    @click.argument("name")
    def oversight_add_command(username, area, name):
        """Let USERNAME read the figures of the villages of kecamatan/kabupaten NAME."""
        try:
            row = oversight.give(username, area, name)
        except ServiceError as exc:
            raise click.ClickException(str(exc)) from exc
        where = f"Kecamatan {row.kecamatan}, " if row.kecamatan else ""
        click.echo(gettext("%(name)s now watches %(where)sKabupaten %(kabupaten)s.",
                           name=username, where=where, kabupaten=row.kabupaten))

    @oversight_group.command("remove")
    @click.argument("username")
    def oversight_remove_command(username):
        """USERNAME no longer watches villages from above."""
        try:
            oversight.take_away(username)
        except ServiceError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(gettext("%(name)s no longer watches villages.", name=username))

    @oversight_group.command("list")
    def oversight_list_command():
        """Every login that watches villages from above."""
        for username, row in oversight.every_oversight():
            click.echo(f"{username}\t{row.area}\t{row.kecamatan or '-'}\t{row.kabupaten}")

    @app.cli.command("retention")
    @click.argument("what", type=click.Choice(["preview", "run"]))
    def retention_command(what):
        """Anonymise the complaints closed longer ago than the retention setting (run it daily,
        e.g. from cron: ``flask retention run``), or list them (preview)."""
        from app.services import retention  # the services: only this command needs them

        every = villages.all_villages()
        numbers, errors = [], []
        for village in every:  # each village's own retention, as the background job does
            with villages.acting_for(village.id):
                if what == "preview":
                    for complaint in retention.due():
                        named = f"{village.name}\t" if len(every) > 1 else ""
                        click.echo(f"{named}{complaint.register_number}\t"
                                   f"{complaint.closed_at or ''}")
                    continue
                try:  # with several villages, only where something is due (no empty audit)
                    numbers += retention.run() if len(every) == 1 \
                        else background.anonymise_due(now_wib())
                except ServiceError as exc:  # the storage could not delete the files
                    db.session.rollback()
                    errors.append(f"{village.name}: {exc}" if len(every) > 1 else str(exc))
        if what == "run":
            click.echo(f"{len(numbers)} complaints anonymised.")
        if errors:  # the other villages' runs stand
            raise click.ClickException("\n".join(errors))

    @app.cli.command("fetch-mail")
    def fetch_mail_command():
        """Read each village's mailbox (IMAP_* settings) once into its desk's inbox.

        ``python run.py`` does this by itself every IMAP_FETCH_INTERVAL seconds; with
        BACKGROUND_JOBS=0 run it from cron or a systemd timer. Each reading, failed or not,
        is shown above that village's inbox list.
        """
        every = villages.all_villages()
        lines, failed = [], False
        for village in every:
            named = f"{village.name}: " if len(every) > 1 else ""
            with villages.acting_for(village.id):
                try:
                    record = fetch_mail()
                except Exception as exc:  # noqa: BLE001 - one village's fault; the rest go on
                    db.session.rollback()
                    failed = True
                    lines.append(f"{named}the mailbox could not be read: {exc}")
                    continue
                if record is None:
                    continue
                if record.ok:
                    lines.append(f"{named}{record.fetched} new message(s).")
                else:
                    failed = True
                    lines.append(f"{named}the mailbox could not be read after "
                                 f"{record.attempts} attempts: {record.error}")
        if not lines:
            raise click.ClickException("No mailbox is set up (IMAP_HOST is empty, or no village "
                                       "has its IMAP_USER_<SLUG>).")
        if failed:
            raise click.ClickException("\n".join(lines))
        click.echo("\n".join(lines))

    @app.cli.command("backup")
    @click.argument("target", type=click.Path(dir_okay=False))
    def backup_command(target):
        """Back the whole database up into TARGET (SQLite online backup, or pg_dump)."""
        try:
            path = backup_database(current_app.config["SQLALCHEMY_DATABASE_URI"], target)
            files, count = backup_files(storage.storage(), target)
        except (BackupError, storage.StorageError, OSError) as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Backup written to {path}, {count} evidence files to {files}.")

    @app.cli.command("restore")
    @click.argument("source", type=click.Path(exists=True, dir_okay=False))
    @click.confirmation_option(prompt="This replaces everything in the database. Continue?")
    def restore_command(source):
        """Replace the whole database with the backup in SOURCE (stop the app first)."""
        db.engine.dispose()
        try:
            restore_database(current_app.config["SQLALCHEMY_DATABASE_URI"], source)
            count = restore_files(storage.storage(), source)
        except (BackupError, storage.StorageError, OSError, tarfile.TarError) as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Database restored, {count} evidence files.")
