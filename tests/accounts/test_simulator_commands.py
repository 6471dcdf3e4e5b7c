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
    assert result["MissingContextValues"] == ["aws:multifactorauthpresent"]
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


def test_principal_policy_uses_the_users_real_policies(demo_world) -> None:  # noqa: ANN001
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


def test_principal_policy_honours_a_permissions_boundary(demo_world) -> None:  # noqa: ANN001
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


def test_principal_policy_unknown_user(db) -> None:  # noqa: ANN001
    with pytest.raises(CommandError) as raised:
        call_command("simulate_principal_policy", "--user", "nobody", "--action-names", "s3:GetObject")
    assert raised.value.returncode == 2 and "No console user named 'nobody'." in str(raised.value)
