"""Many people at once against a real server process (gunicorn, threads): sign in, switch,
upload, switch back. No 500, no 400, no lost session: on SQLite (WAL, busy timeout, IMMEDIATE
transactions) and on PostgreSQL (`make test`'s second pass)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from console.models import RoleSession
from tests.conftest import SWITCH_TO_UPDATEAPP
from tests.servers import Browser

pytestmark = pytest.mark.concurrency

PEOPLE = 16
ROUNDS = 2
ALICE = "alice @ example-dev (111122223333)"


def test_people_sign_in_switch_upload_and_switch_back_at_once(console_server) -> None:
    # Fewer threads than people: requests also queue, as they do under real load.
    server = console_server(workers=2, threads=4)
    start = threading.Barrier(PEOPLE)

    def person(n: int) -> list[str]:
        browser, problems = Browser(server.url), []

        def expect(step: str, response, status: int, location: str = "") -> None:
            where = response.headers.get("Location", "")
            if response.status_code != status or not where.startswith(location):
                problems.append(f"person {n} {step}: {response.status_code} {where} {response.text[:200]!r}")

        browser.get("/signin")
        start.wait()
        for round_ in range(ROUNDS):
            expect("sign in", browser.sign_in("alice"), 302, "/")
            switched = browser.post("/switchrole", SWITCH_TO_UPDATEAPP)
            expect("switch", switched, 302, "/r/")
            tab = switched.headers.get("Location", "").removesuffix("/s3/")  # the role session's URL space
            name = f"person-{n}-round-{round_}.txt"
            upload = browser.post(
                tab + "/s3/buckets/productionapp/upload?prefix=concurrency/", files={"file": (name, f"{n}/{round_}")}
            )
            expect("upload", upload, 302, tab + "/s3/buckets/productionapp/")
            listing = browser.get(tab + "/s3/buckets/productionapp/?prefix=concurrency/")
            expect("list", listing, 200)
            if name not in listing.text:  # still in the role, and the upload is there
                problems.append(f"person {n} list: {name} missing")
            expect("switch back", browser.post(tab + "/switchback"), 302, "/")
            if browser.identity() != ALICE:  # still signed in as herself
                problems.append(f"person {n}: lost the console session after switching back")
            expect("sign out", browser.post("/signout"), 302, "/signin")
        return problems

    with ThreadPoolExecutor(PEOPLE) as pool:
        problems = [p for found in pool.map(person, range(PEOPLE)) for p in found]
    assert problems == []
    assert "Traceback" not in server.log()
    sessions = RoleSession.objects.filter(role__name="UpdateAPP")
    assert sessions.count() == PEOPLE * ROUNDS
    assert not sessions.filter(ended_at=None).exists()
