"""A message's context survives the outbox row: what the send renders from the stored JSON
is what the caller's values would have rendered, zones, offsets and amounts included."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone as django_timezone
from hypothesis import given
from hypothesis import strategies as st

from notifications.context import TAG, ContextNotSerializable, context_dump, context_load
from notifications.models import Message
from notifications.services import message_render, queue_message
from tests.notifications.samples import CONTEXTS
from travelguru.money import Money

ZONES = [UTC, timezone(timedelta(hours=-4)), ZoneInfo("Europe/Paris"),
         ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")]  # fmt: skip


def _stored(context):
    """Through the row: dumped, written as JSON text, read back."""
    return context_load(json.loads(json.dumps(context_dump(context))))


def _shape(value):
    """Equality that also sees a datetime's zone and a Decimal's exponent (== ignores both)."""
    if isinstance(value, datetime):
        return ("datetime", value.isoformat(), str(value.tzinfo))
    if isinstance(value, Decimal):
        return ("decimal", str(value))
    if isinstance(value, Money):
        return ("money", str(value.amount), value.currency)
    if isinstance(value, list | tuple):
        return [_shape(v) for v in value]
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    return (type(value).__name__, value)


aware = st.builds(
    lambda at, zone: at.replace(tzinfo=UTC).astimezone(zone),
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1)),
    st.sampled_from(ZONES),
)
money = st.builds(
    Money.of,
    st.decimals(min_value=-(10**9), max_value=10**9, places=3, allow_nan=False),
    st.sampled_from(["EUR", "USD", "JPY", "KWD"]),
)
leaves = (
    st.none() | st.booleans() | st.integers() | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False) | money | aware | st.dates()
)  # fmt: skip
# Any key but the one the stored form reserves for its tags (refused: see below).
keys = st.text().filter(lambda key: key != TAG)
values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(keys, values, max_size=6))
def test_every_value_a_context_holds_comes_back_the_same_with_its_zone(context):
    assert _shape(_stored(context)) == _shape(context)


def test_a_time_comes_back_on_its_zones_clock_across_a_change_of_offset():
    # 14:30 in Paris the day before summer time begins: the zone, not a fixed +01:00
    at = datetime(2027, 3, 27, 14, 30, tzinfo=ZoneInfo("Europe/Paris"))
    back = _stored({"at": at})["at"]
    assert back.tzinfo == ZoneInfo("Europe/Paris")
    assert (back + timedelta(days=1)).utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize("kind", sorted(CONTEXTS))
@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_every_kind_renders_the_same_from_the_stored_context(kind, language):
    # subject, text, HTML and the calendar file: byte for byte
    assert message_render(kind=kind, language=language, context=_stored(CONTEXTS[kind])) == (
        message_render(kind=kind, language=language, context=CONTEXTS[kind])
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad",
    [1.5, object(), {1: "a"}, {"$t": "money"}, date.today, timedelta(days=1)],
    ids=["float", "object", "int-key", "reserved-key", "function", "timedelta"],
)
def test_a_context_the_send_could_not_render_the_same_is_refused_when_queued(bad):
    context = {"value": [bad]}
    with pytest.raises(ContextNotSerializable):
        queue_message(kind="refund_issued", to_email="ada@example.com", language="en",
                      context=context, now=django_timezone.now())  # fmt: skip
    assert not Message.objects.exists()
