"""Configuration, read from the environment with safe defaults.

Every setting a deployment may change is an environment variable; the table
in README.md lists them. Nothing secret is hard-coded: when ``SECRET_KEY`` is
not set, a random key is made once and kept in the instance folder so that
sessions survive a restart.
"""

import os
import re
import secrets
from pathlib import Path

from flask_appbuilder.const import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def _env_bool(name, default):
    """Read a yes/no environment variable ("1", "true", "yes", "on" mean yes)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _imap_tls(name="IMAP_TLS", default="ssl"):
    """IMAP_TLS as a mode: "ssl", "starttls" or "none" (yes/no of the older switch: ssl/none);
    any other value is kept, and reading the mailbox reports it."""
    value = os.environ.get(name, default).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return "ssl"
    if value in ("0", "false", "no", "off", ""):
        return "none"
    return value


def _secret_key():
    """Return SECRET_KEY from the environment, or one kept in the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = INSTANCE_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    INSTANCE_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Written whole to a file of this process's own, readable by this user only from its
    # creation whatever the umask, then linked into place: when two processes start at once
    # (gunicorn workers, test workers) the first link wins and both read the same key.
    draft = INSTANCE_DIR / f"secret_key.{os.getpid()}.{secrets.token_hex(4)}"
    with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
        out.write(secrets.token_urlsafe(48))
    try:
        os.link(draft, key_file)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return key_file.read_text().strip()


