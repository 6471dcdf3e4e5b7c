"""The console's own state: role sessions (with their credentials, sealed) and the audit log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from . import url_space


class RoleSessionQuerySet(models.QuerySet):
    def end(self, reason: str) -> int:
        """End these stays now and wipe their credentials: nothing to steal once a stay is over."""
        from accounts import clock

        return self.filter(ended_at=None).update(ended_at=clock.now(), end_reason=reason[:32], sealed_credentials="")


class RoleSession(models.Model):
    """One stay inside a role. A person may have several at once (`MAX_ROLE_SESSIONS`), each in
    its own URL space `/r/<slug>/` (see `console.url_space` and `console.role_sessions`).

    The temporary credentials are sealed with `accounts.crypto` and never leave the server. The
    browser holds nothing but its session cookie; a role session is usable only by its user in
    the browser session that started it (`browser_session_key`, kept in step when the key changes).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_sessions")
    role = models.ForeignKey("accounts.Role", null=True, on_delete=models.SET_NULL, related_name="sessions")
    role_arn = models.CharField(max_length=2048)
    account_id = models.CharField(max_length=12)
    display_name = models.CharField(max_length=64)
    color = models.CharField(max_length=6, blank=True)
    sealed_credentials = models.TextField(editable=False)
    expiration = models.DateTimeField()
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=32, blank=True)
    # The browser session (django.contrib.sessions key) the stay belongs to: when that session is
    # gone (signed out elsewhere, expired, flushed), cleanup ends the stay.
    browser_session_key = models.CharField(max_length=40, blank=True, db_index=True)
    # The URL space: short, random, not the primary key (a tab's URL says nothing about others).
    slug = models.CharField(max_length=16, unique=True, default=url_space.new_slug)
    # "Most recently used", for URLs that carry no session; written at most about once a minute.
    last_used_at = models.DateTimeField(default=timezone.now)
    # Set while one request renews the credentials, so that concurrent requests renew once.
    renewing_since = models.DateTimeField(null=True, blank=True)

    objects = RoleSessionQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["role", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.role_arn}"

    @property
    def role_name(self) -> str:
        return self.role_arn.rsplit("/", 1)[-1]


class AuditEvent(models.Model):
    """A record of who did what, never deleted. Never holds a secret. An action's row is written
    before the action (outcome "pending") and completed after it (see console/audit.py)."""

    class Kind(models.TextChoices):
        SIGNIN = "signin", "Signed in"
        SIGNIN_FAILED = "signin_failed", "Sign-in failed"
        SIGNOUT = "signout", "Signed out"
        SWITCH_ALLOWED = "switch_allowed", "Switch allowed"
        SWITCH_REFUSED = "switch_refused", "Switch refused"
        SWITCH_BACK = "switch_back", "Switched back"
        SESSION_EXPIRED = "session_expired", "Role session expired"
        SESSION_RENEWED = "session_renewed", "Role session renewed"
        SESSION_RENEWAL_REFUSED = "session_renewal_refused", "Role session renewal refused"
        S3_PUT = "s3_put", "S3 object uploaded"
        S3_DELETE = "s3_delete", "S3 object deleted"
        MFA_ENABLED = "mfa_enabled", "MFA device assigned"
        MFA_DISABLED = "mfa_disabled", "MFA device removed"
        MFA_FAILED = "mfa_failed", "MFA code refused"
        MFA_STEP_UP = "mfa_step_up", "MFA step-up passed"
        SWITCH_LINK_SENT = "switch_link_sent", "Switch link emailed"
        ADMIN_CHANGE = "admin_change", "Administration change"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        ACCESS_KEY_CREATED = "access_key_created", "Access key created"
        ACCESS_KEY_CHANGED = "access_key_changed", "Access key changed"
        S3_GET = "s3_get", "S3 object downloaded"
        S3_UPLOAD_LEFT_BEHIND = "s3_upload_left_behind", "S3 multipart upload not aborted"
        SESSION_ENDED = "session_ended", "Role session ended"

    class Outcome(models.TextChoices):
        # Plain events are recorded once, after the fact (""). Actions with an effect outside the
        # console are recorded before they happen (PENDING), then given their outcome.
        RECORDED = "", "Recorded"
        PENDING = "pending", "Intended (outcome unknown)"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    time = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    username = models.CharField(max_length=64, blank=True)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    role_arn = models.CharField(max_length=2048, blank=True)
    detail = models.TextField(blank=True)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True, default="")

    class Meta:
        ordering = ["-time"]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.username} {self.kind}"


class RoleHistoryEntry(models.Model):
    """A role the user switched into: kept per user on the server, so it survives sign-out,
    cleared cookies and other browsers (the AWS console keeps 5 in a cookie). One entry per
    role ARN, however the account and role were typed (alias or ID, with or without slashes)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_history")
    role_arn = models.CharField(max_length=2048)
    account = models.CharField(max_length=63, help_text="The role's account ID")
    role_name = models.CharField(max_length=576, help_text="Role name with its path, if any (team/Role)")
    display_name = models.CharField(max_length=64)
    color = models.CharField(max_length=6, blank=True)
    last_used_at = models.DateTimeField()
    pinned = models.BooleanField(default=False)

    class Meta:
        ordering = ["-pinned", "-last_used_at"]
        constraints = [models.UniqueConstraint(fields=["user", "role_arn"], name="one_history_entry_per_role_arn")]

    def __str__(self) -> str:
        return f"{self.user}: {self.display_name}"


class IssuedCredential(models.Model):
    """Temporary credentials the STS endpoint brokered, so that a client presenting them back
    (e.g. `aws sts get-caller-identity --profile prod`) is recognised, and refused with
    ExpiredToken once they expire. Secret sealed, session token stored only as a hash."""

    access_key_id = models.CharField(max_length=128, unique=True)
    sealed_secret = models.TextField(editable=False)
    session_token_sha256 = models.CharField(max_length=64, editable=False)
    issued_via = models.ForeignKey("accounts.AccessKey", null=True, on_delete=models.SET_NULL)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    role_arn = models.CharField(max_length=2048)
    assumed_role_arn = models.CharField(max_length=2048)
    assumed_role_id = models.CharField(max_length=256)
    expiration = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} as {self.assumed_role_arn}"


class MaintenanceSlot(models.Model):
    """When a periodic job (console/maintenance.py) may run next: claimed with one conditional
    UPDATE, so one thread of one process of one instance runs it per interval."""

    name = models.CharField(max_length=32, primary_key=True)
    next_run_at = models.DateTimeField()
