"""`aws iam simulate-principal-policy` for a console user: their real policies and context."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.iam import simulate
from accounts.models import Role, User

from .simulate_custom_policy import OneLineErrors, add_common_arguments, fail


def user_context(user: User) -> dict[str, object]:
    """What the console supplies when it decides for this user (no MFA, no source IP)."""
    now = timezone.now()
    return {
        "aws:username": user.username,
        "aws:userid": user.unique_id,
        "aws:PrincipalArn": user.arn,
        "aws:PrincipalAccount": user.account.account_id,
        "aws:PrincipalType": "User",
        "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(now.timestamp())),
        "aws:MultiFactorAuthPresent": False,
        "aws:SecureTransport": True,
    }


class Command(OneLineErrors, BaseCommand):
    help = (
        "Simulate a console user's policies (their own and their groups', and their permissions boundary). "
        "For sts:AssumeRole on a role the console knows, its trust policy is included, as in the switch."
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--user", required=True, help="IAM username of a console user")
        add_common_arguments(parser)

    def handle(self, *args, **options) -> None:
        user = User.objects.select_related("account").filter(username=options["user"]).first()
        if user is None or user.account is None:
            raise CommandError(f"No console user named {options['user']!r}.", returncode=2)
        try:
            context = {**user_context(user), **simulate.parse_context_entries(options["context_entries"])}
            resource_policy = None
            if options["resource_policy"]:
                resource_policy = simulate.load_policy(options["resource_policy"], "ResourcePolicy", "trust")
        except simulate.SimulationInputError as exc:
            raise fail(exc) from None
        principal = simulate.Principal(user.arn, user.account.account_id)
        identity, boundary = user.identity_policies(), user.boundary_policies()
        results = []
        for action in options["action_names"]:
            for resource in options["resource_arns"] or ["*"]:
                policy, owner = resource_policy, options["resource_owner"]
                if policy is None and action.lower() == "sts:assumerole":
                    role = _known_role(resource)
                    if role is not None:
                        policy, owner = role.parsed_trust_policy(), role.account.account_id
                sim = simulate.Simulation(identity, principal, context, boundary, policy, owner)
                results += sim.run([action], [resource])["EvaluationResults"]
        self.stdout.write(json.dumps({"EvaluationResults": results}, indent=2))


def _known_role(arn: str) -> Role | None:
    for role in Role.objects.select_related("account").filter(name=arn.rsplit("/", 1)[-1]):
        if role.arn == arn:
            return role
    return None
