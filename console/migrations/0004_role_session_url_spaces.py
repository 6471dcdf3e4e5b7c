# Several role sessions per person, each in its own URL space (issue 13).

import secrets

import django.utils.timezone
from django.db import migrations, models

import console.url_space

ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def fill(apps, schema_editor):
    """Existing rows get a URL space and a last use (their start)."""
    RoleSession = apps.get_model("console", "RoleSession")
    for session in RoleSession.objects.all().only("pk", "started_at"):
        slug = "".join(secrets.choice(ALPHABET) for _ in range(10))
        RoleSession.objects.filter(pk=session.pk).update(slug=slug, last_used_at=session.started_at)


class Migration(migrations.Migration):
    dependencies = [
        ("console", "0003_maintenance_slot"),
    ]

    operations = [
        migrations.AddField(
            model_name="rolesession",
            name="slug",
            field=models.CharField(max_length=16, null=True),
        ),
        migrations.AddField(
            model_name="rolesession",
            name="last_used_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name="rolesession",
            name="renewing_since",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="rolesession",
            name="slug",
            field=models.CharField(default=console.url_space.new_slug, max_length=16, unique=True),
        ),
        migrations.AlterField(
            model_name="rolesession",
            name="last_used_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("signin", "Signed in"),
                    ("signin_failed", "Sign-in failed"),
                    ("signout", "Signed out"),
                    ("switch_allowed", "Switch allowed"),
                    ("switch_refused", "Switch refused"),
                    ("switch_back", "Switched back"),
                    ("session_expired", "Role session expired"),
                    ("session_renewed", "Role session renewed"),
                    ("session_renewal_refused", "Role session renewal refused"),
                    ("s3_put", "S3 object uploaded"),
                    ("s3_delete", "S3 object deleted"),
                    ("mfa_enabled", "MFA device assigned"),
                    ("mfa_disabled", "MFA device removed"),
                    ("mfa_failed", "MFA code refused"),
                    ("mfa_step_up", "MFA step-up passed"),
                    ("switch_link_sent", "Switch link emailed"),
                    ("admin_change", "Administration change"),
                    ("password_changed", "Password changed"),
                    ("access_key_created", "Access key created"),
                    ("access_key_changed", "Access key changed"),
                    ("s3_get", "S3 object downloaded"),
                    ("s3_upload_left_behind", "S3 multipart upload not aborted"),
                    ("session_ended", "Role session ended"),
                ],
                max_length=32,
            ),
        ),
    ]
