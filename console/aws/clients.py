"""boto3 clients built from settings and cached: the only module that imports boto3.

A settings change (tests) builds new clients: the settings are part of each cache key. The broker's
keys (AssumeRole's caller) come from AWS_BROKER_CREDENTIALS_FILE or the settings; a role's
clients from its TemporaryCredentials (`_with`)."""

from __future__ import annotations

import json
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import boto3
from botocore.config import Config
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from console.aws.errors import AwsError

if TYPE_CHECKING:
    from console.aws.sts import TemporaryCredentials

# The AWS services the console calls: boto3's typed `client` overloads are per service name.
Service = Literal["iam", "s3", "sts"]

_session_lock = threading.Lock()


def _config() -> Config:
    return Config(
        region_name=settings.AWS_REGION,
        connect_timeout=5,
        read_timeout=30,
        retries={"max_attempts": 3, "mode": "standard"},
        s3={"addressing_style": "path"} if settings.AWS_ENDPOINT_URL else {},
        # Downloads are relayed byte for byte to a browser that cannot check S3's CRC32, and the
        # hop to S3 is TLS (integrity-checked) on real AWS: validating CRC32 again here cost a
        # third of a download's throughput on a 2-core machine (benchmarks/download.py).
        # Uploads still send their checksums (request_checksum_calculation is unchanged).
        response_checksum_validation="when_required",
    )


@lru_cache(maxsize=1)
def _boto_session() -> boto3.session.Session:
    # One shared botocore session: its loaders and endpoint data are read once.
    return boto3.session.Session()


@sensitive_variables("key", "secret", "token")
def new_client(
    service: Service,
    endpoint: str | None,
    region: str,
    key: str | None,
    secret: str | None,
    token: str | None,
):
    """A new, uncached boto3 client with the console's configuration (timeouts, retries). Code
    that registers its own event handlers on a client (console/emulator/seeding.py) builds one
    with this and caches it itself; everything else uses the cached `_client`."""
    with _session_lock:  # client creation on a shared session is not thread-safe
        return _boto_session().client(
            service,
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            aws_session_token=token,
            config=_config(),
        )


@lru_cache(maxsize=128)
@sensitive_variables("key", "secret", "token")
def _client(
    service: Service,
    endpoint: str | None,
    region: str,
    key: str | None,
    secret: str | None,
    token: str | None,
):
    return new_client(service, endpoint, region, key, secret, token)


@lru_cache(maxsize=16)
def _profile_client(profile: str, service: Service, endpoint: str | None, region: str):
    with _session_lock:
        return boto3.session.Session(profile_name=profile).client(
            service, endpoint_url=endpoint, region_name=region, config=_config()
        )


_broker_file_cache: tuple[str, int, tuple[str | None, str | None, str | None]] | None = None


@sensitive_variables("data", "keys", "cached")
def _broker_keys() -> tuple[str | None, str | None, str | None]:
    """The broker's keys: from AWS_BROKER_CREDENTIALS_FILE when set (re-read whenever the file
    changes, so a re-seeded emulator's new keys are picked up without a restart), else from
    the settings (None: boto3's standard chain)."""
    global _broker_file_cache
    path = settings.AWS_BROKER_CREDENTIALS_FILE
    if not path:
        return settings.AWS_ACCESS_KEY_ID, settings.AWS_SECRET_ACCESS_KEY, settings.AWS_SESSION_TOKEN
    try:
        stamp = os.stat(path).st_mtime_ns
    except OSError:
        raise AwsError("The console's broker credentials file is missing.", action="sts:AssumeRole") from None
    cached = _broker_file_cache
    if cached is None or cached[0] != path or cached[1] != stamp:
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, ValueError):
            raise AwsError("The console's broker credentials file cannot be read.", action="sts:AssumeRole") from None
        keys = (data.get("aws_access_key_id"), data.get("aws_secret_access_key"), data.get("aws_session_token"))
        _broker_file_cache = cached = (path, stamp, keys)
    return cached[2]


def _broker(service: Service):
    key, secret, token = _broker_keys()
    return _client(service, settings.AWS_ENDPOINT_URL, settings.AWS_REGION, key, secret, token)


def _with(creds: TemporaryCredentials, service: Service = "s3"):
    return _client(
        service,
        settings.AWS_ENDPOINT_URL,
        settings.AWS_REGION,
        creds.access_key_id,
        creds.secret_access_key,
        creds.session_token,
    )


def transport_is_secure() -> bool:
    """Does the console reach AWS over TLS? That, not the browser's connection, is what S3 sees
    as aws:SecureTransport on the console's calls (real AWS: always)."""
    endpoint = settings.AWS_ENDPOINT_URL
    return not endpoint or endpoint.lower().startswith("https://")
