"""`aws iam simulate-principal-policy` for a console user: their real policies and context."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from accounts.iam import Policy, ResourceKind, simulate
from accounts.models import User
from accounts.simulation import simulate_user

from .simulate_custom_policy import OneLineErrors, add_common_arguments, fail


class Command(OneLineErrors, BaseCommand):
    help = (
        "Simulate a console user's policies (their own and their groups', and their permissions boundary). "
        "For sts:AssumeRole on a role the console knows, its trust policy is included, as in the switch."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", required=True, help="IAM username of a console user")
        add_common_arguments(parser)

    def handle(self, *args, **options) -> None:
        user = User.objects.select_related("account").filter(username=options["user"]).first()
        if user is None or user.account is None:
            raise CommandError(f"No console user named {options['user']!r}.", returncode=2)
        try:
            context = simulate.parse_context_entries(options["context_entries"])
            resource_policy: Policy | None = None
            kind: ResourceKind = "generic"
            if options["resource_policy"]:
                resource_policy, kind = simulate.load_resource_policy(
                    options["resource_policy"], options["resource_policy_kind"]
                )
            owner = simulate.parse_resource_owner(options["resource_owner"])
        except simulate.SimulationInputError as exc:
            raise fail(exc) from None
        result = simulate_user(
            user,
            options["action_names"],
            options["resource_arns"] or ["*"],
            context,
            resource_policy,
            owner,
            kind,
        )
        self.stdout.write(json.dumps(result, indent=2))
