"""Writing to the audit log."""

from __future__ import annotations

from django.http import HttpRequest

from .models import AuditEvent


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy sets it.
    return request.META.get("REMOTE_ADDR") or None


def record(request: HttpRequest, kind: str, *, user=None, role_arn: str = "", detail: str = "") -> None:  # noqa: ANN001
    user = user if user is not None else (request.user if request.user.is_authenticated else None)
    AuditEvent.objects.create(
        user=user,
        username=getattr(user, "username", "") or "",
        kind=kind,
        role_arn=role_arn,
        detail=detail[:2000],
        source_ip=client_ip(request),
    )
