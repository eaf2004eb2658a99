"""A hold keeps its items' cancellation terms and places: booking sells on them.

The terms are the catalog's as the hold read them to quote (check-in and check-out times,
free-cancellation days, the first night's or day's price, departures and arrivals, the
fares' refundability, the places' zones); a change staff make to the catalog after the hold
does not change what that hold books, and the booking reads no catalog row. Items held
before holds kept terms are booked on the catalog's, read then.
"""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import BookingItem, HoldItem
from bookings.services.bookings import TravelerIn, booking_create
from bookings.services.holds import hold_create
from bookings.services.policies import _terms_read, item_policy
from catalog.models import Hotel, RentalOffice, RoomNight
from search.offers import offer_decode
from tests.factories.catalog import AirportFactory, FlightFareFactory, FlightLegFactory
from tests.factories.offers import car_offer, flight_offer, hotel_offer

pytestmark = pytest.mark.django_db

ADA = TravelerIn(type="adult", first_name="Ada", last_name="Lovelace")
DRIVER = TravelerIn(
    type="adult", first_name="Ada", last_name="Lovelace",
    birth_date=timezone.now().date() - timedelta(days=40 * 365), is_driver=True,
)  # fmt: skip
POLICY_FIELDS = (
    "service_start", "service_end", "start_timezone", "end_timezone",
    "free_cancellation_until", "refund_after_deadline",
)  # fmt: skip


def _hold(user, *offer_ids, now):
    return hold_create(user=user, offers=[offer_decode(o) for o in offer_ids], now=now)


def _book(user, hold, *, now, travelers=(ADA,)):
    return booking_create(
        user=user, hold_id=hold.pk, travelers=list(travelers), payment_token="tok_visa", now=now
    )


def _policy_of(booking) -> list[tuple]:
    return [
        tuple(getattr(item, f) for f in POLICY_FIELDS)
        for item in BookingItem.objects.filter(booking=booking).order_by("position")
    ]


@pytest.fixture
def round_trip(day):
    """A refundable two-leg round trip CDG-JFK-CDG, three weeks out."""
    cdg = AirportFactory.create(iata="CDG", timezone="Europe/Paris")
    jfk = AirportFactory.create(iata="JFK", timezone="America/New_York")
    out_at = timezone.now().replace(microsecond=0) + timedelta(days=21)
    legs = [
        FlightLegFactory.create(origin=cdg, destination=jfk, departure_at=out_at,
                                arrival_at=out_at + timedelta(hours=8)),
        FlightLegFactory.create(origin=jfk, destination=cdg,
                                departure_at=out_at + timedelta(days=7),
                                arrival_at=out_at + timedelta(days=7, hours=7)),
    ]  # fmt: skip
    return [FlightFareFactory.create(leg=leg, refundable=True) for leg in legs]


def test_a_hold_keeps_each_items_terms_and_places_from_its_quote(
    traveler, room_type, car, round_trip, day
):
    from search.offers import FlightOffer

    now = timezone.now()
    first, back = round_trip
    trip = offer_decode(flight_offer(first, back))
    trip = FlightOffer(slices=((first.pk,), (back.pk,)), adults=1, children=0, infants=0,
                       price=trip.price)  # fmt: skip

    hold = hold_create(
        user=traveler,
        offers=[trip, offer_decode(hotel_offer(room_type, day, 2)),
                offer_decode(car_offer(car, day, 2))],
        now=now,
    )  # fmt: skip

    flight, stay, rental = HoldItem.objects.filter(hold=hold).order_by("position")
    assert flight.terms == {
        "departure_at": first.leg.departure_at.isoformat(),
        "arrival_at": back.leg.arrival_at.isoformat(),
        "flight_number": first.leg.flight_number,
        "start_timezone": "Europe/Paris",
        "end_timezone": "Europe/Paris",
        "refundable": True,
    }
    assert (flight.offer["origin"], flight.offer["destination"]) == ("CDG", "JFK")
    hotel = Hotel.objects.select_related("city").get(pk=room_type.hotel_id)
    assert stay.terms == {
        "check_in_time": hotel.check_in_time.isoformat(),
        "check_out_time": hotel.check_out_time.isoformat(),
        "free_cancellation_days": 2,
        "timezone": hotel.city.timezone,
        "city": hotel.city.name,
        "first_night_price": "100.00",
    }
    assert stay.offer["city"] == hotel.city.name
    office = RentalOffice.objects.select_related("airport").get(pk=car.office_id)
    assert rental.terms == {
        "opens_at": office.opens_at.isoformat(),
        "closes_at": office.closes_at.isoformat(),
        "timezone": office.airport.timezone,
        "airport": office.airport.iata,
        "first_day_price": "40.00",
    }
    assert rental.offer["airport"] == office.airport.iata


