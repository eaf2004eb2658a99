"""MAX_ACTIVE_HOLDS: a traveler holds at most that many trips at once, however fast they
ask. Counted under a lock of the traveler's row inside the hold's transaction; the race
runs on MariaDB with real threads (one thread, one database connection per request)."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from bookings.models import Hold, HoldStatus
from catalog.models import RoomNight
from search.apis.common import today_anywhere
from tests.factories.accounts import UserFactory
from tests.factories.catalog import RoomTypeFactory, room_nights
from tests.factories.offers import hotel_offer
from tests.flows import make_hold

RACERS = 20
ROUNDS = 3


def _hold_race(user, offer: str) -> Counter:
    barrier = threading.Barrier(RACERS)

    def attempt(_: int) -> tuple[int, str]:
        client = APIClient()
        client.force_authenticate(user)
        try:
            barrier.wait()
            response = client.post("/api/holds", {"items": [{"offer_id": offer}]}, format="json")
            return response.status_code, response.json().get("code", "")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        return Counter(pool.map(attempt, range(RACERS)))


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_holds_by_one_traveler_make_exactly_the_allowed_five(settings):
    assert settings.MAX_ACTIVE_HOLDS == 5
    day = today_anywhere() + timedelta(days=30)
    for _ in range(ROUNDS):
        # given plenty of rooms, and a traveler holding nothing yet
        user = UserFactory.create()
        room_type = RoomTypeFactory.create(capacity=2)
        room_nights(room_type, day, 2, rooms_total=100)

        # when they send twenty holds at once
        outcome = _hold_race(user, hotel_offer(room_type, day, 2))

        # then five are held, fifteen refused, and rooms taken for the five only
        assert outcome == {(201, ""): 5, (409, "too-many-holds"): RACERS - 5}
        assert Hold.objects.filter(user=user, status=HoldStatus.ACTIVE).count() == 5
        assert list(
            RoomNight.objects.filter(room_type=room_type).values_list("rooms_available", flat=True)
        ) == [95, 95]


@pytest.mark.django_db
def test_holds_past_their_expiry_do_not_count_before_the_job_releases_them(
    client_of, traveler, room_type, day, settings
):
    # given a traveler at the limit, every hold past its expiry but not released yet
    settings.MAX_ACTIVE_HOLDS = 2
    client = client_of(traveler)
    for _ in range(2):
        make_hold(client, hotel_offer(room_type, day, 1))
    Hold.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    # when they hold again
    response = client.post(
        "/api/holds", {"items": [{"offer_id": hotel_offer(room_type, day, 1)}]}, format="json"
    )

    # then it is held
    assert response.status_code == 201, response.json()


@pytest.mark.django_db
def test_a_hold_being_paid_still_counts(client_of, traveler, room_type, day, settings):
    from bookings.services.bookings import _hold_claim

    # given a traveler at the limit with one hold being paid, past its expiry even
    settings.MAX_ACTIVE_HOLDS = 2
    client = client_of(traveler)
    now = timezone.now()
    first = make_hold(client, hotel_offer(room_type, day, 1))
    make_hold(client, hotel_offer(room_type, day, 1))
    _hold_claim(uuid.UUID(first), now=now)
    Hold.objects.filter(pk=first).update(expires_at=now - timedelta(seconds=1))

    # when they hold again
    response = client.post(
        "/api/holds", {"items": [{"offer_id": hotel_offer(room_type, day, 1)}]}, format="json"
    )

    # then it is refused: the hold being paid still holds its room
    assert response.status_code == 409
    assert response.json()["code"] == "too-many-holds"
    assert RoomNight.objects.get(room_type=room_type, date=day).rooms_available == 1
