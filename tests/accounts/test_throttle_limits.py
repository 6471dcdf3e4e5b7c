"""Failure budgets at their edges, with the limits written out: 10 wrong passwords per person,
50 per address, 5 wrong MFA codes, 10 bad signatures per key and 50 per address, each over
15 minutes (900 s). Changing a limit in settings.THROTTLE_RULES breaks a test here on purpose.

Each budget is checked just before its limit, exactly at it and just past it, and each window
one second before its end, exactly at its end and after. The database rows are read through the
model: what is counted, what is in flight, when the window ends.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import timedelta

import pytest
from django.db import IntegrityError

from accounts import throttle
from accounts.models import Throttle
from tests.helpers import make_account

pytestmark = [pytest.mark.django_db, pytest.mark.no_emulator]

WINDOW = 900  # 15 minutes, every rule

RULES = [
    (throttle.SIGNIN_USER, 10),
    (throttle.SIGNIN_ADDRESS, 50),
    (throttle.MFA, 5),
    (throttle.STS_KEY, 10),
    (throttle.STS_ADDRESS, 50),
]


def fail(rule: throttle.Rule, identity: str = "x", times: int = 1) -> None:
    for _ in range(times):
        throttle.attempt((rule, identity)).failed()


def row(rule: throttle.Rule | None = None, identity: str = "x") -> tuple[int, int]:
    rows = Throttle.objects.all()
    if rule is not None:
        rows = rows.filter(key=throttle._key(rule, identity))
    return rows.values_list("count", "in_flight").get()


def refused(rule: throttle.Rule, identity: str = "x") -> throttle.Throttled:
    started = time.monotonic()
    with pytest.raises(throttle.Throttled) as caught:
        throttle.attempt((rule, identity))
    assert time.monotonic() - started < 1, "a budget full of failures refuses at once, without waiting"
    assert caught.value.rule == rule
    return caught.value


# --- Limits: just before, exactly at, just past ------------------------------------------------


@pytest.mark.parametrize(("rule", "limit"), RULES, ids=[r.name for r, _ in RULES])
def test_the_last_attempt_within_the_limit_is_counted_and_the_next_refused(rule, limit, clock) -> None:
    fail(rule, times=limit - 1)
    assert row() == (limit - 1, 0)
    assert throttle.retry_after(rule, "x") == 0  # just before the limit: room for one more
    with throttle.attempt((rule, "x")):  # exactly the limit-th attempt: evaluated
        assert row() == (limit, 1)
    assert row() == (limit, 0)
    assert throttle.retry_after(rule, "x") == WINDOW
    assert refused(rule).retry_after == WINDOW  # one past the limit
    assert row() == (limit, 0)  # a refused attempt is not counted


def test_the_rules_windows_are_15_minutes(clock) -> None:
    for rule, _ in RULES:
        assert rule.window == timedelta(seconds=900)
        throttle.attempt((rule, "w")).failed()
    for expires_at in Throttle.objects.values_list("expires_at", flat=True):
        assert expires_at == clock.now() + timedelta(seconds=900)


def test_rules_are_immutable_values() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        throttle.MFA.name = "other"
    assert {throttle.MFA: 1}[throttle.Rule("mfa", "clear")] == 1


# --- Windows: a second before the end, exactly at it, after ---------------------------------------


def test_a_full_budget_stays_refused_until_the_window_ends(clock) -> None:
    fail(throttle.MFA, times=5)
    clock.advance(100)
    assert refused(throttle.MFA).retry_after == 800
    clock.advance(799)  # 899 s: one second left
    assert refused(throttle.MFA).retry_after == 1
    assert throttle.retry_after(throttle.MFA, "x") == 1
    clock.advance(0.5)  # 899.5 s: half a second left, rounded up
    assert refused(throttle.MFA).retry_after == 1
    assert throttle.retry_after(throttle.MFA, "x") == 1
    clock.advance(0.5)  # exactly 900 s: the window has ended
    assert throttle.retry_after(throttle.MFA, "x") == 0
    with throttle.attempt((throttle.MFA, "x")):
        assert row() == (1, 1)  # a fresh window, counting this attempt
    assert Throttle.objects.get().expires_at == clock.now() + timedelta(seconds=900)


def test_failures_do_not_extend_the_window(clock) -> None:
    fail(throttle.SIGNIN_USER)
    clock.advance(600)
    fail(throttle.SIGNIN_USER, times=9)
    assert refused(throttle.SIGNIN_USER).retry_after == 300


def test_an_expired_window_restarts_the_count(clock) -> None:
    fail(throttle.SIGNIN_USER, times=3)
    clock.advance(900)
    fail(throttle.SIGNIN_USER)
    assert row() == (1, 0)
    fail(throttle.SIGNIN_USER, times=9)
    assert refused(throttle.SIGNIN_USER).retry_after == 900


def test_retry_after_is_zero_below_the_limit_inside_the_window(clock) -> None:
    assert throttle.retry_after(throttle.MFA, "x") == 0  # no row at all
    fail(throttle.MFA, times=4)
    assert throttle.retry_after(throttle.MFA, "x") == 0


# --- Throttled ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("seconds", "minutes"), [(0, 1), (1, 1), (59, 1), (60, 1), (61, 2), (120, 2), (121, 3)])
def test_throttled_rounds_up_to_whole_minutes_and_at_least_one(seconds: int, minutes: int) -> None:
    assert throttle.Throttled(throttle.MFA, seconds).minutes == minutes


def test_throttled_says_which_rule_and_when() -> None:
    error = throttle.Throttled(throttle.STS_KEY, 42)
    assert str(error) == "sts_key: retry after 42 s"
    assert (error.rule, error.retry_after) == (throttle.STS_KEY, 42)


# --- Settling an attempt ------------------------------------------------------------------------


def test_a_success_clears_a_person_budget_but_refunds_only_itself_on_an_address(clock) -> None:
    fail(throttle.SIGNIN_USER, "p", times=4)
    fail(throttle.SIGNIN_ADDRESS, "a", times=4)
    with throttle.attempt((throttle.SIGNIN_USER, "p"), (throttle.SIGNIN_ADDRESS, "a")) as attempt:
        assert row(throttle.SIGNIN_USER, "p") == (5, 1)
        assert row(throttle.SIGNIN_ADDRESS, "a") == (5, 1)
        attempt.succeeded()
    assert row(throttle.SIGNIN_USER, "p") == (0, 0)
    assert row(throttle.SIGNIN_ADDRESS, "a") == (4, 0)


def test_a_lone_successful_attempt_leaves_nothing_counted(clock) -> None:
    throttle.attempt((throttle.SIGNIN_ADDRESS, "a")).succeeded()
    assert row() == (0, 0)
    throttle.attempt((throttle.MFA, "m")).succeeded()
    assert row(throttle.MFA, "m") == (0, 0)


def test_a_clear_keeps_the_other_attempts_in_flight(clock) -> None:
    fail(throttle.MFA, times=2)
    first, second = throttle.attempt((throttle.MFA, "x")), throttle.attempt((throttle.MFA, "x"))
    assert row() == (4, 2)
    first.succeeded()
    assert row() == (1, 1)
    second.failed()
    assert row() == (1, 0)


def test_an_attempt_is_reported_once(clock) -> None:
    first, second = throttle.attempt((throttle.MFA, "x")), throttle.attempt((throttle.MFA, "x"))
    first.failed()
    first.failed()
    first.succeeded()
    assert row() == (2, 1)  # only the first report counted: `second` is still in flight
    second.succeeded()
    second.succeeded()
    second.failed()
    assert row() == (0, 0)


def test_a_second_success_does_not_clear_someone_elses_attempt(clock) -> None:
    other, mine = throttle.attempt((throttle.MFA, "x")), throttle.attempt((throttle.MFA, "x"))
    mine.succeeded()
    mine.succeeded()
    assert row() == (1, 1)  # `other` is still in flight
    other.failed()
    assert row() == (1, 0)


def test_leaving_a_with_block_without_success_is_a_failure(clock) -> None:
    with throttle.attempt((throttle.MFA, "x")) as attempt:
        assert isinstance(attempt, throttle.Attempt)
    assert row() == (1, 0)
    with pytest.raises(RuntimeError), throttle.attempt((throttle.MFA, "x")):
        raise RuntimeError("the check crashed")
    assert row() == (2, 0)


def test_settling_an_attempt_whose_window_was_restarted_changes_nothing(clock) -> None:
    old = throttle.attempt((throttle.SIGNIN_ADDRESS, "a"))
    clock.advance(900)
    fail(throttle.SIGNIN_ADDRESS, "a")  # the window restarted: its row counts one failure, none in flight
    old.succeeded()
    assert row() == (1, 0)
    old_user = throttle.attempt((throttle.SIGNIN_USER, "p"))
    clock.advance(900)
    fail(throttle.SIGNIN_USER, "p")
    old_user.succeeded()
    assert row(throttle.SIGNIN_USER, "p") == (1, 0)
    old_failure = throttle.attempt((throttle.MFA, "m"))
    clock.advance(900)
    fail(throttle.MFA, "m")
    old_failure.failed()
    assert row(throttle.MFA, "m") == (1, 0)


def test_a_refusal_takes_back_what_the_other_budgets_counted(clock) -> None:
    fail(throttle.STS_KEY, "AKIA1", times=10)
    fail(throttle.STS_ADDRESS, "192.0.2.7", times=3)
    with pytest.raises(throttle.Throttled) as caught:
        throttle.attempt((throttle.STS_ADDRESS, "192.0.2.7"), (throttle.STS_KEY, "AKIA1"))
    assert caught.value.rule == throttle.STS_KEY
    assert row(throttle.STS_ADDRESS, "192.0.2.7") == (3, 0)
    assert row(throttle.STS_KEY, "AKIA1") == (10, 0)


def test_budgets_of_different_rules_never_share_a_row(clock) -> None:
    fail(throttle.STS_KEY, "same", times=10)
    throttle.attempt((throttle.SIGNIN_USER, "same")).failed()
    assert row(throttle.SIGNIN_USER, "same") == (1, 0)
    assert Throttle.objects.count() == 2


# --- Attempts in flight: waiting for their outcome --------------------------------------------------


def test_a_budget_full_of_attempts_in_flight_makes_the_next_wait_then_refuse(clock, settings) -> None:
    settings.THROTTLE_MAX_WAIT_SECONDS = 0.3
    fail(throttle.MFA, times=4)
    throttle.attempt((throttle.MFA, "x"))  # the fifth, never settled (a worker died mid-check)
    started = time.monotonic()
    with pytest.raises(throttle.Throttled) as caught:
        throttle.attempt((throttle.MFA, "x"))
    assert 0.3 <= time.monotonic() - started < 3  # waited for the outcome, then gave up
    assert caught.value.retry_after == 900
    assert row() == (5, 1)


def test_a_waiter_polls_with_pauses_not_in_a_busy_loop(clock, settings) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.THROTTLE_MAX_WAIT_SECONDS = 0.3
    for _ in range(5):
        throttle.attempt((throttle.MFA, "x"))  # all in flight
    with CaptureQueriesContext(connection) as queries, pytest.raises(throttle.Throttled):
        throttle.attempt((throttle.MFA, "x"))
    assert len(queries) < 100  # about 5 polls of 3 queries; a busy loop makes thousands


def test_a_waiter_gives_up_with_at_least_a_second_to_wait(clock, settings) -> None:
    settings.THROTTLE_MAX_WAIT_SECONDS = 0.2
    throttle.attempt((throttle.MFA, "x"))
    for _ in range(4):
        throttle.attempt((throttle.MFA, "x"))
    clock.advance(899.5)
    with pytest.raises(throttle.Throttled) as caught:
        throttle.attempt((throttle.MFA, "x"))
    assert caught.value.retry_after == 1


def test_a_waiter_counts_nothing_on_the_other_budgets(clock, settings) -> None:
    settings.THROTTLE_MAX_WAIT_SECONDS = 0.2
    for _ in range(5):
        throttle.attempt((throttle.MFA, "x"))  # all in flight
    with pytest.raises(throttle.Throttled):
        throttle.attempt((throttle.MFA, "x"), (throttle.STS_ADDRESS, "a"))
    assert not Throttle.objects.filter(key=throttle._key(throttle.STS_ADDRESS, "a"), count__gt=0).exists()


def _racing_inserts(monkeypatch, races: int) -> list[dict]:
    """Make the first `races` inserts of a budget row fail as when a concurrent request inserted
    it first (and then reset it again): the attempt must go round and count against the row."""
    create, calls = Throttle.objects.create, []

    def raced(**fields):
        calls.append(fields)
        if len(calls) <= races:
            raise IntegrityError("UNIQUE constraint failed: accounts_throttle.key")
        return create(**fields)

    monkeypatch.setattr(Throttle.objects, "create", raced)
    return calls


def test_an_insert_lost_to_a_concurrent_request_is_retried(clock, monkeypatch) -> None:
    calls = _racing_inserts(monkeypatch, races=1)
    with throttle.attempt((throttle.MFA, "x")):
        assert row() == (1, 1)
    assert len(calls) == 2


def test_after_five_lost_races_the_attempt_is_refused_for_a_whole_window(clock, monkeypatch) -> None:
    calls = _racing_inserts(monkeypatch, races=5)
    with pytest.raises(throttle.Throttled) as caught:
        throttle.attempt((throttle.MFA, "x"))
    assert caught.value.retry_after == 900
    assert len(calls) == 5  # five tries, not more


# --- Pruning and identities --------------------------------------------------------------------------


def test_prune_drops_rows_whose_window_ended_exactly_or_before(clock) -> None:
    fail(throttle.MFA, "old")
    clock.advance(1)
    fail(throttle.MFA, "new")
    clock.advance(899)  # "old" ends now, "new" in one second
    assert throttle.prune() == 1
    assert row(throttle.MFA, "new") == (1, 0)
    clock.advance(1)
    assert throttle.prune() == 1
    assert throttle.prune() == 0


def test_signin_identity_resolves_the_account_and_folds_the_name() -> None:
    make_account("444455556666", alias="team-dev")
    assert throttle.signin_identity("team-dev", " Alice ") == "444455556666\0alice"
    assert throttle.signin_identity("444455556666", "ALICE") == "444455556666\0alice"
    assert throttle.signin_identity(" No-Such-Alias ", "Bob") == "no-such-alias\0bob"
    assert throttle.signin_identity("", "") == "\0"
    assert throttle.signin_identity(None, None) == "\0"
