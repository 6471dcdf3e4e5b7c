"""The console's AWS errors: the domain exceptions callers see, and the translation of a
boto3/botocore failure into one of them. `_translate` is the ONE place an AWS failure is logged
(logger `console.aws`: one line each, never the message text, never credentials)."""

from __future__ import annotations

import logging

import botocore.exceptions

# The package's logger (console.aws), as before the split: operators filter on it.
log = logging.getLogger("console.aws")


class AwsError(Exception):
    """AWS refused or failed. `action` and `resource` say what was attempted."""

    def __init__(self, message: str, *, code: str = "", action: str = "", resource: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.action = action
        self.resource = resource


class AccessDenied(AwsError):
    pass


class NotFound(AwsError):
    pass


class PreconditionFailed(AwsError):
    """A conditional request's condition did not hold (HTTP 412): If-None-Match: * on a write
    whose key exists, say; or another conditional write of the same key was under way (409
    ConditionalRequestConflict, which botocore does not retry)."""


class CredentialsRejected(AwsError):
    """The backend does not accept the credentials (unknown key, bad or expired token): a role
    session using them cannot continue."""


class CredentialsExpired(CredentialsRejected):
    pass


class Unavailable(AwsError):
    """The endpoint could not be reached or timed out."""


_EXPIRED_CODES = {"ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired"}
# e.g. after the emulator restarted (it forgets every key), or keys revoked in IAM.
_REJECTED_CODES = {"InvalidAccessKeyId", "InvalidToken", "InvalidClientTokenId", "UnrecognizedClientException"}
_NOT_FOUND_CODES = {"NoSuchBucket", "NoSuchKey", "NotFound", "404", "NoSuchEntity"}


def _translate(exc: Exception, action: str, resource: str, *, expected: bool = False) -> AwsError:
    """The domain error for a boto3/botocore failure, logged here: every AWS error the console
    meets passes through this one place. `expected`: the caller asked knowing the answer may be
    no (an optional detail a role may not read), so a refusal is logged at INFO."""
    error = _domain_error(exc, action, resource)
    _log_failure(exc, error, expected)
    return error


def _log_failure(exc: Exception, error: AwsError, expected: bool = False) -> None:
    """One line per AWS failure: action, resource, error code, HTTP status, request ID. Never the
    message text or the exception (they can quote a request), never credentials."""
    response = exc.response if isinstance(exc, botocore.exceptions.ClientError) else {}
    metadata = response.get("ResponseMetadata", {})
    headers = metadata.get("HTTPHeaders", {})
    fields = {
        "aws_action": error.action,
        "aws_resource": error.resource,
        "aws_error_code": error.code or type(exc).__name__,
        "aws_status": metadata.get("HTTPStatusCode"),
        "aws_request_id": metadata.get("RequestId")
        or headers.get("x-amzn-requestid")
        or headers.get("x-amz-request-id"),
    }
    # Answers rather than failures: the caller tells the person (no such object, already there).
    answer = isinstance(error, NotFound | PreconditionFailed) or (expected and isinstance(error, AccessDenied))
    level = logging.INFO if answer else logging.WARNING
    log.log(
        level,
        "AWS %s on %s failed: %s (HTTP %s, request ID %s)",
        fields["aws_action"],
        fields["aws_resource"] or "-",
        fields["aws_error_code"],
        fields["aws_status"] or "-",
        fields["aws_request_id"] or "-",
        extra=fields,
    )


def _domain_error(exc: Exception, action: str, resource: str) -> AwsError:
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        message = str(error.get("Message", "")) or code
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        kwargs = {"code": code, "action": action, "resource": resource}
        if code in _EXPIRED_CODES:
            return CredentialsExpired(message, **kwargs)
        if code in _REJECTED_CODES:
            return CredentialsRejected(message, **kwargs)
        if code in ("AccessDenied", "AccessDeniedException", "Forbidden", "403") or status == 403:
            return AccessDenied(message, **kwargs)
        if code in ("PreconditionFailed", "ConditionalRequestConflict") or status == 412:
            return PreconditionFailed(message, **kwargs)
        if code in _NOT_FOUND_CODES or status == 404:
            return NotFound(message, **kwargs)
        return AwsError(message, **kwargs)
    if isinstance(
        exc,
        (
            botocore.exceptions.EndpointConnectionError,
            botocore.exceptions.ConnectTimeoutError,
            botocore.exceptions.ReadTimeoutError,
            botocore.exceptions.ConnectionClosedError,
        ),
    ):
        return Unavailable("The AWS endpoint could not be reached.", action=action, resource=resource)
    if isinstance(exc, botocore.exceptions.NoCredentialsError):
        return AwsError("The console has no AWS credentials for its broker principal.", action=action)
    return AwsError(f"AWS call failed: {type(exc).__name__}", action=action, resource=resource)
