"""Fixtures shared by the suite.

Integration tests run against a real moto server process over HTTP with IAM authorization
enforced, seeded with the demo world exactly as `make demo` seeds it. Personas: alice
(Developers), bob (Testers), admin (staff).
"""

from __future__ import annotations

import json
import os
import re
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

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(scope="session")
def emulator(tmp_path_factory) -> Iterator[Emulator]:
    server = Emulator(log_path=tmp_path_factory.mktemp("emulator") / "moto.log").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, emulator):  # noqa: ANN001
    """Seed the demo world into the test database and the emulator, then turn IAM auth on."""
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


def ensure_lister_role():  # noqa: ANN201
    """A test-only production role that may also list all buckets (s3:ListAllMyBuckets)."""
    permissions = json.loads(world.UPDATEAPP_PERMISSIONS)
    permissions["Statement"].append({"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"})
    role, _ = Role.objects.get_or_create(
        account=Account.objects.get(account_id=world.PROD_ACCOUNT),
        name="BucketLister",
        defaults={"trust_policy": world.UPDATEAPP_TRUST, "permissions_policy": json.dumps(permissions)},
    )
    return role


def ensure_no_abort_role():  # noqa: ANN201
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


def ensure_s3_tester_role():  # noqa: ANN201
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
def demo_world(db) -> None:  # noqa: ANN001
    """The demo world in the database (re-seeded: transactional tests flush it)."""
    world.seed_database(PASSWORD)
    ensure_lister_role()
    ensure_no_abort_role()
    ensure_s3_tester_role()


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def sign_in(  # noqa: ANN201
    client: Client, username: str, account: str = "example-dev", password: str = PASSWORD, next_url: str = ""
):
    data = {"account": account, "username": username, "password": password}
    return client.post("/signin", {**data, "next": next_url} if next_url else data)


@pytest.fixture
def alice_client(demo_world) -> Client:  # noqa: ANN001
    client = Client()
    assert sign_in(client, "alice").status_code == 302
    return client


@pytest.fixture
def bob_client(demo_world) -> Client:  # noqa: ANN001
    client = Client()
    assert sign_in(client, "bob").status_code == 302
    return client


SWITCH_TO_UPDATEAPP = {"account": "example-prod", "roleName": "UpdateAPP", "displayName": "Prod", "color": "F2B0A9"}


ROLE_PREFIX = re.compile(r"^/r/[a-z0-9]{10}(?=/)")


def in_new_session(url: str, page: str = "/s3/") -> bool:
    """Is `url` the page `page` inside some role session's URL space?"""
    return re.fullmatch(r"/r/[a-z0-9]{10}" + re.escape(page), url) is not None


def switch(client: Client, fields: dict) -> str:
    """Switch (a POST, as the form does) and return the new role session's URL space, `/r/<slug>`."""
    response = client.post("/switchrole", fields)
    assert response.status_code == 302, response.content
    return ROLE_PREFIX.match(response.url).group(0)


@pytest.fixture
def alice_in_role(alice_client) -> Client:  # noqa: ANN001
    """alice in UpdateAPP; `.prefix` is that role session's URL space (`/r/<slug>`)."""
    alice_client.prefix = switch(alice_client, SWITCH_TO_UPDATEAPP)
    return alice_client


@pytest.fixture
def clock(monkeypatch):  # noqa: ANN001, ANN201
    """Freeze the console's clock, then move it with `clock.advance(seconds)`. Frozen, so a TOTP
    code computed and checked a few milliseconds apart never straddles a 30-second step."""
    start = clock_module.now()

    class Clock:
        offset = timedelta()

        def advance(self, seconds: float) -> None:
            self.offset += timedelta(seconds=seconds)

        def now(self):  # noqa: ANN201
            return start + self.offset

    c = Clock()
    monkeypatch.setattr(clock_module, "now", c.now)
    return c


class Authenticator:
    """The person's phone: computes TOTP codes for a device at the console's (test) clock."""

    def __init__(self, secret: str) -> None:
        import pyotp

        self.totp = pyotp.TOTP(secret)

    def code(self, offset_steps: int = 0) -> str:
        from accounts import clock as clock_module

        return self.totp.at(int(clock_module.now().timestamp()) + 30 * offset_steps)


def enrol(user) -> Authenticator:  # noqa: ANN001
    """Give `user` an active MFA device, activated with two consecutive codes as a person would."""
    from accounts import mfa

    device = mfa.start_enrollment(user)
    phone = Authenticator(mfa.secret_of(device))
    assert mfa.activate(device, phone.code(-1), phone.code(0))
    return phone


@pytest.fixture
def smtp_server(settings):  # noqa: ANN001, ANN201
    """A real SMTP server on loopback; Django's SMTP backend sends to it. `.messages` holds what
    arrived, parsed."""
    import email
    import email.policy

    from aiosmtpd.controller import Controller

    from console.emulator.server import free_port

    class Handler:
        def __init__(self) -> None:
            self.messages: list = []

        async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
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
def collected_static(tmp_path_factory):  # noqa: ANN001, ANN201
    """Static files collected once per run with the production storage, for server processes."""
    from tests import servers

    folder = tmp_path_factory.mktemp("static")
    servers.collect_static(folder)
    return folder


@pytest.fixture
def console_server(transactional_db, demo_world, collected_static, tmp_path):  # noqa: ANN001, ANN201
    """Start real console server processes on the test database: `console_server(workers=,
    threads=, **env)` returns a tests.servers.ConsoleServer; all are stopped after the test.
    Transactional, so the servers see what the test writes (and the test what they write)."""
    from tests import servers

    started: list[servers.ConsoleServer] = []

    def start(**kwargs):  # noqa: ANN003, ANN202
        server = servers.start(collected_static, tmp_path / f"server-{len(started)}.log", **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
