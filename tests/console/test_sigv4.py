"""console/sigv4.py piece by piece: parse, check the time, canonicalise, check the signature.

Requests are signed by botocore's own SigV4Auth, so the verifier is checked against AWS's
reference client rather than against itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from console import sigv4

KEY, SECRET = "AKIAEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SIGNED_AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
BODY = b"Action=GetCallerIdentity&Version=2011-06-15"


def _signed(body: bytes = BODY, region: str = "us-east-1", service: str = "sts") -> dict[str, str]:
    request = AWSRequest(
        method="POST",
        url="https://console.example/sts/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with mock.patch("botocore.auth.get_current_datetime", return_value=SIGNED_AT.replace(tzinfo=None)):
        SigV4Auth(Credentials(KEY, SECRET), service, region).add_auth(request)
    headers = {k.lower(): v for k, v in request.headers.items()}
    headers["host"] = "console.example"
    return headers


def _verify(headers: dict[str, str], body: bytes = BODY, now: datetime = SIGNED_AT, secret: str | None = SECRET):
    return sigv4.verify(
        method="POST",
        path="/sts/",
        query_string="",
        headers=headers,
        body=body,
        secret_for=lambda key: secret if key == KEY else None,
        now=now,
        region="us-east-1",
    )


def _code(fn, *args, **kwargs) -> str:
    with pytest.raises(sigv4.SigV4Error) as caught:
        fn(*args, **kwargs)
    return caught.value.code


def test_a_request_signed_by_botocore_verifies() -> None:
    assert _verify(_signed()) == sigv4.Verified(KEY, "us-east-1", "sts")


# --- parse ---------------------------------------------------------------------------------


def test_parse_reads_the_credential_scope_and_signed_headers() -> None:
    auth = sigv4.parse(_signed(), region="us-east-1")
    assert (auth.key_id, auth.date, auth.region, auth.service) == (KEY, "20260102", "us-east-1", "sts")
    assert "host" in auth.signed_headers and "x-amz-date" in auth.signed_headers
    assert auth.when == SIGNED_AT
    assert auth.scope == "20260102/us-east-1/sts/aws4_request"


def test_parse_without_authorization_asks_for_a_token() -> None:
    assert _code(sigv4.parse, {"x-amz-date": "20260102T030405Z"}, region="us-east-1") == "MissingAuthenticationToken"


@pytest.mark.parametrize(
    "credential",
    [
        f"{KEY}/20260102/us-east-1/sts",  # four parts
        f"{KEY}/20260102/us-east-1/sts/aws4_request/extra",  # six parts
        f"{KEY}/20260102/us-east-1/sts/aws5_request",  # wrong terminator
    ],
)
def test_a_malformed_credential_scope_is_an_incomplete_signature(credential: str) -> None:
    headers = _signed()
    signature = headers["authorization"].rsplit("Signature=", 1)[1]
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders=host;x-amz-date, Signature={signature}"
    )
    assert _code(sigv4.parse, headers, region="us-east-1") == "IncompleteSignature"
    assert _code(_verify, headers) == "IncompleteSignature"


def test_a_header_that_is_not_sigv4_is_an_incomplete_signature() -> None:
    headers = _signed()
    headers["authorization"] = headers["authorization"].replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1")
    assert _code(sigv4.parse, headers, region="us-east-1") == "IncompleteSignature"


def test_the_scope_must_name_this_region_and_service() -> None:
    assert _code(sigv4.parse, _signed(region="eu-west-1"), region="us-east-1") == "SignatureDoesNotMatch"
    assert _code(sigv4.parse, _signed(service="s3"), region="us-east-1") == "SignatureDoesNotMatch"


def test_a_missing_or_malformed_amz_date_is_an_incomplete_signature() -> None:
    headers = _signed()
    headers["x-amz-date"] = "2026-01-02T03:04:05Z"
    assert _code(sigv4.parse, headers, region="us-east-1") == "IncompleteSignature"
    del headers["x-amz-date"]
    assert _code(sigv4.parse, headers, region="us-east-1") == "IncompleteSignature"


# --- the skew window -----------------------------------------------------------------------


@pytest.mark.parametrize("direction", [1, -1])
def test_the_skew_window_accepts_up_to_its_limit_and_refuses_beyond(direction: int) -> None:
    auth = sigv4.parse(_signed(), region="us-east-1")
    just_before = SIGNED_AT + direction * (sigv4.MAX_SKEW - timedelta(seconds=1))
    at_limit = SIGNED_AT + direction * sigv4.MAX_SKEW
    just_after = SIGNED_AT + direction * (sigv4.MAX_SKEW + timedelta(seconds=1))
    sigv4.check_time(auth, just_before)
    sigv4.check_time(auth, at_limit)
    assert _code(sigv4.check_time, auth, just_after) == "RequestExpired"
    assert _verify(_signed(), now=at_limit).access_key_id == KEY
    assert _code(_verify, _signed(), now=just_after) == "RequestExpired"


def test_an_expired_request_is_refused_before_the_key_is_looked_up() -> None:
    looked_up = []
    with pytest.raises(sigv4.SigV4Error):
        sigv4.verify(
            method="POST",
            path="/sts/",
            query_string="",
            headers=_signed(),
            body=BODY,
            secret_for=looked_up.append,
            now=SIGNED_AT + timedelta(hours=1),
            region="us-east-1",
        )
    assert looked_up == []


def test_the_scope_date_must_be_the_amz_date_day() -> None:
    auth = sigv4.parse(_signed(), region="us-east-1")
    other_day = sigv4.Authorization(**{**auth.__dict__, "date": "20260101"})
    assert _code(sigv4.check_time, other_day, SIGNED_AT) == "SignatureDoesNotMatch"


# --- canonicalise --------------------------------------------------------------------------


def test_a_body_that_does_not_match_its_signed_payload_hash_is_refused() -> None:
    headers = _signed()
    headers["x-amz-content-sha256"] = sigv4._sha256(BODY)  # declared for the signed body...
    swapped = b"Action=AssumeRole&Version=2011-06-15"  # ...but another one arrives
    assert _code(sigv4.payload_hash, headers, swapped) == "SignatureDoesNotMatch"
    assert _code(_verify, headers, body=swapped) == "SignatureDoesNotMatch"


def test_a_swapped_body_without_a_declared_hash_breaks_the_signature() -> None:
    assert _code(_verify, _signed(), body=BODY + b"&RoleArn=x") == "SignatureDoesNotMatch"


def test_unsigned_payload_is_refused() -> None:
    headers = {"x-amz-content-sha256": "UNSIGNED-PAYLOAD"}
    assert _code(sigv4.payload_hash, headers, BODY) == "SignatureDoesNotMatch"


def test_the_payload_hash_is_the_bodys_sha256() -> None:
    assert sigv4.payload_hash({}, b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_the_host_header_must_be_signed() -> None:
    auth = sigv4.parse(_signed(), region="us-east-1")
    unsigned_host = sigv4.Authorization(**{**auth.__dict__, "signed_headers": ("x-amz-date",)})
    code = _code(sigv4.canonical_request, unsigned_host, method="POST", path="/", query_string="", headers={}, body=b"")
    assert code == "SignatureDoesNotMatch"


def test_the_canonical_request_sorts_the_query_and_trims_header_values() -> None:
    auth = sigv4.Authorization("K", "20260102", "us-east-1", "sts", ("host", "x-amz-date"), "0" * 64, "x", SIGNED_AT)
    canonical = sigv4.canonical_request(
        auth,
        method="get",
        path="/sts/",
        query_string="Version=2011-06-15&Action=Get Caller",
        headers={"host": "  console.example  ", "x-amz-date": "20260102T030405Z"},
        body=b"",
    )
    assert canonical.split("\n") == [
        "GET",
        "/sts/",
        "Action=Get%20Caller&Version=2011-06-15",
        "host:console.example",
        "x-amz-date:20260102T030405Z",
        "",
        "host;x-amz-date",
        sigv4._sha256(b""),
    ]


# --- check ---------------------------------------------------------------------------------


def test_an_unknown_key_is_an_invalid_client_token() -> None:
    assert _code(_verify, _signed(), secret=None) == "InvalidClientTokenId"


def test_the_wrong_secret_does_not_match() -> None:
    assert _code(_verify, _signed(), secret=SECRET + "x") == "SignatureDoesNotMatch"


def test_check_signature_accepts_only_the_secrets_signature() -> None:
    headers = _signed()
    auth = sigv4.parse(headers, region="us-east-1")
    canonical = sigv4.canonical_request(auth, method="POST", path="/sts/", query_string="", headers=headers, body=BODY)
    to_sign = sigv4.string_to_sign(auth, canonical)
    sigv4.check_signature(auth, SECRET, to_sign)
    assert _code(sigv4.check_signature, auth, SECRET, to_sign + "x") == "SignatureDoesNotMatch"
