"""ResultsVersion moves from search to travelguru: state only, the table stays as it is."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("travelguru", "0001_cache_table"),
        ("search", "0005_sync_checkpoint"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ResultsVersion",
                    fields=[
                        ("kind", models.CharField(max_length=16, primary_key=True, serialize=False)),
                        ("version", models.CharField(max_length=32)),
                    ],
                    options={"db_table": "search_resultsversion"},
                ),
            ],
        ),
    ]
