"""Where the evidence files live: one small interface, two kinds of storage.

* ``DirectoryStorage`` (the default): a directory under the instance path
  (``ATTACHMENT_DIR``), so the embedded default needs nothing else. A file is written to a
  temporary name in the same directory and renamed into place, so a full disk leaves no
  half-written file under its key. Directories are 0700 and files 0600: residents' photos
  are personal data.
* ``S3Storage``: an S3-compatible object store (``ATTACHMENT_STORAGE=s3``, ``S3_BUCKET``,
  ``S3_ENDPOINT_URL``...), for several app hosts sharing the work. boto3 is imported only
  when it is chosen.

Keys are made by the app (``new_key``), random and never derived from a resident's file name.
"""

import os
import re
import secrets
import tempfile
from pathlib import Path

from flask import current_app

_KEY = re.compile(r"[a-z0-9]{2}/[a-z0-9]{32}(\.[a-z0-9]{2,4})?(-thumb\.jpg)?")


class StorageError(Exception):
    """A file could not be written or read (disk full, store down)."""


def new_key(extension):
    """A fresh random key, e.g. ``3f/3f9c...e1.jpg`` (two-letter folders keep directories small)."""
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token}.{extension}"


def _check_key(key):
    if not _KEY.fullmatch(key or ""):
        raise StorageError(f"not a storage key: {key!r}")
    return key


def _private_directory(path):
    """Make ``path`` (a directory of residents' photos) if needed, and leave it open to this
    user only (0700) whatever the process's umask: gunicorn and the ``flask`` commands do
    not set one, and a directory made by an older version may be looser."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o700)


class DirectoryStorage:
    """Files in a directory on this machine."""

    def __init__(self, root):
        self.root = Path(root)

    def _path(self, key):
        return self.root / _check_key(key)

    def put(self, key, data):
        path = self._path(key)
        try:
            _private_directory(self.root)
            _private_directory(path.parent)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                os.chmod(temporary, 0o600)  # residents' photos: personal data
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise StorageError(str(exc)) from exc

    def get(self, key):
        try:
            return self._path(key).read_bytes()
        except OSError as exc:
            raise StorageError(str(exc)) from exc

    def delete(self, key):
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(str(exc)) from exc

    def keys(self):
        """Every key held (for backups)."""
        if not self.root.is_dir():
            return []
        return sorted(str(path.relative_to(self.root)) for path in self.root.glob("*/*")
                      if _KEY.fullmatch(str(path.relative_to(self.root))))


class S3Storage:
    """Objects in an S3-compatible bucket (boto3)."""

    def __init__(self, bucket, client):
        self.bucket = bucket
        self.client = client

    def put(self, key, data):
        try:
            self.client.put_object(Bucket=self.bucket, Key=_check_key(key), Body=data)
        except Exception as exc:  # botocore's errors: connection, permission, quota
            raise StorageError(str(exc)) from exc

    def get(self, key):
        try:
            return self.client.get_object(Bucket=self.bucket, Key=_check_key(key))["Body"].read()
        except Exception as exc:
            raise StorageError(str(exc)) from exc

    def delete(self, key):
        try:
            self.client.delete_object(Bucket=self.bucket, Key=_check_key(key))
        except Exception as exc:
            raise StorageError(str(exc)) from exc

    def keys(self):
        paginator = self.client.get_paginator("list_objects_v2")
        found = []
        for page in paginator.paginate(Bucket=self.bucket):
            found += [item["Key"] for item in page.get("Contents", ())
                      if _KEY.fullmatch(item["Key"])]
        return sorted(found)


def storage_from_config(config):
    """The storage ``config`` asks for."""
    if config.get("ATTACHMENT_STORAGE", "directory") == "s3":
        # Only a deployment that chose S3 needs boto3 installed and pays for its import.
        import boto3

        client = boto3.client(
            "s3", endpoint_url=config.get("S3_ENDPOINT_URL") or None,
            region_name=config.get("S3_REGION") or None,
            aws_access_key_id=config.get("S3_ACCESS_KEY_ID") or None,
            aws_secret_access_key=config.get("S3_SECRET_ACCESS_KEY") or None)
        return S3Storage(config["S3_BUCKET"], client)
    return DirectoryStorage(config["ATTACHMENT_DIR"])


def storage():
    """This app's storage (made once per app)."""
    extensions = current_app.extensions
    if "evidence_storage" not in extensions:
        extensions["evidence_storage"] = storage_from_config(current_app.config)
    return extensions["evidence_storage"]
