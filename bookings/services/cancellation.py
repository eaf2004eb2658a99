"""Cancel a booking: refund each item under its policy, give its inventory back."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction

from bookings.errors import RefundAboveLimit, RefundNotAllowed
from bookings.models import (
    Booking,
    BookingStatus,
    HoldUnit,
    Payment,
    PaymentStatus,
    Refund,
)
from bookings.payments import get_provider
from bookings.payments.base import PaymentProviderError
from bookings.services.inventory import lock_wait_bounded, units_give_back
from bookings.services.messages import booking_cancelled_queue
from bookings.services.policies import refund_due
from travelguru.money import Money

_REFUNDABLE = (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED)


def staff_refund_limits(staff: Any) -> dict[str, Decimal] | None:
    """What `staff` may give back per booking and currency (None: no limit).

    Raises RefundNotAllowed when they may not refund at all."""
    if not staff.has_perm("bookings.refund_booking"):
        raise RefundNotAllowed()
    if staff.has_perm("bookings.refund_any_amount"):
        return None
    return {c.upper(): Decimal(v) for c, v in settings.SUPPORT_REFUND_LIMITS.items()}


def refund_limits_check(
    limits: dict[str, Decimal], due: dict[str, Decimal], payments: Iterable[Payment]
) -> None:
    """Refunds made already count: two smaller refunds cannot pass one limit twice."""
    refunded: dict[str, Decimal] = defaultdict(Decimal)
    for payment in payments:
        refunded[payment.currency] += payment.refunded_amount
    for currency, amount in sorted(due.items()):
        if amount <= 0:
            continue
        limit = limits.get(currency, Decimal(0))
        if refunded[currency] + amount > limit:
            raise RefundAboveLimit(
                f"Refunding {amount} {currency} (after {refunded[currency]} {currency} refunded"
                f" already) is above your limit of {limit} {currency} per booking; ask a"
                " supervisor.",
                currency=currency,
                limit=str(limit),
            )


def booking_cancel(
    *,
    booking: Booking,
    now: datetime,
    reason: str = "cancelled by traveler",
    staff: Any = None,
) -> Booking:
    """Cancel every confirmed item; idempotent (a second call changes nothing).

    Cancelled by `staff`: they need bookings.refund_booking, and without
    bookings.refund_any_amount the refunds (with those made before) must stay within
    SUPPORT_REFUND_LIMITS, or nothing happens (RefundAboveLimit). The limit is checked
    under the booking's row lock, for the moment the policy is then fixed to, so the
    amounts checked are the amounts refunded, whoever finishes the cancellation.

    The moment cancelling was first asked is recorded first and the policy is applied
    for that moment, so a retry after a failure (a busy lock, a crash) asks the provider
    for the same refunds under the same idempotency keys. Refunds go to the provider
    outside any lock, so a retry refunds nothing twice; then one transaction under the
    booking's row lock gives back the inventory of what has not started yet and records
    the refunds.
    """
    limits = staff_refund_limits(staff) if staff is not None else None
    if booking.status == BookingStatus.CANCELLED:
        return booking
    with transaction.atomic(), lock_wait_bounded():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        if locked.status == BookingStatus.CANCELLED:
            return locked
        if limits is not None:
            asking_at = locked.cancel_requested_at or now
            due_now: dict[str, Decimal] = defaultdict(Decimal)
            for item in locked.items.filter(status=BookingStatus.CONFIRMED):
                due_now[item.price_currency] += refund_due(item, now=asking_at)
            paid = Payment.objects.filter(booking=locked, status__in=_REFUNDABLE)
            refund_limits_check(limits, due_now, paid)
        if locked.cancel_requested_at is None:
            locked.cancel_requested_at = now
            locked.save(update_fields=["cancel_requested_at"])
    asked_at = locked.cancel_requested_at
    items = [i for i in booking.items.all() if i.status == BookingStatus.CONFIRMED]
    due = {item.pk: refund_due(item, now=asked_at) for item in items}
    per_currency: dict[str, Decimal] = defaultdict(Decimal)
    for item in items:
        per_currency[item.price_currency] += due[item.pk]
    payments = {
        p.currency: p
        for p in Payment.objects.filter(booking=booking, status=PaymentStatus.SUCCEEDED)
    }
    refund_refs: dict[str, str] = {}
    for currency, amount in per_currency.items():
        payment = payments.get(currency)
        if amount <= 0 or payment is None:
            continue
        amount = min(amount, payment.amount - payment.refunded_amount)
        try:
            refund_refs[currency] = get_provider(payment.provider).refund(
                charge_ref=payment.provider_ref,
                amount=Money.of(amount, currency),
                idempotency_key=f"{payment.idempotency_key}-cancel",
            )
        except PaymentProviderError:
            # Cancelled twice at once: the provider refused the second, same-key refund
            # while the first was under way. Cancelling twice is harmless.
            booking.refresh_from_db(fields=["status"])
            if booking.status == BookingStatus.CANCELLED:
                return booking
            raise
        per_currency[currency] = amount

    with transaction.atomic(), lock_wait_bounded():
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        if locked.status == BookingStatus.CANCELLED:
            return locked
        upcoming = [item.position for item in items if now < item.service_start]
        units_give_back(
            HoldUnit.objects.filter(item__hold_id=booking.hold_id, item__position__in=upcoming)
        )
        for item in items:
            item.status = BookingStatus.CANCELLED
            item.refunded_amount = due[item.pk]
            item.cancelled_at = now
            item.save(update_fields=["status", "refunded_amount", "cancelled_at"])
        for currency, ref in refund_refs.items():
            payment = payments[currency]
            Refund.objects.create(
                payment=payment, amount=per_currency[currency], currency=currency,
                reason=reason[:100], provider_ref=ref, created_at=now,
            )  # fmt: skip
            payment.refunded_amount += per_currency[currency]
            if payment.refunded_amount >= payment.amount:
                payment.status = PaymentStatus.REFUNDED
            payment.updated_at = now
            payment.save(update_fields=["refunded_amount", "status", "updated_at"])
        locked.status = BookingStatus.CANCELLED
        locked.cancelled_at = now
        locked.save(update_fields=["status", "cancelled_at"])
        # With the cancellation's writes: told once, exactly when it is recorded.
        booking_cancelled_queue(
            booking=locked, items=items,
            refunds=[Money.of(per_currency[c], c) for c in refund_refs], now=now,
        )  # fmt: skip
    return locked
