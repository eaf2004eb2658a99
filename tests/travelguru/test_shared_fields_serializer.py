"""A serializer whose fields are built once per class validates and answers as DRF's own."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest
from rest_framework import serializers

from bookings.apis.bookings import BookingCreateApi
from travelguru.serializers import SharedFieldsSerializer

Shared = BookingCreateApi.InputSerializer
# The same declared fields in DRF's own serializer, which deep-copies them per instance.
Plain: Any = type("Plain", (serializers.Serializer,), copy.deepcopy(dict(Shared._declared_fields)))

TRAVELER = {"type": "adult", "first_name": " Ada ", "last_name": "Lovelace"}
BODIES: list[Any] = [
    {"hold_id": str(uuid.uuid4()), "travelers": [TRAVELER], "payment_token": "tok_visa"},
    {
        "hold_id": uuid.uuid4().hex,
        "travelers": [
            {**TRAVELER, "birth_date": "1990-02-03", "is_driver": "true"},
            {"type": "child", "first_name": "B", "last_name": "C", "birth_date": None},
        ],
        "payment_token": "tok_mastercard",
    },
    {},
    [],
    {"hold_id": "nope", "travelers": [{"first_name": ""}], "payment_token": "a"},
    {"hold_id": str(uuid.uuid4()), "travelers": [], "payment_token": "tok_visa"},
    {"hold_id": str(uuid.uuid4()), "travelers": [TRAVELER] * 19, "payment_token": "tok_visa"},
    {"hold_id": str(uuid.uuid4()), "travelers": ["x", None], "payment_token": "tok_visa"},
    {"hold_id": str(uuid.uuid4()), "travelers": {"a": 1}, "payment_token": "tok_visa"},
    {
        "hold_id": str(uuid.uuid4()),
        "travelers": [{**TRAVELER, "type": "dog", "first_name": "x" * 101, "birth_date": "x"}],
        "payment_token": "tok visa",
    },
    {"hold_id": 7, "travelers": [{**TRAVELER, "last_name": "a\x00b"}], "payment_token": 5},
]


@pytest.mark.parametrize("body", BODIES)
def test_the_booking_input_validates_as_drf_s_own_serializer(body):
    shared, plain = Shared(data=body), Plain(data=body)

    assert shared.is_valid() == plain.is_valid()
    if plain.errors:
        assert shared.errors == plain.errors
    else:
        assert shared.validated_data == plain.validated_data


def test_each_instance_has_its_own_bound_fields():
    first, second = Shared(data=BODIES[0]), Shared(data=BODIES[4])

    assert first.fields["hold_id"] is not second.fields["hold_id"]
    assert first.fields["hold_id"].parent is first
    assert second.fields["hold_id"].parent is second
    assert not second.is_valid()
    assert first.is_valid()
    assert first.validated_data["payment_token"] == "tok_visa"


def test_a_field_that_reads_the_request_s_context_is_refused():
    with pytest.raises(TypeError, match="owner"):

        class _Input(SharedFieldsSerializer):
            owner = serializers.HiddenField(default=serializers.CurrentUserDefault())

    with pytest.raises(TypeError, match="people"):

        class _Nested(SharedFieldsSerializer):
            people = serializers.ListField(
                child=serializers.DictField(child=serializers.HiddenField(default=1))
            )
