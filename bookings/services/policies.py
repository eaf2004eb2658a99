"""Cancellation policy of each booked item, fixed at booking time from the hold's terms.

The terms (check-in and check-out times, free-cancellation days, first night's or day's
price, departure and arrival, refundable fare, the place's time zone) are the catalog's as
the hold read them to quote the item, kept with the hold's item: booking reads no catalog
row, and sells on the terms of the hold the traveler was shown, not on a change staff made
in the few minutes since. An item held before holds kept terms reads them from the catalog.

- Hotel: free until `free_cancellation_days` before check-in, at the hotel's check-in time
  on its clock; afterwards the first night is kept; non-refundable when the hotel offers
  no free cancellation.
- Flight: refundable fares refund in full until departure; other fares only within 24
  hours of booking when departure is at least 7 days away (the US DOT rule), else never.
- Car: free until 48 hours before pick-up; afterwards one day is kept.
After the service has started nothing is refunded. A free-cancellation deadline already
past when the item is booked is recorded as none (the booking shows no free cancellation,
never a date gone by), and an item booked once under way records no refund at all, so
what the traveler sees is what cancelling would give.
Every local time is the place's (catalog.local_time); instants are stored in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypedDict

from django.db.models import F

from bookings.models import BookingItem, HoldItem, ItemKind
from catalog.local_time import (
    hotel_free_cancellation_until,
    local_instant,
    rental_sold_until,
    started_detail,
    stay_sold_until,
)
from catalog.models import CarDay, FlightFare, RoomNight
from search.selectors.offers import OfferStarted, terms_car, terms_flight, terms_hotel
from travelguru.money import Money


class _Sold(TypedDict):
    sold_until: datetime
    started: str
    start_zone: str
    end_zone: str


@dataclass(frozen=True)
class Policy:
    service_start: datetime
    service_end: datetime
    free_until: datetime | None
    refund_after_deadline: Decimal
    # The last instant the item may be sold (catalog.local_time), and why it may not after.
    sold_until: datetime
    started: str
    # The time zones of the places where the service starts and ends.
    start_zone: str
    end_zone: str

    def check_sellable(self, *, now: datetime) -> None:
        """Raise OfferStarted when the item can no longer be sold at `now`."""
        if now >= self.sold_until:
            raise OfferStarted(self.started)


def item_policy(item: HoldItem, *, booked_at: datetime) -> Policy:
    """The item's policy for a booking made at `booked_at` (see the module's docstring)."""
    policy = _item_policy(item, booked_at=booked_at)
    if policy.service_start <= booked_at:
        # Booked once under way (tonight's stay after the check-in hour, a car after the
        # office opened): cancelling gives nothing back (refund_due), and it says so.
        return replace(policy, free_until=None, refund_after_deadline=Decimal(0))
    if policy.free_until is not None and policy.free_until <= booked_at:
        return replace(policy, free_until=None)
    return policy


def _item_policy(item: HoldItem, *, booked_at: datetime) -> Policy:
    offer = item.offer
    price = item.price
    terms = item.terms or _terms_read(item)
    if item.kind == ItemKind.HOTEL:
        check_in = date.fromisoformat(offer["check_in"])
        zone = terms["timezone"]
        check_in_time = time.fromisoformat(terms["check_in_time"])
        start = local_instant(check_in, check_in_time, zone)
        end = local_instant(
            date.fromisoformat(offer["check_out"]), time.fromisoformat(terms["check_out_time"]),
            zone,
        )  # fmt: skip
        sold: _Sold = {
            "sold_until": stay_sold_until(check_in=check_in, tz_name=zone),
            "started": started_detail(
                event=f"Check-in on {check_in.isoformat()}",
                place=terms["city"], tz_name=zone, now=booked_at,
            ),
            "start_zone": zone,
            "end_zone": zone,
        }  # fmt: skip
        free_days = terms["free_cancellation_days"]
        if free_days is None:
            return Policy(start, end, None, Decimal(0), **sold)
        # The first night: its price is what late cancelling keeps.
        kept = Money.of(Decimal(terms["first_night_price"]) * offer["rooms"], price.currency)
        free_until = hotel_free_cancellation_until(
            check_in=check_in, check_in_time=check_in_time, free_days=free_days, tz_name=zone
        )
        return Policy(start, end, free_until, max(price.amount - kept.amount, Decimal(0)), **sold)
    if item.kind == ItemKind.FLIGHT:
        start = datetime.fromisoformat(terms["departure_at"])
        end = datetime.fromisoformat(terms["arrival_at"])
        # Every leg is sold until it leaves (a later leg of a trip cannot have left first).
        sold = _Sold(
            sold_until=start,
            started=f"Flight {terms['flight_number']} has already departed; search again.",
            start_zone=terms["start_timezone"],
            end_zone=terms["end_timezone"],
        )
        if terms["refundable"]:
            return Policy(start, end, start, Decimal(0), **sold)
        free = booked_at + timedelta(hours=24) if start - booked_at >= timedelta(days=7) else None
        return Policy(start, end, free, Decimal(0), **sold)
    pick_up = date.fromisoformat(offer["pick_up"])
    zone = terms["timezone"]
    opens, closes = time.fromisoformat(terms["opens_at"]), time.fromisoformat(terms["closes_at"])
    start = local_instant(pick_up, opens, zone)
    end = local_instant(date.fromisoformat(offer["drop_off"]), closes, zone)
    return Policy(
        start, end, start - timedelta(hours=48),
        max(price.amount - Decimal(terms["first_day_price"]), Decimal(0)),
        sold_until=rental_sold_until(pick_up=pick_up, opens_at=opens, closes_at=closes,
                                     tz_name=zone),
        started=started_detail(
            event=f"Pick-up on {pick_up.isoformat()} (the office closes at {closes:%H:%M})",
            place=terms["airport"], tz_name=zone, now=booked_at,
        ),
        start_zone=zone, end_zone=zone,
    )  # fmt: skip


def _terms_read(item: HoldItem) -> dict[str, Any]:
    """The item's terms from the catalog, for an item held before holds kept them (the
    quote's reads give them to every item held since: search.selectors.offers)."""
    offer = item.offer
    # Each kind is one read of just the columns the terms need (values(): no model
    # instances of the wide catalog rows).
    if item.kind == ItemKind.HOTEL:
        # The first night: its price is what late cancelling keeps.
        night = RoomNight.objects.values(
            "price", "room_type__hotel__check_in_time", "room_type__hotel__check_out_time",
            "room_type__hotel__free_cancellation_days", "room_type__hotel__city__timezone",
            "room_type__hotel__city__name",
        ).get(room_type_id=offer["room_type_id"], date=offer["check_in"])  # fmt: skip
        return terms_hotel(
            check_in_time=night["room_type__hotel__check_in_time"],
            check_out_time=night["room_type__hotel__check_out_time"],
            free_cancellation_days=night["room_type__hotel__free_cancellation_days"],
            timezone=night["room_type__hotel__city__timezone"],
            city=night["room_type__hotel__city__name"],
            first_night_price=night["price"],
        )
    if item.kind == ItemKind.FLIGHT:
        ids = [*offer["outbound_fare_ids"], *offer["return_fare_ids"]]
        return terms_flight(
            list(
                FlightFare.objects.filter(pk__in=ids).values(
                    "refundable",
                    departure_at=F("leg__departure_at"),
                    arrival_at=F("leg__arrival_at"),
                    flight_number=F("leg__flight_number"),
                    origin_timezone=F("leg__origin__timezone"),
                    destination_timezone=F("leg__destination__timezone"),
                )
            )
        )
    day = CarDay.objects.values(
        "price", "car__office__opens_at", "car__office__closes_at",
        "car__office__airport__timezone", "car__office__airport__iata",
    ).get(car_id=offer["car_id"], date=offer["pick_up"])  # fmt: skip
    return terms_car(
        opens_at=day["car__office__opens_at"],
        closes_at=day["car__office__closes_at"],
        timezone=day["car__office__airport__timezone"],
        airport=day["car__office__airport__iata"],
        first_day_price=day["price"],
    )


def refund_due(item: BookingItem, *, now: datetime) -> Decimal:
    """What cancelling `item` (a BookingItem) at `now` gives back."""
    if now >= item.service_start:
        return Decimal(0)
    if item.free_cancellation_until is not None and now <= item.free_cancellation_until:
        return item.price_amount
    return item.refund_after_deadline
