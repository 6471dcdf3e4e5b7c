"""The STS API flows behind /sts/: the same decision as the browser's switch, for CLI and SDKs."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from dataclasses import dataclass

from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from accounts import clock, crypto, mfa, switch_decision
from accounts.models import ROLE_ARN, Role, User

from . import audit, aws
from .models import AuditEvent, IssuedCredential

log = logging.getLogger(__name__)

SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")
EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
TOKEN_CODE = re.compile(r"^[0-9]{6}$")  # ASCII digits: \d would take "١٢٣٤٥٦" too
DURATION = re.compile(r"^[0-9]{1,6}$")
MFA_FAILED = "MultiFactorAuthentication failed with invalid MFA one time pass code."


@dataclass
class StsError(Exception):
    code: str
    message: str
    status: int = 400
    sender: bool = True


def _validation(field: str, value: str, constraint: str) -> StsError:
    return StsError(
        "ValidationError",
        f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: {constraint}",
    )


@dataclass(frozen=True)
class AssumeRoleRequest:
    role_arn: str
    session_name: str
    duration: int | None
    serial_number: str | None
    token_code: str | None
    source_identity: str | None
    external_id: str | None

    @classmethod
    def parse(cls, params) -> AssumeRoleRequest:
        role_arn = params.get("RoleArn", "")
        if not role_arn:
            raise _validation("roleArn", "null", "Member must not be null")
        if not ROLE_ARN.fullmatch(role_arn):
            raise StsError("ValidationError", f"{role_arn} is invalid")
        session = params.get("RoleSessionName", "")
        if not SESSION_NAME.fullmatch(session):
            raise _validation(
                "roleSessionName",
                session,
                "Member must satisfy regular expression pattern: [\\w+=,.@-]* and length 2-64",
            )
        duration = params.get("DurationSeconds")
        if duration is not None:
            if not DURATION.fullmatch(duration) or not 900 <= int(duration) <= 43200:
                raise _validation(
                    "durationSeconds",
                    duration,
                    "Member must have value greater than or equal to 900 and less than or equal to 43200",
                )
            duration = int(duration)
        token = params.get("TokenCode")
        if token is not None and not TOKEN_CODE.fullmatch(token):
            raise _validation("tokenCode", token, "Member must satisfy regular expression pattern: [\\d]* and length 6")
        source = params.get("SourceIdentity")
        if source is not None and not SESSION_NAME.fullmatch(source):
            raise _validation(
                "sourceIdentity", source, "Member must satisfy regular expression pattern: [\\w+=,.@-]* and length 2-64"
            )
        external = params.get("ExternalId")
        if external is not None and not EXTERNAL_ID.fullmatch(external):
            raise _validation("externalId", external, "Member must have length between 2 and 1224")
        return cls(role_arn, session, duration, params.get("SerialNumber"), token, source, external)


def _mfa_age(user: User, req: AssumeRoleRequest) -> int | None:
    """0 when a valid, unused token from the user's own device came with the request."""
    if req.token_code is None and req.serial_number is None:
        return None
    device = mfa.active_device(user)
    if req.token_code is None or device is None or req.serial_number != device.serial:
        raise StsError("AccessDenied", MFA_FAILED, 403)
    result = mfa.verify(device, req.token_code)
    if result is not mfa.Result.OK:
        raise StsError("AccessDenied", MFA_FAILED if result is not mfa.Result.LOCKED else mfa.MESSAGES[result], 403)
    return 0


@sensitive_variables("creds")
def assume_role(request: HttpRequest, user: User, req: AssumeRoleRequest) -> aws.TemporaryCredentials:
    """Authorise exactly as the browser does (switch_decision.authorise), then broker the call.
    Raises StsError."""
    auth = switch_decision.authorise(user, req.role_arn, Role.by_arn(req.role_arn), _context(request, user, req))
    if not auth.allowed:
        detail = f"via STS API: {auth.reason()}"
        audit.record(request, AuditEvent.Kind.SWITCH_REFUSED, user=user, role_arn=req.role_arn, detail=detail)
        raise StsError(
            "AccessDenied",
            f"User: {user.arn} is not authorized to perform: sts:AssumeRole on resource: {req.role_arn}",
            403,
        )
    detail = f"via STS API (session {req.session_name}): allowed by {auth.matched}"
    role_arn = auth.registered_role().arn
    # Audit before action, as in the browser: no AssumeRole unless the intent is on record.
    with audit.action(request, AuditEvent.Kind.SWITCH_ALLOWED, user=user, role_arn=role_arn, detail=detail):
        creds = _broker(request, auth, req)
    log.info("%s assumed %s through the STS API (session %s)", user.username, role_arn, req.session_name)
    return creds


def _context(request: HttpRequest, user: User, req: AssumeRoleRequest) -> dict[str, object]:
    """The browser's decision context, with what the caller passed (session name, MFA token...)."""
    context = switch_decision.decision_context(
        user, mfa_age=_mfa_age(user, req), source_ip=audit.client_ip(request), secure=request.is_secure()
    )
    context["sts:RoleSessionName"] = req.session_name
    if req.source_identity:
        context["sts:SourceIdentity"] = req.source_identity
    if req.external_id:
        context["sts:ExternalId"] = req.external_id
    return context


@sensitive_variables("creds")
def _broker(
    request: HttpRequest, auth: switch_decision.Authorisation, req: AssumeRoleRequest
) -> aws.TemporaryCredentials:
    """AssumeRole for the duration asked (within the role's maximum), as the person."""
    role, user = auth.registered_role(), auth.user
    duration = req.duration or min(3600, role.max_session_duration)
    if duration > role.max_session_duration:
        raise StsError(
            "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
        )
    try:
        # The backend sees the person: SourceIdentity is always the console username.
        return aws.assume_role(role.arn, req.session_name, switch_decision.session_name(user.username), duration)
    except aws.AwsError as exc:
        detail = f"via STS API: the backend refused: {exc.code or exc.message}"
        audit.record(request, AuditEvent.Kind.SWITCH_REFUSED, user=user, role_arn=role.arn, detail=detail)
        raise StsError("AccessDenied", f"The backend refused AssumeRole: {exc.message}", 403) from None


@sensitive_variables("creds")
def remember(creds: aws.TemporaryCredentials, user: User, role_arn: str, issued_via) -> None:
    """Keep what is needed to recognise these credentials when they are presented back. Cleanup
    drops records a day after they expire (until then, ExpiredToken is the answer)."""
    IssuedCredential.objects.create(
        access_key_id=creds.access_key_id,
        sealed_secret=crypto.seal({"secret": creds.secret_access_key}),
        session_token_sha256=token_hash(creds.session_token),
        issued_via=issued_via,
        user=user,
        role_arn=role_arn,
        assumed_role_arn=creds.assumed_role_arn,
        assumed_role_id=creds.assumed_role_id,
        expiration=creds.expiration,
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@sensitive_variables("session_token", "secret")
def issued(access_key_id: str, session_token: str) -> tuple[IssuedCredential, str] | None:
    """Credentials this endpoint issued, presented back with their session token. Raises
    StsError(ExpiredToken) once they have expired."""
    found = (
        IssuedCredential.objects.select_related("user__account", "issued_via")
        .filter(access_key_id=access_key_id)
        .first()
    )
    if found is None or not hmac.compare_digest(found.session_token_sha256, token_hash(session_token)):
        return None
    if found.expiration <= clock.now():
        raise StsError("ExpiredToken", "The security token included in the request is expired", 400)
    secret = (crypto.unseal(found.sealed_secret) or {}).get("secret")
    return (found, secret) if secret else None
