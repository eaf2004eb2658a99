"""The messages a traveler gets about a booking, queued in the transaction that changes it.

Bookings knows its rows; notifications knows how to write and send. Each function here
builds the plain context a message kind renders (times as aware instants with the place's
zone, money as Money) and queues it in the caller's transaction, so the message exists
exactly when the change does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Min, Model, Q

from bookings.models import (
    Booking,
    BookingItem,
    BookingStatus,
    Hold,
    HoldStatus,
    Payment,
    PaymentStatus,
    Traveler,
)
from notifications.models import Message
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


def _booking_message_queue(
    booking: Booking, *, kind: str, context: dict[str, Any], now: datetime
) -> Message:
    """Queue `kind` about the booking to its traveler, in the booking's language; its context
    starts with the booking's reference and ends with the link to the trip's page."""
    return queue_message(
        kind=kind,
        to_email=booking.user.email,
        language=booking_language(booking),
        context={
            "reference": booking.reference,
            **context,
            "trips_url": f"{settings.SITE_URL}/trips/{booking.reference}",
        },
        user=booking.user,
        booking=booking,
        now=now,
    )


def booking_confirmed_queue(
    *,
    booking: Booking,
    items: Sequence[BookingItem],
    travelers: Sequence[Traveler],
    payments: Sequence[Payment],
    now: datetime,
) -> Message:
    """Queue "booking confirmed" (with its calendar file) in the confirming transaction."""
    return _booking_message_queue(
        booking,
        kind="booking_confirmed",
        context={
            "booked_at": now,
            "items": [_item_context(i) for i in items],
            "travelers": [{"name": f"{t.first_name} {t.last_name}"} for t in travelers],
            "total_paid": _paid(payments),
        },
        now=now,
    )


def _user_language(user: Any) -> str:
    """A traveler's language outside a booking: the one of their latest booking."""
    latest = (
        Booking.objects.filter(user=user).order_by("-created_at").values_list("language", flat=True)
    )
    return language_pick(latest.first())


def booking_cancelled_queue(
    *, booking: Booking, items: Sequence[BookingItem], refunds: Sequence[Money], now: datetime
) -> None:
    """Queue "booking cancelled" (what was cancelled, what is refunded) in the cancelling
    transaction."""
    _booking_message_queue(
        booking,
        kind="booking_cancelled",
        context={
            "items": [
                {**_item_context(i), "refund": Money.of(i.refunded_amount, i.price_currency)}
                for i in items
            ],
            "refunds": [r for r in refunds if r.amount > 0],
        },
        now=now,
    )


def refund_issued_queue(*, payment: Payment, amount: Money, now: datetime) -> None:
    """Queue "refund issued" for a charge given back without a booking (an attempt that
    failed after charging), in the transaction that records the refund."""
    user = payment.user
    queue_message(
        kind="refund_issued",
        to_email=user.email,
        language=_user_language(user),
        context={"amount": amount, "trips_url": f"{settings.SITE_URL}/trips"},
        user=user,
        booking=payment.booking,
        now=now,
    )


# --- scheduled: reminders and invitations (travelguru.scheduled, every few minutes) ---

HOLD_WARN_BEFORE = timedelta(minutes=5)
TRIP_REMINDER_BEFORE = timedelta(hours=72)
# Trips that ended longer ago than this are not invited any more (bounds the job's scan).
REVIEW_INVITE_WITHIN = timedelta(days=14)


def _claim_once(model: type[Model], *, pks: Sequence[object], field: str, now: datetime) -> bool:
    """Mark the rows `pks` with `field` = now where it is still empty; True when every one
    was (this run claimed them all). A conditional UPDATE, so of two jobs at once only one
    claims a row; called in the transaction that queues the message, so the mark and the
    message commit together."""
    marked = model._default_manager.filter(pk__in=pks, **{f"{field}__isnull": True}).update(
        **{field: now}
    )
    return marked == len(pks)


