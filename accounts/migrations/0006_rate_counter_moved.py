"""RateCounter now belongs to travelguru (travelguru 0003): state only, no table dropped."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_staff_roles"),
        ("travelguru", "0003_rate_counter"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="RateCounter")],
        ),
    ]
