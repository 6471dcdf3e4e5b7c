"""Model validation uses the IAM validator: bad documents never save."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Account, Group, InlinePolicy, Policy, Role

pytestmark = pytest.mark.integration


def test_managed_policy_error_names_the_statement(demo_world) -> None:
    policy = Policy(
        account=Account.objects.get(alias="example-dev"),
        name="Bad",
        document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Sid": "Ok", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                    {"Sid": "Broken", "Effect": "Allow", "Action": "s3:*", "Resource": "bucket"},
                ],
            }
        ),
    )
    with pytest.raises(ValidationError) as raised:
        policy.full_clean()
    [message] = raised.value.message_dict["document"]
    assert 'Resource bucket must be in ARN format or "*".' in message and "statement 2 (Broken)" in message


def test_group_inline_policy_size_limit(demo_world) -> None:
    statements = [
        {"Sid": f"S{i}", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"} for i in range(80)
    ]
    policy = InlinePolicy(
        group=Group.objects.get(name="Developers"),
        name="Huge",
        document=json.dumps({"Version": "2012-10-17", "Statement": statements}),
    )
    with pytest.raises(ValidationError) as raised:
        policy.full_clean()
    assert "PolicySize: 5120" in raised.value.message_dict["document"][0]


def test_role_checks_trust_permissions_and_duration(demo_world) -> None:
    role = Role.objects.get(name="UpdateAPP")
    role.full_clean()  # the demo role is valid
    role.trust_policy = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}
    )
    role.max_session_duration = 50000
    with pytest.raises(ValidationError) as raised:
        role.full_clean()
    errors = raised.value.message_dict
    assert any("Missing required field Principal" in m for m in errors["trust_policy"])
    assert "max_session_duration" in errors
