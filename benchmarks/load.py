"""Load benchmark against a running console (e.g. `make demo`): N simulated people, T seconds.

    python benchmarks/load.py [--users 50] [--seconds 60] [--url http://127.0.0.1:8000 ...]

Each simulated person has their own cookie jar and loops: sign in -> switch to UpdateAPP ->
list a prefix -> download a small object -> switch back -> sign out (to sign in again). Every
answer is checked (status and content), so a lost session or a wrong page counts as an error,
not as a fast response. Prints p50/p95 per step, completed flows per second, errors by kind, and
the server's peak RSS (the processes listening on the URLs' ports and their children, sampled).

Several --url values are several instances of one deployment: requests go round-robin across
them, like a load balancer without sticky sessions. The demo users' password comes from
--password, DEMO_PASSWORD or var/demo_password. Only loopback URLs are accepted.

By default every simulated person signs in as --user (alice). With --provision, person i signs
in as its own IAM user load-NNNN (a member of Developers, so it may switch), created or reset
first in the console's database (DATABASE_URL, default var/console.sqlite3, as the running
console uses): a team of distinct people, as the sign-in throttles expect (they count attempts
per user before checking them, so 50 people sharing one user trip them).
"""

from __future__ import annotations

import argparse
import collections
import itertools
import os
import re
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
STEPS = ["sign in", "switch", "list", "download", "switch back", "sign out"]
ROLE_SPACE = re.compile(r"^(/r/[A-Za-z0-9]+)/s3/$")
SWITCH = {"account": "example-prod", "roleName": "UpdateAPP", "displayName": "Load", "color": "B7CA9D"}
PREFIX, KEY = "config/", "config/limits.json"


class Failed(Exception):
    """An answer that is not what a person would get: `kind` groups it in the report."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def _what(response: requests.Response) -> str:
    """A short description of an unexpected answer: status, where it redirects, or its message."""
    if response.is_redirect:
        return f"{response.status_code} -> {response.headers.get('Location', '')[:60]}"
    text = response.text
    found = re.search(r'class="(?:errorlist[^"]*|alert[^"]*)"[^>]*>\s*(?:<li>)?([^<]{3,120})', text) or re.search(
        r"<title>([^<]{1,120})</title>", text
    )
    message = " ".join(found.group(1).split()) if found else " ".join(text[:100].split())
    return f"{response.status_code} {message}"


class Person(threading.Thread):
    def __init__(
        self, urls: itertools.cycle, lock: threading.Lock, args: argparse.Namespace, stats: Stats, username: str
    ) -> None:
        super().__init__(daemon=True)
        self.urls, self.url_lock, self.args, self.stats, self.username = urls, lock, args, stats, username
        self.http = requests.Session()

    def _base(self) -> str:
        with self.url_lock:
            return next(self.urls)

    def _call(self, step: str, method: str, path: str, data: dict | None = None) -> requests.Response:
        base = self._base()
        if data is not None:
            if "csrftoken" not in self.http.cookies:
                self.http.get(base + "/signin", timeout=self.args.timeout)
            data = {**data, "csrfmiddlewaretoken": self.http.cookies.get("csrftoken", "")}
        started = time.perf_counter()
        try:
            response = self.http.request(
                method, base + path, data=data, timeout=self.args.timeout, allow_redirects=False
            )
            response.content  # noqa: B018 - read the whole body inside the timing
        except requests.RequestException as exc:
            raise Failed(f"{step}: {type(exc).__name__}") from None
        self.stats.time(step, time.perf_counter() - started)
        return response

    def _expect_redirect(self, step: str, response: requests.Response, to: str) -> None:
        if response.status_code != 302 or not response.headers.get("Location", "").startswith(to):
            raise Failed(f"{step}: {_what(response)}")

    def flow(self) -> None:
        a = self.args
        form = {"account": a.account, "username": self.username, "password": a.password}
        r = self._call("sign in", "POST", "/signin", form)
        self._expect_redirect("sign in", r, "/")
        r = self._call("switch", "POST", "/switchrole", SWITCH)
        space = ROLE_SPACE.match(r.headers.get("Location", "")) if r.status_code == 302 else None
        if space is None:  # the new role session's URL space, /r/<id>/s3/
            raise Failed(f"switch: {_what(r)}")
        prefix = space.group(1)
        r = self._call("list", "GET", f"{prefix}/s3/buckets/productionapp/?prefix={PREFIX}")
        if r.status_code != 200 or "limits.json" not in r.text:
            raise Failed(f"list: {_what(r)}")
        r = self._call("download", "GET", f"{prefix}/s3/buckets/productionapp/download?key={KEY}")
        if r.status_code != 200 or not r.content.startswith(b'{"max_upload_mb"'):
            raise Failed(f"download: {_what(r)}")
        r = self._call("switch back", "POST", f"{prefix}/switchback", {})
        self._expect_redirect("switch back", r, "/")
        r = self._call("sign out", "POST", "/signout", {})
        self._expect_redirect("sign out", r, "/signin")

    def run(self) -> None:
        deadline = self.stats.started + self.args.seconds
        while time.monotonic() < deadline:
            try:
                self.flow()
                self.stats.flow_done()
            except Failed as exc:
                self.stats.error(exc.kind)
                self.http = requests.Session()  # start over as a fresh browser


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = collections.defaultdict(list)
        self.errors: collections.Counter[str] = collections.Counter()
        self.flows = 0
        self.started = time.monotonic()

    def time(self, step: str, seconds: float) -> None:
        with self.lock:
            self.times[step].append(seconds)

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] += 1

    def flow_done(self) -> None:
        with self.lock:
            self.flows += 1


# --- The server's memory -------------------------------------------------------------------


def _listening_pids(port: int) -> set[int]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # LISTEN
                inodes.add(fields[9])
    pids = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    pids.add(int(proc.name))
                    break
        except OSError:
            continue
    return pids


def _tree(pids: set[int]) -> set[int]:
    """The processes and all their descendants (gunicorn's master and workers)."""
    children: dict[int, list[int]] = collections.defaultdict(list)
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children[ppid].append(int(proc.name))
    found, todo = set(), list(pids)
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children[pid])
    return found


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler(threading.Thread):
    def __init__(self, ports: list[int]) -> None:
        super().__init__(daemon=True)
        self.roots = set().union(*(_listening_pids(p) for p in ports))
        self.start_kib = self._sample()
        self.peak_kib = self.start_kib  # a run shorter than one sampling interval grew by 0, not -start
        self.stop_event = threading.Event()

    def _sample(self) -> int:
        return sum(_rss_kib(pid) for pid in _tree(self.roots))

    def run(self) -> None:
        while not self.stop_event.wait(0.25):
            self.peak_kib = max(self.peak_kib, self._sample())


