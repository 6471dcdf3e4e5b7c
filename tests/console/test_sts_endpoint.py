"""The STS endpoint, driven by unmodified boto3 through an ~/.aws/config like the README's."""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path

import boto3
import botocore.exceptions
import botocore.session
import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from accounts import access_keys
from accounts.models import AccessKey, User
from console.models import AuditEvent
from tests.conftest import enrol, sign_in

pytestmark = pytest.mark.integration

UPDATEAPP = "arn:aws:iam::123456789012:role/UpdateAPP"


@pytest.fixture
def aws_files(tmp_path: Path, live_server, emulator, demo_world, monkeypatch):
    """Write ~/.aws/config and credentials for alice and bob, as README shows."""
    keys = {}
    for name in ("alice", "bob"):
        key, secret = access_keys.create(User.objects.get(username=name))
        keys[name] = (key.access_key_id, secret)
    config = tmp_path / "config"
    config.write_text(
        textwrap.dedent(f"""
        [profile alice]
        region = us-east-1
        services = switchrole-console

        [profile bob]
        region = us-east-1
        services = switchrole-console

        [profile prod]
        role_arn = {UPDATEAPP}
        source_profile = alice
        region = us-east-1
        services = switchrole-console
        s3 =
          addressing_style = path

        [profile bob-prod]
        role_arn = {UPDATEAPP}
        source_profile = bob
        region = us-east-1
        services = switchrole-console

        [profile prod-mfa]
        role_arn = {UPDATEAPP}-MFA
        source_profile = alice
        mfa_serial = arn:aws:iam::111122223333:mfa/alice
        region = us-east-1
        services = switchrole-console
        s3 =
          addressing_style = path

        [profile prod-mfa-no-token]
        role_arn = {UPDATEAPP}-MFA
        source_profile = alice
        region = us-east-1
        services = switchrole-console

        [profile wrong-secret]
        region = us-east-1
        services = switchrole-console

        [services switchrole-console]
        sts =
          endpoint_url = {live_server.url}/sts/
        s3 =
          endpoint_url = {emulator.url}
    """)
    )
    credentials = tmp_path / "credentials"
    credentials.write_text(
        textwrap.dedent(f"""
        [alice]
        aws_access_key_id = {keys["alice"][0]}
        aws_secret_access_key = {keys["alice"][1]}

        [bob]
        aws_access_key_id = {keys["bob"][0]}
        aws_secret_access_key = {keys["bob"][1]}

        [wrong-secret]
        aws_access_key_id = {keys["alice"][0]}
        aws_secret_access_key = not-{keys["alice"][1]}
    """)
    )
    for var in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    return keys


def session(profile: str, mfa_code: str | None = None) -> boto3.Session:
    core = botocore.session.Session(profile=profile)
    if mfa_code is not None:
        # What the CLI would ask the person for ("Enter MFA code for ...").
        provider = core.get_component("credential_provider").get_provider("assume-role")
        provider._prompter = lambda prompt: mfa_code
    return boto3.Session(botocore_session=core)


def error_code(exc: botocore.exceptions.ClientError) -> str:
    return exc.response["Error"]["Code"]


def test_get_caller_identity_with_a_console_key(aws_files) -> None:
    identity = session("alice").client("sts").get_caller_identity()
    assert identity["Arn"] == "arn:aws:iam::111122223333:user/alice"
    assert identity["Account"] == "111122223333"
    assert identity["UserId"] == User.objects.get(username="alice").unique_id
    assert AccessKey.objects.get(access_key_id=aws_files["alice"][0]).last_used_at is not None


def test_alice_profile_assumes_updateapp_and_lists_productionapp(aws_files) -> None:
    s3 = session("prod").client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="productionapp")["Contents"]]
    assert "config/app.json" in keys
    # The backend enforces the role: finance-reports is refused by S3 itself.
    with pytest.raises(botocore.exceptions.ClientError) as denied:
        s3.list_objects_v2(Bucket="finance-reports")
    assert error_code(denied.value) == "AccessDenied"
    event = AuditEvent.objects.filter(kind="switch_allowed", username="alice").latest("time")
    assert event.detail.startswith("via STS API") and event.role_arn == UPDATEAPP


