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
    # Each kind is one read of just the columns the policy needs (values(): no model
    # instances of the wide catalog rows are built on the booking path).
    if item.kind == ItemKind.HOTEL:
        check_in = date.fromisoformat(offer["check_in"])
        # The first night: its price is what late cancelling keeps.
        night = RoomNight.objects.values(
            "price", "room_type__hotel__check_in_time", "room_type__hotel__check_out_time",
            "room_type__hotel__free_cancellation_days", "room_type__hotel__city__timezone",
        ).get(room_type_id=offer["room_type_id"], date=check_in)  # fmt: skip
        zone = night["room_type__hotel__city__timezone"]
        start = _local(check_in, night["room_type__hotel__check_in_time"], zone)
        end = _local(
            date.fromisoformat(offer["check_out"]), night["room_type__hotel__check_out_time"], zone
        )
        free_days = night["room_type__hotel__free_cancellation_days"]
        if free_days is None:
            return Policy(start, end, None, Decimal(0))
        kept = Money.of(night["price"] * offer["rooms"], price.currency)
        return Policy(
            start, end, start - timedelta(days=free_days),
            max(price.amount - kept.amount, Decimal(0)),
        )  # fmt: skip
    if item.kind == ItemKind.FLIGHT:
        ids = [*offer["outbound_fare_ids"], *offer["return_fare_ids"]]
        fares = list(
            FlightFare.objects.filter(pk__in=ids).values(
                "refundable", "leg__departure_at", "leg__arrival_at"
            )
        )
        start = min(f["leg__departure_at"] for f in fares)
        end = max(f["leg__arrival_at"] for f in fares)
        if all(f["refundable"] for f in fares):
            return Policy(start, end, start, Decimal(0))
        free = booked_at + timedelta(hours=24) if start - booked_at >= timedelta(days=7) else None
        return Policy(start, end, free, Decimal(0))
    pick_up = date.fromisoformat(offer["pick_up"])
    day = CarDay.objects.values(
        "price", "car__office__opens_at", "car__office__closes_at",
        "car__office__airport__timezone",
    ).get(car_id=offer["car_id"], date=pick_up)  # fmt: skip
    zone = day["car__office__airport__timezone"]
    start = _local(pick_up, day["car__office__opens_at"], zone)
    end = _local(date.fromisoformat(offer["drop_off"]), day["car__office__closes_at"], zone)
    return Policy(
        start, end, start - timedelta(hours=48), max(price.amount - day["price"], Decimal(0))
    )


def refund_due(item, *, now: datetime) -> Decimal:  # type: ignore[no-untyped-def]
    """What cancelling `item` (a BookingItem) at `now` gives back."""
    if now >= item.service_start:
        return Decimal(0)
    if item.free_cancellation_until is not None and now <= item.free_cancellation_until:
        return item.price_amount
    return item.refund_after_deadline
