"""Argon2 first; older hashes upgrade at the next sign-in, once, even under concurrent sign-ins."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client

from accounts.models import User
from console import settings as production
from tests.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.integration


@pytest.fixture
def production_hashers(settings):
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    return settings


def test_argon2id_is_the_first_hasher(production_hashers) -> None:
    encoded = make_password(PASSWORD)
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_a_pbkdf2_hash_becomes_argon2_at_the_next_sign_in(demo_world, production_hashers) -> None:
    User.objects.filter(username="alice").update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    assert sign_in(Client(), "alice", password="wrong password").status_code == 200
    assert User.objects.get(username="alice").password.startswith("pbkdf2_sha256$")  # only on success

    assert sign_in(Client(), "alice").status_code == 302
    upgraded = User.objects.get(username="alice").password
    assert upgraded.startswith("argon2$argon2id$")
    assert sign_in(Client(), "alice").status_code == 302
    assert User.objects.get(username="alice").password == upgraded  # not re-hashed at every sign-in


def test_concurrent_upgrades_settle_on_one_hash(demo_world, production_hashers) -> None:
    User.objects.filter(username="alice").update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    first, second = User.objects.get(username="alice"), User.objects.get(username="alice")  # two requests
    assert first.check_password(PASSWORD) and second.check_password(PASSWORD)
    stored = User.objects.get(username="alice").password
    # Both requests hold the stored hash, so neither signs the other's session out.
    assert first.password == second.password == stored and stored.startswith("argon2$")
