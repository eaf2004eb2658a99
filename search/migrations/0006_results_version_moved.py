"""ResultsVersion now belongs to travelguru (travelguru 0002): state only, no table dropped."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0005_sync_checkpoint"),
        ("travelguru", "0002_results_version"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ResultsVersion")],
        ),
    ]
