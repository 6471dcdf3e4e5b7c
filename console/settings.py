"""Settings for Switchrole Console.

Every setting comes from the environment (django-environ). Defaults are the secure choice;
the README lists each variable. Nothing here talks to AWS.

Any variable may instead name a file holding its value, as NAME_FILE (FileAwareEnv: Docker and
systemd secrets), e.g. SECRET_KEY_FILE=/run/secrets/console_key. Booleans and numbers parse
strictly: SECURE_COOKIES=ture is a startup error, not a silent "false".
"""

import re
import secrets
from pathlib import Path
from typing import overload

import environ
from django.core.exceptions import ImproperlyConfigured

from console import logs, private_files

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
# var/ and everything the console creates in it: owner only (0700/0600), whatever the umask.
private_files.secure(VAR_DIR)

env = environ.FileAwareEnv()
_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}


@overload
def env_str(name: str, default: str) -> str: ...
@overload
def env_str(name: str, default: None = None) -> str | None: ...
def env_str(name: str, default: str | None = None) -> str | None:
    """The variable (or the contents of NAME_FILE), surrounding whitespace and newline removed."""
    value = env.str(name, default=None)
    return default if value is None else value.strip()


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name)
    if value is None or value == "":
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean: use true or false (or 1/0, yes/no, on/off).")


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    if value is None or value == "":
        return default
    if not re.fullmatch(r"[0-9]{1,12}", value):  # ASCII digits: int() would take "١٠" too
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number of 0-9 digits.")
    return int(value)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in var/ (mode 0600).

    A self-hosted console must not ship a known key; generating it on first start keeps
    `make demo` a one-command affair while sessions survive restarts.
    """
    key = env_str("SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "accounts",
    "console",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from the app itself, before sessions and auth touch the database.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy on every response that does not set its own (downloads do).
    "csp.middleware.CSPMiddleware",
    # Early: strips a tab's /r/<slug>/ from the path and makes it the script prefix, so every
    # URL the request builds stays in that role session (see console/url_space.py).
    "console.url_space.UrlSpaceMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: no-store on every HTML page shown to a signed-in person.
    "console.middleware.NoStoreMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After auth and messages: the tab's role session (renewed, or ended with a message).
    "console.middleware.RoleSessionMiddleware",
    # After the response: every CLEANUP_INTERVAL_SECONDS, one process runs the housekeeping.
    "console.maintenance.PeriodicCleanupMiddleware",
    # Innermost: turns a view's "database is locked / read-only" into a 503 page.
    "console.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "console.urls"
WSGI_APPLICATION = "console.wsgi.application"
ASGI_APPLICATION = "console.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "console.context_processors.identity",
            ],
            # {{ text|visible }} everywhere: bidi and invisible characters shown escaped.
            "builtins": ["console.templatetags.console_text"],
        },
    },
]

# SQLite (the embedded default) or PostgreSQL (postgres://..., psycopg 3) for a team.
_DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'console.sqlite3'}"
DATABASES = {"default": env.db_url_config(env_str("DATABASE_URL", default=_DEFAULT_DATABASE_URL))}


def tune_database(db: dict) -> dict:
    """Settings that make either backend hold concurrent users (README: Serving a team)."""
    # One connection per server thread, kept between requests; checked before reuse.
    db.setdefault("CONN_MAX_AGE", 60)
    db.setdefault("CONN_HEALTH_CHECKS", True)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db.setdefault("OPTIONS", {}).update(
            {
                # Writers queue for the lock (up to 20 s) instead of failing "database is locked".
                "timeout": 20,
                # Take the write lock when a transaction starts: a transaction that read first
                # and then tries to write cannot wait for the lock (SQLite would deadlock), so it
                # fails at once under load. IMMEDIATE transactions queue instead.
                "transaction_mode": "IMMEDIATE",
                # WAL: readers run beside the one writer; NORMAL sync is durable in WAL mode
                # except for the last transactions on power loss.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
            }
        )
    return db


tune_database(DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.AccountUserBackend"]
LOGIN_URL = "accounts:signin"
LOGIN_REDIRECT_URL = "console:home"
# Argon2 first (Django's recommendation; parameters in accounts/hashers.py); hashes made with
# the others are upgraded to Argon2 at the user's next successful sign-in.
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Server-side sessions: the browser holds only an opaque key. Role credentials live in the
# database (encrypted), never in the session cookie.
SESSION_ENGINE = "console.sessions"  # Django's database sessions, errors reported truthfully
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", default=12 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env_bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto: request.is_secure() then tells the
# truth, which matters here because it feeds aws:SecureTransport into switch decisions.
if env_bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=0)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# django-csp. Scripts and styles only from files on this site: no inline <script>, no event
# handler attributes, no style attributes (role colours are classes). The QR code is inline
# SVG markup, not an image, so img-src needs nothing beyond 'self' and data: (admin icons).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Absolute, so that pages served under a script prefix (a role session's /r/<slug>/ too) still
# point at /static/: a relative STATIC_URL is cached with the first request's prefix.
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"  # filled by collectstatic (make demo, make serve)
# WhiteNoise serves STATIC_ROOT: content-hashed names (cached for a year, immutable) and
# pre-compressed gzip variants, from the same process as the console.
# Django's file storage chmods what it writes (0644 by default); collected static files live
# under var/ too.
FILE_UPLOAD_PERMISSIONS = private_files.FILE_MODE
FILE_UPLOAD_DIRECTORY_PERMISSIONS = private_files.DIR_MODE
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- AWS --------------------------------------------------------------------------------
# Unset AWS_ENDPOINT_URL means real AWS. The run command points it at the embedded emulator.
AWS_ENDPOINT_URL = env_str("AWS_ENDPOINT_URL", default=None)
AWS_REGION = env_str("AWS_REGION", default="us-east-1")
# The broker principal's keys. Unset means boto3's standard chain (profile, SSO, instance role).
AWS_ACCESS_KEY_ID = env_str("AWS_ACCESS_KEY_ID", default=None)
AWS_SECRET_ACCESS_KEY = env_str("AWS_SECRET_ACCESS_KEY", default=None)
AWS_SESSION_TOKEN = env_str("AWS_SESSION_TOKEN", default=None)
# A JSON file (mode 0600) with the broker's keys, re-read when it changes: `make demo` writes it,
# so re-seeding a restarted emulator (which issues new keys) needs no restart of the web server.
AWS_BROKER_CREDENTIALS_FILE = env_str("AWS_BROKER_CREDENTIALS_FILE", default=None)
# The account whose IAM-style users sign in to the console (the "development" account).
CONSOLE_HOME_ACCOUNT_ID = env_str("CONSOLE_HOME_ACCOUNT_ID", default="111122223333")
# Requested role session length; clipped to each role's MaxSessionDuration.
ROLE_SESSION_SECONDS = env_int("ROLE_SESSION_SECONDS", default=3600)
DEMO_PASSWORD = env_str("DEMO_PASSWORD", default=None)
# Role sessions a person may have open at once in one browser sign-in (one per tab, say).
MAX_ROLE_SESSIONS = max(1, env_int("MAX_ROLE_SESSIONS", default=5))
# Renew a role session in use within 5 minutes of its expiry (decided again, brokered again).
ROLE_SESSION_RENEW = env_bool("ROLE_SESSION_RENEW", default=True)
# Uploads one web process streams at once; each holds at most 1 + UPLOAD_PARTS_IN_FLIGHT parts
# of 8 MiB in memory. Past this, an upload is answered 503 with Retry-After instead of growing
# the process.
MAX_CONCURRENT_UPLOADS = env_int("MAX_CONCURRENT_UPLOADS", default=8)
# Parts of one upload on their way to S3 while the next fills from the browser (S3 takes parts in
# parallel, as boto3's upload_file sends them): 2 keeps a 256 MiB upload at boto3's speed
# (benchmarks/s3.py: 0.89-1.07x with 2, 0.78-0.97x with 4, whose extra parts only crowd the
# emulator); 1 holds the least memory.
UPLOAD_PARTS_IN_FLIGHT = env_int("UPLOAD_PARTS_IN_FLIGHT", default=2)

# Failure budgets (accounts/throttle.py): (attempts, window in seconds). Each attempt is counted
# before it is checked; a success clears the person's budget and refunds the address's.
THROTTLE_RULES = {
    "signin_user": (10, 15 * 60),  # wrong passwords per account and username, every spelling
    "signin_address": (50, 15 * 60),  # wrong passwords per client address, across all names
    "mfa": (5, 15 * 60),  # wrong MFA codes per user
    "sts_key": (10, 15 * 60),  # bad signatures at /sts/ per access key ID
    "sts_address": (50, 15 * 60),  # bad signatures at /sts/ per client address
}

# A budget full only of attempts still being checked makes a new attempt wait for their outcome
# (at most this long) rather than refuse it: simultaneous sign-ins behind one proxy all succeed.
THROTTLE_MAX_WAIT_SECONDS = 5

# How often the running server ends expired and orphaned role sessions and prunes old rows
# (`python manage.py cleanup` does the same at once). 0 turns the periodic run off.
CLEANUP_INTERVAL_SECONDS = env_int("CLEANUP_INTERVAL_SECONDS", default=300)

# --- Links, history, mail ---------------------------------------------------------------
# Prefilled switch links (Copy link, emails) are built from this, never from the Host header.
CONSOLE_BASE_URL = env_str("CONSOLE_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [CONSOLE_BASE_URL]
# How many recent roles each user's history keeps (favourites are kept in addition).
ROLE_HISTORY_LENGTH = env_int("ROLE_HISTORY_LENGTH", default=10)
# smtp+tls://user:password@host:587, consolemail:// (default: printed), filemail:///var/mail
# (project-relative folder) or filemail:////absolute/folder
_email = env.email_url_config(env_str("EMAIL_URL", default="consolemail://"))
_email.pop("OPTIONS", None)
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
EMAIL_TIMEOUT = 10
# django-environ drops the leading slash of filemail:///abs; a relative folder is the project's.
EMAIL_FILE_PATH = str(BASE_DIR / _email["EMAIL_FILE_PATH"]) if _email.get("EMAIL_FILE_PATH") else None
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", default="Switchrole Console <console@localhost>")

# LOG_LEVEL: DEBUG, INFO (default), WARNING, ERROR. LOG_FORMAT: text (default) or json (one
# object per line, console/logs.py). What is logged, and what never is: README, Logging.
LOG_LEVEL = (env_str("LOG_LEVEL", default="INFO") or "INFO").upper()
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured(f"LOG_LEVEL={LOG_LEVEL!r} is not a level: use DEBUG, INFO, WARNING or ERROR.")
LOG_FORMAT = (env_str("LOG_FORMAT", default="text") or "text").lower()
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} is not a format: use text or json.")
LOGGING = logs.config(LOG_LEVEL, LOG_FORMAT)
