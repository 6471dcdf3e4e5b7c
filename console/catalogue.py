"""The roles a person may switch to now: every registered role, decided by the IAM engine.

Computed at each call, never stored, so a policy change shows at the next page load. The same
plain data feeds the home page and `/api/roles`. Each person's policies are read once, as the
admin's access matrix does, then every role is decided with `switch_decision.authorise` (the
authorise step every switch shares) in the request's context (MFA age, source IP, TLS).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field

from django.http import HttpRequest

from accounts import iam, mfa, switch_decision
from accounts.http import signed_in_user
from accounts.models import ROLE_COLORS, Role, User

from . import links, switching

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CatalogueRole:
    arn: str
    name: str
    path: str
    display_name: str
    color: str  # one of ROLE_COLORS, or ""
    color_name: str
    requires_mfa: bool  # the trust policy tests MFA (the badge)
    available: bool  # switch now; otherwise only an MFA code is missing
    missing: str  # what is missing when not available, in words
    code_prompt: bool  # not available, and an MFA code typed now would make it so
    needs_device: bool  # not available until the person has an MFA device
    role_name: str  # the Switch Role form's roleName (path/name)
    account: str  # the Switch Role form's account (alias, else ID)
    link: str  # the prefilled switch link


@dataclass(frozen=True)
class CatalogueAccount:
    account_id: str
    alias: str
    name: str
    roles: list[CatalogueRole] = field(default_factory=list)


def _missing(has_device: bool, enrolled_here: bool, mfa_age: int | None) -> str:
    if enrolled_here:
        return "Needs MFA: you assigned your device in this session; sign out, then sign in again with it."
    if not has_device:
        return "Needs MFA: assign an MFA device to your user, then sign in with it."
    if mfa_age is None:
        return "Needs an MFA code: you signed in without one."
    return f"Needs a fresh MFA code: your last one was {mfa_age // 60} minutes ago."


def roles_for(request: HttpRequest) -> list[CatalogueAccount]:
    """Grouped by account, in account and role order; roles refused outright are left out."""
    user = signed_in_user(request)
    context = switch_decision.request_context(request, user)
    loaded = {"identity": user.identity_policies(), "boundary": user.boundary_policies()}
    device = mfa.active_device(user)
    # As in AWS, a device assigned in this session does not make it MFA-authenticated: no code here.
    enrolled_here = device is not None and mfa.enrolled_in_session(request, device)
    accounts: dict[str, CatalogueAccount] = {}
    missing = None
    for role in Role.objects.select_related("account").order_by("account__account_id", "path", "name"):
        auth = _authorise(user, role, context, loaded)
        if auth is None or not (auth.allowed or auth.mfa_only):
            continue
        if not auth.allowed and missing is None:
            missing = _missing(device is not None, enrolled_here, mfa.session_mfa_age(request))
        account = role.account
        group = accounts.setdefault(
            account.account_id, CatalogueAccount(account.account_id, account.alias or "", account.name)
        )
        group.roles.append(_entry(role, auth.allowed, missing, device is not None, enrolled_here))
    return list(accounts.values())


def _authorise(user: User, role: Role, context: dict, loaded: dict) -> switch_decision.Authorisation | None:
    try:
        return switch_decision.authorise(user, role.arn, role, context, **loaded)
    except iam.PolicyError as exc:  # a stored document the engine cannot read refuses
        log.warning("Role %s left out of the catalogue: %s", role.arn, exc)
        return None


def _stated(missing: str | None) -> str:
    """roles_for works out what is missing before it lists the first role that is not available."""
    if missing is None:
        raise TypeError("A role that is not available comes with what is missing.")
    return missing


def _entry(role: Role, available: bool, missing: str | None, has_device: bool, enrolled_here: bool) -> CatalogueRole:
    label = role.account.alias or role.account.account_id
    color = switching.normalize_color(role.color)
    return CatalogueRole(
        arn=role.arn,
        name=role.name,
        path=role.path,
        display_name=role.display_name or f"{role.name} @ {label}"[:64],
        color=color,
        color_name=ROLE_COLORS.get(color, ""),
        requires_mfa=role.requires_mfa,
        available=available,
        missing="" if available else _stated(missing),
        code_prompt=not available and has_device and not enrolled_here,
        needs_device=not available and not has_device,
        role_name=links.role_name_with_path(role.path, role.name),
        account=label,
        link=links.for_role(role),
    )


def as_json(groups: list[CatalogueAccount]) -> list[dict]:
    return [asdict(group) for group in groups]