def test_bob_is_refused_with_access_denied(aws_files) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        session("bob-prod").client("s3").list_objects_v2(Bucket="productionapp")
    assert error_code(refused.value) == "AccessDenied"
    assert (
        "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: sts:AssumeRole on resource: "
        f"{UPDATEAPP}" in str(refused.value)
    )
    assert AuditEvent.objects.filter(kind="switch_refused", username="bob", detail__startswith="via STS API").exists()


def test_wrong_secret_gets_signature_does_not_match(aws_files) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as failed:
        session("wrong-secret").client("sts").get_caller_identity()
    assert error_code(failed.value) == "SignatureDoesNotMatch"


def test_the_mfa_role_needs_the_token_and_a_token_works_once(aws_files, clock) -> None:
    phone = enrol(User.objects.get(username="alice"))
    with pytest.raises(botocore.exceptions.ClientError) as no_token:
        session("prod-mfa-no-token").client("s3").list_objects_v2(Bucket="productionapp")
    assert error_code(no_token.value) == "AccessDenied"

    clock.advance(30)
    code = phone.code()
    s3 = session("prod-mfa", mfa_code=code).client("s3")
    assert s3.list_objects_v2(Bucket="productionapp")["KeyCount"] > 0

    with pytest.raises(botocore.exceptions.ClientError) as replay:
        session("prod-mfa", mfa_code=code).client("s3").list_objects_v2(Bucket="productionapp")
    assert error_code(replay.value) == "AccessDenied"
    assert "MultiFactorAuthentication failed" in str(replay.value)


def test_duration_above_the_roles_maximum_is_a_validation_error(aws_files) -> None:
    sts = session("alice").client("sts")
    with pytest.raises(botocore.exceptions.ClientError) as too_long:
        sts.assume_role(RoleArn=UPDATEAPP, RoleSessionName="alice-cli", DurationSeconds=7200)
    assert error_code(too_long.value) == "ValidationError"
    assert "exceeds the MaxSessionDuration" in str(too_long.value)
    creds = sts.assume_role(RoleArn=UPDATEAPP, RoleSessionName="alice-cli", DurationSeconds=900)
    assert creds["AssumedRoleUser"]["Arn"] == "arn:aws:sts::123456789012:assumed-role/UpdateAPP/alice-cli"
    assert creds["SourceIdentity"] == "alice"
    assert creds["Credentials"]["AccessKeyId"]


def test_clock_skew_over_15_minutes_is_refused(aws_files, clock) -> None:
    clock.advance(16 * 60)
    with pytest.raises(botocore.exceptions.ClientError) as expired:
        session("alice").client("sts", config=botocore.config.Config(retries={"max_attempts": 1})).get_caller_identity()
    assert error_code(expired.value) == "RequestExpired"


def test_inactive_and_unknown_keys_are_invalid_client_token_id(aws_files) -> None:
    access_keys.set_status(User.objects.get(username="alice"), aws_files["alice"][0], active=False)
    with pytest.raises(botocore.exceptions.ClientError) as inactive:
        session("alice").client("sts").get_caller_identity()
    assert error_code(inactive.value) == "InvalidClientTokenId"
    unknown = boto3.client(
        "sts",
        endpoint_url=session("alice").client("sts").meta.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="AKIAUNKNOWNUNKNOWN00",
        aws_secret_access_key="x" * 40,
    )
    with pytest.raises(botocore.exceptions.ClientError) as unknown_error:
        unknown.get_caller_identity()
    assert error_code(unknown_error.value) == "InvalidClientTokenId"


def test_requests_are_rate_limited_per_key(aws_files, monkeypatch) -> None:
    monkeypatch.setattr(access_keys, "RATE_LIMIT", 3)
    sts = session("alice").client("sts", config=botocore.config.Config(retries={"max_attempts": 1}))
    for _ in range(3):
        sts.get_caller_identity()
    with pytest.raises(botocore.exceptions.ClientError) as throttled:
        sts.get_caller_identity()
    assert error_code(throttled.value) == "Throttling"
    # bob's key has its own budget
    assert session("bob").client("sts").get_caller_identity()["Arn"].endswith("user/bob")


