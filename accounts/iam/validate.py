"""Policy validation as IAM does it, with messages that read like MalformedPolicyDocument.

`validate_policy(text, kind)` never raises for bad input: it returns errors (the policy would be
refused) and warnings (legal but dangerous). Each finding names the statement (Sid or position)
and its line and column in the text.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import json.decoder
import json.scanner
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from .conditions import parse_date
from .operators import UnknownOperator, split_operator
from .policy import VERSION_2008, VERSION_2012

# Identity kinds, then resource-based kinds: a role's trust policy, an S3 bucket policy, and
# "generic" (another service's resource policy, e.g. SQS or KMS).
PolicyKind = Literal["managed", "user", "group", "role", "boundary", "trust", "bucket", "generic"]

# Size quotas in characters, whitespace not counted (IAM quotas page; S3's 20 KB bucket policy
# limit; for other services, the simulator API's own limit on a resource policy).
SIZE_LIMITS: dict[str, int] = {
    "managed": 6144,
    "boundary": 6144,
    "user": 2048,
    "group": 5120,
    "role": 10240,
    "trust": 2048,
    "bucket": 20480,
    "generic": 131072,
}
IDENTITY_KINDS = {"managed", "user", "group", "role", "boundary"}
RESOURCE_KINDS = {"trust", "bucket", "generic"}
TOP_LEVEL = {"Version", "Id", "Statement"}
STATEMENT_ELEMENTS = {
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
}
PRINCIPAL_TYPES = {"AWS", "Service", "Federated", "CanonicalUser"}
_SID = re.compile(r"^[0-9A-Za-z]*$")
_ACTION = re.compile(r"^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$")
_CONDITION_KEY = re.compile(r"^[A-Za-z0-9-]+:[\w/*?.:+=@,-]+$")
_ACCOUNT = re.compile(r"^[0-9]{12}$")
_S3_RESOURCE = re.compile(r"^arn:aws[a-z-]*:s3:::[^/:]+(/.*)?$")
_AWS_PRINCIPAL_ARN = re.compile(
    r"^arn:aws[a-z-]*:(iam::[0-9]{12}:(root|user/.+|role/.+|federated-user/.+)|sts::[0-9]{12}:assumed-role/.+)$"
)


@dataclass(frozen=True)
class Finding:
    message: str
    statement: str | None = None  # "statement 2" or the Sid
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = []
        if self.statement:
            where.append(self.statement)
        if self.line is not None:
            where.append(f"line {self.line}, column {self.column}")
        return f"{self.message} ({'; '.join(where)})" if where else self.message


@dataclass
class ValidationResult:
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _PositionDecoder(json.JSONDecoder):
    """json.JSONDecoder that remembers where each object starts and which keys repeat."""

    def __init__(self, text: str) -> None:
        super().__init__(object_pairs_hook=self._pairs)
        self.text = text
        self.starts: dict[int, int] = {}
        self.duplicates: dict[int, list[str]] = {}

        def parse_object(s_and_end: tuple[str, int], *args: Any) -> tuple[dict[str, Any], int]:
            start = s_and_end[1] - 1
            # typeshed leaves out json's pure-Python parser helpers (JSONObject, py_make_scanner).
            obj, end = json.decoder.JSONObject(s_and_end, *args)  # type: ignore[attr-defined]
            self.starts[id(obj)] = start
            return obj, end

        self.parse_object = parse_object
        # The C scanner ignores parse_object; typeshed does not list py_make_scanner.
        self.scan_once = json.scanner.py_make_scanner(self)  # type: ignore[attr-defined]

    def _pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        repeated = []
        for key, value in pairs:
            if key in result:
                repeated.append(key)
            result[key] = value
        if repeated:
            self.duplicates[id(result)] = repeated
        return result

    def position(self, obj: object) -> tuple[int | None, int | None]:
        start = self.starts.get(id(obj))
        if start is None:
            return None, None
        line = self.text.count("\n", 0, start) + 1
        return line, start - (self.text.rfind("\n", 0, start) + 1) + 1


def _strings(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class _Validator:
    def __init__(self, text: str, kind: str) -> None:
        self.text = text
        self.kind = kind
        self.result = ValidationResult()
        self.decoder = _PositionDecoder(text)

    def error(self, message: str, statement: str | None = None, node: object = None) -> None:
        self.result.errors.append(Finding(message, statement, *self.decoder.position(node)))

    def warn(self, message: str, statement: str | None = None, node: object = None) -> None:
        self.result.warnings.append(Finding(message, statement, *self.decoder.position(node)))

    def run(self) -> ValidationResult:
        if self.kind not in SIZE_LIMITS:
            raise ValueError(f"unknown policy kind {self.kind!r}")
        try:
            data = self.decoder.decode(self.text)
        except json.JSONDecodeError as exc:
            self.result.errors.append(Finding(f"Syntax errors in policy: {exc.msg}.", None, exc.lineno, exc.colno))
            return self.result
        except RecursionError:
            self.error("Syntax errors in policy: nesting is too deep.")
            return self.result
        if not isinstance(data, dict):
            self.error("Syntax errors in policy: the policy must be a JSON object.")
            return self.result
        for key in self.decoder.duplicates.get(id(data), []):
            self.error(f"Duplicate field {key}: each element may appear once.", None, data)
        self._size(data)
        for key in data:
            if key not in TOP_LEVEL:
                self.error(f"Unknown field {key}.", None, data)
        version = data.get("Version")
        if version is None:
            self.warn(
                f"The policy has no Version: it is read as {VERSION_2008}, without policy variables. "
                f'Add "Version": "{VERSION_2012}".',
                None,
                data,
            )
        elif version not in (VERSION_2012, VERSION_2008):
            self.error(f"The policy must contain a valid version string: {VERSION_2012} or {VERSION_2008}.", None, data)
        if "Id" in data and not isinstance(data["Id"], str):
            self.error("Id must be a string.", None, data)
        statements = data.get("Statement")
        if statements is None:
            self.error("Missing required field Statement.", None, data)
            return self.result
        if isinstance(statements, dict):
            statements = [statements]
        if not isinstance(statements, list) or not statements:
            self.error("Statement must be an object or a non-empty list of objects.", None, data)
            return self.result
        sids: set[str] = set()
        for index, statement in enumerate(statements):
            self._statement(statement, index, sids, version == VERSION_2012)
        return self.result

    def _duplicates(self, node: Any, label: str | None) -> None:
        if isinstance(node, dict):
            for key in self.decoder.duplicates.get(id(node), []):
                self.error(f"Duplicate field {key}: each element may appear once.", label, node)
            for value in node.values():
                self._duplicates(value, label)
        elif isinstance(node, list):
            for item in node:
                self._duplicates(item, label)

    def _size(self, data: dict[str, Any]) -> None:
        limit = SIZE_LIMITS[self.kind]
        size = len(json.dumps(data, separators=(",", ":"), ensure_ascii=False))
        if size > limit:
            self.error(
                f"Cannot exceed quota for PolicySize: {limit} (this policy has {size} characters, "
                "whitespace not counted)."
            )

    def _statement(self, st: Any, index: int, sids: set[str], variables: bool) -> None:
        label = f"statement {index + 1}"
        if not isinstance(st, dict):
            self.error("Each statement must be a JSON object.", label)
            return
        sid = st.get("Sid")
        if sid is not None:
            if not isinstance(sid, str) or not _SID.match(sid):
                self.error(
                    "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the "
                    "regular expression [0-9A-Za-z]*.",
                    label,
                    st,
                )
            else:
                label = f"statement {index + 1} ({sid})" if sid else label
                if sid and sid in sids:
                    self.error("Statement IDs (SID) in a single policy must be unique.", label, st)
                sids.add(sid)
        self._duplicates(st, label)
        for key in st:
            if key not in STATEMENT_ELEMENTS:
                self.error(f"Unknown field {key}.", label, st)

        effect = st.get("Effect")
        if effect is None:
            self.error("Missing required field Effect.", label, st)
        elif effect not in ("Allow", "Deny"):
            self.error(f"Invalid effect: {effect}. Effect must be Allow or Deny.", label, st)

        self._actions(st, label)
        self._resources(st, label, variables)
        self._principals(st, label)
        if "Condition" in st:
            self._conditions(st, label, variables)
        self._warnings(st, label, effect)

    def _actions(self, st: dict[str, Any], label: str) -> None:
        if "Action" in st and "NotAction" in st:
            self.error("A statement cannot contain both Action and NotAction.", label, st)
        element = "Action" if "Action" in st else "NotAction" if "NotAction" in st else None
        if element is None:
            self.error("Policy statement must contain actions.", label, st)
            return
        values = _strings(st[element])
        if not values:
            self.error("Policy statement must contain actions.", label, st)
        for action in values:
            if not isinstance(action, str):
                self.error(f"{element} values must be strings.", label, st)
            elif action != "*" and not _ACTION.match(action):
                self.error(
                    f"Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. "
                    f"({action!r} is not service:action).",
                    label,
                    st,
                )
            elif self.kind == "bucket" and action != "*" and not action.lower().startswith("s3:"):
                self.error(f"Policy has invalid action: a bucket policy grants S3 actions only ({action}).", label, st)

    def _resources(self, st: dict[str, Any], label: str, variables: bool) -> None:
        if "Resource" in st and "NotResource" in st:
            self.error("A statement cannot contain both Resource and NotResource.", label, st)
        element = "Resource" if "Resource" in st else "NotResource" if "NotResource" in st else None
        if self.kind == "trust":
            if element:
                self.error(f"Has prohibited field {element}: a trust policy applies to its role.", label, st)
            return
        if element is None:
            self.error("Policy statement must contain resources.", label, st)
            return
        values = _strings(st[element])
        if not values:
            self.error("Policy statement must contain resources.", label, st)
        for resource in values:
            if not isinstance(resource, str):
                self.error(f"{element} values must be strings.", label, st)
            elif resource != "*" and not (resource.startswith("arn:") and resource.count(":") >= 5):
                self.error(f'Resource {resource} must be in ARN format or "*".', label, st)
            elif self.kind == "bucket" and not _S3_RESOURCE.match(resource):
                self.error(
                    f"Policy has invalid resource: a bucket policy names its bucket and objects, "
                    f"arn:aws:s3:::bucket or arn:aws:s3:::bucket/key ({resource}).",
                    label,
                    st,
                )
            elif not variables and "${" in resource:
                self.warn(
                    f"Policy variables in {resource} are not substituted: they need Version {VERSION_2012}.", label, st
                )

    def _principals(self, st: dict[str, Any], label: str) -> None:
        element = "Principal" if "Principal" in st else "NotPrincipal" if "NotPrincipal" in st else None
        if "Principal" in st and "NotPrincipal" in st:
            self.error("A statement cannot contain both Principal and NotPrincipal.", label, st)
        if self.kind in IDENTITY_KINDS:
            if element:
                self.error("Policy document should not specify a principal.", label, st)
            return
        if element is None:
            self.error("Missing required field Principal.", label, st)
            return
        if element == "NotPrincipal":
            if self.kind == "trust":
                self.error(
                    "Has prohibited field NotPrincipal: a trust policy names the principals it trusts.", label, st
                )
            elif st.get("Effect") == "Allow":
                self.error('NotPrincipal must be used with "Effect": "Deny".', label, st)
        value = st[element]
        if value == "*":
            return
        if not isinstance(value, dict) or not value:
            self.error(
                f'Invalid principal in policy: {element} must be "*" or an object such as '
                '{"AWS": "arn:aws:iam::111122223333:root"}.',
                label,
                st,
            )
            return
        for kind, raw in value.items():
            if kind not in PRINCIPAL_TYPES:
                self.error(f'Invalid principal in policy: unknown principal type "{kind}".', label, st)
                continue
            for item in _strings(raw):
                if not isinstance(item, str) or (
                    kind == "AWS" and not (item == "*" or _ACCOUNT.match(item) or _AWS_PRINCIPAL_ARN.match(item))
                ):
                    self.error(f'Invalid principal in policy: "{kind}":"{item}".', label, st)

    def _conditions(self, st: dict[str, Any], label: str, variables: bool) -> None:
        block = st["Condition"]
        if not isinstance(block, dict):
            self.error("Condition must be an object of operators.", label, st)
            return
        for operator, keys in block.items():
            try:
                _, base, _ = split_operator(operator)
            except UnknownOperator:
                self.error(f"Invalid Condition type : {operator}.", label, st)
                continue
            if not isinstance(keys, dict) or not keys:
                self.error(f"Condition {operator} must map condition keys to values.", label, st)
                continue
            for key, raw in keys.items():
                if not _CONDITION_KEY.match(key):
                    self.error(f"Condition key {key} must be prefaced by a vendor, e.g. aws:SourceIp.", label, st)
                values = _strings(raw)
                if not values:
                    self.error(f"Condition {operator} {key} has no values.", label, st)
                for value in values:
                    problem = _value_problem(base, value)
                    if problem:
                        self.error(f"Invalid Condition value for {operator} {key}: {problem}", label, st)

    def _warnings(self, st: dict[str, Any], label: str, effect: Any) -> None:
        if effect != "Allow":
            return
        if "NotAction" in st:
            self.warn(
                "Allow with NotAction grants every action except those listed, including actions "
                "AWS adds later. Prefer Action with an explicit list.",
                label,
                st,
            )
        if "NotResource" in st:
            self.warn(
                "Allow with NotResource grants access to every resource except those listed. "
                "Prefer Resource with an explicit list.",
                label,
                st,
            )
        principal = st.get("Principal")
        anyone = principal == "*" or (isinstance(principal, dict) and "*" in _strings(principal.get("AWS", [])))
        if self.kind == "trust" and anyone and "Condition" not in st:
            self.warn(
                '"Principal": "*" in a trust policy lets anyone in any AWS account assume this '
                "role. Name the accounts or principals you trust.",
                label,
                st,
            )
        if self.kind == "bucket" and anyone and "Condition" not in st:
            self.warn(
                '"Principal": "*" in a bucket policy grants these actions to anyone, including '
                "anonymous requests (a public bucket). Name the accounts or principals.",
                label,
                st,
            )
        actions = _strings(st.get("Action", []))
        resources = _strings(st.get("Resource", []))
        if "*" in actions and "*" in resources:
            self.warn(
                '"Action": "*" with "Resource": "*" grants every action on every resource (full administrator).',
                label,
                st,
            )


def _value_problem(base: str, value: Any) -> str | None:
    if isinstance(value, (dict, list)) or value is None:
        return "values must be strings, numbers or booleans."
    text = "true" if value is True else "false" if value is False else str(value)
    base = {
        "stringnotequals": "string",
        "numericnotequals": "numericequals",
        "datenotequals": "dateequals",
        "notipaddress": "ipaddress",
    }.get(base, base)
    if base.startswith("numeric"):
        try:
            float(text)
        except ValueError:
            return f"{text!r} is not a number."
    elif base.startswith("date"):
        try:
            parse_date(text)
        except ValueError:
            return f"{text!r} is not a date (ISO 8601 or epoch seconds)."
    elif base in ("bool", "null"):
        if text.lower() not in ("true", "false"):
            return f"{text!r} must be true or false."
    elif base == "ipaddress":
        try:
            ipaddress.ip_network(text, strict=False)
        except ValueError:
            return f"{text!r} is not an IP address or CIDR range."
    elif base == "binaryequals":
        try:
            base64.b64decode(text, validate=True)
        except ValueError:
            return f"{text!r} is not base64."
    return None


def validate_policy(text: object, kind: PolicyKind = "managed") -> ValidationResult:
    """Validate policy text of the given kind (see SIZE_LIMITS for the kinds)."""
    if not isinstance(text, str):
        return ValidationResult(errors=[Finding("Syntax errors in policy: the document must be text.")])
    return _Validator(text, kind).run()
