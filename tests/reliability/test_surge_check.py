"""The surge's after-check (bench/surge/check.py) passes on sound books and catches each
kind of damage it exists for."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bench.surge.check import inventory_violations, payment_violations
from bookings.models import Booking, Payment, PaymentStatus, SandboxCharge
from catalog.models import RoomNight
from tests.factories.offers import hotel_offer
from tests.flows import book, make_hold

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(client_of, traveler, room_type, day):
    """One confirmed booking of 1 room x 2 nights, and one active hold of 1 room x 1 night."""
    client = client_of(traveler)
    response = book(client, make_hold(client, hotel_offer(room_type, day, 2)))
    assert response.status_code == 201
    client.post(
        "/api/holds", {"items": [{"offer_id": hotel_offer(room_type, day, 1)}]}, format="json"
    )
    return Booking.objects.get()


def test_sound_books_pass(booked):
    assert sorted(RoomNight.objects.values_list("rooms_available", flat=True)) == [1, 2, 3]
    assert inventory_violations() == []
    assert payment_violations() == []


def test_an_oversold_night_is_caught(booked, day):
    # (negative counts are refused by a CHECK constraint; a 4th room on sale is not)
    RoomNight.objects.filter(date=day).update(rooms_available=2)

    assert inventory_violations() == [
        f"RoomNight {RoomNight.objects.get(date=day).pk}: available 2 + held/booked 2 != total 3"
    ]


def test_a_lost_room_is_caught(booked, day):
    RoomNight.objects.filter(date=day + timedelta(days=2)).update(rooms_available=2)

    assert inventory_violations() == [
        f"RoomNight {RoomNight.objects.get(date=day + timedelta(days=2)).pk}: "
        "available 2 + held/booked 0 != total 3"
    ]


def test_a_charge_without_a_booking_is_caught(booked):
    SandboxCharge.objects.create(
        ref="ch_orphan", idempotency_key="travelguru-payment-999", token="tok_visa",
        amount=Decimal("50.00"), currency="EUR", succeeded=True,
    )  # fmt: skip

    assert payment_violations() == ["charge ch_orphan (50.00) has no booking"]


def test_a_booking_whose_charge_was_refunded_is_caught(booked):
    SandboxCharge.objects.update(refunded_amount=Decimal("210.00"))

    (problem,) = payment_violations()
    assert problem.startswith(f"booking {booked.reference}: charge ")
    assert "(refunded 210.00)" in problem


def test_a_booking_paid_twice_is_caught(booked):
    payment = Payment.objects.get()
    Payment.objects.create(
        hold=payment.hold, booking=booked, user=payment.user, provider="sandbox",
        amount=payment.amount, currency="EUR", status=PaymentStatus.SUCCEEDED,
        created_at=timezone.now(), updated_at=timezone.now(),
    )  # fmt: skip

    problems = payment_violations()

    assert problems[0] == (
        f"booking {booked.reference}: succeeded payments in ['EUR', 'EUR'], items in ['EUR']"
    )


def test_a_payment_left_pending_is_caught(booked):
    Payment.objects.update(status=PaymentStatus.PENDING)

    problems = payment_violations()

    assert f"payment {Payment.objects.get().pk} is still pending" in problems


def test_against_a_snapshot_units_taken_before_the_run_do_not_count(room_type, day, booked):
    # given: a night that was partly sold before the snapshot, with no holds behind it
    RoomNight.objects.filter(date=day + timedelta(days=2)).update(rooms_available=1)
    from bench.surge.check import inventory_snapshot

    baseline = inventory_snapshot()
    assert inventory_violations(baseline) == []
    # when: a unit disappears after the snapshot
    RoomNight.objects.filter(date=day + timedelta(days=2)).update(rooms_available=0)

    assert inventory_violations(baseline) == [
        f"RoomNight {RoomNight.objects.get(date=day + timedelta(days=2)).pk}: "
        "available 0 + held/booked 0 != before 1"
    ]
