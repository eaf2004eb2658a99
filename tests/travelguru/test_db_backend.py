"""The MySQL/MariaDB backend opens transactions with BEGIN: two round trips around the work
where SET autocommit made three, and still all or nothing, unseen by others until COMMIT.

Real commits (transaction=True), each check against a second connection of its own.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from bookings.models import IdempotencyRecord
from tests.factories.accounts import UserFactory

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db(transaction=True)]
NOW = timezone.now()


def _status() -> dict[str, int]:
    """Round trips and SET statements of this connection so far (the read itself included)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW SESSION STATUS WHERE Variable_name IN ('Questions', 'Com_set_option')")
        return {name: int(value) for name, value in cursor.fetchall()}


def _keys_seen_by_another_connection() -> list[str]:
    other = connections.create_connection("default")
    try:
        column = other.ops.quote_name(IdempotencyRecord._meta.get_field("key").column)
        table = other.ops.quote_name(IdempotencyRecord._meta.db_table)
        with other.cursor() as cursor:
            cursor.execute(f"SELECT {column} FROM {table} ORDER BY 1")  # noqa: S608 # nosec B608
            return [row[0] for row in cursor.fetchall()]
    finally:
        other.close()


def _record(user, key: str) -> None:
    IdempotencyRecord.objects.create(user=user, key=key, request_hash="h", created_at=NOW)


def test_a_transaction_costs_begin_and_commit_and_no_set_autocommit():
    user = UserFactory.create()
    before = _status()

    with transaction.atomic():
        _record(user, "a")

    after = _status()
    # BEGIN, the INSERT, COMMIT, and the second status read
    assert after["Questions"] - before["Questions"] == 4
    assert after["Com_set_option"] == before["Com_set_option"]
    assert _keys_seen_by_another_connection() == ["a"]


def test_the_transactions_writes_are_unseen_until_commit_and_gone_after_rollback():
    user = UserFactory.create()

    seen_inside = []

    def abandoned() -> None:
        with transaction.atomic():
            _record(user, "kept-back")
            seen_inside.extend(_keys_seen_by_another_connection())
            raise RuntimeError("abandon the block")

    with pytest.raises(RuntimeError):
        abandoned()

    assert seen_inside == []
    assert _keys_seen_by_another_connection() == []
    assert not IdempotencyRecord.objects.exists()


def test_after_a_transaction_each_statement_commits_on_its_own_again():
    user = UserFactory.create()
    with transaction.atomic():
        _record(user, "in-block")

    _record(user, "after")  # autocommit: no block, seen at once

    assert connection.get_autocommit()
    assert _keys_seen_by_another_connection() == ["after", "in-block"]


@pytest.mark.parametrize(
    "text",
    [
        "2027-05-01 09:30:00",
        "2027-05-01 09:30:00.5",
        "2027-05-01 09:30:00.123",
        "2027-05-01 09:30:00.123456",
        "1970-01-01 00:00:01",
        "9999-12-31 23:59:59.999999",
        "0000-00-00 00:00:00",
        "2027-02-30 00:00:00",
    ],
)
def test_a_datetime_is_read_as_the_driver_reads_it(text):
    from MySQLdb.constants import FIELD_TYPE
    from MySQLdb.converters import conversions

    from travelguru.db_backends.mysql.base import _datetime

    driver = conversions[FIELD_TYPE.DATETIME]

    assert _datetime(text, driver) == driver(text)


def test_datetime_columns_come_back_as_stored():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CAST(%s AS DATETIME(6)), CAST(%s AS DATETIME), CAST(%s AS DATETIME(3))",
            ["2027-05-01 09:30:00.123456", "2027-05-01 09:30:07", "2027-05-01 09:30:00.5"],
        )
        row = cursor.fetchone()

    assert row == (
        datetime(2027, 5, 1, 9, 30, 0, 123456),
        datetime(2027, 5, 1, 9, 30, 7),
        datetime(2027, 5, 1, 9, 30, 0, 500000),
    )
