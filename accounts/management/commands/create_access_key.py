"""`aws iam create-access-key --user-name NAME`, for console access keys (STS endpoint)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from accounts import access_keys
from accounts.models import User


class Command(BaseCommand):
    help = "Create a console access key for a user and print it as IAM's CreateAccessKey output (JSON)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user-name", required=True)

    def handle(self, *args, user_name: str, **options) -> None:
        user = User.objects.filter(username=user_name).first()
        if user is None:
            raise CommandError(f"The user with name {user_name} cannot be found.", returncode=2)
        try:
            key, secret = access_keys.create(user)
        except access_keys.AccessKeyError as exc:
            raise CommandError(str(exc), returncode=2) from None
        self.stdout.write(
            json.dumps(
                {
                    "AccessKey": {
                        "UserName": user.username,
                        "AccessKeyId": key.access_key_id,
                        "Status": key.status,
                        "SecretAccessKey": secret,
                        "CreateDate": key.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    }
                },
                indent=2,
            )
        )
