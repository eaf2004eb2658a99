"""The messages about a trip's life: cancelled, hold about to expire, reminder 72 h ahead,
review invitation after; each at most once, queued where the change happens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking, BookingItem, Hold
from bookings.services.cancellation import booking_cancel
from bookings.services.holds import hold_create
from bookings.services.messages import (
    holds_expiring_warn,
    review_invitations_queue,
    trip_reminders_queue,
)
from notifications.models import Message
from search.offers import offer_decode
from tests.factories.offers import hotel_offer
from tests.factories.trips import review_for, trip_for
from tests.notifications.rendered import rendered

pytestmark = pytest.mark.django_db


def _kinds() -> list[str]:
    return list(Message.objects.order_by("pk").values_list("kind", flat=True))


def test_a_cancellation_tells_the_traveler_what_is_refunded(traveler, room_type, day):
    booking = trip_for(traveler, hotel_offer(room_type, day, 2))

    booking_cancel(booking=booking, now=timezone.now())
    booking_cancel(booking=booking, now=timezone.now())  # a second call changes nothing

    message = Message.objects.get(kind="booking_cancelled")
    assert message.booking == booking
    assert "EUR\u00a0210.00" in rendered(message).text_body  # 100 + 110, free cancellation
    assert _kinds() == ["booking_confirmed", "booking_cancelled"]


def test_a_hold_left_at_the_checkout_is_warned_once_before_it_expires(traveler, room_type, day):
    now = timezone.now()
    hold = hold_create(user=traveler, offers=[offer_decode(hotel_offer(room_type, day, 1))],
                       now=now)  # fmt: skip
    # not yet: ten minutes left
    Hold.objects.filter(pk=hold.pk).update(expires_at=now + timedelta(minutes=10))
    assert holds_expiring_warn(now=now) == 0
    # four minutes left, no payment tried
    Hold.objects.filter(pk=hold.pk).update(expires_at=now + timedelta(minutes=4))

    assert holds_expiring_warn(now=now) == 1
    assert holds_expiring_warn(now=now + timedelta(minutes=1)) == 0

    message = Message.objects.get()
    assert (message.kind, message.to_email) == ("hold_expiring", traveler.email)
    assert rendered(message).subject == "Your held trip expires in 4 minutes"


def test_the_reminder_goes_72_hours_before_the_first_item_once(traveler, room_type, day):
    booking = trip_for(traveler, hotel_offer(room_type, day, 1))
    starts = BookingItem.objects.get(booking=booking).service_start
    Booking.objects.filter(pk=booking.pk).update(created_at=starts - timedelta(days=10))

    assert trip_reminders_queue(now=starts - timedelta(hours=73)) == 0
    assert trip_reminders_queue(now=starts - timedelta(hours=71)) == 1
    assert trip_reminders_queue(now=starts - timedelta(hours=70)) == 0

    reminder = Message.objects.get(kind="trip_reminder")
    assert reminder.booking == booking
    assert (
        "15:00" in rendered(reminder).text_body or "3 p.m." in rendered(reminder).text_body
    )  # the hotel's clock


def test_a_cancelled_trip_gets_no_reminder(traveler, room_type, day):
    booking = trip_for(traveler, hotel_offer(room_type, day, 1))
    starts = BookingItem.objects.get(booking=booking).service_start
    Booking.objects.filter(pk=booking.pk).update(created_at=starts - timedelta(days=10))
    booking.refresh_from_db()
    booking_cancel(booking=booking, now=timezone.now())

    assert trip_reminders_queue(now=starts - timedelta(hours=71)) == 0


def test_reviews_are_invited_once_after_the_trip_for_what_can_be_reviewed(traveler, room_type, day):
    done = trip_for(traveler, hotel_offer(room_type, day, 1), done=True)
    reviewed = trip_for(traveler, hotel_offer(room_type, day + timedelta(days=1), 1), done=True)
    review_for(reviewed)
    # booked after it was over: reviews' own rule refuses it, so no invitation
    late = trip_for(traveler, hotel_offer(room_type, day + timedelta(days=2), 1), done=True)
    Booking.objects.filter(pk=late.pk).update(created_at=timezone.now())

    assert review_invitations_queue(now=timezone.now()) == 1
    assert review_invitations_queue(now=timezone.now()) == 0

    invitation = Message.objects.get(kind="review_invitation")
    assert invitation.booking == done
