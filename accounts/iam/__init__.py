"""The IAM policy language: parse, evaluate and explain. Plain Python, no Django imports.

The console's switch decision is the only check that involves the person asking (AWS sees the
broker principal), so this package follows AWS's policy evaluation logic: explicit Deny wins,
otherwise an Allow is needed; identity policies, permissions boundaries and a resource-based
policy of any kind (a role's trust policy, an S3 bucket policy, another service's) combine by
AWS's same-account and cross-account rules.
"""

from .evaluate import (
    AssumeRoleDecision,
    Decision,
    Evaluation,
    Principal,
    Request,
    ResourceKind,
    evaluate,
    evaluate_assume_role,
    evaluate_request,
    owner_from_arn,
)
from .policy import Policy, PolicyError, Statement, parse_policy
from .validate import Finding, ValidationResult, validate_policy

__all__ = [
    "AssumeRoleDecision",
    "Decision",
    "Evaluation",
    "Finding",
    "Policy",
    "PolicyError",
    "Principal",
    "Request",
    "ResourceKind",
    "Statement",
    "ValidationResult",
    "evaluate",
    "evaluate_assume_role",
    "evaluate_request",
    "owner_from_arn",
    "parse_policy",
    "validate_policy",
]
