"""Identity and access: accounts, IAM-style users and groups, policies and roles.

The console's database is the source of truth for all of these; the embedded emulator is
seeded from it at each start.
"""

from __future__ import annotations

import re
import secrets
import string
from typing import ClassVar, Self

from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from . import iam
from .iam.validate import PolicyKind

ASCII_DIGITS = re.compile(r"[0-9]+")
account_id_validator = RegexValidator(r"^[0-9]{12}$", "An account ID is exactly 12 digits.")
alias_validator = RegexValidator(
    r"^[a-z0-9]([a-z0-9-]{1,61}[a-z0-9])$",
    "An account alias is 3-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen.",
)
# IAM's rules for user, group and role names: up to 64 (roles) of letters, digits and +=,.@_-
iam_name_validator = RegexValidator(r"^[\w+=,.@-]{1,64}$", "Use up to 64 letters, digits and the characters +=,.@_-")


def single_line_text(value: str) -> None:
    """Text that may end up in a header (an email subject, a file name): no CR, LF or other
    control characters. (Bidi marks are allowed, and shown escaped.)"""
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in value or ""):
        raise ValidationError("Use a single line of text, without line breaks or control characters.")


path_validator = RegexValidator(r"^/([\x21-\x7e]*/)?$", "A path starts and ends with a slash, e.g. /engineering/.")

# The five colours the AWS console accepts for a role (hex without '#'), in its order.
ROLE_COLORS = {
    "F2B0A9": "Red",
    "FBC8AA": "Orange",
    "EFDA95": "Yellow",
    "B7CA9D": "Green",
    "83D4E8": "Blue",
}


def check_policy(text: str, kind: PolicyKind, field: str) -> dict[str, list[str]]:
    """IAM validation errors for one document field, shaped for ValidationError."""
    result = iam.validate_policy(text, kind)
    return {field: [str(f) for f in result.errors]} if result.errors else {}


def _unique_id(prefix: str) -> str:
    """An IAM-style unique ID: a 4-letter prefix and 17 upper-case letters and digits."""
    alphabet = string.ascii_uppercase + string.digits
    return prefix + "".join(secrets.choice(alphabet) for _ in range(17))


class Account(models.Model):
    account_id = models.CharField("account ID", max_length=12, unique=True, validators=[account_id_validator])
    alias = models.CharField(max_length=63, unique=True, null=True, blank=True, validators=[alias_validator])
    name = models.CharField(max_length=100, blank=True)
    is_home = models.BooleanField(
        "home account", default=False, help_text="The account whose users sign in to the console."
    )

    class CredentialsSource(models.TextChoices):
        NONE = "none", "None (the console does not manage this account's IAM)"
        EMULATOR = "emulator", "The embedded emulator"
        PROFILE = "profile", "A named boto3 profile"

    credentials_source = models.CharField(
        max_length=16,
        choices=CredentialsSource.choices,
        default=CredentialsSource.NONE,
        help_text="How the console manages roles in this account (Sync to AWS, revoking sessions).",
    )
    profile_name = models.CharField(
        max_length=128, blank=True, help_text="boto3 profile, when the source is a profile."
    )
    # The emulator's management keys for this account, sealed; set when the emulator is seeded.
    sealed_admin_credentials = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["account_id"]

    def __str__(self) -> str:
        return f"{self.alias} ({self.account_id})" if self.alias else self.account_id

    def clean(self) -> None:
        if self.credentials_source == self.CredentialsSource.PROFILE and not self.profile_name:
            raise ValidationError({"profile_name": "Name the boto3 profile that manages this account."})

    @classmethod
    def lookup(cls, id_or_alias: str) -> Account | None:
        """Find an account by its 12-digit ID or its alias."""
        value = (id_or_alias or "").strip()
        # ASCII digits only: str.isdigit() also accepts "١٢٣" and "²".
        field = "account_id" if ASCII_DIGITS.fullmatch(value) else "alias"
        return cls.objects.filter(**{field: value.lower()}).first()


