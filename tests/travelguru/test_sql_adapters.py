"""Written-out statements send and read datetimes exactly as the ORM's backend does, on the
database the suite runs on (SQLite, and MariaDB with DATABASE_URL=mysql://...)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from catalog.models import FlightLeg
from travelguru.sql import adapt_datetimes, column_values

zones = st.sampled_from(
    [UTC, ZoneInfo("Europe/Paris"), ZoneInfo("Asia/Kathmandu"), timezone(timedelta(hours=-9))]
)
moments = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1), timezones=zones
)


@given(st.lists(moments, max_size=5))
def test_datetimes_are_sent_as_the_backend_sends_them(values):
    adapt = connection.ops.adapt_datetimefield_value

    assert adapt_datetimes(*values) == [adapt(value) for value in values]


@pytest.mark.django_db
@given(moments)
def test_a_datetime_column_reads_back_as_the_orm_reads_it(value):
    field = FlightLeg._meta.get_field("departure_at")
    with connection.cursor() as cursor:
        # As a DATETIME column gives it back (SQLite keeps the text itself).
        read = "CAST(%s AS DATETIME(6))" if connection.vendor == "mysql" else "%s"
        cursor.execute(f"SELECT {read}", adapt_datetimes(value))
        (raw,) = cursor.fetchone()
    col = field.get_col(FlightLeg._meta.db_table)
    expected = raw
    for convert in [*connection.ops.get_db_converters(col), *col.get_db_converters(connection)]:
        expected = convert(expected, col, connection)

    assert column_values(field)(raw) == expected
    assert column_values(field)(None) is None
