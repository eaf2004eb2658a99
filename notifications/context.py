"""A message's context as JSON, so the outbox row can be rendered later, by the send.

Callers pass plain values; JSON alone would lose what the templates rely on: Decimal
amounts (a float would round), Money, and aware datetimes with their zone (a traveler's
local time, its offset and the calendar's TZID come from it). Those are written as tagged
objects and read back as the same types; anything else a template could not use the same
way after the round trip is refused when the message is queued, not when it is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from travelguru.money import Money

TAG = "$t"


class ContextNotSerializable(TypeError):
    pass


def _zone(value: datetime) -> dict[str, object]:
    tz = value.tzinfo
    if tz is None:
        return {}
    if isinstance(tz, ZoneInfo):
        return {"zone": tz.key}
    if tz is UTC or tz == UTC:
        return {"zone": "UTC"}
    if isinstance(tz, timezone):
        offset = tz.utcoffset(None)
        return {"offset": int(offset.total_seconds())}
    raise ContextNotSerializable(f"a datetime in {type(tz).__name__}, not a zoneinfo zone")


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return {TAG: "decimal", "v": str(value)}
    if isinstance(value, Money):
        return {TAG: "money", "amount": str(value.amount), "currency": value.currency}
    if isinstance(value, datetime):
        return {TAG: "datetime", "v": value.isoformat(), **_zone(value)}
    if isinstance(value, date):
        return {TAG: "date", "v": value.isoformat()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if isinstance(value, Mapping):
        if TAG in value:
            raise ContextNotSerializable(f"{TAG!r} is a reserved key in a message's context")
        if not all(isinstance(k, str) for k in value):
            raise ContextNotSerializable("a context's keys are strings")
        return {k: _encode(v) for k, v in value.items()}
    raise ContextNotSerializable(f"{type(value).__name__} in a message's context")


def context_dump(context: Mapping[str, object]) -> dict[str, Any]:
    """The context as JSON-ready values; ContextNotSerializable for a value the templates
    could not get back as it was (a float, a model instance, a naive clock in a zone...)."""
    return {k: _encode(v) for k, v in dict(context).items()}


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    tag = value.get(TAG)
    if tag is None:
        return {k: _decode(v) for k, v in value.items()}
    if tag == "decimal":
        return Decimal(value["v"])
    if tag == "money":
        return Money(Decimal(value["amount"]), value["currency"])
    if tag == "date":
        return date.fromisoformat(value["v"])
    if tag == "datetime":
        at = datetime.fromisoformat(value["v"])
        if "zone" in value:
            return at.astimezone(UTC if value["zone"] == "UTC" else ZoneInfo(value["zone"]))
        if "offset" in value:
            return at.astimezone(timezone(timedelta(seconds=value["offset"])))
        return at
    raise ValueError(f"unknown tag in a message's context: {tag!r}")


def context_load(data: Mapping[str, Any]) -> dict[str, Any]:
    """The context `context_dump` wrote, with its Decimals, Money, dates and zones back."""
    return {k: _decode(v) for k, v in data.items()}
