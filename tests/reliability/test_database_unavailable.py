"""Issue 9.6: with the database unreachable the API answers 503 problem+json, never a 500.

Here the connection is refused inside the test process (any database); test_outage_live.py
does it for real to a running gunicorn on MariaDB and watches it recover.
"""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

from bookings.models import Hold
from catalog.models import RoomNight
from tests.factories.offers import hotel_offer

pytestmark = pytest.mark.django_db


def database_refuses_connections():
    # What mysqlclient raises when nothing listens: (2003, "Can't connect to MySQL server").
    down = OperationalError(2003, "Can't connect to MySQL server on '127.0.0.1' (111)")
    return mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=down)


def assert_database_unavailable(response) -> None:
    assert response.status_code == 503, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["code"] == "database-unavailable"
    assert body["status"] == 503
    assert body["type"] == "https://travelguru.example/problems/database-unavailable"


@pytest.mark.parametrize(
    "path",
    [
        "/api/airports?q=par",
        "/api/hotels/search?city=Paris&check_in=2027-01-10&check_out=2027-01-12",
        "/api/cars/search?location=CDG&pick_up=2027-01-10&drop_off=2027-01-12",
        "/api/hotels/1",
    ],
)
def test_searching_without_a_database_is_a_503_problem(api_client, path):
    with database_refuses_connections():
        response = api_client.get(path)

    assert_database_unavailable(response)


def test_holding_without_a_database_is_a_503_and_takes_nothing(client_of, traveler, room_type, day):
    client = client_of(traveler)
    offer = hotel_offer(room_type, day, 2)

    with database_refuses_connections():
        response = client.post("/api/holds", {"items": [{"offer_id": offer}]}, format="json")

    assert_database_unavailable(response)
    assert not Hold.objects.exists()
    assert sorted(RoomNight.objects.values_list("rooms_available", flat=True)) == [3, 3, 3]


def test_a_bearer_token_cannot_be_checked_without_a_database(api_client, traveler):
    from tests.factories.accounts import access_token_for

    token = access_token_for(traveler)
    with database_refuses_connections():
        response = api_client.get("/api/bookings", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert_database_unavailable(response)


def test_pages_outside_the_api_answer_the_same_503(client, admin_user):
    client.force_login(admin_user)
    with database_refuses_connections():
        response = client.get("/admin/bookings/booking/")

    assert_database_unavailable(response)


def test_the_api_answers_again_once_the_database_is_back(api_client):
    with database_refuses_connections():
        assert api_client.get("/api/airports?q=par").status_code == 503

    response = api_client.get("/api/airports?q=par")

    assert response.status_code == 200
    assert response.json()["results"] == []
