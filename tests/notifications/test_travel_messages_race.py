"""Scheduled messages go once even when two runs of a job overlap (a slow run and the next
tick): on MariaDB with real threads, one database connection each, released together."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from bookings.models import Booking, BookingItem, Hold
from bookings.services.holds import hold_create
from bookings.services.messages import (
    holds_expiring_warn,
    review_invitations_queue,
    trip_reminders_queue,
)
from notifications.models import Message
from search.offers import offer_decode
from tests.factories.offers import hotel_offer
from tests.factories.trips import trip_for

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db(transaction=True)]

RUNS = 4


def _overlapping(job, **kwargs) -> list[int]:
    """What each of RUNS runs of `job` started at once says it queued."""
    barrier = threading.Barrier(RUNS)

    def run(_: int) -> int:
        try:
            barrier.wait()
            return job(**kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=RUNS) as pool:
        return list(pool.map(run, range(RUNS)))


def test_overlapping_runs_warn_a_hold_once(traveler, room_type, day):
    now = timezone.now()
    hold = hold_create(user=traveler, offers=[offer_decode(hotel_offer(room_type, day, 1))],
                       now=now)  # fmt: skip
    Hold.objects.filter(pk=hold.pk).update(expires_at=now + timedelta(minutes=4))

    assert sum(_overlapping(holds_expiring_warn, now=now)) == 1
    assert list(Message.objects.values_list("kind", flat=True)) == ["hold_expiring"]


def test_overlapping_runs_remind_a_trip_once(traveler, room_type, day):
    booking = trip_for(traveler, hotel_offer(room_type, day, 1))
    starts = BookingItem.objects.get(booking=booking).service_start
    Booking.objects.filter(pk=booking.pk).update(created_at=starts - timedelta(days=10))

    assert sum(_overlapping(trip_reminders_queue, now=starts - timedelta(hours=71))) == 1
    assert Message.objects.filter(kind="trip_reminder").count() == 1


def test_overlapping_runs_invite_a_review_once(traveler, room_type, day):
    trip_for(traveler, hotel_offer(room_type, day, 1), done=True)

    assert sum(_overlapping(review_invitations_queue, now=timezone.now())) == 1
    assert Message.objects.filter(kind="review_invitation").count() == 1
