"""RateCounter moves from accounts to travelguru: state only, the table stays as it is."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("travelguru", "0002_results_version"),
        ("accounts", "0003_login_session"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="RateCounter",
                    fields=[
                        (
                            "key",
                            models.CharField(
                                db_column="throttle_key",
                                max_length=191,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        ("window_ends", models.DateTimeField(db_index=True)),
                        ("hits", models.PositiveIntegerField()),
                    ],
                    options={"db_table": "accounts_ratecounter"},
                ),
            ],
        ),
    ]
