"""Encryption at rest for secrets the console must keep (MFA seeds, access key secrets, temporary
role credentials). In accounts, beside the clock: the bottom layer seals, and console uses it too.

Fernet (AES-128-CBC + HMAC-SHA256) with a key derived from SECRET_KEY: a database dump alone
does not yield usable credentials.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.views.decorators.debug import sensitive_variables


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"switchrole-console/credentials:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


@sensitive_variables("data")
def seal(data: dict) -> str:
    return _fernet().encrypt(json.dumps(data).encode()).decode()


@sensitive_variables("token")
def unseal(token: str) -> dict | None:
    """The sealed data, or None when it cannot be read (e.g. SECRET_KEY rotated)."""
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except (InvalidToken, ValueError):
        return None
