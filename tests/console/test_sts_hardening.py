"""The STS endpoint under hostile requests: swapped bodies, foreign regions, oversized or
malformed input, forged signatures sent at once, and users who must change their password.
Requests are signed with botocore's own SigV4 signer and sent with `requests`."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from accounts import access_keys, throttle
from accounts.models import User

pytestmark = pytest.mark.django_db(transaction=True)

CALLER = {"Action": "GetCallerIdentity", "Version": "2011-06-15"}
ASSUME = {
    "Action": "AssumeRole",
    "Version": "2011-06-15",
    "RoleArn": "arn:aws:iam::123456789012:role/UpdateAPP",
    "RoleSessionName": "alice",
}


class UnsignedPayloadAuth(SigV4Auth):
    """Signs with the literal UNSIGNED-PAYLOAD instead of the body's hash (S3 allows that)."""

    def payload(self, request) -> str:
        return "UNSIGNED-PAYLOAD"


@pytest.fixture
def alice_key(live_server, demo_world) -> Credentials:
    key, secret = access_keys.create(User.objects.get(username="alice"))
    return Credentials(key.access_key_id, secret)


def _signed(url: str, params: dict, creds: Credentials, region: str = "us-east-1", auth=SigV4Auth) -> AWSRequest:
    request = AWSRequest(
        method="POST",
        url=url,
        data=urlencode(params),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    if auth is UnsignedPayloadAuth:
        request.headers["X-Amz-Content-SHA256"] = "UNSIGNED-PAYLOAD"
    auth(creds, "sts", region).add_auth(request)
    return request


def _send(request: AWSRequest, body: str | None = None) -> requests.Response:
    data = request.body if body is None else body
    return requests.post(request.url, data=data, headers=dict(request.headers.items()), timeout=30)


def test_signed_requests_work(live_server, alice_key) -> None:
    response = _send(_signed(live_server.url + "/sts/", CALLER, alice_key))
    assert response.status_code == 200 and "<Arn>arn:aws:iam::111122223333:user/alice</Arn>" in response.text


def test_an_unsigned_payload_cannot_carry_a_swapped_body(live_server, alice_key) -> None:
    signed_for_identity = _signed(live_server.url + "/sts/", CALLER, alice_key, auth=UnsignedPayloadAuth)
    swapped = _send(signed_for_identity, body=urlencode(ASSUME))
    assert swapped.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in swapped.text
    assert "<Credentials>" not in swapped.text
    as_signed = _send(signed_for_identity)
    assert as_signed.status_code == 403 and "UNSIGNED-PAYLOAD is not accepted" in as_signed.text


def test_the_credential_scope_must_name_the_consoles_region(live_server, alice_key) -> None:
    response = _send(_signed(live_server.url + "/sts/", CALLER, alice_key, region="eu-west-1"))
    assert response.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in response.text
    assert "Credential should be scoped to a valid region, not 'eu-west-1'." in response.text


def test_oversized_bodies_and_too_many_fields_answer_aws_xml(live_server, alice_key) -> None:
    big = _send(_signed(live_server.url + "/sts/", {**CALLER, "Padding": "x" * 100_000}, alice_key))
    assert big.status_code == 413 and big.headers["Content-Type"] == "text/xml"
    assert "<ErrorResponse" in big.text and "<Code>ValidationError</Code>" in big.text
    many = _send(_signed(live_server.url + "/sts/", {**CALLER, **{f"f{i}": "1" for i in range(1200)}}, alice_key))
    assert many.status_code == 400 and "<Code>MalformedQueryString</Code>" in many.text


@pytest.mark.parametrize(
    ("name", "value"), [("DurationSeconds", "١٠٠٠"), ("DurationSeconds", "²"), ("TokenCode", "１２３４５６")]
)
def test_numbers_and_codes_take_ascii_digits_only(live_server, alice_key, name: str, value: str) -> None:
    response = _send(_signed(live_server.url + "/sts/", {**ASSUME, name: value}, alice_key))
    assert response.status_code == 400, response.text
    assert "<Code>ValidationError</Code>" in response.text and "<Credentials>" not in response.text


def test_a_user_who_must_change_their_password_is_refused(live_server, alice_key) -> None:
    User.objects.filter(username="alice").update(must_change_password=True)
    response = _send(_signed(live_server.url + "/sts/", ASSUME, alice_key))
    assert response.status_code == 403 and "must change their password" in response.text
    assert "<Credentials>" not in response.text


def test_concurrent_forged_signatures_are_evaluated_at_most_limit_times(live_server, alice_key) -> None:
    forged = Credentials(alice_key.access_key, "not-the-secret")

    def send(_: int) -> requests.Response:
        return _send(_signed(live_server.url + "/sts/", CALLER, forged))

    with ThreadPoolExecutor(max_workers=16) as pool:
        responses = list(pool.map(send, range(40)))
    evaluated = [r for r in responses if "<Code>SignatureDoesNotMatch</Code>" in r.text]
    throttled = [r for r in responses if r.status_code == 429 and "<Code>Throttling</Code>" in r.text]
    assert len(evaluated) <= throttle.STS_KEY.limit
    assert len(evaluated) + len(throttled) == 40 and all(int(r.headers["Retry-After"]) > 0 for r in throttled)
    # The real owner of the key is locked out too until the window passes (the budget is the key's).
    assert _send(_signed(live_server.url + "/sts/", CALLER, alice_key)).status_code == 429