def _database_url():
    """DATABASE_URL, or SQLite in the instance folder. ``postgres://`` is accepted too."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        # The SQLite file and the evidence files live here: this user's only.
        INSTANCE_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
        return f"sqlite:///{INSTANCE_DIR / 'pengaduan.db'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    return url


SECRET_KEY = _secret_key()
SQLALCHEMY_DATABASE_URI = _database_url()
SQLALCHEMY_TRACK_MODIFICATIONS = False
SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
# A busy database (another writer holds a lock): a statement waits this many seconds for it
# (SQLite's busy timeout, PostgreSQL's lock_timeout), then the write is tried again, this many
# times in all, before a "busy, send again" answer (503) that keeps what the resident typed.
DATABASE_LOCK_TIMEOUT = float(os.environ.get("DATABASE_LOCK_TIMEOUT", 5))
DATABASE_BUSY_ATTEMPTS = int(os.environ.get("DATABASE_BUSY_ATTEMPTS", 2))
# Benchmarking only: every response says how many SQL statements it took (X-SQL-Queries).
SQL_QUERY_COUNT = _env_bool("SQL_QUERY_COUNT", False)

# The schema is owned by the migrations in app/migrations: FAB must not create
# tables itself, and permissions are synced by `flask sync-roles` / run.py.
FAB_CREATE_DB = False
FAB_UPDATE_PERMS = _env_bool("FAB_UPDATE_PERMS", False)
# Permission checks of one request answered from one query (app/perf.py).
FAB_SECURITY_MANAGER_CLASS = "app.web.views.users.AppSecurityManager"

APP_NAME = os.environ.get("APP_NAME", "Pengaduan Desa Babakan")
APP_THEME = ""
FAB_BASE_TEMPLATE = "base_layout.html"
FAB_INDEX_VIEW = "app.web.views.home.HomeView"

AUTH_TYPE = AUTH_DB
AUTH_ROLE_ADMIN = "Admin"
AUTH_ROLE_PUBLIC = "Public"
AUTH_USER_REGISTRATION = False
FAB_PASSWORD_HASH_METHOD = os.environ.get("FAB_PASSWORD_HASH_METHOD", "scrypt")
FAB_API_SWAGGER_UI = True

# Forms: Flask-WTF CSRF on every form (CSRFProtect is registered in create_app).
WTF_CSRF_ENABLED = True
WTF_CSRF_TIME_LIMIT = None

# Rate limits (Flask-Limiter, created by FAB as appbuilder.sm.limiter). Counters live in Redis
# when REDIS_URL is set (needed with several worker processes), else in this process's memory.
RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
# Logins (page and REST API together), per client address.
LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
# The public pages and API (per client address; page and API share the counters).
PUBLIC_SUBMIT_LIMIT = os.environ.get("PUBLIC_SUBMIT_LIMIT", "10 per hour;30 per day")
PUBLIC_STATUS_LIMIT = os.environ.get("PUBLIC_STATUS_LIMIT", "60 per hour")
# Look-ups of one tracking code, from anywhere; and failed ones before it is locked for the day.
PUBLIC_CODE_LIMIT = os.environ.get("PUBLIC_CODE_LIMIT", "20 per hour")
PUBLIC_CODE_DAILY_FAILURES = int(os.environ.get("PUBLIC_CODE_DAILY_FAILURES", 10))
# Every tracking look-up takes at least this long, found or not (no timing hints).
PUBLIC_LOOKUP_MIN_SECONDS = float(os.environ.get("PUBLIC_LOOKUP_MIN_SECONDS", 0.4))
# How long after submitting (or a successful look-up) the receipt can be opened again.
PUBLIC_RECEIPT_MINUTES = int(os.environ.get("PUBLIC_RECEIPT_MINUTES", 30))

# Language and time: Indonesian first, English second; everything in WIB.
BABEL_DEFAULT_LOCALE = "id"
BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
LANGUAGES = {
    "id": {"flag": "id", "name": "Bahasa Indonesia"},
    "en": {"flag": "gb", "name": "English"},
}

# Cookies: HttpOnly and SameSite always; Secure when served over HTTPS.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SAMESITE = "Lax"
REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
# The largest request body each route accepts, in bytes: the longest matching path prefix wins,
# every other route gets REQUEST_SIZE_DEFAULT. A larger request is answered 413 before its body
# is read.
REQUEST_SIZE_LIMITS = {
    "/register/import": 21 * 1024 * 1024,  # the register file (at most 20 MB) and its form
    "/lapor": 256 * 1024,  # the complaint form: texts of at most 5,000 characters
    "/status": 64 * 1024,  # tracking, the resident's feedback and completion
    "/api/v1/public/": 64 * 1024,  # the same as JSON
}
REQUEST_SIZE_DEFAULT = 2 * 1024 * 1024  # staff forms and the staff API
# Routes that take files (up to 3 of ATTACHMENT_MAX_BYTES, 10 MB, and the texts): these limits
# replace the ones above only for a multipart/form-data body, the one way files are sent.
REQUEST_SIZE_WITH_FILES = {
    "/lapor": 31 * 1024 * 1024,
    "/attachment/add": 31 * 1024 * 1024,
    "/complaint/add": 31 * 1024 * 1024,  # a walk-in, box or WhatsApp complaint with its files
    "/attachment/meeting": 31 * 1024 * 1024,  # a meeting's scanned papers
    "/status/lengkapi": 31 * 1024 * 1024,  # the resident's completion
    "/api/v1/public/complaints": 31 * 1024 * 1024,  # the same as /lapor, as a multipart form
    "/api/v1/public/completion": 31 * 1024 * 1024,
}
# The ceiling Flask itself enforces, whatever the table says.
MAX_CONTENT_LENGTH = max([REQUEST_SIZE_DEFAULT, *REQUEST_SIZE_LIMITS.values(),
                          *REQUEST_SIZE_WITH_FILES.values()])
# One text field of a form (files aside): the longest text a form takes is a few thousand
# characters, so the room /lapor has for photos is not room for a text.
MAX_FORM_MEMORY_SIZE = 256 * 1024
# Behind a reverse proxy: how many proxies set X-Forwarded-For / -Proto / -Host (0: none).
PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", 0))
PROXY_FIX_X_PROTO = int(os.environ.get("PROXY_FIX_X_PROTO", 0))
PROXY_FIX_X_HOST = int(os.environ.get("PROXY_FIX_X_HOST", 0))
# Hosts a redirect may lead to besides PUBLIC_BASE_URL's (comma separated, e.g. "10.0.0.5:8080").
SAFE_REDIRECT_HOSTS = os.environ.get("SAFE_REDIRECT_HOSTS", "")

# The village whose register this is. Another village runs the same app by
# setting these variables.
VILLAGE = {
    "name": os.environ.get("VILLAGE_NAME", "Babakan"),
    "kecamatan": os.environ.get("VILLAGE_KECAMATAN", "Karangpucung"),
    "kabupaten": os.environ.get("VILLAGE_KABUPATEN", "Cilacap"),
    "address": os.environ.get(
        "VILLAGE_ADDRESS", "Desa Babakan, Kec. Karangpucung, Kab. Cilacap, Jawa Tengah"
    ),
    "phone": os.environ.get("VILLAGE_PHONE", "0821 3345 4594"),
    "email": os.environ.get("VILLAGE_EMAIL", "desababakan0401@gmail.com"),
    "website": os.environ.get("VILLAGE_WEBSITE", "https://babakan-karangpucung.desa.id"),
    "head_name": os.environ.get("VILLAGE_HEAD_NAME", "Sidik Noer Amin"),
}
# How long an app process keeps the villages' rows before reading them again: with several
# app hosts, a village added or edited on one is seen by the others within this many seconds
# (at once on the host where the admin saved it).
VILLAGE_CACHE_SECONDS = int(os.environ.get("VILLAGE_CACHE_SECONDS", "60"))
# Register numbers look like 001/PGD/XI/2026; the middle code is the village's own.
REGISTER_CODE = os.environ.get("REGISTER_CODE", "PGD")
# Where residents check their complaint (printed on the receipt with a QR code).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8080").rstrip("/")

# The village mailbox, read over IMAP into the desk's "Kotak masuk" (``flask fetch-mail``).
# Empty IMAP_HOST: no mailbox is read. Messages are only read and flagged as seen, never
# deleted or moved. IMAP_TLS: "ssl" (IMAP over TLS, port 993), "starttls" (a plain connection
# made secure before logging in, usually port 143) or "none" (only for a server on this machine);
# the older yes/no values mean ssl/none. IMAP_CA_FILE: the certificate (PEM) of the authority,
# or of a village server's own self-signed certificate, to trust instead of the system's.
IMAP_HOST = os.environ.get("IMAP_HOST", "")
IMAP_PORT = int(os.environ.get("IMAP_PORT", 993))
IMAP_USER = os.environ.get("IMAP_USER", "")
IMAP_PASSWORD = os.environ.get("IMAP_PASSWORD", "")
IMAP_FOLDER = os.environ.get("IMAP_FOLDER", "INBOX")
IMAP_TLS = _imap_tls()
IMAP_CA_FILE = os.environ.get("IMAP_CA_FILE", "")
IMAP_TIMEOUT = float(os.environ.get("IMAP_TIMEOUT", 15))
IMAP_ATTEMPTS = int(os.environ.get("IMAP_ATTEMPTS", 3))
IMAP_RETRY_SECONDS = float(os.environ.get("IMAP_RETRY_SECONDS", 5))
# How often the background thread of ``python run.py`` reads the mailbox, in seconds.
IMAP_FETCH_INTERVAL = int(os.environ.get("IMAP_FETCH_INTERVAL", 300))
# A mailbox per village (an installation of several villages): the settings above ending in
# the village's slug in capitals, "-" as "_" (IMAP_USER_KARANGSARI, IMAP_PASSWORD_KARANGSARI,
# and where that village's server differs IMAP_HOST_KARANGSARI, IMAP_PORT_..., IMAP_FOLDER_...,
# IMAP_TLS_..., IMAP_CA_FILE_...). A setting without the ending is every village's; IMAP_USER
# and IMAP_PASSWORD without it are the first village's mailbox (``app.services.inbox``).
IMAP_VILLAGE_KEYS = ("HOST", "PORT", "USER", "PASSWORD", "FOLDER", "TLS", "CA_FILE")
# An empty one is as if not set (IMAP_TLS_KARANGSARI= does not turn TLS off).
for _name in os.environ:
    if re.fullmatch(r"IMAP_(%s)_[A-Z0-9_]+" % "|".join(IMAP_VILLAGE_KEYS), _name) \
            and _name not in globals() and os.environ[_name].strip():
        globals()[_name] = _imap_tls(_name, "") if _name.startswith("IMAP_TLS_") \
            else os.environ[_name]

# Email to complainants (the "inform" step). Empty SMTP_HOST: email is not offered.
SMTP_HOST = os.environ.get("SMTP_HOST", "")
SMTP_PORT = int(os.environ.get("SMTP_PORT", 587))
SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
SMTP_USE_TLS = _env_bool("SMTP_USE_TLS", True)
SMTP_TIMEOUT = float(os.environ.get("SMTP_TIMEOUT", 15))
# The address every email is sent from (one mail server for all of an installation's
# villages): an email about a complaint carries the name "Pemerintah Desa <its village>" and
# the village's own email (village screen) as Reply-To.
MAIL_FROM = os.environ.get("MAIL_FROM", "") or VILLAGE["email"]

# Notifications (app.notifications, app.outbox, app.reminders, app.background).
# The scheduler thread inside ``python run.py`` sends and reminds; switch it off when a
# systemd timer or cron runs ``flask notifications send`` / ``remind`` instead.
BACKGROUND_JOBS = _env_bool("BACKGROUND_JOBS", True)
NOTIFY_SEND_INTERVAL = int(os.environ.get("NOTIFY_SEND_INTERVAL", 30))
NOTIFY_REMIND_INTERVAL = int(os.environ.get("NOTIFY_REMIND_INTERVAL", 600))
# The retention run (personal data anonymised N years after closing): daily, and at each start.
RETENTION_INTERVAL = int(os.environ.get("RETENTION_INTERVAL", 24 * 3600))
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", 8))
# Seconds the sender rests between two messages, so that a backlog sent by the thread inside
# ``python run.py`` leaves the pages their time (0: flat out, e.g. for a separate sender).
OUTBOX_SEND_PAUSE = float(os.environ.get("OUTBOX_SEND_PAUSE", 0.05))
# Messages that are not urgent wait while it is quiet (WIB; empty: never quiet).
NOTIFY_QUIET_HOURS = os.environ.get("NOTIFY_QUIET_HOURS", "21:00-06:00")
# The Kepala Desa's weekly digest: ISO weekday (1 Monday .. 7 Sunday) and hour, WIB.
DIGEST_WEEKDAY = int(os.environ.get("DIGEST_WEEKDAY", 1))
DIGEST_HOUR = int(os.environ.get("DIGEST_HOUR", 7))
# Telegram bot (optional): users then add their chat id in their profile.
TELEGRAM_BOT_TOKEN = os.environ.get("TELEGRAM_BOT_TOKEN", "")
TELEGRAM_API_URL = os.environ.get("TELEGRAM_API_URL", "https://api.telegram.org")

# Deadlines in working days (Monday to Friday, without the holidays below).
DEADLINE_VERIFICATION_DAYS = int(os.environ.get("DEADLINE_VERIFICATION_DAYS", 3))
DEADLINE_RESOLUTION_DAYS = {
    "low": int(os.environ.get("DEADLINE_RESOLUTION_DAYS_LOW", 14)),
    "normal": int(os.environ.get("DEADLINE_RESOLUTION_DAYS", 14)),
    "high": int(os.environ.get("DEADLINE_RESOLUTION_DAYS_HIGH", 7)),
    "urgent": int(os.environ.get("DEADLINE_RESOLUTION_DAYS_URGENT", 3)),
}
# First follow-up after forwarding, when no deadline tier (admin screen) applies.
DEADLINE_FOLLOWUP_DAYS = int(os.environ.get("DEADLINE_FOLLOWUP_DAYS", 5))
# Working days after being informed in which the resident can say "not solved" (reopen request).
FEEDBACK_WINDOW_DAYS = int(os.environ.get("FEEDBACK_WINDOW_DAYS", 10))
# Public holidays and cuti bersama as ISO dates, comma separated.
PUBLIC_HOLIDAYS = [
    d.strip()
    for d in os.environ.get(
        "PUBLIC_HOLIDAYS",
        "2026-01-01,2026-01-16,2026-02-17,2026-03-19,2026-03-20,2026-03-21,"
        "2026-03-23,2026-03-24,2026-04-03,2026-05-01,2026-05-14,2026-05-27,"
        "2026-05-31,2026-06-01,2026-06-16,2026-08-17,2026-08-25,2026-12-24,"
        "2026-12-25",
    ).split(",")
    if d.strip()
]

# Evidence (photos and PDF documents): where the files live, and how large they may be.
# ATTACHMENT_STORAGE "directory" (ATTACHMENT_DIR, under the instance path) or "s3" (S3_BUCKET,
# and S3_ENDPOINT_URL for a store other than Amazon's, S3_REGION, S3_ACCESS_KEY_ID,
# S3_SECRET_ACCESS_KEY).
ATTACHMENT_STORAGE = os.environ.get("ATTACHMENT_STORAGE", "directory")
ATTACHMENT_DIR = os.environ.get("ATTACHMENT_DIR", str(INSTANCE_DIR / "lampiran"))
S3_BUCKET = os.environ.get("S3_BUCKET", "")
S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")
S3_REGION = os.environ.get("S3_REGION", "")
S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID", "")
S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY", "")
# Per file as sent, per request, per complaint; an image larger than this many pixels is
# refused before it is decoded (a "decompression bomb": a small file that decodes to gigabytes).
ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))
ATTACHMENT_MAX_PER_REQUEST = int(os.environ.get("ATTACHMENT_MAX_PER_REQUEST", 3))
ATTACHMENT_MAX_PER_COMPLAINT = int(os.environ.get("ATTACHMENT_MAX_PER_COMPLAINT", 20))
ATTACHMENT_MAX_PIXELS = int(os.environ.get("ATTACHMENT_MAX_PIXELS", 50_000_000))

# gzip the HTML pages as well as CSS, JavaScript and JSON (app/web/compression.py); off where a
# BREACH-style guess of the CSRF token from compressed sizes matters more than the bytes.
COMPRESS_PAGES = _env_bool("COMPRESS_PAGES", True)
