"""Console access keys: create (at most two per user, as IAM allows), use, rate-limit."""

from __future__ import annotations

import secrets
import string
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.views.decorators.debug import sensitive_variables

from . import clock, crypto
from .models import AccessKey, User

MAX_KEYS_PER_USER = 2
RATE_LIMIT = 60  # requests
RATE_WINDOW = timedelta(minutes=1)
_ID_ALPHABET = string.ascii_uppercase + "234567"
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"


class AccessKeyError(ValueError):
    pass


@transaction.atomic
@sensitive_variables("secret")
def create(user: User) -> tuple[AccessKey, str]:
    """A new active key and its secret (returned once; only the sealed form is kept)."""
    User.objects.select_for_update().filter(pk=user.pk).first()  # serialise the limit check
    if AccessKey.objects.filter(user=user).count() >= MAX_KEYS_PER_USER:
        raise AccessKeyError(
            f"{user.username} already has {MAX_KEYS_PER_USER} access keys, the most IAM allows. "
            "Delete one before creating another."
        )
    key_id = "AKIA" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(16))
    secret = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))
    key = AccessKey.objects.create(user=user, access_key_id=key_id, sealed_secret=crypto.seal({"secret": secret}))
    return key, secret


@sensitive_variables("secret")
def find_active(access_key_id: str) -> tuple[AccessKey, str] | None:
    """The active key and its secret, or None (unknown, inactive, or its user is disabled)."""
    key = AccessKey.objects.select_related("user__account").filter(access_key_id=access_key_id).first()
    if key is None or not key.active or not key.user.is_active:
        return None
    secret = (crypto.unseal(key.sealed_secret) or {}).get("secret")
    return (key, secret) if secret else None


def record_use(key: AccessKey) -> None:
    AccessKey.objects.filter(pk=key.pk).update(last_used_at=clock.now())


def over_rate_limit(key: AccessKey) -> bool:
    """Count this request in the key's window; True when it exceeds RATE_LIMIT."""
    now = clock.now()
    counted = AccessKey.objects.filter(pk=key.pk, window_start__gt=now - RATE_WINDOW).update(
        window_count=F("window_count") + 1
    )
    if not counted:
        AccessKey.objects.filter(pk=key.pk).update(window_start=now, window_count=1)
        return False
    key.refresh_from_db(fields=["window_count"])
    return key.window_count > RATE_LIMIT


def set_status(user: User, access_key_id: str, active: bool) -> bool:
    status = AccessKey.Status.ACTIVE if active else AccessKey.Status.INACTIVE
    return bool(AccessKey.objects.filter(user=user, access_key_id=access_key_id).update(status=status))


def delete(user: User, access_key_id: str) -> bool:
    deleted, _ = AccessKey.objects.filter(user=user, access_key_id=access_key_id).delete()
    return bool(deleted)