class Policy(models.Model):
    """A managed policy: a named document attached to users and groups."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="policies")
    name = models.CharField(max_length=128, validators=[iam_name_validator])
    description = models.CharField(max_length=1000, blank=True)
    document = models.TextField(help_text="The policy document as JSON.")

    class Meta:
        verbose_name = "managed policy"
        verbose_name_plural = "managed policies"
        constraints = [models.UniqueConstraint(fields=["account", "name"], name="unique_policy_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account.account_id}:policy/{self.name}"

    def clean(self) -> None:
        errors = check_policy(self.document, "managed", "document")
        if errors:
            raise ValidationError(errors)

    def parsed(self) -> iam.Policy:
        return iam.parse_policy(self.document, self.name)


class User(AbstractUser):
    """An IAM-style user of the home account. `is_staff` makes an administrator."""

    username = models.CharField(
        "IAM username",
        max_length=64,
        unique=True,
        validators=[iam_name_validator],
        error_messages={"unique": "A user with that name already exists."},
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="users", null=True)
    path = models.CharField(max_length=512, default="/", validators=[path_validator])
    unique_id = models.CharField(max_length=21, unique=True, editable=False, default="")
    managed_policies = models.ManyToManyField(Policy, blank=True, related_name="users")
    must_change_password = models.BooleanField(
        "require a new password at next sign-in",
        default=False,
        help_text="After signing in, the user must choose a new password before doing anything else.",
    )
    permissions_boundary = models.ForeignKey(
        Policy,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bounded_users",
        help_text="A managed policy that sets the most this user's identity policies can allow.",
    )

    objects: ClassVar[UserManager[Self]] = UserManager()

    class Meta:
        verbose_name = "user"

    def save(self, *args, **kwargs) -> None:
        if not self.unique_id:
            self.unique_id = _unique_id("AIDA")
        super().save(*args, **kwargs)

    def check_password(self, raw_password: str) -> bool:
        """Django's check, with the hash upgrade (e.g. PBKDF2 to Argon2) done once.

        Django re-hashes an outdated hash on every successful check and saves it. Concurrent
        sign-ins of one user would each save a different hash (new salt), and since sessions
        are bound to the hash, every session but the last writer's would be signed out. Here
        the upgrade is a compare-and-set on the old hash; the losers adopt the winner's.
        """

        def upgrade(raw: str) -> None:
            old = self.password
            self.set_password(raw)
            self._password = None
            if not type(self).objects.filter(pk=self.pk, password=old).update(password=self.password):
                self.refresh_from_db(fields=["password"])

        return check_password(raw_password, self.password, upgrade)

    def require_account(self) -> Account:
        """The account this IAM user belongs to. Every console user has one (the column is
        nullable only for a bare `createsuperuser`); anything that names the user in IAM terms
        needs it. AttributeError, as reading `account.account_id` off None raised before: templates
        and `getattr(..., default)` keep treating such a user's ARN as absent."""
        if self.account is None:
            raise AttributeError(f"User {self.username!r} belongs to no account.")
        return self.account

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.require_account().account_id}:user{self.path}{self.username}"

    def identity_policies(self) -> list[iam.Policy]:
        """Every identity policy that applies: the user's and their groups', inline and managed."""
        policies = [p.parsed() for p in self.inline_policies.all()]
        policies += [p.parsed() for p in self.managed_policies.all()]
        for group in self.iam_groups.prefetch_related("inline_policies", "managed_policies"):
            policies += [p.parsed() for p in group.inline_policies.all()]
            policies += [p.parsed() for p in group.managed_policies.all()]
        return policies

    def boundary_policies(self) -> list[iam.Policy] | None:
        """The permissions boundary as a policy list, or None when the user has none."""
        # No query when the column is empty: Django answers None for a null foreign key.
        boundary = self.permissions_boundary
        return [boundary.parsed()] if boundary is not None else None


