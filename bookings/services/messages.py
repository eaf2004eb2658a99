"""The messages a traveler gets about a booking, queued in the transaction that changes it.

Bookings knows its rows; notifications knows how to write and send. Each function here
builds the plain context a message kind renders (times as aware instants with the place's
zone, money as Money) and queues it in the caller's transaction, so the message exists
exactly when the change does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings

from bookings.models import Booking, BookingItem, Payment, PaymentStatus, Traveler
from notifications.services import language_pick, queue_message
from travelguru.money import Money


def booking_language(booking: Booking) -> str:
    """The traveler's language for this booking: the one they booked in (no language is
    kept on the account), else the site's default."""
    return language_pick(booking.language)


def _item_context(item: BookingItem) -> dict[str, Any]:
    return {
        "position": item.position,
        "kind": item.kind,
        "description": item.description,
        "start": item.service_start,
        "start_zone": item.start_timezone,
        "end": item.service_end,
        "end_zone": item.end_timezone,
        "price": item.price,
        "free_cancellation_until": item.free_cancellation_until,
        "refund_after_deadline": Money.of(item.refund_after_deadline, item.price_currency),
    }


def _paid(payments: Sequence[Payment]) -> list[Money]:
    return [Money.of(p.amount, p.currency) for p in payments if p.status == PaymentStatus.SUCCEEDED]


def booking_confirmed_queue(
    *,
    booking: Booking,
    items: Sequence[BookingItem],
    travelers: Sequence[Traveler],
    payments: Sequence[Payment],
    now: datetime,
) -> None:
    """Queue "booking confirmed" (with its calendar file) in the confirming transaction."""
    queue_message(
        kind="booking_confirmed",
        to_email=booking.user.email,
        language=booking_language(booking),
        context={
            "reference": booking.reference,
            "booked_at": now,
            "items": [_item_context(i) for i in items],
            "travelers": [{"name": f"{t.first_name} {t.last_name}"} for t in travelers],
            "total_paid": _paid(payments),
            "trips_url": f"{settings.SITE_URL}/trips/{booking.reference}",
        },
        user=booking.user,
        booking=booking,
        now=now,
    )
