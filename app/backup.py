"""Backing up and restoring the whole database.

``flask backup FILE`` and ``flask restore FILE`` (app/cli.py) call these.

* SQLite: the online backup API (``sqlite3.Connection.backup``) copies a
  consistent snapshot while the app keeps running; restoring copies it back
  page by page.
* PostgreSQL: ``pg_dump --format=custom`` (tables, data, sequences, the
  timeline's triggers) and ``pg_restore --clean --if-exists`` into the target.
  The client tools must be installed and at least the server's version.

The evidence files (photos and documents, ``app.services.storage``) go into a tar file beside
the database backup, ``TARGET.lampiran.tar``, read from and written back to whichever storage
is configured (a directory or S3), so a backup taken from one can be restored into the other.

Restoring replaces everything in the target database: run it with the app
stopped. Files are put back under their keys; files in the storage that the backup does not
hold are left as they are (no row names them).
"""

import os
import shutil
import io
import sqlite3
import tarfile
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
    _private_parent(target)
    dialect = make_url(str(url)).get_backend_name()
    if dialect == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        _private_file(target)
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


def _private_parent(target):
    """Make the folder of ``target`` when missing, open to this user only (0700)."""
    if not target.parent.exists():
        target.parent.mkdir(mode=0o700, parents=True)
        os.chmod(target.parent, 0o700)  # mkdir's mode passes through the umask


def _private_file(path):
    """An empty file at ``path`` readable by this user only from the first byte written
    (not chmod-ed after being written), whatever the umask."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    os.chmod(path, 0o600)


def protect_sqlite_file(url):
    """Make the SQLite database file readable and writable by this user only (it may have
    been created before, under a looser umask). Nothing to do for PostgreSQL."""
    parsed = make_url(str(url))
    if parsed.get_backend_name() != "sqlite":
        return
    path = parsed.database
    if path and path != ":memory:" and os.path.exists(path):
        os.chmod(path, 0o600)


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


def files_archive(target):
    """Where the files of the database backup ``target`` are kept."""
    return Path(f"{target}.lampiran.tar")


def backup_files(store, target):
    """Write every file of ``store`` into ``files_archive(target)``; return (path, count)."""
    path = files_archive(target)
    _private_parent(path)
    keys = store.keys()
    _private_file(path)  # residents' photos
    with tarfile.open(path, "w") as archive:
        for key in keys:
            data = store.get(key)
            info = tarfile.TarInfo(key)
            info.size = len(data)
            info.mode = 0o600
            archive.addfile(info, io.BytesIO(data))
    return path, len(keys)


def restore_files(store, source):
    """Put the files of the backup ``source`` back into ``store``; return how many (0 when the
    backup has no files archive). Each name must be a storage key (``storage.put`` checks it),
    so an archive cannot write outside the storage."""
    path = files_archive(source)
    if not path.is_file():
        return 0
    count = 0
    with tarfile.open(path, "r") as archive:
        for member in archive:
            if member.isfile():
                store.put(member.name, archive.extractfile(member).read())
                count += 1
    return count