# --- Main ----------------------------------------------------------------------------------


def provision(count: int, password: str) -> list[str]:
    """Users load-0001.. in the home account's Developers group, with `password`."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")
    import django

    django.setup()
    from django.conf import settings

    from accounts.models import Account, Group, User

    account = Account.objects.get(account_id=settings.CONSOLE_HOME_ACCOUNT_ID)
    developers = Group.objects.get(account=account, name="Developers")
    names = [f"load-{i:04d}" for i in range(1, count + 1)]
    for name in names:
        user, _ = User.objects.get_or_create(username=name, defaults={"account": account})
        user.set_password(password)
        user.save(update_fields=["password"])
        developers.members.add(user)
    return names


def _password(given: str | None) -> str:
    if given:
        return given
    if os.environ.get("DEMO_PASSWORD"):
        return os.environ["DEMO_PASSWORD"]
    path = ROOT / "var" / "demo_password"
    if path.exists():
        return path.read_text().strip()
    sys.exit("Give the demo users' password: --password, DEMO_PASSWORD or var/demo_password.")


def _percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def parse_args() -> tuple[argparse.Namespace, list[str]]:
    """The options, and the console URLs (loopback only)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", action="append", help="console base URL; repeat for several instances")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--user", default="alice", help="IAM user every simulated person signs in as")
    parser.add_argument("--account", default="example-dev")
    parser.add_argument("--password")
    parser.add_argument("--timeout", type=float, default=120, help="per request, seconds")
    parser.add_argument("--provision", action="store_true", help="one IAM user per simulated person (load-NNNN)")
    args = parser.parse_args()
    urls = [u.rstrip("/") for u in (args.url or ["http://127.0.0.1:8000"])]
    for url in urls:
        if urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1"):
            sys.exit(f"{url}: only loopback URLs (this benchmark runs against a console on this machine).")
    return args, urls


def run(args: argparse.Namespace, urls: list[str], usernames: list[str]) -> tuple[Stats, RssSampler, float]:
    """Every simulated person's flows until --seconds have passed; the console's RSS meanwhile."""
    sampler = RssSampler([urlsplit(u).port or 80 for u in urls])
    sampler.start()
    stats = Stats()
    people = [Person(itertools.cycle(urls), threading.Lock(), args, stats, name) for name in usernames]
    # Spread the instances: person i starts at instance i (a shared cycle would serialise them).
    for i, person in enumerate(people):
        for _ in range(i % len(urls)):
            next(person.urls)
    for person in people:
        person.start()
    for person in people:
        person.join()
    elapsed = time.monotonic() - stats.started
    sampler.stop_event.set()
    sampler.join()
    return stats, sampler, elapsed


def report(args: argparse.Namespace, urls: list[str], stats: Stats, sampler: RssSampler, elapsed: float) -> None:
    who = f"each its own user (load-0001..load-{args.users:04d})" if args.provision else f"all as {args.user}"
    print(f"{args.users} users {who}, {args.seconds:.0f} s (ran {elapsed:.1f} s)")
    print(f"{len(urls)} instance(s): {', '.join(urls)}")
    print(f"{'step':<12} {'count':>7} {'p50 ms':>9} {'p95 ms':>9}")
    for step in STEPS:
        values = stats.times.get(step)
        if values:
            p50, p95 = _percentile(values, 50) * 1000, _percentile(values, 95) * 1000
            print(f"{step:<12} {len(values):>7} {p50:>9.0f} {p95:>9.0f}")
    print(f"completed flows: {stats.flows} ({stats.flows / elapsed:.2f} flows/s)")
    total = sum(stats.errors.values())
    print(f"errors: {total}")
    for kind, count in stats.errors.most_common():
        print(f"  {count:>6}  {kind}")
    if sampler.roots:
        print(
            f"server RSS (all processes of {len(urls)} instance(s)): {sampler.start_kib / 1024:.0f} MiB at start, "
            f"peak {sampler.peak_kib / 1024:.0f} MiB"
        )
    else:
        print("server RSS: no listening process found on those ports (another user's?)")


def main() -> None:
    args, urls = parse_args()
    args.password = _password(args.password)
    usernames = provision(args.users, args.password) if args.provision else [args.user] * args.users
    stats, sampler, elapsed = run(args, urls, usernames)
    report(args, urls, stats, sampler, elapsed)


if __name__ == "__main__":
    main()
