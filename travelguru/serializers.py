"""Serializers shared by every app's API (Money, local times, query parameters)."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from rest_framework import serializers
from rest_framework.fields import Field
from rest_framework.request import Request

from travelguru.zones import zone


class MoneySerializer(serializers.Serializer):
    """`{"amount": "129.00", "currency": "EUR"}` from a `travelguru.money.Money`."""

    amount = serializers.CharField(help_text="Decimal string in the currency's minor units")
    currency = serializers.CharField(help_text="ISO 4217 code")

    def to_representation(self, instance):
        return instance.as_json()


# An input serializer whose fields are built once per class, not once per request.
#
# DRF deep-copies every declared field (and every field of a nested child serializer,
# re-created from its arguments) for each serializer instance, so that a view may alter
# one instance's fields. That copy cost a booking POST more than validating its body.
# Here each instance gets shallow copies of the declared fields, bound to it as DRF binds
# its own, and shares what they hold: validators, choices and a ListField's child, whose
# own fields are then built once per process. Validation, errors and the schema are
# DRF's.
#
# So: for serializers whose fields nobody alters per instance, and that read nothing of
# the request's context (no HiddenField, CurrentUserDefault or context-aware validator,
# checked when the class is defined): a shared child's context is not the request's.
# (Comments, not a docstring: the schema would take a docstring as each subclass's
# description.)
class SharedFieldsSerializer(serializers.Serializer):
    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, field in cls._declared_fields.items():
            if _reads_context(field):
                raise TypeError(f"{cls.__qualname__}.{name} reads the serializer's context")

    def get_fields(self) -> dict[str, Field]:
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}


def _reads_context(field: Field) -> bool:
    """Whether `field`, or a field within it, would read the serializer's context."""
    if isinstance(field, serializers.HiddenField) or getattr(
        field.default, "requires_context", False
    ):
        return True
    if any(getattr(v, "requires_context", False) for v in field.validators):
        return True
    inner = (
        list(field._declared_fields.values()) if isinstance(field, serializers.Serializer) else []
    )
    child = getattr(field, "child", None)
    if isinstance(child, Field):
        inner.append(child)
    return any(_reads_context(f) for f in inner)


def local_isoformat(moment: datetime, tz_name: str) -> str:
    """An aware UTC datetime as ISO 8601 local time with offset, e.g. 2026-12-01T18:30:00-05:00."""
    return moment.astimezone(zone(tz_name)).isoformat()


def parse_query(serializer_class: type[serializers.Serializer], request: Request) -> dict:
    """Validate query parameters with a serializer; errors become a 400 problem."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ProblemItemSerializer(serializers.Serializer):
    """An item of a hold that could not be made (sold-out, price-changed)."""

    position = serializers.IntegerField(help_text="The item's index in the request")
    available = serializers.IntegerField(required=False, help_text="sold-out: units left")
    quoted_price = MoneySerializer(required=False, help_text="price-changed: the offer's price")
    price = MoneySerializer(required=False, help_text="price-changed: the price now")
    offer_id = serializers.CharField(required=False, help_text="price-changed: the new offer")

    class Meta:
        ref_name = "ProblemItem"


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, as every 4xx answers (application/problem+json), with the
    extension members some problems add."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Field name -> messages",
    )
    items = ProblemItemSerializer(many=True, required=False)
    decline_code = serializers.CharField(
        required=False, help_text="payment-declined: the provider's reason"
    )
    limit = serializers.IntegerField(
        required=False, help_text="json-too-deep, request-too-large: the limit passed"
    )
    accepted = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="unsupported-media-type: the media types this request may send",
    )

    class Meta:
        ref_name = "Problem"


def problem_responses(*statuses: int) -> dict:
    """drf-spectacular `responses` entries for the problems an endpoint may answer."""
    from drf_spectacular.utils import OpenApiResponse

    return {
        (code, "application/problem+json"): OpenApiResponse(
            response=ProblemSerializer, description="application/problem+json"
        )
        for code in statuses
    }


def page_fields() -> dict[str, serializers.Field]:
    """The schema of what a PageNumberPagination answer has besides its `results`."""
    return {
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
    }


def page_of(name: str, results: serializers.BaseSerializer, **extra: serializers.Field):
    """The schema of a PageNumberPagination answer: `count`, `next`, `previous`, `results`.

    A serializer lists its fields in the order they were created, so here `results` and
    `extra` (made by the caller) come first; `inline_serializer(name, fields={**page_fields(),
    ...})` lists them in the order written.
    """
    from drf_spectacular.utils import inline_serializer

    return inline_serializer(name, fields={**page_fields(), "results": results, **extra})
