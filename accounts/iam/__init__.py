"""The IAM policy language: parse, evaluate and explain. Plain Python, no Django imports.

The console's switch decision is the only check that involves the person asking (AWS sees the
broker principal), so this package follows AWS's policy evaluation logic: explicit Deny wins,
otherwise an Allow is needed, and cross-account AssumeRole needs both the identity side and the
role's trust policy.
"""

from .evaluate import (
    AssumeRoleDecision,
    Decision,
    Principal,
    Request,
    evaluate,
    evaluate_assume_role,
)
from .policy import Policy, PolicyError, Statement, parse_policy
from .validate import Finding, ValidationResult, validate_policy

__all__ = [
    "AssumeRoleDecision",
    "Decision",
    "Finding",
    "Policy",
    "PolicyError",
    "Principal",
    "Request",
    "Statement",
    "ValidationResult",
    "evaluate",
    "evaluate_assume_role",
    "parse_policy",
    "validate_policy",
]
