"""Reads of bookings data, always scoped to the traveler asking."""

from __future__ import annotations

from bookings.errors import BookingNotFound, HoldNotFound
from bookings.models import Booking, Hold


def hold_get(*, user, hold_id) -> Hold:  # type: ignore[no-untyped-def]
    """The caller's own hold; another traveler's hold is 'not found', never 'forbidden'."""
    hold = Hold.objects.filter(pk=hold_id, user=user).prefetch_related("items").first()
    if hold is None:
        raise HoldNotFound()
    return hold


def booking_list(*, user):  # type: ignore[no-untyped-def]
    return (
        Booking.objects.filter(user=user)
        .prefetch_related("items", "travelers", "payments")
        .order_by("-created_at")
    )


def booking_get(*, user, reference: str) -> Booking:  # type: ignore[no-untyped-def]
    """The caller's own booking; another traveler's reference is 'not found'."""
    booking = booking_list(user=user).filter(reference=reference.upper()).first()
    if booking is None:
        raise BookingNotFound()
    return booking
