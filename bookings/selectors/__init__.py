"""Reads of bookings data, always scoped to the traveler asking."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from bookings.errors import BookingNotFound, HoldNotFound
from bookings.models import Booking, Hold

if TYPE_CHECKING:
    from accounts.models import User


def hold_get(*, user: User, hold_id: uuid.UUID) -> Hold:
    """The caller's own hold; another traveler's hold is 'not found', never 'forbidden'."""
    hold = Hold.objects.filter(pk=hold_id, user=user).prefetch_related("items").first()
    if hold is None:
        raise HoldNotFound()
    return hold


def booking_list(*, user: User) -> QuerySet[Booking]:
    return (
        Booking.objects.filter(user=user)
        .prefetch_related("items", "travelers", "payments")
        .order_by("-created_at")
    )


def booking_get(*, user: User, reference: str) -> Booking:
    """The caller's own booking; another traveler's reference is 'not found'."""
    booking = booking_list(user=user).filter(reference=reference.upper()).first()
    if booking is None:
        raise BookingNotFound()
    return booking
