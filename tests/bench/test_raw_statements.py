"""Way A of the booking bench writes its statements out: names from the models, so they
follow a renamed field; the database compiles every one (MariaDB: way A's SQL is MySQL's)."""

import pytest
from django.db import connection

from bench.booking_throughput import _raw_sql, _reset


@pytest.mark.django_db
def test_the_bench_reset_runs_against_the_schema():
    _reset([])  # deletes no one's rows: there is no bench user


@pytest.mark.django_db
@pytest.mark.mariadb
def test_every_raw_statement_of_way_a_compiles_on_mariadb():
    with connection.cursor() as cursor:
        for name, sql in _raw_sql().items():
            cursor.execute(f"EXPLAIN {sql}", [None] * sql.count("%s"))
            assert cursor.fetchall(), name
