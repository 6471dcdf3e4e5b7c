"""/sts/: the AWS Query protocol as STS speaks it, signed with console-issued keys (SigV4).

One way through: read the request, authenticate the signature (`Caller`), admit the caller
(rate limit, password), find the action's handler in `ACTIONS`, and build the XML answer from
the fields the handler returns. Every refusal is an `StsError` rendered as AWS's ErrorResponse.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, QueryDict
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_variables

from accounts import access_keys, clock, throttle
from accounts.models import AccessKey, User

from .. import audit, sigv4, sts_api
from ..models import IssuedCredential
from ..sts_api import StsError

NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
VERSION = "2011-06-15"
MAX_BODY = 64 * 1024  # STS requests are a few hundred bytes; AWS refuses far smaller bodies than Django's default
_PRESENTED_KEY = re.compile(r"Credential=([A-Za-z0-9]{1,128})/")

# A result's members: text, or a nested element's members.
Fields = Mapping[str, "str | Fields"]


@dataclass
class _Throttled(StsError):
    retry_after: int = 60


# --- XML builder ---------------------------------------------------------------------------


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


@sensitive_variables("fields", "value")  # AssumeRole's fields hold the new credentials
def _members(parent: ET.Element, fields: Fields) -> None:
    for tag, value in fields.items():
        if isinstance(value, Mapping):
            _members(_sub(parent, tag), value)
        else:
            _sub(parent, tag, value)


def error_response(exc: StsError, request_id: str) -> HttpResponse:
    root = ET.Element("ErrorResponse", xmlns=NAMESPACE)
    error = _sub(root, "Error")
    _members(error, {"Type": "Sender" if exc.sender else "Receiver", "Code": exc.code, "Message": exc.message})
    _sub(root, "RequestId", request_id)
    response = _xml(root, exc.status)
    if isinstance(exc, _Throttled):
        response["Retry-After"] = str(exc.retry_after)
    return response


@sensitive_variables("fields")
def result_response(action: str, fields: Fields, request_id: str) -> HttpResponse:
    root = ET.Element(f"{action}Response", xmlns=NAMESPACE)
    _members(_sub(root, f"{action}Result"), fields)
    _members(_sub(root, "ResponseMetadata"), {"RequestId": request_id})
    return _xml(root)


# --- Reading and authenticating ------------------------------------------------------------


def _read(request: HttpRequest) -> tuple[bytes, QueryDict]:
    """The raw body (SigV4 signs it) and the parameters. A request too big or with too many
    fields is an AWS error (Django's own limits would answer an HTML page)."""
    if request.method not in ("GET", "POST"):
        raise StsError("InvalidAction", "STS takes GET or POST requests.", 400)
    try:
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY:
            raise RequestDataTooBig()
        body = request.body  # read before the form is parsed
        if len(body) > MAX_BODY:
            raise RequestDataTooBig()
        params = request.POST if request.method == "POST" else request.GET
        params.get("Action")  # parse now, inside this try
    except RequestDataTooBig:
        raise StsError("ValidationError", f"The request body is larger than {MAX_BODY // 1024} KiB.", 413) from None
    except TooManyFieldsSent:
        raise StsError("MalformedQueryString", "The request has too many parameters.", 400) from None
    except ValueError:
        raise StsError("MalformedQueryString", "The request's Content-Length is not a number.", 400) from None
    return body, params


@dataclass(frozen=True)
class Caller:
    """Who signed: a console user with an access key, or a role session this endpoint issued
    (`key` is then the access key it was issued through)."""

    user: User
    key: AccessKey | None
    issued: IssuedCredential | None = None


class _SecretLookup:
    """`secret_for` for sigv4.verify: the secret of a key ID, remembering whose it was."""

    def __init__(self, session_token: str | None) -> None:
        self._session_token = session_token
        self.caller: Caller | None = None

    def __repr__(self) -> str:
        return "<_SecretLookup>"

    @sensitive_variables("result")
    def __call__(self, key_id: str) -> str | None:
        result: tuple[IssuedCredential, str] | tuple[AccessKey, str] | None
        if self._session_token:  # temporary credentials: only ones this endpoint issued are known
            result = sts_api.issued(key_id, self._session_token)
            if result:
                self.caller = Caller(result[0].user, result[0].issued_via, result[0])
        else:
            result = access_keys.find_active(key_id)
            if result:
                self.caller = Caller(result[0].user, result[0])
        return result[1] if result else None


def _budgets(request: HttpRequest) -> list[throttle.Budget]:
    """Signature failures are budgeted per key ID presented and per client address."""
    budgets = [(throttle.STS_ADDRESS, audit.client_ip(request) or "unknown")]
    presented = _PRESENTED_KEY.search(request.headers.get("Authorization", ""))
    if presented:
        budgets.append((throttle.STS_KEY, presented.group(1)))
    return budgets


@sensitive_variables("body", "lookup", "headers")
def authenticate(request: HttpRequest, body: bytes) -> Caller:
    """Check the SigV4 signature. Attempts are counted before the signature is checked
    (concurrent forgeries cannot overtake the count); a failure stays counted."""
    lookup = _SecretLookup(request.headers.get("X-Amz-Security-Token"))
    headers = {k.lower(): v for k, v in request.headers.items()}
    try:
        attempt = throttle.attempt(*_budgets(request))
    except throttle.Throttled as exc:
        raise _Throttled("Throttling", "Rate exceeded", 429, retry_after=exc.retry_after) from None
    with attempt:  # leaving without success counts the attempt as a failure
        if request.method is None:  # never for a WSGIRequest; _read admitted GET or POST
            raise StsError("InvalidAction", "STS takes GET or POST requests.", 400)
        try:
            sigv4.verify(
                method=request.method,
                path=request.path,
                query_string=request.META.get("QUERY_STRING", ""),
                headers=headers,
                body=body,
                secret_for=lookup,
                now=clock.now(),
                region=settings.AWS_REGION,
            )
        except sigv4.SigV4Error as exc:
            status = 400 if exc.code in ("RequestExpired", "IncompleteSignature") else 403
            raise StsError(exc.code, exc.message, status) from None
        attempt.succeeded()
    if lookup.caller is None:  # cannot happen: a verified signature was made with a key the lookup found
        raise StsError("InternalFailure", "The signature was verified without a known key.", 500)
    return lookup.caller


def admit(caller: Caller) -> None:
    """The key's request rate, its last use, and (as in the browser) nothing until a required
    password change is done."""
    if caller.key is not None and access_keys.over_rate_limit(caller.key):
        window = int(access_keys.RATE_WINDOW.total_seconds())
        raise _Throttled("Throttling", "Rate exceeded", 429, retry_after=window)
    if caller.issued is None:
        if caller.key is None:  # cannot happen: a caller without issued credentials signed with a key
            raise StsError("InternalFailure", "The caller signed with no known key.", 500)
        access_keys.record_use(caller.key)
    if caller.user.must_change_password:
        raise StsError(
            "AccessDenied",
            f"User: {caller.user.arn} must change their password in the console before using its STS endpoint.",
            403,
        )


# --- Actions -------------------------------------------------------------------------------


def get_caller_identity(request: HttpRequest, caller: Caller, params: QueryDict) -> Fields:
    if caller.issued is not None:  # the role session the console brokered
        arn = caller.issued.assumed_role_arn
        return {"Arn": arn, "UserId": caller.issued.assumed_role_id, "Account": arn.split(":")[4]}
    user = caller.user
    return {"Arn": user.arn, "UserId": user.unique_id, "Account": user.arn.split(":")[4]}


@sensitive_variables("creds", "params")
def assume_role(request: HttpRequest, caller: Caller, params: QueryDict) -> Fields:
    if caller.issued is not None:
        raise StsError(
            "AccessDenied",
            "Role chaining is not supported by the console's STS: call AssumeRole with your console access key.",
            403,
        )
    creds = sts_api.assume_role(request, caller.user, sts_api.AssumeRoleRequest.parse(params))
    sts_api.remember(creds, caller.user, params.get("RoleArn", ""), caller.key)
    return {
        "SourceIdentity": caller.user.username,
        "AssumedRoleUser": {"AssumedRoleId": creds.assumed_role_id, "Arn": creds.assumed_role_arn},
        "Credentials": {
            "AccessKeyId": creds.access_key_id,
            "SecretAccessKey": creds.secret_access_key,
            "SessionToken": creds.session_token,
            "Expiration": creds.expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    }


Handler = Callable[[HttpRequest, Caller, QueryDict], Fields]
ACTIONS: dict[str, Handler] = {"GetCallerIdentity": get_caller_identity, "AssumeRole": assume_role}


def handler_for(params: QueryDict) -> Handler:
    action, version = params.get("Action", ""), params.get("Version", "")
    if version != VERSION:
        raise StsError("InvalidAction", f"Could not find operation {action} for version {version or 'NO_VERSION'}")
    if action not in ACTIONS:
        raise StsError("InvalidAction", f"Could not find operation {action or '(none)'} for version {version}")
    return ACTIONS[action]


@csrf_exempt  # an API authenticated by SigV4 on every request, not by a browser session
@sensitive_variables("body", "params")
def sts(request: HttpRequest) -> HttpResponse:
    request_id = str(uuid.uuid4())
    try:
        body, params = _read(request)
        caller = authenticate(request, body)
        admit(caller)
        handler = handler_for(params)
        # handler_for found the action under this name, so the default is never used.
        return result_response(params.get("Action", ""), handler(request, caller, params), request_id)
    except StsError as exc:
        return error_response(exc, request_id)
