"""Holds, bookings and reviews take travel dates as the place sees them (UTC-12 to UTC+14).

For any instant and any place zone: a stay, pick-up or departure already begun at the
place is never held or booked (409 offer-started, nothing taken, nothing charged), and
one that is today or later there is still sold (no over-refusing).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bookings.models import Booking, BookingStatus, Hold, SandboxCharge
from bookings.services.bookings import TravelerIn, booking_create
from bookings.services.holds import hold_create
from bookings.services.reviews import booking_item_review
from catalog.local_time import day_end, local_today
from catalog.models import CarDay, FlightFare, RoomNight
from reviews.errors import NotReviewable
from search.offers import InvalidOffer, offer_decode
from search.selectors.offers import OfferStarted
from tests.catalog.test_local_time import ZONES
from tests.factories.accounts import UserFactory
from tests.factories.catalog import (
    AirportFactory,
    CityFactory,
    FlightFareFactory,
    RentalCarFactory,
    RoomTypeFactory,
    car_days,
    room_nights,
)
from tests.factories.offers import car_offer, flight_offer, hotel_offer

pytestmark = pytest.mark.django_db

zones = st.sampled_from(ZONES)
instants = st.datetimes(
    min_value=datetime(2027, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
ADA = TravelerIn(type="adult", first_name="Ada", last_name="L")
DRIVER = TravelerIn(
    type="adult", first_name="Ada", last_name="L", birth_date=date(1980, 1, 1), is_driver=True
)


def stay_in(tz: str, check_in: date, nights: int = 2, **hotel):
    """A room type of a hotel in a city of zone `tz`, free for `nights` from `check_in`."""
    room_type = RoomTypeFactory.create(hotel__city=CityFactory.create(timezone=tz), **hotel)
    room_nights(room_type, check_in, nights, price=Decimal("100.00"))
    return room_type


def rooms_left(room_type) -> list[int]:
    nights = RoomNight.objects.filter(room_type=room_type).order_by("date")
    return list(nights.values_list("rooms_available", flat=True))


@settings(max_examples=40)
@given(now=instants, tz=zones, offset=st.integers(min_value=-2, max_value=2))
def test_a_stay_is_held_and_booked_exactly_when_check_in_is_today_or_later_at_the_hotel(
    now, tz, offset
):
    # given: a check-in `offset` days from today on the hotel's calendar
    check_in = local_today(tz, now=now) + timedelta(days=offset)
    room_type = stay_in(tz, check_in)
    user = UserFactory.create()
    offer_id = hotel_offer(room_type, check_in, 2)
    if offset < 0:
        # then: refused as begun, or (a day before today anywhere on Earth) as no search's
        # offer; and nothing was taken
        with pytest.raises((OfferStarted, InvalidOffer), match="Check-in on|Outside the dates"):
            hold_create(user=user, offers=[offer_decode(offer_id, now=now)], now=now)
        assert rooms_left(room_type) == [10, 10]
        assert not Hold.objects.filter(user=user).exists()
        return
    # then: sold, and what the booking promises is still ahead
    hold = hold_create(user=user, offers=[offer_decode(offer_id, now=now)], now=now)
    booking = booking_create(
        user=user, hold_id=hold.pk, travelers=[ADA], payment_token="tok_visa", now=now
    )
    item = booking.items.get()
    assert booking.status == BookingStatus.CONFIRMED
    assert rooms_left(room_type) == [9, 9]
    assert item.free_cancellation_until is None or item.free_cancellation_until > now


@settings(max_examples=30)
@given(
    day=st.dates(min_value=date(2027, 1, 1), max_value=date(2028, 12, 31)),
    tz=zones,
    held_before=st.integers(min_value=1, max_value=14 * 60),
    booked_after=st.integers(min_value=0, max_value=60),
)
def test_a_stay_held_before_midnight_at_the_hotel_is_not_booked_after_it(
    day, tz, held_before, booked_after
):
    """The hold (15 minutes) outlives the check-in day: the booking is refused before any
    charge, whatever the zone."""
    midnight = day_end(day, tz)
    held_at = midnight - timedelta(seconds=held_before)
    booked_at = midnight + timedelta(seconds=booked_after)
    room_type = stay_in(tz, day)
    user = UserFactory.create()
    charges = SandboxCharge.objects.count()
    hold = hold_create(
        user=user, offers=[offer_decode(hotel_offer(room_type, day, 2), now=held_at)], now=held_at
    )

    with pytest.raises(OfferStarted, match=f"Check-in on {day.isoformat()} is past"):
        booking_create(
            user=user, hold_id=hold.pk, travelers=[ADA], payment_token="tok_visa", now=booked_at
        )

    assert not Booking.objects.filter(user=user).exists()
    assert SandboxCharge.objects.count() == charges


@settings(max_examples=40)
@given(now=instants, tz=zones, offset=st.integers(min_value=-2, max_value=2))
def test_a_car_is_held_exactly_until_the_office_closes_on_the_pick_up_day(now, tz, offset):
    pick_up = local_today(tz, now=now) + timedelta(days=offset)
    car = RentalCarFactory.create(
        office__airport=AirportFactory.create(city=CityFactory.create(timezone=tz))
    )
    car_days(car, pick_up, 2)
    user = UserFactory.create()
    offer_id = car_offer(car, pick_up, 2)
    closes = car.office.closes_at
    if isinstance(closes, str):
        closes = time.fromisoformat(closes)
    open_today = now.astimezone(ZoneInfo(tz)).time() < closes
    if offset < 0 or (offset == 0 and not open_today):
        with pytest.raises((OfferStarted, InvalidOffer), match="Pick-up on|Outside the dates"):
            hold_create(user=user, offers=[offer_decode(offer_id, now=now)], now=now)
        assert set(CarDay.objects.filter(car=car).values_list("cars_available", flat=True)) == {5}
        return
    hold = hold_create(user=user, offers=[offer_decode(offer_id, now=now)], now=now)
    booking = booking_create(
        user=user, hold_id=hold.pk, travelers=[DRIVER], payment_token="tok_visa", now=now
    )
    assert booking.status == BookingStatus.CONFIRMED


@settings(max_examples=40)
@given(now=instants, tz=zones, minutes=st.integers(min_value=-600, max_value=600))
def test_a_flight_is_held_exactly_until_it_leaves(now, tz, minutes):
    departure = now + timedelta(minutes=minutes)
    origin = AirportFactory.create(city=CityFactory.create(timezone=tz))
    fare = FlightFareFactory.create(
        leg__origin=origin,
        leg__departure_at=departure,
        leg__arrival_at=departure + timedelta(hours=3),
    )
    user = UserFactory.create()
    offer = offer_decode(flight_offer(fare), now=now)
    if departure <= now:
        with pytest.raises(OfferStarted, match="already departed"):
            hold_create(user=user, offers=[offer], now=now)
        assert FlightFare.objects.get(pk=fare.pk).seats_available == fare.seats_total
        return
    hold = hold_create(user=user, offers=[offer], now=now)
    # The item is described by the day it leaves on the origin's calendar.
    assert hold.items.get().description.endswith(str(local_today(tz, now=departure)))


def test_a_flight_held_before_departure_is_not_booked_after_it(traveler, fare):
    departure = fare.leg.departure_at
    hold = hold_create(
        user=traveler,
        offers=[offer_decode(flight_offer(fare), now=departure - timedelta(minutes=5))],
        now=departure - timedelta(minutes=5),
    )
    charges = SandboxCharge.objects.count()

    with pytest.raises(OfferStarted, match="already departed"):
        booking_create(
            user=traveler, hold_id=hold.pk, travelers=[ADA], payment_token="tok_visa",
            now=departure + timedelta(minutes=1),
        )  # fmt: skip

    assert not Booking.objects.exists()
    assert SandboxCharge.objects.count() == charges


def test_a_free_cancellation_deadline_already_past_is_not_booked_as_refundable(traveler):
    """Two days' free cancellation, booked the day before check-in: the booking says none
    (and what cancelling later gives back), not a date gone by."""
    tz = "Pacific/Auckland"
    now = datetime(2027, 1, 14, 22, 0, tzinfo=UTC)  # 15 January, 11:00 in Auckland
    check_in = date(2027, 1, 16)
    room_type = stay_in(tz, check_in, hotel__free_cancellation_days=2, hotel__currency="NZD")
    hold = hold_create(
        user=traveler, offers=[offer_decode(hotel_offer(room_type, check_in, 2), now=now)], now=now
    )

    booking = booking_create(
        user=traveler, hold_id=hold.pk, travelers=[ADA], payment_token="tok_visa", now=now
    )

    item = booking.items.get()
    assert item.free_cancellation_until is None
    assert item.refund_after_deadline == Decimal("100.00")  # the first night is kept


def test_tonights_stay_booked_after_the_check_in_hour_says_it_refunds_nothing(traveler):
    """16:00 in Auckland, check-in today (15:00): still sold (a late arrival is a stay), and
    the booking says what cancelling would give: nothing, as refund_due decides."""
    from bookings.services.policies import refund_due

    tz = "Pacific/Auckland"
    now = datetime(2027, 1, 15, 3, 0, tzinfo=UTC)  # 15 January, 16:00 in Auckland
    check_in = date(2027, 1, 15)
    room_type = stay_in(tz, check_in, hotel__free_cancellation_days=2)
    hold = hold_create(
        user=traveler, offers=[offer_decode(hotel_offer(room_type, check_in, 2), now=now)], now=now
    )

    booking = booking_create(
        user=traveler, hold_id=hold.pk, travelers=[ADA], payment_token="tok_visa", now=now
    )

    item = booking.items.get()
    assert item.free_cancellation_until is None
    assert item.refund_after_deadline == Decimal(0)
    assert refund_due(item, now=now) == Decimal(0)


def test_free_cancellation_ends_at_the_check_in_hour_on_the_hotels_clock(traveler):
    tz = "Pacific/Auckland"
    now = datetime(2027, 1, 1, 0, 0, tzinfo=UTC)
    check_in = date(2027, 1, 16)
    room_type = stay_in(tz, check_in, hotel__free_cancellation_days=2)
    hold = hold_create(
        user=traveler, offers=[offer_decode(hotel_offer(room_type, check_in, 2), now=now)], now=now
    )

    booking = booking_create(
        user=traveler, hold_id=hold.pk, travelers=[ADA], payment_token="tok_visa", now=now
    )

    # 14 January, 15:00 in Auckland (NZDT, UTC+13) = 02:00 UTC.
    assert booking.items.get().free_cancellation_until == datetime(2027, 1, 14, 2, 0, tzinfo=UTC)


def test_an_item_booked_once_it_was_over_cannot_be_reviewed(traveler, room_type, day):
    """A booking sold for a stay already over (as the old "today anywhere" rule allowed)
    proves no stay: no verified review from it."""
    now = datetime.now(UTC)
    offers = [offer_decode(hotel_offer(room_type, day, 2))]
    hold = hold_create(user=traveler, offers=offers, now=now)
    booking = booking_create(
        user=traveler, hold_id=hold.pk, travelers=[ADA], payment_token="tok_visa", now=now
    )
    item = booking.items.get()
    Booking.objects.filter(pk=booking.pk).update(created_at=item.service_end)

    with pytest.raises(NotReviewable, match="booked after it was over"):
        booking_item_review(
            user=traveler, booking_reference=booking.reference, position=None, rating=5,
            sub_scores={}, title="Great", text="Lovely stay, would come again.",
            now=item.service_end + timedelta(days=1),
        )  # fmt: skip


def test_the_review_records_the_day_travelled_at_the_place(traveler, day):
    """A 06:00 departure from Auckland is the previous day in UTC: the review says the day
    the traveler flew, at the airport."""
    from tests.factories.catalog import flight_fare

    akl = AirportFactory.create(city=CityFactory.create(timezone="Pacific/Auckland"))
    departure = datetime.combine(day, time(6), tzinfo=ZoneInfo("Pacific/Auckland"))
    fare = flight_fare(akl, AirportFactory.create(), departure.astimezone(UTC))
    now = departure.astimezone(UTC) - timedelta(days=3)
    hold = hold_create(user=traveler, offers=[offer_decode(flight_offer(fare))], now=now)
    booking = booking_create(
        user=traveler, hold_id=hold.pk, travelers=[ADA], payment_token="tok_visa", now=now
    )
    after = booking.items.get().service_end + timedelta(days=1)

    review = booking_item_review(
        user=traveler, booking_reference=booking.reference, position=None, rating=4,
        sub_scores={}, title="Fine", text="On time and comfortable enough.", now=after,
    )  # fmt: skip

    assert departure.astimezone(UTC).date() == day - timedelta(days=1)
    assert review.travelled_on == day
