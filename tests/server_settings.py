"""Settings of the console server processes that tests start (tests/servers.py): production
settings, with the test process's password hasher (it seeds the users) and static files
collected once per test run into a temporary folder."""

import os

from console.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as in tests/settings.py
STATIC_ROOT = os.environ["CONSOLE_TEST_STATIC_ROOT"]
