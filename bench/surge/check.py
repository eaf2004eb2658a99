"""After a surge: nothing oversold, nothing lost, every confirmed booking paid exactly once.

- inventory: every fare, room night and car day has available >= 0 and
  available + held (active holds) + booked (booked holds) = total, or, given a snapshot
  taken before the surge (the demo catalog starts partly sold, with no holds behind it),
  available = available before - held - booked;
- payments: every confirmed booking has exactly one succeeded, unrefunded sandbox charge
  per currency of its items, and every such charge belongs to a confirmed booking; no
  payment is left pending or unknown.
Runs inside Django (bench/surge/run.py calls it; tests/reliability/test_surge_check.py
proves it catches what it should).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime


def _taken(model) -> dict[int, int]:
    """Units of each row of `model` that active, being paid or booked holds have (cancelled
    items gave theirs back)."""
    from django.db.models import Sum

    from bookings.models import BookingItem, BookingStatus, HoldStatus, HoldUnit
    from bookings.services.inventory import UNIT_FIELD

    cancelled = set(
        BookingItem.objects.filter(status=BookingStatus.CANCELLED).values_list(
            "booking__hold_id", "position"
        )
    )
    field = UNIT_FIELD[model]
    taken: dict[int, int] = defaultdict(int)
    units = (
        HoldUnit.objects.filter(
            **{f"{field}__isnull": False},
            item__hold__status__in=[HoldStatus.ACTIVE, HoldStatus.PAYING, HoldStatus.BOOKED],
        )
        .values_list(field, "item__hold_id", "item__hold__status", "item__position")
        .annotate(n=Sum("units"))
    )
    for row_id, hold_id, status, position, n in units:
        if status == HoldStatus.BOOKED and (hold_id, position) in cancelled:
            continue
        taken[row_id] += n
    return taken


def inventory_snapshot() -> dict[tuple[str, int], int]:
    """Units of every inventory row that are on sale or held/booked, before a run."""
    from bookings.services.inventory import AVAILABLE, LOCK_ORDER

    snapshot = {}
    for model in LOCK_ORDER:
        taken = _taken(model)
        for pk, free in model.objects.values_list("pk", AVAILABLE[model]).iterator():
            snapshot[(model.__name__, pk)] = free + taken[pk]
    return snapshot


def inventory_violations(baseline: dict[tuple[str, int], int] | None = None) -> list[str]:
    """Rows where units went below zero, or appeared or vanished: available + held +
    booked must equal the total (or, with a baseline, what it was before the run)."""
    from bookings.services.inventory import AVAILABLE, LOCK_ORDER, TOTAL

    problems = []
    for model in LOCK_ORDER:
        taken = _taken(model)
        available, total = AVAILABLE[model], TOTAL[model]
        for pk, free, capacity in model.objects.values_list("pk", available, total).iterator():
            if free < 0:
                problems.append(f"{model.__name__} {pk}: {available}={free} < 0")
            expected = capacity if baseline is None else baseline[(model.__name__, pk)]
            if free + taken[pk] != expected:
                problems.append(
                    f"{model.__name__} {pk}: available {free} + held/booked {taken[pk]}"
                    f" != {'total' if baseline is None else 'before'} {expected}"
                )
    return problems


def payment_violations(*, since: datetime | None = None) -> list[str]:
    from bookings.models import Booking, BookingStatus, Payment, PaymentStatus, SandboxCharge

    problems = []
    payments = {p.idempotency_key: p for p in Payment.objects.all()}
    charges = {c.idempotency_key: c for c in SandboxCharge.objects.all()}
    bookings = Booking.objects.filter(status=BookingStatus.CONFIRMED).prefetch_related(
        "payments", "items"
    )
    if since is not None:
        bookings = bookings.filter(created_at__gte=since)
    for booking in bookings:
        currencies = sorted({item.price_currency for item in booking.items.all()})
        paid = [p for p in booking.payments.all() if p.status == PaymentStatus.SUCCEEDED]
        if sorted(p.currency for p in paid) != currencies:
            problems.append(
                f"booking {booking.reference}: succeeded payments in "
                f"{sorted(p.currency for p in paid)}, items in {currencies}"
            )
        for payment in paid:
            charge = charges.get(payment.idempotency_key)
            if charge is None or not charge.succeeded:
                problems.append(f"booking {booking.reference}: no charge for payment {payment.pk}")
            elif charge.amount != payment.amount or charge.refunded_amount:
                problems.append(
                    f"booking {booking.reference}: charge {charge.ref} {charge.amount} "
                    f"(refunded {charge.refunded_amount}) for payment {payment.amount}"
                )
    for key, charge in charges.items():
        if not charge.succeeded or charge.refunded_amount >= charge.amount:
            continue
        payment = payments.get(key)
        if payment is None or payment.booking_id is None:
            problems.append(f"charge {charge.ref} ({charge.amount}) has no booking")
        elif payment.status != PaymentStatus.SUCCEEDED:
            problems.append(f"charge {charge.ref}: its payment is {payment.status}")
    for payment in payments.values():
        if payment.status in (PaymentStatus.PENDING, PaymentStatus.UNKNOWN):
            problems.append(f"payment {payment.pk} is still {payment.status}")
    return problems
