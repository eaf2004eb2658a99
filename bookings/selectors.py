"""Reads of bookings data, always scoped to the traveler asking."""

from __future__ import annotations

from bookings.errors import HoldNotFound
from bookings.models import Hold


def hold_get(*, user, hold_id) -> Hold:  # type: ignore[no-untyped-def]
    """The caller's own hold; another traveler's hold is 'not found', never 'forbidden'."""
    hold = Hold.objects.filter(pk=hold_id, user=user).prefetch_related("items").first()
    if hold is None:
        raise HoldNotFound()
    return hold
