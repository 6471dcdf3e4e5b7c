"""/sts/: the AWS Query protocol as STS speaks it, signed with console-issued keys (SigV4)."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from accounts import access_keys, clock

from .. import sigv4, sts_api

NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
VERSION = "2011-06-15"


def _xml(root: ET.Element, status: int = 200) -> HttpResponse:
    body = ET.tostring(root, encoding="unicode")
    response = HttpResponse(body, status=status, content_type="text/xml")
    response["Cache-Control"] = "no-store"
    return response


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    child = ET.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def _error(code: str, message: str, status: int, request_id: str, sender: bool = True) -> HttpResponse:
    root = ET.Element("ErrorResponse", xmlns=NAMESPACE)
    error = _sub(root, "Error")
    _sub(error, "Type", "Sender" if sender else "Receiver")
    _sub(error, "Code", code)
    _sub(error, "Message", message)
    _sub(root, "RequestId", request_id)
    return _xml(root, status)


def _result(action: str, request_id: str) -> tuple[ET.Element, ET.Element]:
    root = ET.Element(f"{action}Response", xmlns=NAMESPACE)
    result = _sub(root, f"{action}Result")
    metadata = _sub(root, "ResponseMetadata")
    _sub(metadata, "RequestId", request_id)
    return root, result


@csrf_exempt  # an API authenticated by SigV4 on every request, not by a browser session
def sts(request: HttpRequest) -> HttpResponse:
    request_id = str(uuid.uuid4())
    if request.method not in ("GET", "POST"):
        return _error("InvalidAction", "STS takes GET or POST requests.", 400, request_id)
    body = request.body  # read before the form is parsed: SigV4 signs the raw bytes
    params = request.POST if request.method == "POST" else request.GET
    found: dict = {}
    session_token = request.headers.get("X-Amz-Security-Token")

    def secret_for(key_id: str) -> str | None:
        if session_token:  # temporary credentials: only ones this endpoint issued are known
            result = sts_api.issued(key_id, session_token)
            if result:
                found["issued"] = result[0]
            return result[1] if result else None
        result = access_keys.find_active(key_id)
        if result:
            found["key"] = result[0]
        return result[1] if result else None

    try:
        sigv4.verify(
            method=request.method,
            path=request.path,
            query_string=request.META.get("QUERY_STRING", ""),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
            secret_for=secret_for,
            now=clock.now(),
        )
    except sigv4.SigV4Error as exc:
        status = 400 if exc.code in ("RequestExpired", "IncompleteSignature") else 403
        return _error(exc.code, exc.message, status, request_id)
    except sts_api.StsError as exc:  # ExpiredToken
        return _error(exc.code, exc.message, exc.status, request_id)

    issued = found.get("issued")
    key = found["key"] if issued is None else issued.issued_via
    if key is not None and access_keys.over_rate_limit(key):
        return _error("Throttling", "Rate exceeded", 400, request_id)
    if issued is None:
        access_keys.record_use(key)
    user = key.user if issued is None else issued.user

    action, version = params.get("Action", ""), params.get("Version", "")
    if version != VERSION:
        return _error(
            "InvalidAction", f"Could not find operation {action} for version {version or 'NO_VERSION'}", 400, request_id
        )
    if action == "GetCallerIdentity":
        root, result = _result(action, request_id)
        if issued is not None:  # the role session the console brokered
            _sub(result, "Arn", issued.assumed_role_arn)
            _sub(result, "UserId", issued.assumed_role_id)
            _sub(result, "Account", issued.assumed_role_arn.split(":")[4])
        else:
            _sub(result, "Arn", user.arn)
            _sub(result, "UserId", user.unique_id)
            _sub(result, "Account", user.account.account_id)
        return _xml(root)
    if action == "AssumeRole":
        if issued is not None:
            return _error(
                "AccessDenied",
                "Role chaining is not supported by the console's STS: call AssumeRole with your console access key.",
                403,
                request_id,
            )
        try:
            creds = sts_api.assume_role(request, user, sts_api.AssumeRoleRequest.parse(params))
        except sts_api.StsError as exc:
            return _error(exc.code, exc.message, exc.status, request_id, exc.sender)
        sts_api.remember(creds, user, params.get("RoleArn", ""), key)
        root, result = _result(action, request_id)
        _sub(result, "SourceIdentity", user.username)
        assumed = _sub(result, "AssumedRoleUser")
        _sub(assumed, "AssumedRoleId", creds.assumed_role_id)
        _sub(assumed, "Arn", creds.assumed_role_arn)
        credentials = _sub(result, "Credentials")
        _sub(credentials, "AccessKeyId", creds.access_key_id)
        _sub(credentials, "SecretAccessKey", creds.secret_access_key)
        _sub(credentials, "SessionToken", creds.session_token)
        _sub(credentials, "Expiration", creds.expiration.strftime("%Y-%m-%dT%H:%M:%SZ"))
        return _xml(root)
    return _error(
        "InvalidAction", f"Could not find operation {action or '(none)'} for version {version}", 400, request_id
    )
