"""Email a prefilled switch link for a role to users, groups or addresses."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role
from console import emails, url_space


class Command(BaseCommand):
    help = "Email a prefilled Switch Role link (plain text and HTML) naming the role and what it allows."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--role", required=True, help="Role ARN, e.g. arn:aws:iam::123456789012:role/UpdateAPP")
        parser.add_argument(
            "--to",
            action="append",
            required=True,
            metavar="RECIPIENT",
            help="A username, group:Name, or an email address; repeatable",
        )
        parser.add_argument("--display-name", default="")
        parser.add_argument("--color", default="", help="One of F2B0A9 FBC8AA EFDA95 B7CA9D 83D4E8")
        parser.add_argument(
            "--redirect-uri", default="", help="A page of the console to open after the switch, e.g. /s3/buckets/app/"
        )

    def handle(self, *args, role: str, to: list[str], display_name: str, color: str, **options) -> None:
        found = Role.by_arn(role)
        if found is None:
            raise CommandError(f"No role {role} is registered in the console.", returncode=2)
        redirect_uri = options["redirect_uri"].strip()
        if redirect_uri and url_space.console_path(redirect_uri) is None:
            raise CommandError(f"--redirect-uri {redirect_uri!r} is not a page of this console.", returncode=2)
        try:
            recipients = emails.resolve(to)
        except emails.RecipientError as exc:
            raise CommandError(str(exc), returncode=2) from None
        sent = emails.send_switch_link(
            found, recipients, display_name=display_name, color=color, redirect_uri=redirect_uri
        )
        self.stdout.write(f"Sent {sent} message(s): {', '.join(r.email for r in recipients)}")
