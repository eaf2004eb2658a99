"""Travelers verify their email before booking: `User.email_verified_at`.

Accounts made before verification existed have booked with their address already: they
count as verified from when they joined, so none is stopped at checkout by this change.
"""

from django.db import migrations, models
from django.db.models import F


def verified_from_joining(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.filter(email_verified_at__isnull=True).update(email_verified_at=F("date_joined"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_rate_counter_moved"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_verified_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(verified_from_joining, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="loginsession",
            name="end_reason",
            field=models.CharField(
                blank=True,
                choices=[
                    ("logout", "Logged out"),
                    ("reuse", "A rotated refresh token was used again"),
                    ("staff", "Ended by staff"),
                    ("erased", "The account's personal data was erased"),
                    ("reset", "The password was reset by an emailed link"),
                ],
                max_length=16,
            ),
        ),
    ]