def holds_expiring_warn(*, now: datetime, batch: int = 200) -> int:
    """Tell travelers whose hold ends within HOLD_WARN_BEFORE and who left the checkout
    (no payment was attempted on it) that it is about to expire; once per hold, marked by
    a conditional UPDATE in the queueing transaction (two jobs at once warn once)."""
    holds = list(
        Hold.objects.filter(
            status=HoldStatus.ACTIVE,
            expiry_warned_at__isnull=True,
            expires_at__gt=now,
            expires_at__lte=now + HOLD_WARN_BEFORE,
        )
        .exclude(payments__isnull=False)
        .select_related("user")
        .prefetch_related("items")
        .order_by("expires_at")[:batch]
    )
    warned = 0
    for hold in holds:
        with transaction.atomic():
            if not _claim_once(Hold, pks=[hold.pk], field="expiry_warned_at", now=now):
                continue
            queue_message(
                kind="hold_expiring",
                to_email=hold.user.email,
                language=_user_language(hold.user),
                context={
                    "expires_at": hold.expires_at,
                    "minutes_left": max(int((hold.expires_at - now).total_seconds() // 60), 1),
                    "items": [
                        {"description": i.description, "price": i.price} for i in hold.items.all()
                    ],
                    "checkout_url": f"{settings.SITE_URL}/checkout",
                },  # fmt: skip
                user=hold.user,
                now=now,
            )
            warned += 1
    return warned


def trip_reminders_queue(*, now: datetime, batch: int = 200) -> int:
    """Remind travelers TRIP_REMINDER_BEFORE their trip's first item starts (times shown
    on the place's clock); once per booking. A trip booked closer to its start than that
    gets no reminder: its confirmation has just told them."""
    first_start = Min("items__service_start", filter=Q(items__status=BookingStatus.CONFIRMED))
    bookings = list(
        Booking.objects.filter(status=BookingStatus.CONFIRMED, reminded_at__isnull=True)
        .annotate(first_start=first_start)
        .filter(
            first_start__gt=now,
            first_start__lte=now + TRIP_REMINDER_BEFORE,
            created_at__lt=F("first_start") - TRIP_REMINDER_BEFORE,
        )
        .select_related("user")
        .order_by("first_start")[:batch]
    )
    reminded = 0
    for booking in bookings:
        with transaction.atomic():
            if not _claim_once(Booking, pks=[booking.pk], field="reminded_at", now=now):
                continue
            items = [
                i for i in booking.items.order_by("position") if i.status == BookingStatus.CONFIRMED
            ]
            _booking_message_queue(
                booking,
                kind="trip_reminder",
                context={
                    "first": _item_context(items[0]),
                    "items": [_item_context(i) for i in items],
                },
                now=now,
            )
            reminded += 1
    return reminded


def review_invitations_queue(*, now: datetime, batch: int = 200) -> int:
    """Invite travelers to review what their trip's items allow (the rule a review is
    written under, `review_refusal`, and not reviewed yet), once per item, one message per
    booking."""
    from bookings.services.reviews import review_refusal
    from reviews.selectors import reviewed_item_ids

    items = list(
        BookingItem.objects.filter(
            status=BookingStatus.CONFIRMED,
            review_invited_at__isnull=True,
            service_end__lte=now,
            service_end__gt=now - REVIEW_INVITE_WITHIN,
            booking__status=BookingStatus.CONFIRMED,
        )
        .select_related("booking__user")
        .order_by("booking_id", "position")[:batch]
    )
    reviewed = reviewed_item_ids(item_ids=[i.pk for i in items])
    by_booking: dict[int, list[BookingItem]] = {}
    for item in items:
        by_booking.setdefault(item.booking_id, []).append(item)
    invited = 0
    for booking_items in by_booking.values():
        booking = booking_items[0].booking
        with transaction.atomic():
            ids = [i.pk for i in booking_items]
            if not _claim_once(BookingItem, pks=ids, field="review_invited_at", now=now):
                continue  # another run has them
            open_items = [
                i
                for i in booking_items
                if i.pk not in reviewed and review_refusal(booking=booking, item=i, now=now) is None
            ]
            if not open_items:
                continue
            _booking_message_queue(
                booking,
                kind="review_invitation",
                context={
                    "items": [_item_context(i) for i in open_items],
                },
                now=now,
            )
            invited += 1
    return invited


def booking_confirmation_requeue(*, booking: Booking, now: datetime) -> Message:
    """The confirmation once more, rendered from the booking as it stands now: a name whose
    spelling support corrected, or an item cancelled since, shows as it is (a copy of the old
    message, `notifications.services.resend`, would repeat what was wrong)."""
    return booking_confirmed_queue(
        booking=booking,
        items=list(booking.items.order_by("position")),
        travelers=list(booking.travelers.order_by("position")),
        payments=list(booking.payments.all()),
        now=now,
    )
