"""The API's JSON renderer writes every answer exactly as DRF's own renderer does (the
same bytes), whichever of its two paths writes it: orjson for what it can, DRF's encoder
for the rest."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import strategies as st
from rest_framework import renderers, serializers
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from travelguru.parsers import JSONRenderer

text = st.text(st.characters(codec="utf-8") | st.sampled_from('\u2028\u2029"\\'))
moments = st.datetimes(
    min_value=datetime(1900, 1, 1), timezones=st.sampled_from([None, UTC, ZoneInfo("Asia/Kolkata")])
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | text
    | st.decimals(allow_nan=False, allow_infinity=False, places=4)
    | moments
    | st.dates()
    | st.times()
    | st.uuids()
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=20,
)


_ANY: serializers.Serializer[Any] = serializers.Serializer()


def _drf(data, media_type=None):
    return renderers.JSONRenderer().render(data, media_type, {})


@given(values)
def test_every_value_is_written_as_drf_writes_it(data):
    assert JSONRenderer().render(data, "application/json", {}) == _drf(data, "application/json")


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_float_reads_back_as_the_same_number(number):
    assert json.loads(JSONRenderer().render({"x": number})) == json.loads(_drf({"x": number}))


def test_what_orjson_cannot_write_goes_the_standard_way():
    cases = [
        {1: "non-string key"},
        {"big": 2**70},
        {"lazy": gettext_lazy("Not found.")},
        ReturnDict({"a": ReturnList([1, 2], serializer=_ANY)}, serializer=_ANY),
        {"at": datetime(2027, 5, 1, 9, 30, 15, 123456, tzinfo=UTC)},
        {"day": date(2027, 5, 1), "span": timedelta(hours=2), "t": time(9, 5, 1, 999999)},
        {"id": uuid.UUID(int=7), "amount": Decimal("12.50")},
        {"separators": "\u2028 and \u2029"},
    ]
    for data in cases:
        assert JSONRenderer().render(data, "application/json", {}) == _drf(data, "application/json")


def test_an_indented_answer_is_indented_as_drf_does():
    data = {"results": [{"a": 1}], "at": datetime(2027, 5, 1, tzinfo=UTC)}
    media = "application/json; indent=2"

    assert JSONRenderer().render(data, media, {}) == _drf(data, media)
    assert b"\n  " in JSONRenderer().render(data, media, {})


def test_nothing_is_an_empty_body():
    assert JSONRenderer().render(None) == b""


def test_an_answer_of_plain_values_and_dates_never_takes_the_slow_path(monkeypatch):
    def slow(*args, **kwargs):
        raise AssertionError("written by the standard library")

    monkeypatch.setattr(renderers.JSONRenderer, "render", slow)
    data = ReturnDict(
        {"count": 1, "results": [{"price": {"amount": "9.50", "currency": "EUR"}}],
         "at": datetime(2027, 5, 1, tzinfo=UTC), "amount": Decimal("1.5"), "id": uuid.UUID(int=1),
         "note": gettext_lazy("Not found.")},
        serializer=_ANY,
    )  # fmt: skip

    assert json.loads(JSONRenderer().render(data))["at"] == "2027-05-01T00:00:00Z"
