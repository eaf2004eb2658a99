"""The database is configured the way the catalog's data needs, on MariaDB as on SQLite."""

import pytest
from django.db import DataError, IntegrityError, connection, transaction

from tests.factories.catalog import CityFactory, HotelFactory, RoomNightFactory

pytestmark = pytest.mark.django_db


def test_names_in_every_script_round_trip():
    hotel = HotelFactory.create(name="ホテル東京 🏨 Zürich Ærø")
    hotel.refresh_from_db()
    assert hotel.name == "ホテル東京 🏨 Zürich Ærø"


@pytest.mark.mariadb
def test_mariadb_connection_is_utf8mb4_strict_and_read_committed():
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@character_set_connection, @@sql_mode, @@tx_isolation")
        charset, sql_mode, isolation = cursor.fetchone()
    assert charset == "utf8mb4"
    assert "STRICT_TRANS_TABLES" in sql_mode
    assert isolation == "READ-COMMITTED"


@pytest.mark.mariadb
def test_mariadb_refuses_oversized_values_instead_of_truncating():
    city = CityFactory.create()
    with pytest.raises(DataError), transaction.atomic():
        HotelFactory.create(city=city, name="x" * 201)


def test_inventory_can_never_exceed_its_total():
    with pytest.raises(IntegrityError), transaction.atomic():
        RoomNightFactory.create(rooms_total=2, rooms_available=3)