def test_the_catalogs_terms_read_for_an_older_item_are_the_ones_a_hold_keeps(
    traveler, room_type, car, fare, day
):
    now = timezone.now()
    hold = _hold(
        traveler, flight_offer(fare), hotel_offer(room_type, day, 2), car_offer(car, day, 2),
        now=now,
    )  # fmt: skip

    items = list(HoldItem.objects.filter(hold=hold).order_by("position"))

    assert [_terms_read(item) for item in items] == [item.terms for item in items]


def test_a_stay_is_booked_on_the_terms_it_was_held_on_not_on_a_later_change(
    traveler, room_type, day
):
    # given two holds of the same stay, then the hotel's policy and first night change
    now = timezone.now()
    held_before = [_hold(traveler, hotel_offer(room_type, day, 2), now=now) for _ in range(2)]
    control = _book(traveler, held_before[0], now=now)
    Hotel.objects.filter(pk=room_type.hotel_id).update(
        free_cancellation_days=7, check_in_time=time(18, 0)
    )
    RoomNight.objects.filter(room_type=room_type, date=day).update(price=Decimal("90.00"))

    # when the second is booked, and a stay held after the change
    booking = _book(traveler, held_before[1], now=now)
    held_after = _hold(traveler, hotel_offer(room_type, day, 2), now=now)
    later = _book(traveler, held_after, now=now)

    # then the second is sold as the first was: free until 2 days before a 15:00 check-in,
    # the first night (100) kept after that; the stay held after the change on the new terms
    assert _policy_of(booking) == _policy_of(control)
    zone = ZoneInfo(room_type.hotel.city.timezone)
    [(start, *_rest, refund_after)] = _policy_of(booking)
    assert start.astimezone(zone).time() == time(15, 0)
    assert refund_after == Decimal("110.00")  # 210 - the first night's 100
    [(later_start, _end, _zone, _end_zone, later_free, later_refund)] = _policy_of(later)
    assert later_start.astimezone(zone).time() == time(18, 0)
    assert later_free == later_start - timedelta(days=7)
    assert later_refund == Decimal("110.00")  # 200 (90 + 110) - the first night's 90


def test_a_car_whose_office_hours_changed_after_the_hold_is_booked_on_the_held_ones(
    traveler, car, day
):
    now = timezone.now()
    first, second = (_hold(traveler, car_offer(car, day, 2), now=now) for _ in range(2))
    control = _book(traveler, first, now=now, travelers=[DRIVER])
    RentalOffice.objects.filter(pk=car.office_id).update(opens_at=time(11, 0))

    booking = _book(traveler, second, now=now, travelers=[DRIVER])

    assert _policy_of(booking) == _policy_of(control)


def test_booking_a_hold_reads_no_catalog_row(traveler, room_type, car, fare, day):
    now = timezone.now()
    hold = _hold(
        traveler, flight_offer(fare), hotel_offer(room_type, day, 2), car_offer(car, day, 2),
        now=now,
    )  # fmt: skip

    with CaptureQueriesContext(connection) as queries:
        _book(traveler, hold, now=now, travelers=[DRIVER])

    assert [q["sql"] for q in queries.captured_queries if "catalog_" in q["sql"]] == []


def test_an_item_held_before_holds_kept_terms_is_booked_on_the_catalogs(
    traveler, room_type, car, fare, day
):
    # given two identical trips held, one of them as held before terms were kept
    now = timezone.now()
    offers = (flight_offer(fare), hotel_offer(room_type, day, 2), car_offer(car, day, 2))
    with_terms, without = _hold(traveler, *offers, now=now), _hold(traveler, *offers, now=now)
    HoldItem.objects.filter(hold=without).update(terms=None)

    # when both are booked
    with CaptureQueriesContext(connection) as queries:
        old = _book(traveler, without, now=now, travelers=[DRIVER])
    new = _book(traveler, with_terms, now=now, travelers=[DRIVER])

    # then the older one read its terms from the catalog (one read per item) and both are
    # sold on the same policy
    assert len([q for q in queries.captured_queries if "catalog_" in q["sql"]]) == 3
    assert _policy_of(old) == _policy_of(new)
    # (the flight leaves tomorrow on a non-refundable fare: never free)
    assert [i.free_cancellation_until is not None for i in old.items.all()] == [
        False, True, True
    ]  # fmt: skip


def test_an_item_held_before_terms_still_refuses_a_trip_already_begun(traveler, room_type, day):
    from search.selectors.offers import OfferStarted

    now = timezone.now()
    hold = _hold(traveler, hotel_offer(room_type, day, 2), now=now)
    HoldItem.objects.filter(hold=hold).update(terms=None)
    item = HoldItem.objects.get(hold=hold)

    with pytest.raises(OfferStarted):
        item_policy(item, booked_at=now + timedelta(days=30)).check_sellable(
            now=now + timedelta(days=30)
        )
