from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking, BookingItem
from bookings.services.bookings import TravelerIn, booking_create
from bookings.services.holds import hold_create
from search.offers import offer_decode


@pytest.fixture
def trip_of():
    """Book offers for a user through the real services; `done=True` puts the trip in the past."""

    def make(user, *offer_ids, done=True, travelers=None):
        now = timezone.now()
        hold = hold_create(user=user, offers=[offer_decode(o) for o in offer_ids], now=now)
        booking = booking_create(
            user=user,
            hold_id=hold.pk,
            travelers=travelers or [TravelerIn(type="adult", first_name="Ada", last_name="L")],
            payment_token="tok_visa",
            now=now,
        )  # fmt: skip
        if done:
            BookingItem.objects.filter(booking=booking).update(
                service_start=now - timedelta(days=5), service_end=now - timedelta(days=2)
            )
            # Booked before it began (a review of an item booked once over is refused).
            Booking.objects.filter(pk=booking.pk).update(created_at=now - timedelta(days=6))
            booking.refresh_from_db(fields=["created_at"])
        return booking

    return make
