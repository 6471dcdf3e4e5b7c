"""/sts/ as authenticate -> dispatch table -> XML builder: each step's answers, through Django's
test client (requests signed by botocore's SigV4Auth) and piece by piece."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from django.http import QueryDict
from django.test import Client

from accounts import access_keys
from accounts.models import User
from console.sts_api import StsError
from console.views import sts

NS = {"sts": sts.NAMESPACE}
CALLER = {"Action": "GetCallerIdentity", "Version": "2011-06-15"}


@pytest.fixture
def alice_key(demo_world) -> Credentials:
    key, secret = access_keys.create(User.objects.get(username="alice"))
    return Credentials(key.access_key_id, secret)


def _post(params: dict, creds: Credentials | None, method: str = "POST"):
    body = urlencode(params)
    request = AWSRequest(
        method="POST",
        url="http://testserver/sts/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    if creds is not None:
        SigV4Auth(creds, "sts", "us-east-1").add_auth(request)
    headers = {k: v for k, v in request.headers.items() if k.lower() != "content-type"}
    headers["Host"] = "testserver"  # signed by botocore from the URL; the test client sends none
    client = Client()
    send = client.post if method == "POST" else client.put
    return send("/sts/", data=body, content_type="application/x-www-form-urlencoded; charset=utf-8", headers=headers)


def _error(response) -> tuple[str, str, str]:
    root = ET.fromstring(response.content)
    assert root.tag == f"{{{sts.NAMESPACE}}}ErrorResponse"
    assert root.find("sts:RequestId", NS).text
    error = root.find("sts:Error", NS)
    return tuple(error.find(f"sts:{tag}", NS).text for tag in ("Type", "Code", "Message"))


@pytest.mark.django_db
def test_get_caller_identity_answers_the_signer(alice_key) -> None:
    response = _post(CALLER, alice_key)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    root = ET.fromstring(response.content)
    result = root.find("sts:GetCallerIdentityResult", NS)
    assert result.find("sts:Arn", NS).text == "arn:aws:iam::111122223333:user/alice"
    assert result.find("sts:Account", NS).text == "111122223333"
    assert root.find("sts:ResponseMetadata/sts:RequestId", NS).text


@pytest.mark.django_db
def test_an_unknown_action_is_an_aws_invalid_action_error(alice_key) -> None:
    response = _post({"Action": "GetSessionToken", "Version": "2011-06-15"}, alice_key)
    assert response.status_code == 400 and response["Content-Type"] == "text/xml"
    assert _error(response) == (
        "Sender",
        "InvalidAction",
        "Could not find operation GetSessionToken for version 2011-06-15",
    )


@pytest.mark.django_db
def test_a_missing_action_or_version_is_an_invalid_action_error(alice_key) -> None:
    no_action = _post({"Version": "2011-06-15"}, alice_key)
    assert _error(no_action)[1:] == ("InvalidAction", "Could not find operation (none) for version 2011-06-15")
    no_version = _post({"Action": "GetCallerIdentity"}, alice_key)
    assert no_version.status_code == 400
    assert _error(no_version)[2] == "Could not find operation GetCallerIdentity for version NO_VERSION"


@pytest.mark.django_db
def test_an_unsigned_request_is_refused_before_any_action(demo_world) -> None:
    response = _post({"Action": "NoSuchThing", "Version": "2011-06-15"}, None)
    assert response.status_code == 403
    assert _error(response)[1] == "MissingAuthenticationToken"


@pytest.mark.django_db
def test_a_method_other_than_get_or_post_is_an_invalid_action(alice_key) -> None:
    response = _post(CALLER, alice_key, method="PUT")
    assert response.status_code == 400 and _error(response)[1] == "InvalidAction"


def test_the_dispatch_table_names_the_two_actions() -> None:
    assert set(sts.ACTIONS) == {"GetCallerIdentity", "AssumeRole"}
    assert sts.handler_for(QueryDict("Action=AssumeRole&Version=2011-06-15")) is sts.assume_role
    with pytest.raises(StsError) as caught:
        sts.handler_for(QueryDict("Action=assumerole&Version=2011-06-15"))  # AWS's names are case-sensitive
    assert caught.value.code == "InvalidAction"


def test_role_chaining_is_refused_by_the_handler() -> None:
    caller = sts.Caller(user=None, key=None, issued=object())
    with pytest.raises(StsError) as caught:
        sts.assume_role(None, caller, QueryDict(""))
    assert (caught.value.code, caught.value.status) == ("AccessDenied", 403)


def test_the_xml_builder_nests_fields_in_order() -> None:
    response = sts.result_response("AssumeRole", {"A": "1", "B": {"C": "<&>", "D": "2"}}, "rid")
    assert response.content.decode() == (
        f'<AssumeRoleResponse xmlns="{sts.NAMESPACE}"><AssumeRoleResult><A>1</A><B><C>&lt;&amp;&gt;</C><D>2</D></B>'
        "</AssumeRoleResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></AssumeRoleResponse>"
    )


def test_an_error_says_sender_or_receiver_and_a_throttle_says_when_to_retry() -> None:
    receiver = sts.error_response(StsError("ServiceUnavailable", "down", 503, sender=False), "rid")
    assert receiver.status_code == 503 and b"<Type>Receiver</Type>" in receiver.content
    throttled = sts.error_response(sts._Throttled("Throttling", "Rate exceeded", 429, retry_after=7), "rid")
    assert throttled.status_code == 429 and throttled["Retry-After"] == "7"
