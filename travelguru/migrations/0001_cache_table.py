"""The database cache's table (CACHES: `dbcache://travelguru_cache` by default).

Login-failure counters, DRF throttles and webhook de-duplication live in that cache, so
a database without the table refuses every login. Creating it here makes `migrate` the
only step a new database needs (`zappa manage <stage> "migrate --noinput"`, `make run`,
the tests' databases).

It runs Django's own `createcachetable` for the database being migrated: the table
follows the *current* CACHES setting, not a historical model (the cache is
configuration, not schema history), and a table that already exists is left alone, so
databases where `createcachetable` was run by hand migrate cleanly. A cache that is not
a database cache (CACHE_URL pointing at Redis or memory) needs nothing. Reversing is a
no-op: dropping a cache table would only log everybody's counters out.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command(
        "createcachetable", database=schema_editor.connection.alias, verbosity=0
    )


class Migration(migrations.Migration):
    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.RunPython(create_cache_tables, migrations.RunPython.noop, elidable=False),
    ]