def test_unsigned_and_unknown_actions(live_server, demo_world) -> None:
    import requests

    unsigned = requests.post(
        f"{live_server.url}/sts/", data={"Action": "GetCallerIdentity", "Version": "2011-06-15"}, timeout=10
    )
    assert unsigned.status_code == 403 and "<Code>MissingAuthenticationToken</Code>" in unsigned.text
    assert "<ErrorResponse" in unsigned.text


def test_create_access_key_command(demo_world) -> None:
    out = io.StringIO()
    call_command("create_access_key", "--user-name", "alice", stdout=out)
    key = json.loads(out.getvalue())["AccessKey"]
    assert key["UserName"] == "alice" and key["Status"] == "Active"
    assert key["AccessKeyId"].startswith("AKIA") and len(key["AccessKeyId"]) == 20
    assert len(key["SecretAccessKey"]) == 40
    stored = AccessKey.objects.get(access_key_id=key["AccessKeyId"])
    assert key["SecretAccessKey"] not in stored.sealed_secret  # encrypted at rest
    call_command("create_access_key", "--user-name", "alice", stdout=io.StringIO())
    with pytest.raises(CommandError, match="already has 2 access keys"):
        call_command("create_access_key", "--user-name", "alice")
    with pytest.raises(CommandError, match="cannot be found"):
        call_command("create_access_key", "--user-name", "nobody")


def test_security_page_shows_a_new_secret_once(alice_client: Client) -> None:
    created = alice_client.post("/security/keys/create").content.decode()
    key = AccessKey.objects.get(user__username="alice")
    secret = access_keys.find_active(key.access_key_id)[1]
    assert secret in created and "only time the secret access key is shown" in created
    again = alice_client.get("/security/").content.decode()
    assert key.access_key_id in again and secret not in again
    alice_client.post(f"/security/keys/{key.access_key_id}/status", {"status": "Inactive"})
    key.refresh_from_db()
    assert not key.active
    alice_client.post(f"/security/keys/{key.access_key_id}/delete")
    assert not AccessKey.objects.exists()


def test_admin_sees_and_deactivates_keys_but_never_secrets(demo_world) -> None:
    key, secret = access_keys.create(User.objects.get(username="alice"))
    admin = Client()
    sign_in(admin, "admin")
    page = admin.get(f"/admin/accounts/accesskey/{key.pk}/change/").content.decode()
    assert key.access_key_id in page and secret not in page and key.sealed_secret not in page
    admin.post("/admin/accounts/accesskey/", {"action": "deactivate", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert not key.active


def test_role_credentials_presented_back_are_recognised_then_expire(aws_files, clock) -> None:
    # `aws sts get-caller-identity --profile prod`: the services section sends the role
    # credentials back to the console's STS.
    prod = session("prod")
    identity = prod.client("sts").get_caller_identity()
    assert identity["Arn"].startswith("arn:aws:sts::123456789012:assumed-role/UpdateAPP/")
    assert identity["Account"] == "123456789012"
    creds = prod.get_credentials().get_frozen_credentials()

    chained = boto3.client(
        "sts",
        endpoint_url=prod.client("sts").meta.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=creds.access_key,
        aws_secret_access_key=creds.secret_key,
        aws_session_token=creds.token,
    )
    with pytest.raises(botocore.exceptions.ClientError) as chaining:
        chained.assume_role(RoleArn=UPDATEAPP, RoleSessionName="chain")
    assert error_code(chaining.value) == "AccessDenied" and "Role chaining" in str(chaining.value)

    forged = boto3.client(
        "sts",
        endpoint_url=prod.client("sts").meta.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=creds.access_key,
        aws_secret_access_key=creds.secret_key,
        aws_session_token="not-the-token",
    )
    with pytest.raises(botocore.exceptions.ClientError) as wrong_token:
        forged.get_caller_identity()
    assert error_code(wrong_token.value) == "InvalidClientTokenId"

    # Expire them (moving the clock an hour would trip the 15-minute skew check first).
    from console.models import IssuedCredential

    IssuedCredential.objects.filter(access_key_id=creds.access_key).update(expiration=clock.now())
    with pytest.raises(botocore.exceptions.ClientError) as expired:
        chained.get_caller_identity()
    assert error_code(expired.value) == "ExpiredToken"
