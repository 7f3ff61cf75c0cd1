"""Backing up and restoring the whole database.

``flask backup FILE`` and ``flask restore FILE`` (app/cli.py) call these.

* SQLite: the online backup API (``sqlite3.Connection.backup``) copies a
  consistent snapshot while the app keeps running; restoring copies it back
  page by page.
* PostgreSQL: ``pg_dump --format=custom`` (tables, data, sequences, the
  timeline's triggers) and ``pg_restore --clean --if-exists`` into the target.
  The client tools must be installed and at least the server's version.

Restoring replaces everything in the target database: run it with the app
stopped.
"""

import os
import shutil
import sqlite3
# Only pg_dump and pg_restore are run, with an argument list (no shell).
import subprocess  # nosec B404
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """A backup or restore that did not complete; the text says why."""


def _libpq_url(url):
    """The SQLAlchemy URL as a libpq connection URI (no ``+psycopg`` driver part)."""
    url = make_url(str(url)).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _sqlite_path(url):
    path = make_url(str(url)).database
    if not path or path == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return path


def _run(command):
    tool = shutil.which(command[0])
    if tool is None:
        raise BackupError(f"{command[0]} is not installed (needed for PostgreSQL).")
    result = subprocess.run([tool, *command[1:]], capture_output=True, text=True,  # nosec B603
                            check=False)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


def backup_database(url, target):
    """Write a backup of the database at ``url`` to the file ``target``; return its path."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    dialect = make_url(str(url)).get_backend_name()
    if dialect == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        dest = sqlite3.connect(target)
        try:
            with dest:
                source.backup(dest)
        finally:
            dest.close()
            source.close()
    elif dialect == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
              f"--file={target}", f"--dbname={_libpq_url(url)}"])
    else:
        raise BackupError(f"Backups of {dialect} databases are not supported.")
    os.chmod(target, 0o600)  # it holds residents' personal data
    return target


def restore_database(url, source):
    """Replace the database at ``url`` with the backup in the file ``source``."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"No backup file at {source}.")
    dialect = make_url(str(url)).get_backend_name()
    if dialect == "sqlite":
        backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dest = sqlite3.connect(_sqlite_path(url))
        try:
            with dest:
                backup.backup(dest)
        finally:
            dest.close()
            backup.close()
    elif dialect == "postgresql":
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", f"--dbname={_libpq_url(url)}",
              str(source)])
    else:
        raise BackupError(f"Restoring {dialect} databases is not supported.")
