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


@dataclass(frozen=True)
class Authorization:
    """What the Authorization and X-Amz-Date headers claim, parsed but not yet trusted."""

    key_id: str
    date: str  # the credential scope's YYYYMMDD
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str
    when: datetime

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


def parse(headers: Mapping[str, str], *, region: str, service: str = "sts") -> Authorization:
    """Parse the Authorization header and X-Amz-Date. The credential scope must name this
    endpoint's `region` and `service`. Raises SigV4Error."""
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
    signed = tuple(match.group("signed").split(";"))
    return Authorization(key_id, date, scope_region, scope_service, signed, match.group("signature"), amz_date, when)


def check_time(auth: Authorization, now: datetime) -> None:
    """The request was signed within MAX_SKEW of `now`, on the day its credential scope names."""
    if abs(now - auth.when) > MAX_SKEW:
        raise SigV4Error(
            "RequestExpired",
            f"Request has expired: its date {auth.amz_date} is more than 15 minutes from the server's time "
            f"{now:%Y%m%dT%H%M%SZ}.",
        )
    if not auth.amz_date.startswith(auth.date):
        raise SigV4Error("SignatureDoesNotMatch", "The credential scope date does not match X-Amz-Date.")


def payload_hash(headers: Mapping[str, str], body: bytes) -> str:
    """The SHA-256 of the body actually received. An X-Amz-Content-Sha256 header that says
    anything else (including UNSIGNED-PAYLOAD, which would let a body be swapped under a valid
    signature) is refused."""
    digest = _sha256(body)
    declared = headers.get("x-amz-content-sha256")
    if declared == "UNSIGNED-PAYLOAD":
        raise SigV4Error("SignatureDoesNotMatch", "UNSIGNED-PAYLOAD is not accepted here: sign the request body.")
    if declared is not None and declared != digest:
        raise SigV4Error("SignatureDoesNotMatch", "The request body does not match its signed hash.")
    return digest


def canonical_request(
    auth: Authorization, *, method: str, path: str, query_string: str, headers: Mapping[str, str], body: bytes
) -> str:
    """The canonical request the client must have signed. The host header must be signed."""
    if "host" not in auth.signed_headers:
        raise SigV4Error("SignatureDoesNotMatch", "The host header must be signed.")
    canonical_headers = "".join(f"{h}:{' '.join(headers.get(h, '').split())}\n" for h in auth.signed_headers)
    return "\n".join(
        [
            method.upper(),
            _canonical_path(path),
            _canonical_query(query_string),
            canonical_headers,
            ";".join(auth.signed_headers),
            payload_hash(headers, body),
        ]
    )


def string_to_sign(auth: Authorization, canonical: str) -> str:
    return "\n".join([ALGORITHM, auth.amz_date, auth.scope, _sha256(canonical.encode())])


@sensitive_variables("secret", "expected")
def check_signature(auth: Authorization, secret: str, to_sign: str) -> None:
    """The signature is the one `secret` makes of `to_sign` (compared in constant time)."""
    key = signing_key(secret, auth.date, auth.region, auth.service)
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, auth.signature):
        raise SigV4Error(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        )


@sensitive_variables("secret")
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
    """Check the request's SigV4 signature: parse, check the time, look the key up, canonicalise,
    check the signature. `headers` keys are lower-case. Raises SigV4Error.

    The signature must cover the body actually received (`payload_hash`), and the credential
    scope must name this endpoint's `region`. The key is looked up only for a well-formed,
    fresh request."""
    auth = parse(headers, region=region, service=service)
    check_time(auth, now)
    secret = secret_for(auth.key_id)
    if secret is None:
        raise SigV4Error("InvalidClientTokenId", "The security token included in the request is invalid.")
    canonical = canonical_request(auth, method=method, path=path, query_string=query_string, headers=headers, body=body)
    check_signature(auth, secret, string_to_sign(auth, canonical))
    return Verified(auth.key_id, auth.region, auth.service)
