"""Emailing prefilled switch links to people."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import EmailValidator
from django.template.loader import render_to_string

from accounts.iam import PolicyError
from accounts.models import Group, Role, User

from . import links, switching


class RecipientError(ValueError):
    pass


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str


def resolve(specs: list[str]) -> list[Recipient]:
    """`alice` (a console user), `group:Developers` (every member), or an email address.
    Unknown names and users without an address are errors: nothing is half-sent."""
    out: dict[str, Recipient] = {}
    for spec in specs:
        spec = spec.strip()
        if spec.startswith("group:"):
            group = Group.objects.filter(name=spec[len("group:") :]).first()
            if group is None:
                raise RecipientError(f"No group named {spec[len('group:') :]!r}.")
            users = list(group.members.filter(is_active=True))
        elif "@" in spec:
            try:
                EmailValidator()(spec)
            except Exception:
                raise RecipientError(f"{spec!r} is not an email address.") from None
            out.setdefault(spec.lower(), Recipient(spec, spec))
            continue
        else:
            user = User.objects.filter(username=spec).first()
            if user is None:
                raise RecipientError(f"No console user named {spec!r}.")
            users = [user]
        for user in users:
            if not user.email:
                raise RecipientError(f"User {user.username} has no email address.")
            out.setdefault(user.email.lower(), Recipient(user.username, user.email))
    if not out:
        raise RecipientError("No recipients: name users, group:Name or email addresses.")
    return list(out.values())


def permissions_summary(role: Role) -> list[str]:
    """What the role allows (and denies), one line per statement of its permissions policy."""
    try:
        policy = role.parsed_permissions_policy()
    except PolicyError:
        return []
    lines = []
    for st in policy.statements:
        verb = "Allows" if st.effect == "Allow" else "Denies"
        if st.actions:
            actions = ", ".join(st.actions)
        elif st.not_actions is not None:
            actions = f"every action except {', '.join(st.not_actions)}"
        else:  # parse_policy requires exactly one of Action or NotAction
            raise TypeError("A statement without actions has NotAction.")
        if st.resources:
            resources = ", ".join(st.resources)
        elif st.not_resources:
            resources = f"every resource except {', '.join(st.not_resources)}"
        else:
            resources = "the resource it is attached to"
        lines.append(f"{verb} {actions} on {resources}")
    return lines


def send_switch_link(
    role: Role,
    recipients: list[Recipient],
    *,
    display_name: str = "",
    color: str = "",
    redirect_uri: str = "",
    sent_by: str = "",
) -> int:
    """One message per recipient, plain text and HTML. Returns how many were sent."""
    display_name = (display_name or role.display_name or role.name).strip()[:64]
    color = switching.normalize_color(color or role.color)
    context = {
        "role": role,
        "account": role.account,
        "display_name": display_name,
        "color": color,
        "link": links.for_role(role, display_name, color, redirect_uri),
        "allows": permissions_summary(role),
        "sent_by": sent_by,
        "requires_mfa": "aws:MultiFactorAuthPresent" in role.trust_policy,
    }
    # Header-bound: whatever is stored (validated or not), one line.
    subject = " ".join(f"Switch role: {display_name} in {role.account}".split())
    messages = []
    for recipient in recipients:
        ctx = {**context, "recipient": recipient}
        message = EmailMultiAlternatives(
            subject, render_to_string("emails/switch_link.txt", ctx), settings.DEFAULT_FROM_EMAIL, [recipient.email]
        )
        message.attach_alternative(render_to_string("emails/switch_link.html", ctx), "text/html")
        messages.append(message)
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
