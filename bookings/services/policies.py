"""Cancellation policy of each booked item, fixed at booking time from the catalog.

- Hotel: free until `free_cancellation_days` before check-in (hotel's local check-in
  time); afterwards the first night is kept; non-refundable when the hotel offers no free
  cancellation.
- Flight: refundable fares refund in full until departure; other fares only within 24
  hours of booking when departure is at least 7 days away (the US DOT rule), else never.
- Car: free until 48 hours before pick-up; afterwards one day is kept.
After the service has started nothing is refunded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bookings.models import HoldItem, ItemKind
from catalog.models import CarDay, FlightFare, RoomNight
from travelguru.money import Money


@dataclass(frozen=True)
class Policy:
    service_start: datetime
    service_end: datetime
    free_until: datetime | None
    refund_after_deadline: Decimal


def _local(day: date, at: time, zone: str) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(ZoneInfo("UTC"))


def item_policy(item: HoldItem, *, booked_at: datetime) -> Policy:
    offer = item.offer
    price = item.price
    if item.kind == ItemKind.HOTEL:
        check_in = date.fromisoformat(offer["check_in"])
        # One read: the first night (its price is what late cancelling keeps) with its hotel.
        first_night = RoomNight.objects.select_related("room_type__hotel__city").get(
            room_type_id=offer["room_type_id"], date=check_in
        )
        hotel = first_night.room_type.hotel
        start = _local(check_in, hotel.check_in_time, hotel.city.timezone)
        end = _local(
            date.fromisoformat(offer["check_out"]), hotel.check_out_time, hotel.city.timezone
        )
        if hotel.free_cancellation_days is None:
            return Policy(start, end, None, Decimal(0))
        kept = Money.of(first_night.price * offer["rooms"], price.currency)
        return Policy(
            start, end, start - timedelta(days=hotel.free_cancellation_days),
            max(price.amount - kept.amount, Decimal(0)),
        )  # fmt: skip
    if item.kind == ItemKind.FLIGHT:
        ids = [*offer["outbound_fare_ids"], *offer["return_fare_ids"]]
        fares = list(FlightFare.objects.select_related("leg").filter(pk__in=ids))
        start = min(f.leg.departure_at for f in fares)
        end = max(f.leg.arrival_at for f in fares)
        if all(f.refundable for f in fares):
            return Policy(start, end, start, Decimal(0))
        free = booked_at + timedelta(hours=24) if start - booked_at >= timedelta(days=7) else None
        return Policy(start, end, free, Decimal(0))
    pick_up = date.fromisoformat(offer["pick_up"])
    first_day = CarDay.objects.select_related("car__office__airport").get(
        car_id=offer["car_id"], date=pick_up
    )
    office = first_day.car.office
    start = _local(pick_up, office.opens_at, office.airport.timezone)
    end = _local(date.fromisoformat(offer["drop_off"]), office.closes_at, office.airport.timezone)
    one_day = first_day.price
    return Policy(start, end, start - timedelta(hours=48), max(price.amount - one_day, Decimal(0)))


def refund_due(item, *, now: datetime) -> Decimal:  # type: ignore[no-untyped-def]
    """What cancelling `item` (a BookingItem) at `now` gives back."""
    if now >= item.service_start:
        return Decimal(0)
    if item.free_cancellation_until is not None and now <= item.free_cancellation_until:
        return item.price_amount
    return item.refund_after_deadline