class Group(models.Model):
    """An IAM group. Named `Group` in IAM's vocabulary; Django's auth groups are not used."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="iam_groups")
    name = models.CharField(max_length=128, validators=[iam_name_validator])
    path = models.CharField(max_length=512, default="/", validators=[path_validator])
    members = models.ManyToManyField(User, blank=True, related_name="iam_groups")
    managed_policies = models.ManyToManyField(Policy, blank=True, related_name="groups")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["account", "name"], name="unique_group_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account.account_id}:group{self.path}{self.name}"


class InlinePolicy(models.Model):
    """A policy embedded in exactly one user or group."""

    name = models.CharField(max_length=128, validators=[iam_name_validator])
    document = models.TextField(help_text="The policy document as JSON.")
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="inline_policies")
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.CASCADE, related_name="inline_policies")

    class Meta:
        verbose_name = "inline policy"
        verbose_name_plural = "inline policies"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=True, group__isnull=False)
                | models.Q(user__isnull=False, group__isnull=True),
                name="inline_policy_has_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = check_policy(self.document, "group" if self.group_id else "user", "document")
        if errors:
            raise ValidationError(errors)

    def parsed(self) -> iam.Policy:
        # Exactly one owner (inline_policy_has_one_owner); a null key is None without a query.
        if self.group is not None:
            owner = self.group.name
        elif self.user is not None:
            owner = self.user.username
        else:
            raise AttributeError(f"Inline policy {self.name!r} has no owner.")
        return iam.parse_policy(self.document, f"{owner}/{self.name}")


ROLE_ARN = re.compile(
    r"^arn:aws:iam::(?P<account>[0-9]{12}):role(?P<path>/(?:[\x21-\x7e]*/)?)(?P<name>[\w+=,.@-]{1,64})$"
)


class Role(models.Model):
    """An IAM role in some account that console users may switch into."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="roles")
    name = models.CharField(max_length=64, validators=[iam_name_validator])
    path = models.CharField(max_length=512, default="/", validators=[path_validator])
    description = models.CharField(max_length=1000, blank=True)
    trust_policy = models.TextField(help_text="Who may assume the role (AssumeRolePolicyDocument).")
    permissions_policy = models.TextField(help_text="What the role may do (inline permissions policy).")
    max_session_duration = models.PositiveIntegerField(
        default=3600,
        validators=[MinValueValidator(3600), MaxValueValidator(43200)],
        help_text="Seconds, 3600 to 43200 (1 to 12 hours).",
    )
    display_name = models.CharField(max_length=64, blank=True, validators=[single_line_text])
    color = models.CharField(max_length=6, blank=True, choices=list(ROLE_COLORS.items()))

    class Meta:
        ordering = ["account__account_id", "name"]
        constraints = [models.UniqueConstraint(fields=["account", "name"], name="unique_role_name")]

    def __str__(self) -> str:
        return self.arn

    @classmethod
    def by_arn(cls, arn: str) -> Role | None:
        """The registered role with this ARN (path included), or None."""
        match = ROLE_ARN.fullmatch(arn or "")
        if not match:
            return None
        return (
            cls.objects.select_related("account")
            .filter(account__account_id=match["account"], path=match["path"], name=match["name"])
            .first()
        )

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account.account_id}:role{self.path}{self.name}"

    def clean(self) -> None:
        errors = check_policy(self.trust_policy, "trust", "trust_policy")
        errors |= check_policy(self.permissions_policy, "role", "permissions_policy")
        if errors:
            raise ValidationError(errors)

    @property
    def requires_mfa(self) -> bool:
        """Derived from the trust policy: does an Allow statement test MFA?"""
        try:
            trust = self.parsed_trust_policy()
        except iam.PolicyError:
            return False
        return any(
            st.effect == "Allow" and any(c.key.startswith("aws:multifactorauth") for c in st.conditions)
            for st in trust.statements
        )

    def parsed_trust_policy(self) -> iam.Policy:
        return iam.parse_policy(self.trust_policy, f"{self.name} trust policy")

    def parsed_permissions_policy(self) -> iam.Policy:
        return iam.parse_policy(self.permissions_policy, f"{self.name} permissions policy")


class MFADevice(models.Model):
    """A virtual MFA device (TOTP). One per user; pending until two consecutive codes activate it."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="mfa_device")
    sealed_secret = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    enabled_at = models.DateTimeField(null=True, blank=True)
    # The last TOTP time step accepted: a code is good once, even across workers.
    last_used_step = models.BigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = "virtual MFA device"

    def __str__(self) -> str:
        return self.serial

    @property
    def active(self) -> bool:
        return self.enabled_at is not None

    @property
    def serial(self) -> str:
        return f"arn:aws:iam::{self.user.require_account().account_id}:mfa/{self.user.username}"


class AccessKey(models.Model):
    """A console-issued access key for the STS endpoint. SigV4 needs the secret itself, so it is
    stored sealed (encrypted), not hashed; it is shown once, at creation."""

    class Status(models.TextChoices):
        ACTIVE = "Active", "Active"
        INACTIVE = "Inactive", "Inactive"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_keys")
    access_key_id = models.CharField(max_length=20, unique=True, editable=False)
    sealed_secret = models.TextField(editable=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Requests in the current rate-limit window (per key, counted in the database: all workers).
    window_start = models.DateTimeField(null=True, blank=True, editable=False)
    window_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.access_key_id

    @property
    def active(self) -> bool:
        return self.status == self.Status.ACTIVE


class Throttle(models.Model):
    """One failure budget (see accounts/throttle.py): attempts counted in the window ending at
    `expires_at`. The key is a hash of the rule and the identity, so no typed text is stored."""

    key = models.CharField(max_length=64, unique=True)
    count = models.PositiveIntegerField(default=0)  # failures, plus the attempts still in flight
    in_flight = models.PositiveIntegerField(default=0)  # counted attempts whose outcome is not known yet
    expires_at = models.DateTimeField(db_index=True)
