"""The staff roles' groups (accounts.roles). A migration that adds models a role's patterns
cover adds `RunPython(sync_roles)` too, so the group takes in their permissions."""

from django.db import migrations


def sync_roles(apps, schema_editor):
    from accounts.roles import roles_sync

    roles_sync(apps)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_personal_data_permissions'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('admin', '0003_logentry_add_action_flag_choices'),
        ('sessions', '0001_initial'),
        ('otp_totp', '0003_add_timestamps'),
        ('otp_static', '0003_add_timestamps'),
        ('catalog', '0002_place_updated_at'),
        ('bookings', '0007_refund_any_amount'),
        ('reviews', '0001_reviews'),
        ('analytics', '0001_initial'),
        ('audit', '0001_initial'),
        ('search', '0005_sync_checkpoint'),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
