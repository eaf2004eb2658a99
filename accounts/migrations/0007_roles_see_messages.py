"""Support agents see what travelers were sent and may resend it (accounts.roles)."""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from accounts.roles import roles_sync

    roles_sync(apps)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_rate_counter_moved'),
        ('notifications', '0001_outbox'),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
