"""`aws iam simulate-custom-policy`, offline: evaluate policies you pass on the command line."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from accounts.iam import Policy, ResourceKind, simulate

SIMULATED_CALLER = "arn:aws:iam::000000000000:user/SimulatedUser"


def add_common_arguments(parser) -> None:
    parser.add_argument("--action-names", nargs="+", action="extend", required=True, metavar="ACTION")
    parser.add_argument("--resource-arns", nargs="+", action="extend", default=None, metavar="ARN")
    parser.add_argument(
        "--resource-policy",
        help="A resource-based policy (a role's trust policy, an S3 bucket policy, ...): JSON text or file://path",
    )
    parser.add_argument(
        "--resource-policy-kind",
        choices=simulate.RESOURCE_POLICY_KINDS,
        help="How to validate and apply --resource-policy; by default read from its shape: no Resource "
        "element = trust, only S3 resources = bucket, otherwise generic",
    )
    parser.add_argument(
        "--resource-owner",
        help="Account ID (or arn:aws:iam::ID:root) owning resources whose ARN names no account, such as "
        "S3 buckets and objects; default: the caller's account. An ARN naming an account (an IAM role) "
        "is owned by that account.",
    )
    parser.add_argument(
        "--context-entries",
        nargs="+",
        action="extend",
        default=[],
        metavar="ENTRY",
        help="ContextKeyName=k,ContextKeyValues=v1,v2,ContextKeyType=string, or JSON",
    )


def fail(exc: Exception) -> CommandError:
    return CommandError(str(exc).splitlines()[0], returncode=2)


class OneLineErrors(BaseCommand):
    """Argument errors as one line and exit status 2, like every other bad input here."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def error(message: str) -> None:
            # Parsing happens before Django handles CommandError, so print and exit here.
            sys.stderr.write(f"CommandError: {subcommand}: {message}\n")
            sys.exit(2)

        # argparse has no hook for its error line; replacing the method is the way to change it.
        parser.error = error  # type: ignore[method-assign]
        return parser


class Command(OneLineErrors, BaseCommand):
    help = "Simulate IAM policies given on the command line, like `aws iam simulate-custom-policy`."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--policy-input-list",
            nargs="+",
            action="extend",
            required=True,
            metavar="POLICY",
            help="JSON text or file://path; repeatable",
        )
        parser.add_argument(
            "--permissions-boundary-policy-input-list", nargs="+", action="extend", default=None, metavar="POLICY"
        )
        parser.add_argument("--caller-arn", help="The principal making the request (needed with --resource-policy)")
        add_common_arguments(parser)

    def handle(self, *args, **options) -> None:
        try:
            identity = [
                simulate.load_policy(p, f"PolicyInputList.{i}", "managed")
                for i, p in enumerate(options["policy_input_list"], 1)
            ]
            boundary = None
            if options["permissions_boundary_policy_input_list"]:
                boundary = [
                    simulate.load_policy(p, f"PermissionsBoundaryPolicyInputList.{i}", "boundary")
                    for i, p in enumerate(options["permissions_boundary_policy_input_list"], 1)
                ]
            resource_policy: Policy | None = None
            kind: ResourceKind = "generic"
            if options["resource_policy"]:
                if not options["caller_arn"]:
                    raise simulate.SimulationInputError("--caller-arn is required with --resource-policy.")
                resource_policy, kind = simulate.load_resource_policy(
                    options["resource_policy"], options["resource_policy_kind"]
                )
            principal = simulate.principal_from_arn(options["caller_arn"] or SIMULATED_CALLER)
            context = simulate.parse_context_entries(options["context_entries"])
            owner = simulate.parse_resource_owner(options["resource_owner"])
        except simulate.SimulationInputError as exc:
            raise fail(exc) from None
        result = simulate.Simulation(identity, principal, context, boundary, resource_policy, owner, kind).run(
            options["action_names"], options["resource_arns"] or ["*"]
        )
        self.stdout.write(json.dumps(result, indent=2))
