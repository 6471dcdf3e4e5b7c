"""The simulator commands, shaped like `aws iam simulate-custom-policy` / `simulate-principal-policy`."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Policy, User

ROOT = Path(__file__).resolve().parents[2]
ROLE = "arn:aws:iam::123456789012:role/UpdateAPP"
S3_HOME = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Home", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}/*"},
            {"Sid": "NoSecrets", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*/secret*"},
        ],
    }
)


def run(name: str, *args: str) -> dict:
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return json.loads(out.getvalue())


def test_custom_policy_results_shape_and_decisions(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text(S3_HOME)
    result = run(
        "simulate_custom_policy",
        "--policy-input-list",
        f"file://{path}",
        "--action-names",
        "s3:GetObject",
        "s3:PutObject",
        "--resource-arns",
        "arn:aws:s3:::b/alice/x",
        "arn:aws:s3:::b/alice/secret.txt",
        "arn:aws:s3:::b/bob/x",
        "--context-entries",
        "ContextKeyName=aws:username,ContextKeyValues=alice,ContextKeyType=string",
    )
    results = result["EvaluationResults"]
    assert len(results) == 6
    by = {(r["EvalActionName"], r["EvalResourceName"]): r for r in results}
    allowed = by[("s3:GetObject", "arn:aws:s3:::b/alice/x")]
    assert allowed["EvalDecision"] == "allowed"
    assert allowed["MatchedStatements"] == [
        {
            "SourcePolicyId": "PolicyInputList.1",
            "SourcePolicyType": "IAM Policy",
            "StatementId": "Home",
            "Effect": "Allow",
        }
    ]
    assert by[("s3:PutObject", "arn:aws:s3:::b/alice/secret.txt")]["EvalDecision"] == "explicitDeny"
    assert by[("s3:GetObject", "arn:aws:s3:::b/bob/x")]["EvalDecision"] == "implicitDeny"


def test_missing_context_values_are_reported() -> None:
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:*",
                    "Resource": "*",
                    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                }
            ],
        }
    )
    [result] = run("simulate_custom_policy", "--policy-input-list", policy, "--action-names", "s3:GetObject")[
        "EvaluationResults"
    ]
    assert result["EvalDecision"] == "implicitDeny"
    assert result["MissingContextValues"] == ["aws:MultiFactorAuthPresent"]
    [with_mfa] = run(
        "simulate_custom_policy",
        "--policy-input-list",
        policy,
        "--action-names",
        "s3:GetObject",
        "--context-entries",
        json.dumps(
            {"ContextKeyName": "aws:MultiFactorAuthPresent", "ContextKeyValues": ["true"], "ContextKeyType": "boolean"}
        ),
    )["EvaluationResults"]
    assert with_mfa["EvalDecision"] == "allowed" and with_mfa["MissingContextValues"] == []


def test_list_context_values_and_set_operators() -> None:
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "ec2:CreateTags",
                    "Resource": "*",
                    "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "owner"]}},
                }
            ],
        }
    )
    entry = "ContextKeyName=aws:TagKeys,ContextKeyValues=env,owner,ContextKeyType=stringList"
    [ok] = run(
        "simulate_custom_policy",
        "--policy-input-list",
        policy,
        "--action-names",
        "ec2:CreateTags",
        "--context-entries",
        entry,
    )["EvaluationResults"]
    assert ok["EvalDecision"] == "allowed"
    [bad] = run(
        "simulate_custom_policy",
        "--policy-input-list",
        policy,
        "--action-names",
        "ec2:CreateTags",
        "--context-entries",
        entry.replace("owner", "secret"),
    )["EvaluationResults"]
    assert bad["EvalDecision"] == "implicitDeny"


def test_boundary_and_resource_policy() -> None:
    allow_all = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    )
    boundary = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}
    )
    result = run(
        "simulate_custom_policy",
        "--policy-input-list",
        allow_all,
        "--permissions-boundary-policy-input-list",
        boundary,
        "--action-names",
        "s3:GetObject",
        "s3:PutObject",
    )["EvaluationResults"]
    assert [r["EvalDecision"] for r in result] == ["allowed", "implicitDeny"]

    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "Dev", "Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}
            ],
        }
    )
    caller = "arn:aws:iam::111122223333:user/alice"
    cross = run(
        "simulate_custom_policy",
        "--policy-input-list",
        allow_all,
        "--resource-policy",
        trust,
        "--caller-arn",
        caller,
        "--resource-owner",
        "123456789012",
        "--action-names",
        "sts:AssumeRole",
        "--resource-arns",
        ROLE,
    )["EvaluationResults"][0]
    assert cross["EvalDecision"] == "allowed"
    assert {m["SourcePolicyType"] for m in cross["MatchedStatements"]} == {"IAM Policy", "Resource Policy"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--policy-input-list", "{not json", "--action-names", "s3:GetObject"], "Syntax errors in policy"),
        (["--policy-input-list", "file:///no/such/file.json", "--action-names", "s3:GetObject"], "Cannot read"),
        (
            [
                "--policy-input-list",
                '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*"}}',
                "--action-names",
                "s3:GetObject",
            ],
            "must contain resources",
        ),
        (["--policy-input-list", S3_HOME, "--action-names", "a:b", "--context-entries", "k=v"], "Cannot read context"),
        (
            [
                "--policy-input-list",
                S3_HOME,
                "--action-names",
                "a:b",
                "--context-entries",
                "ContextKeyName=x,ContextKeyValues=a,ContextKeyType=colour",
            ],
            "ContextKeyType 'colour'",
        ),
        (
            ["--policy-input-list", S3_HOME, "--action-names", "a:b", "--resource-policy", "{}"],
            "--caller-arn is required",
        ),
        (["--policy-input-list", S3_HOME, "--action-names", "a:b", "--caller-arn", "bob"], "not an IAM ARN"),
    ],
)
def test_bad_input_is_one_line_exit_2(args: list[str], message: str) -> None:
    with pytest.raises(CommandError) as raised:
        call_command("simulate_custom_policy", *args, stdout=io.StringIO())
    assert raised.value.returncode == 2
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_bad_arguments_on_the_command_line_are_one_line_exit_2() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "simulate_custom_policy", "--action-names", "s3:X"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "CommandError: simulate_custom_policy: the following arguments are required: --policy-input-list"
    ]


def test_principal_policy_uses_the_users_real_policies(demo_world) -> None:
    [alice] = run(
        "simulate_principal_policy", "--user", "alice", "--action-names", "sts:AssumeRole", "--resource-arns", ROLE
    )["EvaluationResults"]
    assert alice["EvalDecision"] == "allowed"
    assert [(m["SourcePolicyId"], m["StatementId"], m["SourcePolicyType"]) for m in alice["MatchedStatements"]] == [
        ("Developers/AllowSwitchToUpdateAPP", "SwitchToUpdateAPP", "IAM Policy"),
        ("UpdateAPP trust policy", "TrustDevelopmentAccount", "Resource Policy"),
    ]
    [bob] = run(
        "simulate_principal_policy", "--user", "bob", "--action-names", "sts:AssumeRole", "--resource-arns", ROLE
    )["EvaluationResults"]
    assert bob["EvalDecision"] == "implicitDeny"


def test_principal_policy_honours_a_permissions_boundary(demo_world) -> None:
    alice = User.objects.get(username="alice")
    alice.permissions_boundary = Policy.objects.create(
        account=alice.account,
        name="OnlyS3",
        document=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        ),
    )
    alice.save()
    [result] = run(
        "simulate_principal_policy", "--user", "alice", "--action-names", "sts:AssumeRole", "--resource-arns", ROLE
    )["EvaluationResults"]
    assert result["EvalDecision"] == "implicitDeny"


def test_principal_policy_unknown_user(db) -> None:
    with pytest.raises(CommandError) as raised:
        call_command("simulate_principal_policy", "--user", "nobody", "--action-names", "s3:GetObject")
    assert raised.value.returncode == 2 and "No console user named 'nobody'." in str(raised.value)


# --- Resource-based policies of any kind; the owner from the resource ARN ---------------------

DEV_USER = "arn:aws:iam::111122223333:user/alice"
ONLY_EC2 = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]})
ALLOW_ALL = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


def bucket_policy(principal: str, **extra) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Grant",
                    "Effect": "Allow",
                    "Principal": {"AWS": principal},
                    "Action": ["s3:GetObject", "s3:PutObject"],
                    "Resource": "arn:aws:s3:::reports/*",
                },
                *extra.get("more", []),
            ],
        }
    )


def simulate(*args: str) -> list[dict]:
    return run("simulate_custom_policy", *args)["EvaluationResults"]


def test_bucket_policy_naming_the_user_grants_without_an_identity_allow() -> None:
    results = simulate(
        "--policy-input-list", ONLY_EC2,
        "--resource-policy", bucket_policy(DEV_USER),
        "--caller-arn", DEV_USER,
        "--action-names", "s3:PutObject", "s3:DeleteObject",
        "--resource-arns", "arn:aws:s3:::reports/q1.csv",
    )  # fmt: skip
    assert [r["EvalDecision"] for r in results] == ["allowed", "implicitDeny"]
    assert results[0]["MatchedStatements"] == [
        {
            "SourcePolicyId": "ResourcePolicy",
            "SourcePolicyType": "Resource Policy",
            "StatementId": "Grant",
            "Effect": "Allow",
        }
    ]


def test_bucket_policy_naming_the_account_defers_to_identity_policies() -> None:
    args = ["--resource-policy", bucket_policy("arn:aws:iam::111122223333:root"), "--caller-arn", DEV_USER]
    args += ["--action-names", "s3:GetObject", "--resource-arns", "arn:aws:s3:::reports/q1.csv"]
    assert simulate("--policy-input-list", ONLY_EC2, *args)[0]["EvalDecision"] == "implicitDeny"
    assert simulate("--policy-input-list", ALLOW_ALL, *args)[0]["EvalDecision"] == "allowed"


def test_bucket_in_another_account_needs_both_sides() -> None:
    args = ["--resource-policy", bucket_policy(DEV_USER), "--caller-arn", DEV_USER, "--resource-owner", "222222222222"]
    args += ["--action-names", "s3:GetObject", "--resource-arns", "arn:aws:s3:::reports/q1.csv"]
    assert simulate("--policy-input-list", ONLY_EC2, *args)[0]["EvalDecision"] == "implicitDeny"
    both = simulate("--policy-input-list", ALLOW_ALL, *args)[0]
    assert both["EvalDecision"] == "allowed"
    assert {m["SourcePolicyType"] for m in both["MatchedStatements"]} == {"IAM Policy", "Resource Policy"}
    # The owner may be given as the account's root ARN, as AWS's ResourceOwner is.
    root = [a if a != "222222222222" else "arn:aws:iam::222222222222:root" for a in args]
    assert simulate("--policy-input-list", ONLY_EC2, *root)[0]["EvalDecision"] == "implicitDeny"


def test_bucket_policy_deny_over_plain_http() -> None:
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    args = ["--policy-input-list", ALLOW_ALL, "--resource-policy", bucket_policy(DEV_USER, more=[deny])]
    args += ["--caller-arn", DEV_USER, "--action-names", "s3:GetObject", "--resource-arns", "arn:aws:s3:::reports/a"]
    http = "ContextKeyName=aws:SecureTransport,ContextKeyValues=false,ContextKeyType=boolean"
    assert simulate(*args, "--context-entries", http)[0]["EvalDecision"] == "explicitDeny"
    assert simulate(*args, "--context-entries", http.replace("false", "true"))[0]["EvalDecision"] == "allowed"


def test_the_owner_of_a_role_is_read_from_its_arn() -> None:
    """A trust policy naming a user of another account: without an identity allow, refused,
    though no --resource-owner is given (the role ARN names its account)."""
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": DEV_USER}, "Action": "sts:AssumeRole"}],
        }
    )
    args = ["--resource-policy", trust, "--caller-arn", DEV_USER, "--action-names", "sts:AssumeRole"]
    args += ["--resource-arns", ROLE]
    assert simulate("--policy-input-list", ONLY_EC2, *args)[0]["EvalDecision"] == "implicitDeny"
    assert simulate("--policy-input-list", ALLOW_ALL, *args)[0]["EvalDecision"] == "allowed"
    # The same trust on a role in the caller's own account grants on its own.
    same = [a if a != ROLE else "arn:aws:iam::111122223333:role/Local" for a in args]
    assert simulate("--policy-input-list", ONLY_EC2, *same)[0]["EvalDecision"] == "allowed"


def test_resource_policy_kind_is_read_from_its_shape_or_given() -> None:
    no_principal = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}]}
    )
    base = ["--policy-input-list", ALLOW_ALL, "--caller-arn", DEV_USER, "--action-names", "s3:GetObject"]
    with pytest.raises(
        CommandError, match="MalformedPolicyDocument in ResourcePolicy: Missing required field Principal"
    ):
        call_command("simulate_custom_policy", *base, "--resource-policy", no_principal, stdout=io.StringIO())
    with pytest.raises(CommandError, match="Has prohibited field Resource: a trust policy applies to its role"):
        call_command(
            "simulate_custom_policy",
            *base,
            "--resource-policy",
            bucket_policy(DEV_USER),
            "--resource-policy-kind",
            "trust",
            stdout=io.StringIO(),
        )
    # A trust policy used as one: the same-account trust rule, not the bucket rule.
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}],
        }
    )
    [result] = simulate(
        "--policy-input-list", ONLY_EC2, "--caller-arn", DEV_USER, "--resource-policy", trust,
        "--action-names", "sts:AssumeRole", "--resource-arns", "arn:aws:iam::111122223333:role/Local",
    )  # fmt: skip
    assert result["EvalDecision"] == "implicitDeny"


@pytest.mark.parametrize("owner", ["12345", "arn:aws:iam::123456789012:user/x", "prod"])
def test_bad_resource_owner_is_one_line_exit_2(owner: str) -> None:
    with pytest.raises(CommandError) as raised:
        call_command(
            "simulate_custom_policy",
            "--policy-input-list", ALLOW_ALL, "--action-names", "s3:GetObject", "--resource-owner", owner,
            stdout=io.StringIO(),
        )  # fmt: skip
    assert raised.value.returncode == 2 and "is not a 12-digit account ID" in str(raised.value)


def test_bad_resource_policy_kind_is_one_line_exit_2() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "simulate_custom_policy", "--policy-input-list", ALLOW_ALL]
        + ["--action-names", "s3:X", "--resource-policy-kind", "queue"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "--resource-policy-kind: invalid choice: 'queue'" in line


def test_principal_policy_with_a_bucket_policy(demo_world) -> None:
    alice = "arn:aws:iam::111122223333:user/alice"
    [put] = run(
        "simulate_principal_policy", "--user", "alice", "--resource-policy", bucket_policy(alice),
        "--action-names", "s3:PutObject", "--resource-arns", "arn:aws:s3:::reports/q1.csv",
    )["EvaluationResults"]  # fmt: skip
    assert put["EvalDecision"] == "allowed"
    [bob] = run(
        "simulate_principal_policy", "--user", "bob", "--resource-policy", bucket_policy(alice),
        "--action-names", "s3:PutObject", "--resource-arns", "arn:aws:s3:::reports/q1.csv",
    )["EvaluationResults"]  # fmt: skip
    assert bob["EvalDecision"] == "implicitDeny"
