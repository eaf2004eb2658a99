"""The benchmark's oversold count: what `make bench` reports after every booking round."""

from decimal import Decimal

import pytest

from bench.booking_throughput import oversold
from catalog.models import RoomNight
from tests.factories.catalog import RoomTypeFactory, room_nights


@pytest.mark.django_db
def test_a_night_whose_count_disagrees_with_its_holds_counts_as_oversold(day):
    room_nights(RoomTypeFactory.create(), day, 3, price=Decimal("100.00"), rooms_total=3)
    nights = list(RoomNight.objects.order_by("pk"))
    assert oversold(nights) == 0

    # one room gone from the count with no hold to account for it
    RoomNight.objects.filter(pk=nights[0].pk).update(rooms_available=2)

    assert oversold(nights) == 1


@pytest.mark.django_db(transaction=True)
def test_the_orm_floor_holds_and_books_a_room_and_never_takes_one_that_is_not_there(day):
    """Way O of the booking bench: A's statements through the ORM. It takes the room, writes
    the hold, payment and booking rows, and on a sold-out night writes nothing."""
    from bench.booking_throughput import orm_iteration
    from bookings.models import Booking, Hold, HoldStatus, Payment, PaymentStatus
    from tests.factories.accounts import UserFactory
    from travelguru.money import Money

    user = UserFactory.create()
    night, empty = room_nights(
        RoomTypeFactory.create(), day, 2, price=Decimal("100.00"), rooms_total=1
    )
    RoomNight.objects.filter(pk=empty.pk).update(rooms_total=0, rooms_available=0)
    price = Money.of(Decimal("100.00"), "USD")

    assert orm_iteration(user.pk, {"kind": "hotel"}, price, night.pk) is True
    assert orm_iteration(user.pk, {"kind": "hotel"}, price, empty.pk) is False

    night.refresh_from_db()
    assert night.rooms_available == 0
    hold = Hold.objects.get()
    assert hold.status == HoldStatus.BOOKED
    payment = Payment.objects.get()
    assert (payment.status, payment.booking) == (PaymentStatus.SUCCEEDED, Booking.objects.get())
    assert oversold([night, empty]) == 0
