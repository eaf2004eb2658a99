"""Trips booked through the real services (hold, charge, booking), and a review of one."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone


def trip_for(user, *offer_ids, done=False, travelers=None):
    """A confirmed booking of `offer_ids` for `user`; `done=True` puts the trip in the past."""
    from bookings.models import Booking, BookingItem
    from bookings.services.bookings import TravelerIn, booking_create
    from bookings.services.holds import hold_create
    from search.offers import offer_decode

    now = timezone.now()
    hold = hold_create(user=user, offers=[offer_decode(o) for o in offer_ids], now=now)
    booking = booking_create(
        user=user,
        hold_id=hold.pk,
        travelers=travelers or [TravelerIn(type="adult", first_name="Ada", last_name="L")],
        payment_token="tok_visa",
        now=now,
    )
    if done:
        BookingItem.objects.filter(booking=booking).update(
            service_start=now - timedelta(days=5), service_end=now - timedelta(days=2)
        )
        Booking.objects.filter(pk=booking.pk).update(created_at=now - timedelta(days=6))
        booking.refresh_from_db()
    return booking


def stay_and_car_for(user, room_type, car, day):
    """A hotel stay of one night and a car for two days from `day`, one traveler, "Ada L",
    who drives: what customer service's tests act on."""
    from datetime import date

    from bookings.services.bookings import TravelerIn
    from tests.factories.offers import car_offer, hotel_offer

    driver = TravelerIn(type="adult", first_name="Ada", last_name="L",
                        birth_date=date(1990, 1, 1), is_driver=True)  # fmt: skip
    return trip_for(user, hotel_offer(room_type, day, 1), car_offer(car, day, 2),
                    travelers=[driver])  # fmt: skip


def review_for(booking, *, title="Lovely stay", text="Quiet room, kind staff, would return."):
    """A pending review of a done trip's only item, by the trip's traveler."""
    from bookings.services.reviews import booking_item_review

    return booking_item_review(
        user=booking.user, booking_reference=booking.reference, position=None, rating=4,
        sub_scores={}, title=title, text=text, now=timezone.now(),
    )  # fmt: skip
