"""Benchmark of the IAM policy engine (issue 3 targets).

(a) One decision against 50 policies of 10 statements each, with conditions. Target: median < 2 ms.
(b) A users x roles access matrix, 1,000 users and 50 roles, by the function the admin's Access matrix
    page calls (accounts.access_matrix): 50,000 cells, a refused one decided again with a fresh MFA
    check. Target: < 5 s.

Each figure is also printed as a ratio against a direct boto3 call made on the same machine in the
same run: STS GetCallerIdentity against a local moto server over loopback HTTP.

Usage: .venv/bin/python benchmarks/iam_engine.py
"""

from __future__ import annotations

import json
import logging
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import boto3

from accounts.access_matrix import access_matrix
from accounts.iam import AssumeRoleDecision, Principal, Request, evaluate, evaluate_assume_role, parse_policy

DEV, PROD = "111122223333", "123456789012"
SERVICES = ["s3", "ec2", "dynamodb", "sqs", "sns", "lambda", "kms", "iam", "sts", "logs"]
rng = random.Random(42)


def policy(index: int, statements: int = 10) -> dict:
    out = []
    for i in range(statements):
        service = SERVICES[(index + i) % len(SERVICES)]
        out.append(
            {
                "Sid": f"P{index}S{i}",
                "Effect": "Deny" if i == 9 else "Allow",
                "Action": [f"{service}:Get*", f"{service}:List*", f"{service}:Describe{i}*"],
                "Resource": [
                    f"arn:aws:{service}:*:{PROD}:thing/team{index}/*",
                    f"arn:aws:{service}:::home/${{aws:username}}/*",
                ],
                "Condition": {
                    # Deny statements target a quarantined team; the sample request is not in it.
                    "StringEquals": {"aws:PrincipalTag/team": "quarantined" if i == 9 else f"team{index % 7}"},
                    "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]},
                    "Bool": {"aws:SecureTransport": "true"},
                },
            }
        )
    return {"Version": "2012-10-17", "Statement": out}


def time_median(fn, runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95)]


def boto3_baseline() -> float:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one log line per request otherwise

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        sts = boto3.client(
            "sts",
            endpoint_url=f"http://{host}:{port}",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        sts.get_caller_identity()  # warm up
        median, _ = time_median(sts.get_caller_identity, 200)
        return median
    finally:
        server.stop()


def one_decision() -> tuple[float, float]:
    """(a) median and p95 of one decision against 50 policies of 10 statements."""
    alice = Principal(f"arn:aws:iam::{DEV}:user/alice", DEV)
    context = {
        "aws:username": "alice",
        "aws:PrincipalTag/team": "team3",
        "aws:SourceIp": "10.1.2.3",
        "aws:SecureTransport": True,
        "aws:CurrentTime": "2026-11-28T12:00:00Z",
    }
    policies = [parse_policy(json.dumps(policy(i)), f"policy{i}") for i in range(50)]
    request = Request(alice, "s3:GetObject", "arn:aws:s3:::home/alice/notes.txt", context)
    assert evaluate(request, policies).decision == "allowed"
    for _ in range(50):
        evaluate(request, policies)  # warm caches
    return time_median(lambda: evaluate(request, policies), 2000)


TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Dev",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{DEV}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}},
        },
        {
            "Sid": "NoInterns",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringLike": {"aws:PrincipalTag/level": "intern*"}},
        },
    ],
}


def group_policy(g: int) -> dict:
    """Group g may assume every fifth role from Role{g}, and manage its members' own users."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": f"G{g}",
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": [f"arn:aws:iam::{PROD}:role/Role{r}" for r in range(g, 50, 5)],
            },
            {
                "Sid": "Self",
                "Effect": "Allow",
                "Action": "iam:*",
                "Resource": f"arn:aws:iam::{DEV}:user/${{aws:username}}",
            },
        ],
    }


def matrix_users(groups: list) -> list[tuple]:
    """1,000 users: a group policy, an own policy (every 13th a Deny), MFA for odd ones, interns."""
    users = []
    for u in range(1000):
        name = f"user{u}"
        own = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Deny" if u % 13 == 0 else "Allow",
                    "Action": "sts:AssumeRole",
                    "Resource": f"arn:aws:iam::{PROD}:role/Role{u % 50}",
                }
            ],
        }
        context = {
            "aws:username": name,
            "aws:MultiFactorAuthPresent": bool(u % 2),
            "aws:PrincipalTag/level": "intern" if u % 17 == 0 else "staff",
        }
        principal = Principal(f"arn:aws:iam::{DEV}:user/{name}", DEV)
        users.append((principal, [groups[u % 5], parse_policy(json.dumps(own), f"{name}-own")], context))
    return users


def time_access_matrix() -> tuple[float, int, int]:
    """(b) the access matrix, by the function the admin's Access matrix page calls (a refused
    cell is decided again with a fresh MFA check, as on the page): each user has a group policy
    and an own policy; roles trust DEV. Returns (seconds, cells allowed, decisions made)."""
    roles = [f"arn:aws:iam::{PROD}:role/Role{r}" for r in range(50)]
    trust = parse_policy(json.dumps(TRUST), "trust")
    groups = [parse_policy(json.dumps(group_policy(g)), f"group{g}") for g in range(5)]
    users = matrix_users(groups)
    decisions = 0
    fresh_mfa = {"aws:MultiFactorAuthPresent": True, "aws:MultiFactorAuthAge": "0"}

    # The admin page's shape: (role, fresh_mfa) -> decision.
    def decider(user: tuple) -> Callable[[str, bool], AssumeRoleDecision]:
        principal, identity, ctx = user

        def decide(role: str, with_mfa: bool) -> AssumeRoleDecision:
            nonlocal decisions
            decisions += 1
            return evaluate_assume_role(principal, role, PROD, identity, trust, ctx | fresh_mfa if with_mfa else ctx)

        return decide

    start = time.perf_counter()
    matrix = access_matrix(users, roles, decider, lambda user, role, decision: "refused")
    seconds = time.perf_counter() - start
    return seconds, sum(cell.kind == "allowed" for _, cells in matrix for cell in cells), decisions


def main() -> None:
    decision_median, decision_p95 = one_decision()
    matrix_seconds, allowed, decisions = time_access_matrix()
    baseline = boto3_baseline()
    print(f"machine: {sys.platform}, Python {sys.version.split()[0]}")
    print(f"baseline: one direct boto3 call (STS GetCallerIdentity, local moto over HTTP): {baseline * 1e3:.3f} ms")
    print(
        f"(a) one decision, 50 policies x 10 statements with conditions: median {decision_median * 1e3:.3f} ms, "
        f"p95 {decision_p95 * 1e3:.3f} ms (target < 2 ms) = {decision_median / baseline:.3f} x the boto3 call"
    )
    print(
        f"(b) access matrix 1,000 users x 50 roles = 50,000 cells, {decisions:,} decisions ({allowed} allowed): "
        f"{matrix_seconds:.2f} s (target < 5 s) = {matrix_seconds / baseline:.0f} x the boto3 call, "
        f"{matrix_seconds / decisions * 1e6:.1f} us per decision"
    )
    ok = decision_median < 0.002 and matrix_seconds < 5
    print("targets met" if ok else "TARGETS MISSED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
