"""Talking to the embedded emulator before its IAM authorization is on: everything that exists
only because the AWS side is moto (console/emulator/world.py decides *what* to seed).

moto picks the account a request acts in from the `x-moto-account-id` header; before auth is on
it accepts any signed request, so seeding signs with a placeholder key. Clients come from
console/aws/clients.py's factory (boto3 stays in that one module); this module only adds the header.
"""

from __future__ import annotations

import contextlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from console import aws

ACCOUNT_HEADER = "x-moto-account-id"
SEEDING_KEY = SEEDING_SECRET = "emulator-seeding"  # noqa: S105 - moto's placeholder, accepted before auth is on


@lru_cache(maxsize=64)
def client(service: aws.Service, account: str, endpoint: str) -> Any:
    """A client whose requests act in `account` (cached: the header hook is registered once)."""
    new = aws.new_client(service, endpoint, settings.AWS_REGION, SEEDING_KEY, SEEDING_SECRET, None)

    def add_account(request: Any, **_) -> None:
        request.headers[ACCOUNT_HEADER] = account

    new.meta.events.register("before-send.*.*", add_account)
    return new


def admin(account: str, endpoint: str) -> aws.AccountAdmin:
    """aws.AccountAdmin acting in `account` of the emulator."""
    return aws.AccountAdmin(clients=lambda service: client(service, account, endpoint))


def ensure_bucket(account: str, endpoint: str, bucket: str, objects: dict[str, bytes], versioned: bool = False) -> None:
    s3 = client("s3", account, endpoint)
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou, s3.exceptions.BucketAlreadyExists):
        s3.create_bucket(Bucket=bucket)
    if versioned:  # before the objects, so that they have version IDs
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for key, body in objects.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body)


@sensitive_variables("key")
def create_user_with_key(account: str, endpoint: str, name: str, policy_name: str, policy: str) -> tuple[str, str]:
    """An IAM user with one inline policy and a fresh access key: (key id, secret)."""
    iam = client("iam", account, endpoint)
    with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
        iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName=policy_name, PolicyDocument=policy)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


@sensitive_variables("secret")
def write_broker_credentials(path: Path, key_id: str, secret: str) -> None:
    """Write the broker's keys for the web process (mode 0600, replaced atomically); the console
    reads them through AWS_BROKER_CREDENTIALS_FILE (console/aws/clients.py)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"aws_access_key_id": key_id, "aws_secret_access_key": secret}, handle)
    os.replace(tmp, path)
