"""Condition operator names: which exist, and how a written operator splits into its parts."""

from __future__ import annotations

from functools import lru_cache

POSITIVE = frozenset(
    {
        "stringequals",
        "stringequalsignorecase",
        "stringlike",
        "numericequals",
        "numericlessthan",
        "numericlessthanequals",
        "numericgreaterthan",
        "numericgreaterthanequals",
        "dateequals",
        "datelessthan",
        "datelessthanequals",
        "dategreaterthan",
        "dategreaterthanequals",
        "bool",
        "binaryequals",
        "ipaddress",
        "arnequals",
        "arnlike",
    }
)
# Negated operator -> its positive counterpart
NEGATED = {
    "stringnotequals": "stringequals",
    "stringnotequalsignorecase": "stringequalsignorecase",
    "stringnotlike": "stringlike",
    "numericnotequals": "numericequals",
    "datenotequals": "dateequals",
    "notipaddress": "ipaddress",
    "arnnotequals": "arnequals",
    "arnnotlike": "arnlike",
}
KNOWN_OPERATORS = POSITIVE | frozenset(NEGATED) | {"null"}


class UnknownOperator(ValueError):
    pass


@lru_cache(maxsize=1024)
def split_operator(operator: str) -> tuple[str | None, str, bool]:
    """'ForAnyValue:StringLikeIfExists' -> ('foranyvalue', 'stringlike', True)."""
    qualifier = None
    name = operator
    if ":" in operator:
        qualifier, name = operator.split(":", 1)
        qualifier = qualifier.lower()
        if qualifier not in ("forallvalues", "foranyvalue"):
            raise UnknownOperator(operator)
    lowered = name.lower()
    if_exists = lowered.endswith("ifexists") and lowered != "ifexists"
    if if_exists:
        lowered = lowered[: -len("ifexists")]
    if lowered not in KNOWN_OPERATORS or (lowered == "null" and (if_exists or qualifier)):
        raise UnknownOperator(operator)
    return qualifier, lowered, if_exists
