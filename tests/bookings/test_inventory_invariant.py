"""Stateful property: whatever travelers do, available + held + booked = capacity.

Travelers hold trips of any mix of a stay, a car and a flight, pay (or are declined, or
the provider times out), release, cancel, and time passes with the expiry job running;
after every step each room night, car day and fare adds up to its capacity.
"""

from __future__ import annotations

import contextlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from bookings.errors import HoldNotActive, SoldOut, TooManyHolds
from bookings.models import Booking, BookingStatus, Hold, HoldStatus, HoldUnit, Payment
from bookings.payments.base import PaymentDeclined, PaymentTimeout
from bookings.services.bookings import TravelerIn, booking_create
from bookings.services.cancellation import booking_cancel
from bookings.services.holds import hold_create, hold_expire_due, hold_release
from catalog.models import CarDay, FlightFare, RoomNight
from search.apis.common import today_anywhere
from search.offers import offer_decode
from tests.factories.accounts import UserFactory
from tests.factories.catalog import (
    FlightFareFactory,
    RentalCarFactory,
    RoomTypeFactory,
    car_days,
    room_nights,
)
from tests.factories.offers import car_offer, flight_offer, hotel_offer

CAPACITY = 4
NIGHTS = 4
ADULT = TravelerIn(type="adult", first_name="Ada", last_name="L")
DRIVER = TravelerIn(
    type="adult", first_name="Dee", last_name="R", birth_date=date(1980, 1, 1), is_driver=True
)
# inventory row -> (HoldUnit column, available column)
COLUMNS = {
    RoomNight: ("room_night", "rooms_available"),
    CarDay: ("car_day", "cars_available"),
    FlightFare: ("fare", "seats_available"),
}


class Travelers(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = timezone.now()
        self.first = today_anywhere() + timedelta(days=30)
        self.room_type = RoomTypeFactory.create(capacity=2)
        room_nights(self.room_type, self.first, NIGHTS, rooms_total=CAPACITY, price=Decimal("90"))
        self.car = RentalCarFactory.create()
        car_days(self.car, self.first, NIGHTS, cars_total=CAPACITY, price=Decimal("30"))
        self.fare = FlightFareFactory.create(seats_total=CAPACITY, price=Decimal("200"))
        self.users = [UserFactory.create() for _ in range(3)]

    def _held_or_booked(self, row) -> int:
        column = COLUMNS[type(row)][0]
        units = HoldUnit.objects.filter(**{column: row}).select_related("item__hold")
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
        parts=st.sets(st.sampled_from(["stay", "car", "flight"]), min_size=1),
        seats=st.integers(1, 3),
    )
    def hold(self, user: int, start: int, nights: int, rooms: int, parts, seats: int) -> None:
        nights = min(nights, NIGHTS - start)
        first = self.first + timedelta(days=start)
        offers = []
        if "flight" in parts:
            offers.append(flight_offer(self.fare, adults=seats))
            rooms = min(rooms, seats)  # each room's lead guest is one of the passengers
        if "stay" in parts:
            offers.append(hotel_offer(self.room_type, first, nights, rooms=rooms))
        if "car" in parts:
            offers.append(car_offer(self.car, first, nights))
        with contextlib.suppress(SoldOut, TooManyHolds):
            hold_create(
                user=self.users[user], offers=[offer_decode(o) for o in offers], now=self.now
            )

    @rule(data=st.data(), token=st.sampled_from(["tok_visa", "tok_chargeDeclined", "tok_timeout"]))
    def book(self, data: st.DataObject, token: str) -> None:
        holds = list(Hold.objects.filter(status=HoldStatus.ACTIVE, user__in=self.users))
        if not holds:
            return
        hold = data.draw(st.sampled_from(holds))
        items = list(hold.items.all())
        seats = sum(i.offer.get("adults", 0) for i in items if i.kind == "flight")
        rooms = max([i.offer.get("rooms", 0) for i in items if i.kind == "hotel"] or [1])
        has_car = any(i.kind == "car" for i in items)
        travelers = [DRIVER] if has_car else [ADULT]
        travelers += [ADULT] * ((seats or rooms) - 1)  # a lead guest per room
        with contextlib.suppress(PaymentDeclined, PaymentTimeout, HoldNotActive):
            booking_create(
                user=hold.user, hold_id=hold.pk, travelers=travelers, payment_token=token,
                now=self.now,
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
        rows = [
            *RoomNight.objects.filter(room_type=self.room_type),
            *CarDay.objects.filter(car=self.car),
            *FlightFare.objects.filter(pk=self.fare.pk),
        ]
        for row in rows:
            available = getattr(row, COLUMNS[type(row)][1])
            assert available >= 0
            assert available + self._held_or_booked(row) == CAPACITY, row

    @invariant()
    def no_charge_is_kept_without_a_booking(self) -> None:
        """The sandbox's ledger against our payments: money is kept only for a booking,
        and a confirmed booking keeps all of it."""
        from bookings.models import SandboxCharge

        for payment in Payment.objects.all():
            charge = SandboxCharge.objects.filter(idempotency_key=payment.idempotency_key).first()
            kept = (
                charge is not None and charge.succeeded and charge.refunded_amount < charge.amount
            )
            if payment.booking_id is None:
                assert not kept, payment
            else:
                assert charge is not None, payment
                assert charge.succeeded, payment
                if payment.booking.status == BookingStatus.CONFIRMED:
                    assert charge.refunded_amount == 0, payment


@pytest.mark.django_db
def test_available_plus_held_plus_booked_is_capacity():
    run_state_machine_as_test(
        Travelers, settings=settings(max_examples=30, stateful_step_count=12, deadline=None)
    )
