"""Failure budgets that hold under concurrency, shared by every spelling, and per client address.

The concurrency tests send real requests from threads to Django's live server (a threaded WSGI
server on a file-backed SQLite database): each request runs in its own thread with its own
database connection, as under gunicorn's threaded workers."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.test import Client

from accounts import mfa, throttle
from accounts.models import Throttle, User
from tests.conftest import PASSWORD, enrol, sign_in

GENERIC = "Sign-in failed. Check your account ID or alias, IAM username and password."
LOCKED = "Too many failed sign-in attempts."


def _post(client: Client, account: str, username: str, password: str, address: str = "127.0.0.1"):  # noqa: ANN202
    data = {"account": account, "username": username, "password": password}
    return client.post("/signin", data, REMOTE_ADDR=address)


def test_every_spelling_of_the_account_and_username_shares_one_budget(demo_world) -> None:  # noqa: ANN001
    spellings = [
        ("example-dev", "bob"),
        ("111122223333", "bob"),
        (" EXAMPLE-DEV ", "bob"),
        ("111122223333", "Bob"),
        ("Example-Dev", " BOB "),
    ]
    for i in range(throttle.SIGNIN_USER.limit):
        account, username = spellings[i % len(spellings)]
        assert GENERIC in _post(Client(), account, username, "guess").content.decode()
    for account, username in spellings[:2]:
        # Locked via the alias, still locked via the ID (and the right password is not checked).
        locked = _post(Client(), account, username, PASSWORD)
        assert locked.status_code == 429 and LOCKED in locked.content.decode()
    assert sign_in(Client(), "alice").status_code == 302


def test_the_per_address_budget_stops_a_password_spray(demo_world) -> None:  # noqa: ANN001
    limit = throttle.SIGNIN_ADDRESS.limit
    sprayer = "192.0.2.10"
    # Successful sign-ins from the address do not use its budget (it counts failures).
    for _ in range(3):
        assert _post(Client(), "example-dev", "alice", PASSWORD, sprayer).status_code == 302
    for i in range(limit):  # one guess per name: no per-name budget is ever reached
        assert GENERIC in _post(Client(), "example-dev", f"user{i}", "guess", sprayer).content.decode()
    refused = _post(Client(), "example-dev", "someone-new", "guess", sprayer)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert _post(Client(), "example-dev", "alice", PASSWORD, sprayer).status_code == 429
    # Another address is unaffected.
    assert _post(Client(), "example-dev", "alice", PASSWORD, "192.0.2.11").status_code == 302


def test_budgets_store_no_typed_text_and_old_rows_are_pruned(demo_world, clock) -> None:  # noqa: ANN001
    _post(Client(), "example-dev", "made-up-name", "guess")
    keys = list(Throttle.objects.values_list("key", flat=True))
    assert keys and all(re.fullmatch(r"[0-9a-f]{64}", k) for k in keys)
    clock.advance(15 * 60 + 1)
    assert throttle.prune() == len(keys)
    assert not Throttle.objects.exists()


def _csrf(session: requests.Session, url: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', session.get(url).text).group(1)


def _concurrently(count: int, send) -> list[requests.Response]:  # noqa: ANN001
    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(send, range(count)))


@pytest.mark.django_db(transaction=True)
def test_concurrent_wrong_passwords_are_evaluated_at_most_limit_times(live_server, demo_world) -> None:  # noqa: ANN001
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
    assert len(evaluated) == throttle.SIGNIN_USER.limit, statuses  # not one more, and none refused early
    assert statuses.count(429) == 100 - throttle.SIGNIN_USER.limit  # never a 500 or "database is locked"
    # Locked: the right password, sent next, is not even checked.
    assert send(0, password=PASSWORD).status_code == 429


@pytest.mark.django_db(transaction=True)
def test_concurrent_wrong_mfa_codes_are_evaluated_at_most_limit_times(live_server, demo_world) -> None:  # noqa: ANN001
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
    assert len(evaluated) <= mfa.max_failures(), statuses
    # Refused attempts say so with 429 and Retry-After; while budget was left, none was refused.
    assert statuses.count(429) == 60 - len(evaluated) and len(evaluated) == mfa.max_failures()
    assert set(statuses) <= {200, 302, 429}
