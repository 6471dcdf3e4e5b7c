"""Each user's recent roles and favourites."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from accounts import clock

from .models import RoleHistoryEntry


@transaction.atomic
def record(user, account: str, role_name: str, display_name: str, color: str) -> RoleHistoryEntry:  # noqa: ANN001
    """Move (or add) the role to the top, then drop the oldest unpinned entries beyond the limit."""
    entry, _ = RoleHistoryEntry.objects.update_or_create(
        user=user,
        account=account,
        role_name=role_name,
        defaults={"display_name": display_name, "color": color, "last_used_at": clock.now()},
    )
    keep = RoleHistoryEntry.objects.filter(user=user, pinned=False).order_by("-last_used_at")
    stale = keep.values_list("pk", flat=True)[settings.ROLE_HISTORY_LENGTH :]
    RoleHistoryEntry.objects.filter(pk__in=list(stale)).delete()
    return entry


def entries(user) -> list[RoleHistoryEntry]:  # noqa: ANN001
    """Favourites first, then the most recent."""
    return list(RoleHistoryEntry.objects.filter(user=user))


def set_pinned(user, entry_id: int, pinned: bool) -> bool:  # noqa: ANN001
    return bool(RoleHistoryEntry.objects.filter(user=user, pk=entry_id).update(pinned=pinned))


def remove(user, entry_id: int) -> bool:  # noqa: ANN001
    deleted, _ = RoleHistoryEntry.objects.filter(user=user, pk=entry_id).delete()
    return bool(deleted)
