"""/sts/: the AWS Query protocol as STS speaks it, signed with console-issued keys (SigV4)."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_variables

from accounts import access_keys, clock, throttle

from .. import audit, sigv4, sts_api

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


MAX_BODY = 64 * 1024  # STS requests are a few hundred bytes; AWS refuses far smaller bodies than Django's default
_PRESENTED_KEY = re.compile(r"Credential=([A-Za-z0-9]{1,128})/")


def _throttled(exc: throttle.Throttled | None, request_id: str, retry_after: int = 60) -> HttpResponse:
    response = _error("Throttling", "Rate exceeded", 429, request_id)
    response["Retry-After"] = str(exc.retry_after if exc else retry_after)
    return response


def _read(request: HttpRequest, request_id: str) -> tuple[bytes, dict] | HttpResponse:
    """The raw body (SigV4 signs it) and the parameters, or an AWS error for a request too big
    or with too many fields (Django's own limits would answer an HTML page)."""
    try:
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY:
            raise RequestDataTooBig()
        body = request.body  # read before the form is parsed
        if len(body) > MAX_BODY:
            raise RequestDataTooBig()
        params = request.POST if request.method == "POST" else request.GET
        params.get("Action")  # parse now, inside this try
    except RequestDataTooBig:
        return _error("ValidationError", f"The request body is larger than {MAX_BODY // 1024} KiB.", 413, request_id)
    except TooManyFieldsSent:
        return _error("MalformedQueryString", "The request has too many parameters.", 400, request_id)
    except ValueError:
        return _error("MalformedQueryString", "The request's Content-Length is not a number.", 400, request_id)
    return body, params


@csrf_exempt  # an API authenticated by SigV4 on every request, not by a browser session
@sensitive_variables("body", "params")
def sts(request: HttpRequest) -> HttpResponse:
    request_id = str(uuid.uuid4())
    if request.method not in ("GET", "POST"):
        return _error("InvalidAction", "STS takes GET or POST requests.", 400, request_id)
    read = _read(request, request_id)
    if isinstance(read, HttpResponse):
        return read
    body, params = read
    found: dict = {}
    session_token = request.headers.get("X-Amz-Security-Token")

    @sensitive_variables("result")
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

    # Signature failures are budgeted per key ID presented and per client address, counted
    # before the signature is checked (concurrent forgeries cannot overtake the count).
    presented = _PRESENTED_KEY.search(request.headers.get("Authorization", ""))
    address = audit.client_ip(request) or "unknown"
    budgets = [(throttle.STS_ADDRESS, address)]
    if presented:
        budgets.append((throttle.STS_KEY, presented.group(1)))
    try:
        attempt = throttle.attempt(*budgets)
    except throttle.Throttled as exc:
        return _throttled(exc, request_id)
    with attempt:  # leaving without success counts the attempt as a failure
        try:
            sigv4.verify(
                method=request.method,
                path=request.path,
                query_string=request.META.get("QUERY_STRING", ""),
                headers={k.lower(): v for k, v in request.headers.items()},
                body=body,
                secret_for=secret_for,
                now=clock.now(),
                region=settings.AWS_REGION,
            )
        except sigv4.SigV4Error as exc:
            status = 400 if exc.code in ("RequestExpired", "IncompleteSignature") else 403
            return _error(exc.code, exc.message, status, request_id)
        except sts_api.StsError as exc:  # ExpiredToken
            return _error(exc.code, exc.message, exc.status, request_id)
        attempt.succeeded()

    issued = found.get("issued")
    key = found["key"] if issued is None else issued.issued_via
    if key is not None and access_keys.over_rate_limit(key):
        return _throttled(None, request_id, retry_after=int(access_keys.RATE_WINDOW.total_seconds()))
    if issued is None:
        access_keys.record_use(key)
    user = key.user if issued is None else issued.user
    if user.must_change_password:
        # As in the browser, nothing until the password is changed.
        return _error(
            "AccessDenied",
            f"User: {user.arn} must change their password in the console before using its STS endpoint.",
            403,
            request_id,
        )

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
