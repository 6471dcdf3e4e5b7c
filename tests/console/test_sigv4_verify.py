"""SigV4 verification at its edges, through the public `sigv4.verify` and the STS endpoint.

Requests are signed by botocore (the reference) or, where a test needs a request botocore would
never make (a credential scope dated another day, `host` left unsigned), by `sign()` below, a
second implementation of the AWS documentation's algorithm checked against botocore. Every limit
is a literal here (15 minutes of clock skew), so changing the module's constant breaks a test.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from django.urls import reverse
from pytest_django.asserts import assertContains

from accounts import access_keys
from accounts.models import User
from console import sigv4
from tests.helpers import make_user

KEY_ID, SECRET = "AKIDEXAMPLE0000TEST", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
BODY = urlencode({"Action": "GetCallerIdentity", "Version": "2011-06-15"}).encode()
FORM = "application/x-www-form-urlencoded; charset=utf-8"
T0 = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)
T0_AMZ = "20260314T150926Z"

pytestmark = pytest.mark.no_emulator


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sign(
    *,
    body: bytes = BODY,
    amz_date: str = T0_AMZ,
    scope_date: str | None = None,
    region: str = "us-east-1",
    service: str = "sts",
    key_id: str = KEY_ID,
    secret: str = SECRET,
    method: str = "POST",
    path: str = "/sts/",
    query: str = "",
    signed: tuple[str, ...] = ("content-type", "host", "x-amz-date"),
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """Headers (lower-case keys) of a request signed as AWS documents SigV4."""
    headers = {"host": "console.example", "content-type": FORM, "x-amz-date": amz_date, **(extra or {})}
    scope_date = scope_date or amz_date[:8]
    pairs = sorted(
        (quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, _, v in (p.partition("=") for p in query.split("&") if p)
    )
    canonical = "\n".join(
        [
            method,
            quote(path, safe="/-_.~"),
            "&".join(f"{k}={v}" for k, v in pairs),
            "".join(f"{h}:{' '.join(headers[h].split())}\n" for h in signed),
            ";".join(signed),
            _sha(body),
        ]
    )
    scope = f"{scope_date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, _sha(canonical.encode())])
    key = ("AWS4" + secret).encode()
    for part in (scope_date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={key_id}/{scope}, SignedHeaders={';'.join(signed)}, Signature={signature}"
    )
    return headers


def verify(headers: dict[str, str], *, body: bytes = BODY, now: datetime = T0, **kwargs: object) -> sigv4.Verified:
    arguments = {
        "method": "POST",
        "path": "/sts/",
        "query_string": "",
        "headers": headers,
        "body": body,
        "secret_for": {KEY_ID: SECRET}.get,
        "now": now,
        "region": "us-east-1",
        **kwargs,
    }
    return sigv4.verify(**arguments)


def refused(headers: dict[str, str], **kwargs: object) -> sigv4.SigV4Error:
    with pytest.raises(sigv4.SigV4Error) as caught:
        verify(headers, **kwargs)
    return caught.value


def botocore_signed(
    url: str = "https://console.example/sts/", body: bytes = BODY, region: str = "us-east-1", service: str = "sts"
) -> tuple[dict[str, str], datetime]:
    request = AWSRequest(method="POST", url=url, data=body, headers={"Content-Type": FORM})
    SigV4Auth(Credentials(KEY_ID, SECRET), service, region).add_auth(request)
    headers = {k.lower(): v for k, v in request.headers.items()}
    headers["host"] = "console.example"
    when = datetime.strptime(headers["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return headers, when


# --- Accepted requests ----------------------------------------------------------------------------


def test_a_botocore_signed_request_is_verified_with_its_key_region_and_service() -> None:
    headers, when = botocore_signed()
    assert verify(headers, now=when) == sigv4.Verified("AKIDEXAMPLE0000TEST", "us-east-1", "sts")


def test_the_test_signer_agrees_with_botocore() -> None:
    assert verify(sign()) == sigv4.Verified(KEY_ID, "us-east-1", "sts")


def test_botocore_query_strings_with_blank_values_and_unsorted_keys_verify() -> None:
    headers, when = botocore_signed(url="https://console.example/sts/?b=2&a=&c=x%2Fy", body=b"")
    verified = verify(headers, now=when, query_string="b=2&a=&c=x%2Fy", body=b"")
    assert verified.access_key_id == KEY_ID


def test_an_empty_path_is_the_root_path() -> None:
    assert verify(sign(path="/"), path="").access_key_id == KEY_ID


def test_the_verified_result_and_the_parsed_claims_cannot_be_altered() -> None:
    verified = verify(sign())
    with pytest.raises(dataclasses.FrozenInstanceError):
        verified.access_key_id = "AKIAOTHER"
    claims = sigv4.parse(sign(), region="us-east-1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        claims.key_id = "AKIAOTHER"


# --- Clock skew: 15 minutes either way, the edges included -----------------------------------------


@pytest.mark.parametrize(
    "offset",
    [timedelta(0), timedelta(minutes=14, seconds=59), timedelta(minutes=15), -timedelta(minutes=15)],
    ids=["same", "just-before-late", "exactly-late", "exactly-early"],
)
def test_a_clock_up_to_15_minutes_off_is_accepted(offset: timedelta) -> None:
    assert verify(sign(), now=T0 + offset).access_key_id == KEY_ID


@pytest.mark.parametrize(
    "offset", [timedelta(minutes=15, seconds=1), -timedelta(minutes=15, seconds=1), timedelta(minutes=16)]
)
def test_a_clock_more_than_15_minutes_off_is_request_expired(offset: timedelta) -> None:
    error = refused(sign(), now=T0 + offset)
    assert error.code == "RequestExpired"
    assert "20260314T150926Z is more than 15 minutes" in error.message
    assert str(error) == error.message


def test_the_scope_date_must_be_the_day_of_x_amz_date() -> None:
    error = refused(sign(scope_date="20260313"))
    assert (error.code, error.message) == (
        "SignatureDoesNotMatch",
        "The credential scope date does not match X-Amz-Date.",
    )


@pytest.mark.parametrize("value", ["", "2026-03-14T15:09:26Z", "20260314T150926", "yesterday"])
def test_a_missing_or_malformed_x_amz_date_is_incomplete(value: str) -> None:
    headers = sign(amz_date=value or T0_AMZ)
    headers["x-amz-date"] = value
    assert refused(headers).code == "IncompleteSignature"


# --- The body -------------------------------------------------------------------------------------


def test_a_body_that_does_not_match_its_signed_hash_is_refused() -> None:
    headers = sign(extra={"x-amz-content-sha256": _sha(BODY)}, signed=("host", "x-amz-content-sha256", "x-amz-date"))
    swapped = urlencode({"Action": "AssumeRole", "Version": "2011-06-15"}).encode()
    error = refused(headers, body=swapped)
    assert (error.code, error.message) == ("SignatureDoesNotMatch", "The request body does not match its signed hash.")


def test_a_declared_hash_that_matches_the_body_is_accepted() -> None:
    headers = sign(extra={"x-amz-content-sha256": _sha(BODY)}, signed=("host", "x-amz-content-sha256", "x-amz-date"))
    assert verify(headers).access_key_id == KEY_ID


def test_a_swapped_body_without_a_declared_hash_breaks_the_signature() -> None:
    error = refused(sign(), body=BODY + b"&RoleArn=x")
    assert error.code == "SignatureDoesNotMatch"
    assert error.message.startswith("The request signature we calculated does not match")


def test_unsigned_payload_is_refused_even_with_a_valid_signature() -> None:
    headers = sign(extra={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})  # valid: the header is not signed
    error = refused(headers)
    assert error.code == "SignatureDoesNotMatch"
    assert "UNSIGNED-PAYLOAD" in error.message


# --- The credential scope and the Authorization header ---------------------------------------------


@pytest.mark.parametrize(
    "credential",
    [
        f"{KEY_ID}/20260314/us-east-1/sts",  # 4 parts
        f"{KEY_ID}/20260314/us-east-1/sts/aws4_request/x",  # 6 parts
        f"{KEY_ID}/20260314/us-east-1/sts/aws3_request",  # wrong terminator
        f"{KEY_ID}/us-east-1/sts/aws4_request",
    ],
    ids=["four-parts", "six-parts", "terminator", "no-date"],
)
def test_a_malformed_credential_scope_is_incomplete(credential: str) -> None:
    headers = sign()
    headers["authorization"] = headers["authorization"].replace(
        f"{KEY_ID}/20260314/us-east-1/sts/aws4_request", credential
    )
    error = refused(headers)
    assert (error.code, error.message) == (
        "IncompleteSignature",
        "The credential scope is not KEY/DATE/REGION/SERVICE/aws4_request.",
    )


def test_a_scope_for_another_region_is_refused_though_correctly_signed() -> None:
    error = refused(sign(region="eu-west-1"))
    assert (error.code, error.message) == (
        "SignatureDoesNotMatch",
        "Credential should be scoped to a valid region, not 'eu-west-1'.",
    )


def test_a_botocore_request_for_another_region_is_refused() -> None:
    headers, when = botocore_signed(region="eu-west-1")
    assert refused(headers, now=when).code == "SignatureDoesNotMatch"


def test_a_scope_for_another_service_is_refused_though_correctly_signed() -> None:
    error = refused(sign(service="s3"))
    assert (error.code, error.message) == (
        "SignatureDoesNotMatch",
        "Credential should be scoped to correct service: 'sts'.",
    )


def test_the_service_is_the_callers_to_choose() -> None:
    assert verify(sign(service="iam"), service="iam") == sigv4.Verified(KEY_ID, "us-east-1", "iam")


def test_the_region_named_by_the_endpoint_is_accepted() -> None:
    assert verify(sign(region="eu-west-1"), region="eu-west-1").region == "eu-west-1"


def test_no_authorization_header_is_a_missing_token() -> None:
    headers = sign()
    del headers["authorization"]
    assert refused(headers).code == "MissingAuthenticationToken"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda a: a.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1"),
        lambda a: a[:-1],  # 63 hex digits
        lambda a: a.replace("SignedHeaders=", "Headers="),
    ],
    ids=["algorithm", "short-signature", "no-signed-headers"],
)
def test_an_authorization_header_not_in_aws_form_is_incomplete(mangle) -> None:
    headers = sign()
    headers["authorization"] = mangle(headers["authorization"])
    assert refused(headers).code == "IncompleteSignature"


def test_an_unknown_key_is_an_invalid_client_token() -> None:
    error = refused(sign(key_id="AKIAUNKNOWN000000000"))
    assert error.code == "InvalidClientTokenId"


def test_the_host_header_must_be_signed_even_when_the_signature_is_valid() -> None:
    error = refused(sign(signed=("content-type", "x-amz-date")))
    assert (error.code, error.message) == ("SignatureDoesNotMatch", "The host header must be signed.")


def test_a_wrong_secret_does_not_match() -> None:
    error = refused(sign(secret="not-the-secret"))
    assert error.code == "SignatureDoesNotMatch"


def test_a_tampered_signed_header_does_not_match() -> None:
    headers = sign()
    headers["content-type"] = "text/plain"
    assert refused(headers).code == "SignatureDoesNotMatch"


# --- Through the STS endpoint: the HTTP status and XML each failure gets ---------------------------


@pytest.fixture
def user_key(db):
    key, secret = access_keys.create(make_user("sigv4-caller"))
    return key.access_key_id, secret


def _post(client, headers: dict[str, str], body: bytes = BODY):
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k not in ("host", "content-type")}
    return client.generic("POST", reverse("console:sts"), body, content_type=FORM, HTTP_HOST="testserver", **meta)


def _endpoint_signed(key: tuple[str, str], when: datetime, extra: dict | None = None, **kwargs: object) -> dict:
    extra = {"host": "testserver", **(extra or {})}
    return sign(key_id=key[0], secret=key[1], amz_date=f"{when:%Y%m%dT%H%M%SZ}", extra=extra, **kwargs)


def test_the_endpoint_answers_a_signed_request(client, user_key, clock) -> None:
    user = User.objects.get(username="sigv4-caller")
    response = _post(client, _endpoint_signed(user_key, clock.now()))
    assertContains(response, f"<Arn>{user.arn}</Arn>")


@pytest.mark.parametrize(("seconds", "status"), [(15 * 60, 200), (15 * 60 + 1, 400)])
def test_the_endpoint_skew_edge(client, user_key, clock, seconds: int, status: int) -> None:
    signed_at = clock.now().replace(microsecond=0)
    headers = _endpoint_signed(user_key, signed_at)
    clock.advance(seconds - (clock.now() - signed_at).total_seconds())  # the server's clock: signed_at + seconds
    response = _post(client, headers)
    if status == 400:
        assertContains(response, "<Code>RequestExpired</Code>", status_code=400)
    else:
        assertContains(response, "<GetCallerIdentityResult>")


def test_the_endpoint_refuses_a_swapped_body_with_403(client, user_key, clock) -> None:
    headers = _endpoint_signed(
        user_key,
        clock.now(),
        extra={"x-amz-content-sha256": _sha(BODY)},
        signed=("host", "x-amz-content-sha256", "x-amz-date"),
    )
    response = _post(client, headers, body=BODY + b"&Extra=1")
    assertContains(response, "<Code>SignatureDoesNotMatch</Code>", status_code=403)
    assertContains(response, "The request body does not match its signed hash.", status_code=403)


def test_the_endpoint_answers_a_malformed_scope_with_400(client, user_key, clock) -> None:
    headers = _endpoint_signed(user_key, clock.now())
    headers["authorization"] = headers["authorization"].replace("/aws4_request", "/aws4_request/extra")
    assertContains(_post(client, headers), "<Code>IncompleteSignature</Code>", status_code=400)


def test_the_tenth_bad_signature_for_a_key_is_checked_and_the_eleventh_request_throttled(
    client, user_key, clock
) -> None:
    forged = _endpoint_signed((user_key[0], "not-the-secret"), clock.now())
    for _ in range(10):
        assertContains(_post(client, forged), "<Code>SignatureDoesNotMatch</Code>", status_code=403)
    response = _post(client, _endpoint_signed(user_key, clock.now()))  # even a good one, now
    assertContains(response, "<Code>Throttling</Code>", status_code=429)
    assert response["Retry-After"] == "900"
    clock.advance(900)
    assertContains(_post(client, _endpoint_signed(user_key, clock.now())), "<GetCallerIdentityResult>")


def test_a_good_signature_clears_the_keys_failures(client, user_key, clock) -> None:
    forged = _endpoint_signed((user_key[0], "not-the-secret"), clock.now())
    for _ in range(9):
        _post(client, forged)
    assertContains(_post(client, _endpoint_signed(user_key, clock.now())), "<GetCallerIdentityResult>")
    for _ in range(10):
        assertContains(_post(client, forged), "<Code>SignatureDoesNotMatch</Code>", status_code=403)
