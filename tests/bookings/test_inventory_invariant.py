"""Stateful property: whatever travelers do, available + held + booked = capacity."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from bookings.errors import HoldNotActive, SoldOut, TooManyHolds
from bookings.models import Booking, BookingStatus, Hold, HoldStatus, HoldUnit
from bookings.payments.base import PaymentDeclined
from bookings.services.bookings import TravelerIn, booking_create
from bookings.services.cancellation import booking_cancel
from bookings.services.holds import hold_create, hold_expire_due, hold_release
from catalog.models import RoomNight
from search.apis.common import today_anywhere
from search.offers import offer_decode
from tests.factories.accounts import UserFactory
from tests.factories.catalog import RoomTypeFactory, room_nights
from tests.factories.offers import hotel_offer

CAPACITY = 4
NIGHTS = 4
ADULT = TravelerIn(type="adult", first_name="Ada", last_name="L")


class Travelers(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = timezone.now()
        self.first = today_anywhere() + timedelta(days=30)
        self.room_type = RoomTypeFactory(capacity=2)
        room_nights(self.room_type, self.first, NIGHTS, rooms_total=CAPACITY, price=Decimal("90"))
        self.users = [UserFactory() for _ in range(3)]

    def _held_or_booked(self, night: RoomNight) -> int:
        units = HoldUnit.objects.filter(room_night=night).select_related("item__hold")
        total = 0
        for unit in units:
            hold = unit.item.hold
            if hold.status == HoldStatus.ACTIVE:
                total += unit.units
            elif hold.status == HoldStatus.BOOKED:
                booking = Booking.objects.get(hold=hold)
                item = booking.items.get(position=unit.item.position)
                total += unit.units if item.status == BookingStatus.CONFIRMED else 0
        return total

    @rule(
        user=st.integers(0, 2),
        start=st.integers(0, NIGHTS - 1),
        nights=st.integers(1, NIGHTS),
        rooms=st.integers(1, 3),
    )
    def hold(self, user: int, start: int, nights: int, rooms: int) -> None:
        nights = min(nights, NIGHTS - start)
        offer = offer_decode(
            hotel_offer(self.room_type, self.first + timedelta(days=start), nights, rooms=rooms)
        )
        with contextlib.suppress(SoldOut, TooManyHolds):
            hold_create(user=self.users[user], offers=[offer], now=self.now)

    @rule(data=st.data(), pay_ok=st.booleans())
    def book(self, data: st.DataObject, pay_ok: bool) -> None:
        holds = list(Hold.objects.filter(status=HoldStatus.ACTIVE, user__in=self.users))
        if not holds:
            return
        hold = data.draw(st.sampled_from(holds))
        with contextlib.suppress(PaymentDeclined, HoldNotActive):
            booking_create(
                user=hold.user, hold_id=hold.pk, travelers=[ADULT] * 3,
                payment_token="tok_visa" if pay_ok else "tok_chargeDeclined", now=self.now,
            )  # fmt: skip

    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        holds = list(Hold.objects.filter(status=HoldStatus.ACTIVE, user__in=self.users))
        if holds:
            hold = data.draw(st.sampled_from(holds))
            hold_release(user=hold.user, hold_id=hold.pk, now=self.now)

    @rule(minutes=st.integers(1, 20))
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)
        hold_expire_due(now=self.now)

    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        bookings = list(Booking.objects.filter(user__in=self.users))
        if bookings:
            booking_cancel(booking=data.draw(st.sampled_from(bookings)), now=self.now)

    @invariant()
    def nothing_is_lost_or_sold_twice(self) -> None:
        for night in RoomNight.objects.filter(room_type=self.room_type):
            assert night.rooms_available >= 0
            assert night.rooms_available + self._held_or_booked(night) == CAPACITY, night.date


@pytest.mark.django_db
def test_available_plus_held_plus_booked_is_capacity():
    run_state_machine_as_test(
        Travelers, settings=settings(max_examples=20, stateful_step_count=12, deadline=None)
    )
