"""A traveler's bookings in a personal data request: what is exported, what is erased.

Bookings, their items, payments and refunds stay (the business's accounts need them);
the people named on them do not: travelers' names and birth dates are blanked, and the
stored first answers to Idempotency-Keys (which repeat those names) are deleted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bookings.models import (
    Booking,
    BookingItem,
    BookingNote,
    BookingStatus,
    Hold,
    HoldStatus,
    IdempotencyRecord,
    Payment,
    Refund,
    Traveler,
)

ERASED_NAME = "(erased)"


def _money(amount: Any, currency: str) -> dict[str, str]:
    return {"amount": str(amount), "currency": currency}


def bookings_personal_data(*, user: Any) -> dict[str, Any]:
    """Every hold, booking, traveler, payment and refund of `user`, for their export."""
    bookings = (
        Booking.objects.filter(user=user)
        .prefetch_related("items", "travelers", "payments__refunds")
        .order_by("created_at")
    )
    return {
        "holds": [
            {"id": str(h.pk), "status": h.status, "created_at": h.created_at.isoformat(),
             "expires_at": h.expires_at.isoformat(),
             "items": [{"kind": i.kind, "description": i.description,
                        "price": _money(i.price_amount, i.price_currency), "units": i.units}
                       for i in h.items.all()]}
            for h in Hold.objects.filter(user=user).prefetch_related("items").order_by("created_at")
        ],
        "bookings": [
            {
                "reference": b.reference, "status": b.status,
                "created_at": b.created_at.isoformat(),
                "cancelled_at": b.cancelled_at.isoformat() if b.cancelled_at else None,
                "items": [{"kind": i.kind, "description": i.description, "status": i.status,
                           "price": _money(i.price_amount, i.price_currency),
                           "refunded": _money(i.refunded_amount, i.price_currency),
                           "service_start": i.service_start.isoformat(),
                           "service_end": i.service_end.isoformat()} for i in b.items.all()],
                "travelers": [{"type": t.type, "first_name": t.first_name,
                               "last_name": t.last_name,
                               "birth_date": t.birth_date.isoformat() if t.birth_date else None,
                               "is_driver": t.is_driver} for t in b.travelers.all()],
                "payments": [{"provider": p.provider, "status": p.status,
                              "amount": _money(p.amount, p.currency),
                              "refunded": _money(p.refunded_amount, p.currency),
                              "provider_ref": p.provider_ref,
                              "created_at": p.created_at.isoformat(),
                              "refunds": [{"amount": _money(r.amount, r.currency),
                                           "reason": r.reason,
                                           "created_at": r.created_at.isoformat()}
                                          for r in p.refunds.all()]}
                             for p in b.payments.all()],
            }
            for b in bookings
        ],
    }  # fmt: skip


def bookings_erasure_blockers(*, user: Any, now: datetime) -> list[str]:
    """Why `user`'s data cannot be erased yet: a trip being bought, or one not over (the
    names on it are needed to travel). Empty when it can. The caller holds the user's row
    lock, which hold_create takes too, so no hold can start in between."""
    reasons = []
    if (
        Hold.objects.filter(user=user, status=HoldStatus.PAYING).exists()
        or Hold.objects.filter(user=user, status=HoldStatus.ACTIVE, expires_at__gt=now).exists()
    ):
        reasons.append("a trip is being booked (a hold is active)")
    upcoming = BookingItem.objects.filter(
        booking__user=user, status=BookingStatus.CONFIRMED, service_end__gt=now
    ).values_list("booking__reference", flat=True)
    if upcoming:
        refs = ", ".join(sorted(set(upcoming)))
        reasons.append(f"trips not over yet ({refs}): cancel them first")
    return reasons


def bookings_anonymise(*, user: Any) -> dict[str, int]:
    """Blank the travelers of `user`'s bookings; delete their stored idempotent answers and
    staff's internal notes on the bookings (free text that may name the person)."""
    travelers = Traveler.objects.filter(booking__user=user).update(
        first_name=ERASED_NAME, last_name=ERASED_NAME, birth_date=None
    )
    answers, _ = IdempotencyRecord.objects.filter(user=user).delete()
    notes, _ = BookingNote.objects.filter(booking__user=user).delete()
    return {
        "bookings_kept": Booking.objects.filter(user=user).count(),
        "payments_kept": Payment.objects.filter(user=user).count(),
        "refunds_kept": Refund.objects.filter(payment__user=user).count(),
        "travelers_anonymised": travelers,
        "idempotency_answers_deleted": answers,
        "notes_deleted": notes,
    }


def traveler_names(*, user: Any) -> list[str]:
    """The names on `user`'s bookings (what an erasure looks for in free text)."""
    rows = Traveler.objects.filter(booking__user=user).values_list("first_name", "last_name")
    return [name for row in rows for name in (*row, " ".join(row)) if name]


def booking_ids(*, user: Any) -> list[int]:
    return list(Booking.objects.filter(user=user).values_list("pk", flat=True))
