# Role history keyed on the role ARN instead of the text typed (issue 14): `example-prod/UpdateAPP`
# and `123456789012/UpdateAPP` become one entry. Duplicates merge into the most recently used one
# (pinned if any of them was); entries whose account the console no longer knows are dropped, as
# they could not be switched into.

import re

from django.db import migrations, models

DIGITS = re.compile(r"[0-9]+")
# As console.switching.split_role_name: an optional path, then the name.
ROLE_NAME = re.compile(r"^(?:(?P<path>[\x21-\x7e]+)/)?(?P<name>[\w+=,.@-]{1,64})$")


def key_on_arn(apps, schema_editor):
    Entry = apps.get_model("console", "RoleHistoryEntry")
    Account = apps.get_model("accounts", "Account")
    account_ids = {}

    def account_id(typed):
        value = typed.strip().lower()
        if value not in account_ids:
            field = "account_id" if DIGITS.fullmatch(value) else "alias"
            account_ids[value] = Account.objects.filter(**{field: value}).values_list("account_id", flat=True).first()
        return account_ids[value]

    kept = {}
    for entry in Entry.objects.order_by("-last_used_at", "-pk"):  # newest first: it survives a merge
        account = account_id(entry.account)
        match = ROLE_NAME.match(entry.role_name.strip().strip("/"))
        if account is None or match is None:
            entry.delete()
            continue
        path = (match["path"] or "").strip("/")
        role_name = f"{path}/{match['name']}" if path else match["name"]
        arn = f"arn:aws:iam::{account}:role/{role_name}"
        first = kept.get((entry.user_id, arn))
        if first is None:
            kept[(entry.user_id, arn)] = entry
            Entry.objects.filter(pk=entry.pk).update(role_arn=arn, account=account, role_name=role_name)
            continue
        if entry.pinned and not first.pinned:
            first.pinned = True
            Entry.objects.filter(pk=first.pk).update(pinned=True)
        entry.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("console", "0004_role_session_url_spaces"),
        ("accounts", "0004_throttle_in_flight"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="rolehistoryentry", name="one_history_entry_per_role"),
        migrations.AddField(
            model_name="rolehistoryentry",
            name="role_arn",
            field=models.CharField(default="", max_length=2048),
            preserve_default=False,
        ),
        migrations.RunPython(key_on_arn, migrations.RunPython.noop),
    ]
