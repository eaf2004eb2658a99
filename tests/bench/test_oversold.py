"""The benchmark's oversold count: what `make bench` reports after every booking round."""

from decimal import Decimal

import pytest

from bench.booking_throughput import oversold
from catalog.models import RoomNight
from tests.factories.catalog import RoomTypeFactory, room_nights


@pytest.mark.django_db
def test_a_night_whose_count_disagrees_with_its_holds_counts_as_oversold(day):
    room_nights(RoomTypeFactory(), day, 3, price=Decimal("100.00"), rooms_total=3)
    nights = list(RoomNight.objects.order_by("pk"))
    assert oversold(nights) == 0

    # one room gone from the count with no hold to account for it
    RoomNight.objects.filter(pk=nights[0].pk).update(rooms_available=2)

    assert oversold(nights) == 1
