"""The admin's forms for identity and access: a new user, and the policy simulator."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AdminUserCreationForm

from .iam import Policy, ResourceKind, simulate
from .models import User
from .simulation import simulate_user
from .widgets import PolicyEditor


class ConsoleUserCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):  # type: ignore[name-defined]  # django-stubs declare no Meta on it
        model = User
        fields = ("username",)


class SimulatorForm(forms.Form):
    user = forms.ModelChoiceField(
        User.objects.filter(account__isnull=False),
        required=False,
        help_text="Simulate this user's real policies, or leave empty and paste policies.",
    )
    policies = forms.CharField(
        required=False,
        widget=PolicyEditor(),
        label="Identity policies",
        help_text="One policy document (JSON), or several separated by a line with ---.",
    )
    resource_policy = forms.CharField(
        required=False,
        widget=PolicyEditor(),
        help_text="Optional resource-based policy for resources that are not S3 buckets or objects, e.g. a "
        "role's trust policy (no Resource element) or another service's policy.",
    )
    bucket_policy = forms.CharField(
        required=False,
        widget=PolicyEditor(),
        help_text="Optional S3 bucket policy, applied to the S3 resources (arn:aws:s3:::bucket, "
        "arn:aws:s3:::bucket/key). It needs Principal and Resource.",
    )
    resource_owner = forms.CharField(
        required=False,
        help_text="Account ID owning the S3 resources (default: the caller's account). A resource ARN that "
        "names an account, such as an IAM role's, is owned by that account.",
    )
    caller_arn = forms.CharField(required=False, help_text="The caller, when pasting policies with a resource policy.")
    actions = forms.CharField(help_text="Action names, separated by spaces or commas, e.g. sts:AssumeRole")
    resources = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="Resource ARNs, one per line (default *)."
    )
    context = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Context entries",
        help_text="One per line: ContextKeyName=k,ContextKeyValues=v1,v2,ContextKeyType=string",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data is None:
            raise TypeError("forms.Form.clean() returns cleaned_data.")
        if not data.get("user") and not (data.get("policies") or "").strip():
            raise forms.ValidationError("Choose a user or paste at least one identity policy.")
        return data

    def run(self) -> dict:
        data = self.cleaned_data
        actions = [a for a in data["actions"].replace(",", " ").split() if a]
        resources = [r.strip() for r in data["resources"].splitlines() if r.strip()] or ["*"]
        context = simulate.parse_context_entries([c for c in data["context"].splitlines() if c.strip()])
        owner = simulate.parse_resource_owner(data.get("resource_owner", "").strip())
        resource_policy: Policy | None = None
        kind: ResourceKind = "generic"
        if data["resource_policy"].strip():
            resource_policy, kind = simulate.load_resource_policy(data["resource_policy"])
        bucket_policy = None
        if data.get("bucket_policy", "").strip():
            bucket_policy = simulate.load_policy(data["bucket_policy"], "BucketPolicy", "bucket")
        if data["user"]:
            return simulate_user(
                data["user"], actions, resources, context, resource_policy, owner, kind, bucket_policy=bucket_policy
            )
        documents = [d for d in data["policies"].split("\n---\n") if d.strip()]
        identity = [simulate.load_policy(d, f"PolicyInputList.{i}", "managed") for i, d in enumerate(documents, 1)]
        caller = data["caller_arn"].strip() or "arn:aws:iam::000000000000:user/SimulatedUser"
        if (resource_policy or bucket_policy) is not None and not data["caller_arn"].strip():
            raise simulate.SimulationInputError("Give the caller ARN when you paste a resource or bucket policy.")
        principal = simulate.principal_from_arn(caller)
        results = []
        for resource in resources:
            policy, policy_kind = resource_policy, kind
            if bucket_policy is not None and resource.startswith("arn:aws:s3:::"):
                policy, policy_kind = bucket_policy, "bucket"
            sim = simulate.Simulation(identity, principal, context, None, policy, owner, policy_kind)
            results += sim.run(actions, [resource])["EvaluationResults"]
        # Action-major order, as AWS (and simulate_user) list them.
        order = {a: i for i, a in enumerate(actions)}
        results.sort(key=lambda r: order[r["EvalActionName"]])
        return {"EvaluationResults": results}
