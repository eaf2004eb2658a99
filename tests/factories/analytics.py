"""factory_boy factory for analytics events (aggregation fixtures)."""

from __future__ import annotations

from datetime import UTC, datetime

import factory
from factory.django import DjangoModelFactory

from analytics.models import Event, EventKind


class EventFactory(DjangoModelFactory[Event]):
    """A hotel search at noon UTC on 2026-11-01 unless told otherwise."""

    class Meta:
        model = Event

    kind = EventKind.SEARCH
    occurred_at = datetime(2026, 11, 1, 12, tzinfo=UTC)
    product = "hotel"
    session_id = factory.Sequence(lambda n: f"session-{n:08d}")
