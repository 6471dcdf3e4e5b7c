"""Test settings: production settings with the few changes tests need, each explained."""

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
# A file, not SQLite's shared in-memory database: the live server's request threads then open
# their own connections instead of sharing the test thread's (which raced at teardown).
DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}  # noqa: F405
