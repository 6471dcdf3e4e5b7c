"""AWS Signature Version 4 verification (header form), for the console's STS endpoint.

Plain Python (hmac, hashlib): https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html
The caller supplies a lookup from access key ID to secret; this module never sees a database.
(Django's sensitive_variables only keeps the secret out of error reports.)
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote

from django.views.decorators.debug import sensitive_variables

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = timedelta(minutes=15)
_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),"
    r"\s*Signature=(?P<signature>[0-9a-f]{64})$"
)


class SigV4Error(Exception):
    """An authentication failure, with the STS error code to return."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Verified:
    access_key_id: str
    region: str
    service: str


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


@sensitive_variables("secret", "key")
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = _hmac(("AWS4" + secret).encode(), date)
    key = _hmac(key, region)
    key = _hmac(key, service)
    return _hmac(key, "aws4_request")


def _canonical_query(query_string: str) -> str:
    pairs = parse_qsl(query_string, keep_blank_values=True)
    encoded = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


def _canonical_path(path: str) -> str:
    return quote(path or "/", safe="/-_.~%")


@sensitive_variables("secret", "expected")
def verify(
    *,
    method: str,
    path: str,
    query_string: str,
    headers: Mapping[str, str],
    body: bytes,
    secret_for: Callable[[str], str | None],
    now: datetime,
    region: str,
    service: str = "sts",
) -> Verified:
    """Check the request's SigV4 signature. `headers` keys are lower-case. Raises SigV4Error.

    The signature must cover the body actually received: the canonical request always uses the
    SHA-256 of `body`, and an X-Amz-Content-Sha256 header that says anything else (including
    UNSIGNED-PAYLOAD, which would let a body be swapped under a valid signature) is refused.
    The credential scope must name this endpoint's `region`."""
    authorization = headers.get("authorization", "")
    if not authorization:
        raise SigV4Error("MissingAuthenticationToken", "Request is missing Authentication Token")
    match = _AUTH.match(authorization.strip())
    if not match:
        raise SigV4Error("IncompleteSignature", "The request signature does not conform to AWS standards.")
    parts = match.group("credential").split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise SigV4Error("IncompleteSignature", "The credential scope is not KEY/DATE/REGION/SERVICE/aws4_request.")
    key_id, date, scope_region, scope_service, _ = parts
    if scope_service != service:
        raise SigV4Error("SignatureDoesNotMatch", f"Credential should be scoped to correct service: '{service}'.")
    if scope_region != region:
        raise SigV4Error(
            "SignatureDoesNotMatch", f"Credential should be scoped to a valid region, not '{scope_region[:32]}'."
        )

    amz_date = headers.get("x-amz-date", "")
    try:
        when = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise SigV4Error("IncompleteSignature", "The request must carry a valid X-Amz-Date header.") from None
    if abs(now - when) > MAX_SKEW:
        raise SigV4Error(
            "RequestExpired",
            f"Request has expired: its date {amz_date} is more than 15 minutes from the server's time "
            f"{now:%Y%m%dT%H%M%SZ}.",
        )
    if not amz_date.startswith(date):
        raise SigV4Error("SignatureDoesNotMatch", "The credential scope date does not match X-Amz-Date.")

    secret = secret_for(key_id)
    if secret is None:
        raise SigV4Error("InvalidClientTokenId", "The security token included in the request is invalid.")

    signed = match.group("signed").split(";")
    if "host" not in signed:
        raise SigV4Error("SignatureDoesNotMatch", "The host header must be signed.")
    canonical_headers = "".join(f"{h}:{' '.join(headers.get(h, '').split())}\n" for h in signed)
    payload_hash = _sha256(body)
    declared = headers.get("x-amz-content-sha256")
    if declared == "UNSIGNED-PAYLOAD":
        raise SigV4Error("SignatureDoesNotMatch", "UNSIGNED-PAYLOAD is not accepted here: sign the request body.")
    if declared is not None and declared != payload_hash:
        raise SigV4Error("SignatureDoesNotMatch", "The request body does not match its signed hash.")
    canonical_request = "\n".join(
        [
            method.upper(),
            _canonical_path(path),
            _canonical_query(query_string),
            canonical_headers,
            ";".join(signed),
            payload_hash,
        ]
    )
    scope = f"{date}/{scope_region}/{scope_service}/aws4_request"
    string_to_sign = "\n".join([ALGORITHM, amz_date, scope, _sha256(canonical_request.encode())])
    expected = hmac.new(
        signing_key(secret, date, scope_region, scope_service), string_to_sign.encode(), hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected, match.group("signature")):
        raise SigV4Error(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        )
    return Verified(key_id, scope_region, scope_service)
