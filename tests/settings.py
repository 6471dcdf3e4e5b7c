"""Test settings: production settings with the few changes tests need, each explained."""

import hashlib
import os

from console.settings import *  # noqa: F403

# Speed: PBKDF2's deliberate slowness adds seconds per test; the hasher is Django's concern.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The live server for browser tests is plain HTTP.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
# Set by the emulator fixture in tests/conftest.py; never real AWS from tests.
AWS_ENDPOINT_URL = None
AWS_ACCESS_KEY_ID = AWS_SECRET_ACCESS_KEY = AWS_SESSION_TOKEN = AWS_BROKER_CREDENTIALS_FILE = None
DEMO_PASSWORD = "correct-horse-battery-staple"
# The periodic cleanup runs when a test asks for it (tests/console/test_cleanup.py), not in
# the middle of another test's request.
CLEANUP_INTERVAL_SECONDS = 0
# Static files straight from static/ (no collectstatic before every run); the production stack
# (hashed, compressed) is tested through a real server in tests/console/test_server_stack.py.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = True

if os.environ.get("TEST_DATABASE_URL"):
    # The PostgreSQL pass (`make test`, second step). The test database's name is unique per
    # checkout and process, so parallel runs on one server never share or drop each other's.
    DATABASES = {"default": tune_database(env.db_url_config(os.environ["TEST_DATABASE_URL"]))}  # noqa: F405
    checkout = hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:8]  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": f"test_console_{checkout}_{os.getpid()}"}
    # The live server's request threads must not keep connections: PostgreSQL refuses to drop
    # a database that is still in use when the run ends.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # A file, not SQLite's shared in-memory database: the live server's request threads then
    # open their own connections instead of sharing the test thread's (which raced at teardown),
    # and console server processes started by tests open the same database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}  # noqa: F405
