"""Failure budgets that cannot be raced: each attempt is counted *before* it is checked, by one
conditional UPDATE, so N requests sent at once are N increments and at most `limit` of them get
through (the pattern of zulip's rate limiter and backends, on the console's own database, so
every worker and every instance sharing the database counts together).

A budget is a rule (limit per window, from settings.THROTTLE_RULES) and an identity (a user ID,
the resolved account and username, a client address...). `attempt()` counts against one or more
budgets and raises Throttled when any is spent; `clear()` forgets a budget after a success and
`refund()` gives one attempt back (a per-address budget counts failures, not sign-ins). Rows
hold a hash of the identity, never the typed text, and `prune()` drops the ones whose window
ended.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from . import clock
from .models import Account, Throttle


@dataclass(frozen=True)
class Rule:
    name: str

    @property
    def limit(self) -> int:
        return settings.THROTTLE_RULES[self.name][0]

    @property
    def window(self) -> timedelta:
        return timedelta(seconds=settings.THROTTLE_RULES[self.name][1])


SIGNIN_USER = Rule("signin_user")  # password failures per (resolved account, username)
SIGNIN_ADDRESS = Rule("signin_address")  # password failures per client address, across all names
MFA = Rule("mfa")  # wrong MFA codes per user
STS_KEY = Rule("sts_key")  # SigV4 failures per access key ID presented
STS_ADDRESS = Rule("sts_address")  # SigV4 failures per client address


class Throttled(Exception):
    def __init__(self, rule: Rule, retry_after: int) -> None:
        super().__init__(f"{rule.name}: retry after {retry_after} s")
        self.rule = rule
        self.retry_after = retry_after

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


def _key(rule: Rule, identity: str) -> str:
    return hashlib.sha256(f"{rule.name}\0{identity}".encode()).hexdigest()


def _count(rule: Rule, identity: str) -> int | None:
    """Count one attempt. None when counted; otherwise the seconds until the budget refills."""
    key = _key(rule, identity)
    for _ in range(5):  # loops only when another request created or reset the row meanwhile
        now = clock.now()
        if Throttle.objects.filter(key=key, expires_at__gt=now, count__lt=rule.limit).update(count=F("count") + 1):
            return None
        if Throttle.objects.filter(key=key, expires_at__lte=now).update(count=1, expires_at=now + rule.window):
            return None
        row = Throttle.objects.filter(key=key).values_list("count", "expires_at").first()
        if row is None:
            try:
                with transaction.atomic():
                    Throttle.objects.create(key=key, count=1, expires_at=now + rule.window)
                return None
            except IntegrityError:
                continue  # created by a concurrent request: count against that row
        count, expires_at = row
        if count >= rule.limit and expires_at > now:
            return max(1, math.ceil((expires_at - now).total_seconds()))
        # Created or reset by another request since the UPDATEs above: count against it.
    return math.ceil(rule.window.total_seconds())  # contended that hard: refuse, to be safe


def attempt(*budgets: tuple[Rule, str]) -> None:
    """Count one attempt against each budget, or raise Throttled (nothing stays counted then)."""
    counted: list[tuple[Rule, str]] = []
    for rule, identity in budgets:
        retry_after = _count(rule, identity)
        if retry_after is not None:
            for done in counted:
                refund(*done)
            raise Throttled(rule, retry_after)
        counted.append((rule, identity))


def clear(rule: Rule, identity: str) -> None:
    Throttle.objects.filter(key=_key(rule, identity)).delete()


def refund(rule: Rule, identity: str) -> None:
    Throttle.objects.filter(key=_key(rule, identity), count__gt=0).update(count=F("count") - 1)


def retry_after(rule: Rule, identity: str) -> int:
    """Seconds until the budget has room again (0 when it has room now)."""
    now = clock.now()
    row = Throttle.objects.filter(key=_key(rule, identity), expires_at__gt=now).first()
    if row is None or row.count < rule.limit:
        return 0
    return max(1, math.ceil((row.expires_at - now).total_seconds()))


def prune() -> int:
    deleted, _ = Throttle.objects.filter(expires_at__lte=clock.now()).delete()
    return deleted


def signin_identity(account: str, username: str) -> str:
    """One budget per person whatever the spelling: the account resolved to its 12-digit ID
    (alias or ID, any case), the username case-folded. Unknown accounts and users get a budget
    of their own, keyed the same way, so the limit does not reveal who exists."""
    found = Account.lookup(account)
    account_part = found.account_id if found else (account or "").strip().lower()
    return f"{account_part}\0{(username or '').strip().lower()}"
