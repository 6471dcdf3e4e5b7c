"""Fixtures shared by the suite (helpers and factories live in tests/helpers.py; the names
below are re-exported for the tests that import them from here).

Integration tests run against a real moto server process over HTTP with IAM authorization
enforced, seeded with the demo world exactly as `make demo` seeds it. Personas: alice
(Developers), bob (Testers), admin (staff).

Markers applied here (`pytest -m "not browser and not emulator"` is the fast inner loop):
`browser` for tests/browser/ (tests/browser/conftest.py), `emulator` for every test that
starts the moto server: the `emulator` fixture's users, the demo-process tests, and every
database test except in modules marked `no_emulator` (those build their own rows with the
factories of tests/helpers.py). The emulator starts only when a selected test has the mark.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client

from accounts import clock as clock_module
from accounts.models import Account, Role
from console.emulator import world
from console.emulator.server import Emulator

# Playwright's sync API runs an event loop in the test thread; Django's async-safety check
# would otherwise refuse the ORM calls that fixtures make around it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Re-exported: tests import these from tests.conftest too.
from tests.helpers import (  # noqa: F401
    PASSWORD,
    ROLE_PREFIX,
    SWITCH_TO_UPDATEAPP,
    Authenticator,
    csrf_token,
    enrol,
    in_new_session,
    sign_in,
    switch,
)

# Modules whose tests start the emulator in a process of their own (`manage.py demo`).
_EMULATOR_MODULES = {"test_demo_command.py", "test_demo_env.py"}
_DB_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server"}


def _starts_emulator(item: pytest.Item) -> bool:
    if item.get_closest_marker("no_emulator"):
        return False
    names = set(getattr(item, "fixturenames", ()))
    return (
        "emulator" in names
        or item.path.name in _EMULATOR_MODULES
        or bool(names & _DB_FIXTURES)
        or item.get_closest_marker("django_db") is not None
    )


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _starts_emulator(item):
            item.add_marker(pytest.mark.emulator)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory) -> Iterator[Emulator]:
    server = Emulator(log_path=tmp_path_factory.mktemp("emulator") / "moto.log").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    """Seed the demo world into the test database and the emulator, then turn IAM auth on.
    When no selected test has the `emulator` mark, the database stays empty and no emulator
    starts (the factories' tests need neither)."""
    if not any(item.get_closest_marker("emulator") for item in request.session.items):
        return
    emulator = request.getfixturevalue("emulator")
    with django_db_blocker.unblock():
        world.seed_database(PASSWORD)
        ensure_lister_role()
        ensure_no_abort_role()
        ensure_s3_tester_role()
        key_id, secret = world.seed_emulator(emulator.url)
    emulator.enable_auth()
    # Session-wide: every test talks to this emulator as the broker principal.
    settings.AWS_ENDPOINT_URL = emulator.url
    settings.AWS_ACCESS_KEY_ID = key_id
    settings.AWS_SECRET_ACCESS_KEY = secret


def ensure_lister_role():
    """A test-only production role that may also list all buckets (s3:ListAllMyBuckets)."""
    permissions = json.loads(world.UPDATEAPP_PERMISSIONS)
    permissions["Statement"].append({"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"})
    role, _ = Role.objects.get_or_create(
        account=Account.objects.get(account_id=world.PROD_ACCOUNT),
        name="BucketLister",
        defaults={"trust_policy": world.UPDATEAPP_TRUST, "permissions_policy": json.dumps(permissions)},
    )
    return role


def ensure_no_abort_role():
    """A test-only production role like UpdateAPP before it could abort multipart uploads."""
    permissions = json.loads(world.UPDATEAPP_PERMISSIONS)
    for statement in permissions["Statement"]:
        if "s3:AbortMultipartUpload" in statement["Action"]:
            statement["Action"].remove("s3:AbortMultipartUpload")
    role, _ = Role.objects.get_or_create(
        account=Account.objects.get(account_id=world.PROD_ACCOUNT),
        name="NoAbort",
        defaults={"trust_policy": world.UPDATEAPP_TRUST, "permissions_policy": json.dumps(permissions)},
    )
    return role


def ensure_s3_tester_role():
    """A test-only production role like UpdateAPP that may also list multipart uploads in
    productionapp (to see that none is left) and do anything in buckets named issue12-*."""
    permissions = json.loads(world.UPDATEAPP_PERMISSIONS)
    permissions["Statement"] += [
        {"Effect": "Allow", "Action": "s3:ListBucketMultipartUploads", "Resource": "arn:aws:s3:::productionapp"},
        {"Effect": "Allow", "Action": "s3:*", "Resource": ["arn:aws:s3:::issue12-*", "arn:aws:s3:::issue12-*/*"]},
    ]
    role, _ = Role.objects.get_or_create(
        account=Account.objects.get(account_id=world.PROD_ACCOUNT),
        name="S3Tester",
        defaults={"trust_policy": world.UPDATEAPP_TRUST, "permissions_policy": json.dumps(permissions)},
    )
    return role


@pytest.fixture
def demo_world(db) -> None:
    """The demo world in the database (re-seeded: transactional tests flush it)."""
    world.seed_database(PASSWORD)
    ensure_lister_role()
    ensure_no_abort_role()
    ensure_s3_tester_role()


@pytest.fixture
def alice_client(demo_world) -> Client:
    client = Client()
    assert sign_in(client, "alice").status_code == 302
    return client


@pytest.fixture
def bob_client(demo_world) -> Client:
    client = Client()
    assert sign_in(client, "bob").status_code == 302
    return client


@pytest.fixture
def alice_in_role(alice_client) -> Client:
    """alice in UpdateAPP; `.prefix` is that role session's URL space (`/r/<slug>`)."""
    alice_client.prefix = switch(alice_client, SWITCH_TO_UPDATEAPP)
    return alice_client


@pytest.fixture
def clock(monkeypatch):
    """Freeze the console's clock, then move it with `clock.advance(seconds)`. Frozen, so a TOTP
    code computed and checked a few milliseconds apart never straddles a 30-second step."""
    start = clock_module.now()

    class Clock:
        offset = timedelta()

        def advance(self, seconds: float) -> None:
            self.offset += timedelta(seconds=seconds)

        def now(self):
            return start + self.offset

    c = Clock()
    monkeypatch.setattr(clock_module, "now", c.now)
    return c


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback; Django's SMTP backend sends to it. `.messages` holds what
    arrived, parsed."""
    import email
    import email.policy

    from aiosmtpd.controller import Controller

    from console.emulator.server import free_port

    class Handler:
        def __init__(self) -> None:
            self.messages: list = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 OK"

    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield handler
    controller.stop()


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """Static files collected once per run with the production storage, for server processes."""
    from tests import servers

    folder = tmp_path_factory.mktemp("static")
    servers.collect_static(folder)
    return folder


@pytest.fixture
def console_server(transactional_db, demo_world, collected_static, tmp_path):
    """Start real console server processes on the test database: `console_server(workers=,
    threads=, **env)` returns a tests.servers.ConsoleServer; all are stopped after the test.
    Transactional, so the servers see what the test writes (and the test what they write)."""
    from tests import servers

    started: list[servers.ConsoleServer] = []

    def start(**kwargs):
        server = servers.start(collected_static, tmp_path / f"server-{len(started)}.log", **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
