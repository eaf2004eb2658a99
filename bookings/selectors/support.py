"""Customer service's reads: one search box over bookings, and a booking's timeline."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from audit.selectors import audit_entries_for
from bookings.models import (
    Booking,
    BookingItem,
    BookingNote,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    Traveler,
)
from catalog.models import Hotel
from notifications.models import Message
from travelguru.money import Money

# --- the search box ----------------------------------------------------------------------

REFERENCE = re.compile(r"^TG-[A-Z0-9]{4,9}$", re.IGNORECASE)
# Stripe's payment intents, charges and refunds, and the sandbox's charges.
PAYMENT_REF = re.compile(r"^(pi|ch|py|re)_[A-Za-z0-9_]+$")
# No stay or rental is longer (search.limits), a flight shorter: items that run on a day
# started at most this long before it.
LONGEST_SERVICE = timedelta(days=31)
# The widest offsets from UTC: a day somewhere on Earth lies within these bounds of its
# UTC day.
EARLIEST_OFFSET, LATEST_OFFSET = timedelta(hours=12), timedelta(hours=14)
PER_WAY = 200  # enough rows from any one way of finding for a person to read


def _ids(queryset: QuerySet[Any], field: str = "booking_id") -> set[int]:
    return set(queryset.values_list(field, flat=True)[:PER_WAY])


def _running_on(day: date) -> set[int]:
    """Bookings with an item running on `day` as the place's calendar reads it (from its
    start's local date to its end's). The database narrows by the indexed start with
    bounds wide enough for every time zone; the exact local dates are then compared here."""
    day_start = datetime.combine(day, time(0), tzinfo=UTC)
    candidates = BookingItem.objects.filter(
        service_start__lt=day_start + timedelta(days=1) + EARLIEST_OFFSET,
        service_start__gte=day_start - LONGEST_SERVICE - LATEST_OFFSET,
        service_end__gte=day_start - LATEST_OFFSET,
    ).values_list("booking_id", "service_start", "service_end", "start_timezone", "end_timezone")
    found: set[int] = set()
    for booking_id, start, end, start_zone, end_zone in candidates[: PER_WAY * 5]:
        first = start.astimezone(ZoneInfo(start_zone or "UTC")).date()
        last = end.astimezone(ZoneInfo(end_zone or "UTC")).date()
        if first <= day <= last:
            found.add(booking_id)
    return found


def _by_names(words: list[str]) -> set[int]:
    travelers = Traveler.objects.all()
    if len(words) == 1:
        (word,) = words
        return _ids(travelers.filter(last_name__istartswith=word)) | _ids(
            travelers.filter(first_name__istartswith=word)
        )
    first, last = words[0], " ".join(words[1:])
    return _ids(travelers.filter(first_name__istartswith=first, last_name__istartswith=last)) | (
        _ids(travelers.filter(first_name__istartswith=last, last_name__istartswith=first))
    )


def _by_hotel(term: str) -> set[int]:
    # Hotels are few next to bookings: their names are read whole, the bookings through the
    # inventory rows their holds took (indexed foreign keys all the way).
    hotels = list(Hotel.objects.filter(name__icontains=term).values_list("pk", flat=True)[:50])
    if not hotels:
        return set()
    return _ids(
        Booking.objects.filter(
            hold__items__units_taken__room_night__room_type__hotel__in=hotels
        ).distinct(),
        "pk",
    )


def bookings_search(queryset: QuerySet[Booking], term: str) -> QuerySet[Booking]:
    """Bookings found by what a traveler on the phone says: a reference, an email, a
    traveler's name, a date of travel (YYYY-MM-DD: bookings whose items run that day), a
    hotel's name, or a payment reference (Stripe's payment intent or charge id).

    Each way is its own indexed query and the answer their union, so no OR across joined
    tables makes the database read every booking."""
    term = " ".join(term.split())
    if not term:
        return queryset
    ids: set[int] = set()
    if REFERENCE.match(term):
        ids |= _ids(Booking.objects.filter(reference=term.upper()), "pk")
    try:
        day = date.fromisoformat(term)
    except ValueError:
        day = None
    if day is not None:
        ids |= _running_on(day)
    elif "@" in term:
        ids |= _ids(Booking.objects.filter(user__email__istartswith=term), "pk")
    elif PAYMENT_REF.match(term):
        ids |= _ids(Payment.objects.filter(provider_ref=term, booking__isnull=False))
        ids |= _ids(Refund.objects.filter(provider_ref=term), "payment__booking_id")
    elif not REFERENCE.match(term):
        ids |= _by_names(term.split(" ")) | _by_hotel(term)
    return queryset.filter(pk__in=ids)


# --- the timeline ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    at: datetime
    kind: str  # hold, booking, payment, charge, refund, cancellation, audit, note, message
    title: str
    detail: str = ""
    amount: Money | None = None
    actor: str = ""


TimelineSource = Callable[[Booking], Iterable[TimelineEvent]]


def _hold_and_payments(booking: Booking) -> Iterable[TimelineEvent]:
    hold = booking.hold
    minutes = int((hold.expires_at - hold.created_at).total_seconds() // 60)
    yield TimelineEvent(hold.created_at, "hold", "Hold placed",
                        f"Inventory set aside for {minutes} minutes")  # fmt: skip
    for payment in Payment.objects.filter(hold_id=booking.hold_id).order_by("created_at", "pk"):
        money = payment.money
        yield TimelineEvent(
            payment.created_at, "payment", f"Payment attempt ({payment.provider})",
            payment.get_status_display() + (f": {payment.failure_code}" if payment.failure_code
                                             else ""),
            money,
        )  # fmt: skip
        if payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED):
            # A payment's updated_at moves with each refund: the attempt's instant is the
            # charge's (the provider answers within the request).
            yield TimelineEvent(payment.created_at, "charge", "Charged", payment.provider_ref,
                                money)  # fmt: skip
    # After the charges: a booking and its charge share one instant, and the charge came first.
    totals = " + ".join(f"{m.amount} {m.currency}" for m in booking.totals())
    yield TimelineEvent(booking.created_at, "booking", f"Booked {booking.reference}", totals)
    refunds = Refund.objects.filter(payment__hold_id=booking.hold_id).select_related("requested_by")
    for refund in refunds.order_by("created_at", "pk"):
        pending = refund.status == RefundStatus.PENDING
        yield TimelineEvent(
            refund.created_at, "refund", "Refund pending" if pending else "Refunded",
            f"{refund.reason} {refund.provider_ref}".strip(),
            Money.of(refund.amount, refund.currency),
            str(refund.requested_by) if refund.requested_by else "",
        )  # fmt: skip


def _cancellations(booking: Booking) -> Iterable[TimelineEvent]:
    for item in booking.items.all():
        if item.cancelled_at is not None:
            yield TimelineEvent(item.cancelled_at, "cancellation",
                                f"Item {item.position} cancelled", item.description,
                                Money.of(item.refunded_amount, item.price_currency))  # fmt: skip
    if booking.cancelled_at is not None:
        yield TimelineEvent(booking.cancelled_at, "cancellation", "Booking cancelled")


def _audit(booking: Booking) -> Iterable[TimelineEvent]:
    for entry in audit_entries_for(targets=[("bookings.booking", [booking.pk])]):
        money = _money_in(entry.details)
        yield TimelineEvent(entry.at, "audit", entry.action, entry.reason, money, str(entry.actor))


def _money_in(details: dict[str, Any]) -> Money | None:
    amount = details.get("amount")
    if isinstance(amount, dict) and {"amount", "currency"} <= amount.keys():
        return Money.of(amount["amount"], amount["currency"])
    return None


def _notes(booking: Booking) -> Iterable[TimelineEvent]:
    for note in BookingNote.objects.filter(booking=booking).select_related("author"):
        yield TimelineEvent(note.created_at, "note", "Internal note", note.text,
                            actor=str(note.author))  # fmt: skip


def _messages(booking: Booking) -> Iterable[TimelineEvent]:
    """Emails sent about the booking (the outbox, below bookings)."""
    for message in Message.objects.filter(booking=booking, sent_at__isnull=False):
        sent_at = cast(datetime, message.sent_at)  # the filter leaves only sent ones
        yield TimelineEvent(sent_at, "message", f"Email: {message.kind}", str(message.status))


TIMELINE_SOURCES: tuple[TimelineSource, ...] = (
    _hold_and_payments, _cancellations, _audit, _notes, _messages,
)  # fmt: skip


def booking_timeline(booking: Booking) -> list[TimelineEvent]:
    """Everything that happened to the booking, oldest first."""
    events = [e for source in TIMELINE_SOURCES for e in source(booking)]
    return sorted(events, key=lambda e: e.at)


def local_with_offset(at: datetime, zone: str) -> str:
    """An instant as the staff member's clock reads it, offset and zone said."""
    local = at.astimezone(ZoneInfo(zone or "UTC"))
    day, _, clock = local.isoformat(timespec="minutes").partition("T")
    return f"{day} {clock[:5]} {clock[5:]} ({zone or 'UTC'})"
