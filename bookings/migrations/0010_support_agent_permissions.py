"""Support agents take in the new permissions (traveler names, confirmations, notes)."""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from accounts.roles import roles_sync

    roles_sync(apps)


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0009_support_notes_refund_requests_search_indexes'),
        ('accounts', '0007_user_time_zone'),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
