"""Each user's recent roles and favourites."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from accounts import clock
from accounts.models import Account, User

from .models import RoleHistoryEntry


def parts(role_arn: str) -> tuple[str, str]:
    """arn:aws:iam::123456789012:role/team/UpdateAPP -> ("123456789012", "team/UpdateAPP"): the
    account and roleName a switch needs."""
    _, _, _, _, account, resource = role_arn.split(":", 5)
    return account, resource.removeprefix("role/")


@transaction.atomic
def record(user: User, role_arn: str, display_name: str, color: str) -> RoleHistoryEntry:
    """Move (or add) the role to the top, then drop the oldest unpinned entries beyond the limit.
    Keyed on the role ARN: `example-prod/UpdateAPP` and `123456789012/UpdateAPP` are one entry."""
    account, role_name = parts(role_arn)
    entry, _ = RoleHistoryEntry.objects.update_or_create(
        user=user,
        role_arn=role_arn,
        defaults={
            "account": account,
            "role_name": role_name,
            "display_name": display_name,
            "color": color,
            "last_used_at": clock.now(),
        },
    )
    keep = RoleHistoryEntry.objects.filter(user=user, pinned=False).order_by("-last_used_at")
    stale = keep.values_list("pk", flat=True)[settings.ROLE_HISTORY_LENGTH :]
    RoleHistoryEntry.objects.filter(pk__in=list(stale)).delete()
    return entry


def entries(user: User) -> list[RoleHistoryEntry]:
    """Favourites first, then the most recent; each with `account_alias` ("" when none)."""
    found = list(RoleHistoryEntry.objects.filter(user=user))
    aliases = dict(Account.objects.filter(account_id__in={e.account for e in found}).values_list("account_id", "alias"))
    for entry in found:
        # An attribute for the templates, not a model field: mypy checks only declared ones.
        entry.account_alias = aliases.get(entry.account) or ""  # type: ignore[attr-defined]
    return found


def set_pinned(user: User, entry_id: int, pinned: bool) -> bool:
    return bool(RoleHistoryEntry.objects.filter(user=user, pk=entry_id).update(pinned=pinned))


def remove(user: User, entry_id: int) -> bool:
    deleted, _ = RoleHistoryEntry.objects.filter(user=user, pk=entry_id).delete()
    return bool(deleted)
