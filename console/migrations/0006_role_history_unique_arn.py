# The second half of 0005, in its own transaction (PostgreSQL): one entry per user and role ARN.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("console", "0005_role_history_by_arn"),
    ]

    operations = [
        migrations.AlterField(
            model_name="rolehistoryentry",
            name="account",
            field=models.CharField(help_text="The role's account ID", max_length=63),
        ),
        migrations.AlterField(
            model_name="rolehistoryentry",
            name="role_name",
            field=models.CharField(help_text="Role name with its path, if any (team/Role)", max_length=576),
        ),
        migrations.AddConstraint(
            model_name="rolehistoryentry",
            constraint=models.UniqueConstraint(fields=("user", "role_arn"), name="one_history_entry_per_role_arn"),
        ),
    ]
