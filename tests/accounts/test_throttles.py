"""Failure budgets that hold under concurrency, shared by every spelling, and per client address.

The concurrency tests send real requests from threads to Django's live server (a threaded WSGI
server on a file-backed SQLite database): each request runs in its own thread with its own
database connection, as under gunicorn's threaded workers."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains

from accounts import throttle
from accounts.models import Throttle, User
from tests.helpers import PASSWORD, enrol, sign_in

GENERIC = "Sign-in failed. Check your account ID or alias, IAM username and password."
LOCKED = "Too many failed sign-in attempts."
# The limits, written out (settings.THROTTLE_RULES): changing one must break a test.
SIGNIN_USER_LIMIT, SIGNIN_ADDRESS_LIMIT, MFA_LIMIT = 10, 50, 5


def _post(client: Client, account: str, username: str, password: str, address: str = "127.0.0.1"):
    data = {"account": account, "username": username, "password": password}
    return client.post(reverse("accounts:signin"), data, REMOTE_ADDR=address)


def test_every_spelling_of_the_account_and_username_shares_one_budget(demo_world) -> None:
    spellings = [
        ("example-dev", "bob"),
        ("111122223333", "bob"),
        (" EXAMPLE-DEV ", "bob"),
        ("111122223333", "Bob"),
        ("Example-Dev", " BOB "),
    ]
    for i in range(SIGNIN_USER_LIMIT):
        account, username = spellings[i % len(spellings)]
        assertContains(_post(Client(), account, username, "guess"), GENERIC)
    for account, username in spellings[:2]:
        # Locked via the alias, still locked via the ID (and the right password is not checked).
        assertContains(_post(Client(), account, username, PASSWORD), LOCKED, status_code=429)
    assert sign_in(Client(), "alice").status_code == 302


def test_the_per_address_budget_stops_a_password_spray(demo_world) -> None:
    sprayer = "192.0.2.10"
    # Successful sign-ins from the address do not use its budget (it counts failures).
    for _ in range(3):
        assert _post(Client(), "example-dev", "alice", PASSWORD, sprayer).status_code == 302
    for i in range(SIGNIN_ADDRESS_LIMIT):  # one guess per name: no per-name budget is ever reached
        assertContains(_post(Client(), "example-dev", f"user{i}", "guess", sprayer), GENERIC)
    refused = _post(Client(), "example-dev", "someone-new", "guess", sprayer)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert _post(Client(), "example-dev", "alice", PASSWORD, sprayer).status_code == 429
    # Another address is unaffected.
    assert _post(Client(), "example-dev", "alice", PASSWORD, "192.0.2.11").status_code == 302


def test_budgets_store_no_typed_text_and_old_rows_are_pruned(demo_world, clock) -> None:
    _post(Client(), "example-dev", "made-up-name", "guess")
    keys = list(Throttle.objects.values_list("key", flat=True))
    assert keys and all(re.fullmatch(r"[0-9a-f]{64}", k) for k in keys)
    clock.advance(15 * 60 + 1)
    assert throttle.prune() == len(keys)
    assert not Throttle.objects.exists()


def _csrf(session: requests.Session, url: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', session.get(url).text).group(1)


def _concurrently(count: int, send) -> list[requests.Response]:
    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(send, range(count)))


@pytest.mark.django_db(transaction=True)
def test_concurrent_wrong_passwords_are_evaluated_at_most_limit_times(live_server, demo_world) -> None:
    browser = requests.Session()
    token = _csrf(browser, live_server.url + "/signin")
    cookies = browser.cookies.get_dict()

    def send(i: int, password: str = "") -> requests.Response:
        data = {"csrfmiddlewaretoken": token, "account": "example-dev", "username": "alice"}
        data["password"] = password or f"guess-{i}"
        return requests.post(live_server.url + "/signin", data=data, cookies=cookies, allow_redirects=False, timeout=60)

    responses = _concurrently(100, send)
    statuses = [r.status_code for r in responses]
    evaluated = [r for r in responses if GENERIC in r.text]
    assert len(evaluated) == SIGNIN_USER_LIMIT, statuses  # not one more, and none refused early
    assert statuses.count(429) == 100 - SIGNIN_USER_LIMIT  # never a 500 or "database is locked"
    # Locked: the right password, sent next, is not even checked.
    assert send(0, password=PASSWORD).status_code == 429


@pytest.mark.django_db(transaction=True)
def test_concurrent_wrong_mfa_codes_are_evaluated_at_most_limit_times(live_server, demo_world) -> None:
    enrol(User.objects.get(username="alice"))
    browser = requests.Session()
    token = _csrf(browser, live_server.url + "/signin")
    data = {"csrfmiddlewaretoken": token, "account": "example-dev", "username": "alice", "password": PASSWORD}
    assert browser.post(live_server.url + "/signin", data=data, allow_redirects=False).headers["Location"] == (
        "/signin/mfa"
    )
    token = _csrf(browser, live_server.url + "/signin/mfa")
    cookies = browser.cookies.get_dict()

    def send(i: int) -> requests.Response:
        code = f"{(i * 7919) % 1_000_000:06d}"  # 60 different codes; at worst one is right
        return requests.post(
            live_server.url + "/signin/mfa",
            data={"csrfmiddlewaretoken": token, "code": code},
            cookies=cookies,
            allow_redirects=False,
            timeout=60,
        )

    responses = _concurrently(60, send)
    statuses = [r.status_code for r in responses]
    evaluated = [r for r in responses if "That code is not valid." in r.text]
    assert len(evaluated) <= MFA_LIMIT, statuses
    # Refused attempts say so with 429 and Retry-After; while budget was left, none was refused.
    assert statuses.count(429) == 60 - len(evaluated) and len(evaluated) == MFA_LIMIT
    assert set(statuses) <= {200, 302, 429}


# --- Attempts in flight: a budget full of unknown outcomes waits, it does not refuse -----------

RULE = throttle.Rule("signin_user", "clear")


def _row() -> tuple[int, int]:
    return Throttle.objects.values_list("count", "in_flight").get()


def test_an_attempt_is_in_flight_until_it_is_settled(db, settings) -> None:
    settings.THROTTLE_RULES = {**settings.THROTTLE_RULES, "signin_user": (3, 900)}
    first = throttle.attempt((RULE, "x"))
    second = throttle.attempt((RULE, "x"))
    assert _row() == (2, 2)
    first.failed()
    assert _row() == (2, 1)  # the failure stays counted
    second.failed()
    second.succeeded()  # settled once only: a second report changes nothing
    assert _row() == (2, 0)
    with throttle.attempt((RULE, "x")):
        pass  # leaving the block without success is a failure
    assert _row() == (3, 0)
    with pytest.raises(throttle.Throttled):
        throttle.attempt((RULE, "x"))  # full of failures: refused at once


def test_success_clears_the_failures_but_keeps_other_attempts_in_flight(db, settings) -> None:
    settings.THROTTLE_RULES = {**settings.THROTTLE_RULES, "signin_user": (5, 900)}
    for _ in range(3):
        throttle.attempt((RULE, "x")).failed()
    other = throttle.attempt((RULE, "x"))
    throttle.attempt((RULE, "x")).succeeded()
    assert _row() == (1, 1)  # three failures forgotten; `other` still counted
    other.failed()
    assert _row() == (1, 0)


def test_a_refund_rule_gives_back_only_the_successful_attempt(db) -> None:
    for _ in range(2):
        throttle.attempt((throttle.SIGNIN_ADDRESS, "192.0.2.1")).failed()
    throttle.attempt((throttle.SIGNIN_ADDRESS, "192.0.2.1")).succeeded()
    assert _row() == (2, 0)


@pytest.mark.django_db(transaction=True)
def test_a_budget_full_of_attempts_in_flight_waits_for_their_outcome(settings) -> None:
    settings.THROTTLE_RULES = {**settings.THROTTLE_RULES, "signin_user": (2, 900)}
    settings.THROTTLE_MAX_WAIT_SECONDS = 10
    in_flight = [throttle.attempt((RULE, "x")), throttle.attempt((RULE, "x"))]
    with ThreadPoolExecutor(max_workers=1) as pool:
        waiter = pool.submit(throttle.attempt, (RULE, "x"))
        time.sleep(0.3)
        assert not waiter.done()  # neither counted nor refused while the outcomes are unknown
        in_flight[0].succeeded()
        assert isinstance(waiter.result(timeout=5), throttle.Attempt)
    assert _row() == (2, 2)  # the cleared row counts the other one in flight and the waiter


@pytest.mark.django_db(transaction=True)
def test_a_waiter_is_refused_when_the_attempts_in_flight_fail(settings) -> None:
    settings.THROTTLE_RULES = {**settings.THROTTLE_RULES, "signin_user": (2, 900)}
    settings.THROTTLE_MAX_WAIT_SECONDS = 10
    in_flight = [throttle.attempt((RULE, "x")), throttle.attempt((RULE, "x"))]
    with ThreadPoolExecutor(max_workers=1) as pool:
        waiter = pool.submit(throttle.attempt, (RULE, "x"))
        time.sleep(0.2)
        for attempt in in_flight:
            attempt.failed()
        with pytest.raises(throttle.Throttled) as refused:
            waiter.result(timeout=5)
    assert refused.value.retry_after > 0
    assert _row() == (2, 0)


def test_waiting_is_bounded(db, settings) -> None:
    settings.THROTTLE_RULES = {**settings.THROTTLE_RULES, "signin_user": (1, 900)}
    settings.THROTTLE_MAX_WAIT_SECONDS = 0.3
    throttle.attempt((RULE, "x"))  # never settled, as when a worker dies mid-check
    started = time.monotonic()
    with pytest.raises(throttle.Throttled):
        throttle.attempt((RULE, "x"))
    assert 0.3 <= time.monotonic() - started < 3


def test_a_refused_budget_takes_back_what_the_others_counted(db, settings) -> None:
    settings.THROTTLE_RULES = {**settings.THROTTLE_RULES, "signin_address": (1, 900)}
    throttle.attempt((throttle.SIGNIN_ADDRESS, "a")).failed()
    with pytest.raises(throttle.Throttled):
        throttle.attempt((RULE, "x"), (throttle.SIGNIN_ADDRESS, "a"))
    key = throttle._key(RULE, "x")
    assert Throttle.objects.filter(key=key).values_list("count", "in_flight").get() == (0, 0)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_right_passwords_from_one_address_all_sign_in(live_server, demo_world, settings) -> None:
    """More sign-ins in flight at once than either budget allows (a team behind one proxy, or one
    person's many tabs): none is a failure, so none may be refused."""
    settings.THROTTLE_RULES = {**settings.THROTTLE_RULES, "signin_user": (2, 900), "signin_address": (2, 900)}

    def send(i: int) -> requests.Response:
        browser = requests.Session()
        token = _csrf(browser, live_server.url + "/signin")
        data = {"csrfmiddlewaretoken": token, "account": "example-dev", "username": "alice", "password": PASSWORD}
        return browser.post(live_server.url + "/signin", data=data, allow_redirects=False, timeout=60)

    statuses = [r.status_code for r in _concurrently(16, send)]
    assert statuses == [302] * 16
    assert not Throttle.objects.filter(in_flight__gt=0).exists()
