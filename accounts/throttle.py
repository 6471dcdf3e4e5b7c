"""Failure budgets that cannot be raced: each attempt is counted *before* it is checked, by one
conditional UPDATE, so N requests sent at once are N increments and at most `limit` of them get
through (the pattern of zulip's rate limiter and backends, on the console's own database, so
every worker and every instance sharing the database counts together).

A budget is a rule (limit per window, from settings.THROTTLE_RULES) and an identity (a user ID,
the resolved account and username, a client address...). `attempt()` counts against one or more
budgets and returns an `Attempt`; the caller reports how it ended (`with` marks it failed unless
`succeeded()` was called). Rows hold a hash of the identity, never the typed text, and
`prune()` drops the ones whose window ended.

A row counts failures *and* attempts still being checked (`in_flight`). When a budget is full
only because of attempts still in flight, their outcome is not known yet: a new attempt waits
for them (at most THROTTLE_MAX_WAIT_SECONDS) instead of being refused. So fifty people behind
one proxy signing in at the same moment are never told "too many failures", while fifty guesses
sent at once are still evaluated at most `limit` times.
"""

from __future__ import annotations

import hashlib
import math
import random
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from . import clock
from .models import Account, Throttle


@dataclass(frozen=True)
class Rule:
    name: str
    # After a success: "clear" forgets the identity's failures (a person proved who they are);
    # "refund" gives back only this attempt (an address's budget counts failures, not sign-ins).
    on_success: Literal["clear", "refund"]

    @property
    def limit(self) -> int:
        return settings.THROTTLE_RULES[self.name][0]

    @property
    def window(self) -> timedelta:
        return timedelta(seconds=settings.THROTTLE_RULES[self.name][1])


SIGNIN_USER = Rule("signin_user", "clear")  # password failures per (resolved account, username)
SIGNIN_ADDRESS = Rule("signin_address", "refund")  # password failures per client address, all names
MFA = Rule("mfa", "clear")  # wrong MFA codes per user
STS_KEY = Rule("sts_key", "clear")  # SigV4 failures per access key ID presented
STS_ADDRESS = Rule("sts_address", "refund")  # SigV4 failures per client address

Budget = tuple[Rule, str]


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


_WAIT = 0  # `_count`'s answer when the budget is full of attempts whose outcome is still unknown


def _count(rule: Rule, identity: str) -> int | None:
    """Count one attempt: None when counted, _WAIT when only attempts in flight fill the budget,
    otherwise the seconds until the budget refills."""
    key = _key(rule, identity)
    for _ in range(5):  # loops only when another request created or reset the row meanwhile
        now = clock.now()
        counted = Throttle.objects.filter(key=key, expires_at__gt=now, count__lt=rule.limit).update(
            count=F("count") + 1, in_flight=F("in_flight") + 1
        )
        if counted:
            return None
        expired = Throttle.objects.filter(key=key, expires_at__lte=now)
        if expired.update(count=1, in_flight=1, expires_at=now + rule.window):
            return None
        row = Throttle.objects.filter(key=key).values_list("count", "in_flight", "expires_at").first()
        if row is None:
            try:
                with transaction.atomic():
                    Throttle.objects.create(key=key, count=1, in_flight=1, expires_at=now + rule.window)
                return None
            except IntegrityError:
                continue  # created by a concurrent request: count against that row
        count, in_flight, expires_at = row
        if count >= rule.limit and expires_at > now:
            if in_flight > 0:
                return _WAIT
            return max(1, math.ceil((expires_at - now).total_seconds()))
        # Created or reset by another request since the UPDATEs above: count against it.
    return math.ceil(rule.window.total_seconds())  # contended that hard: refuse, to be safe


class Attempt:
    """Attempts counted against some budgets, waiting for their outcome. Report it once:
    `succeeded()`, or `failed()` (leaving a `with` block without success reports failure)."""

    def __init__(self, budgets: tuple[Budget, ...]) -> None:
        self.budgets = budgets
        self.settled = False

    def succeeded(self) -> None:
        if self.settled:
            return
        self.settled = True
        for rule, identity in self.budgets:
            rows = Throttle.objects.filter(key=_key(rule, identity), in_flight__gt=0)
            if rule.on_success == "clear":  # forget the failures, keep the others still in flight
                rows.update(count=F("in_flight") - 1, in_flight=F("in_flight") - 1)
            else:
                rows.filter(count__gt=0).update(count=F("count") - 1, in_flight=F("in_flight") - 1)

    def failed(self) -> None:
        """The attempt failed: it stays counted, and is no longer in flight."""
        if self.settled:
            return
        self.settled = True
        for rule, identity in self.budgets:
            Throttle.objects.filter(key=_key(rule, identity), in_flight__gt=0).update(in_flight=F("in_flight") - 1)

    def __enter__(self) -> Attempt:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.failed()  # a no-op after succeeded()


def _withdraw(budgets: list[Budget]) -> None:
    """Take back attempts counted against some budgets when another budget refused the request."""
    Attempt(tuple((Rule(rule.name, "refund"), identity) for rule, identity in budgets)).succeeded()


def attempt(*budgets: Budget) -> Attempt:
    """Count one attempt against each budget, or raise Throttled (nothing stays counted then).
    While a budget is full only of attempts in flight, wait for their outcome first."""
    deadline = time.monotonic() + settings.THROTTLE_MAX_WAIT_SECONDS
    pause = 0.02
    while True:
        counted: list[Budget] = []
        waiting = None
        for rule, identity in budgets:
            result = _count(rule, identity)
            if result is None:
                counted.append((rule, identity))
                continue
            _withdraw(counted)
            if result != _WAIT:
                raise Throttled(rule, result)
            waiting = rule
            break
        if waiting is None:
            return Attempt(budgets)
        if time.monotonic() >= deadline:
            raise Throttled(waiting, max(1, retry_after(waiting, dict(budgets)[waiting])))
        time.sleep(pause * random.uniform(0.5, 1.5))  # noqa: S311 - jitter, so waiters do not retry in lockstep
        pause = min(pause * 2, 0.25)


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
