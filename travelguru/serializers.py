"""Serializers shared by every app's API (Money, local times, query parameters)."""

from __future__ import annotations

from datetime import datetime

from rest_framework import serializers
from rest_framework.request import Request

from travelguru.zones import zone


class MoneySerializer(serializers.Serializer):
    """`{"amount": "129.00", "currency": "EUR"}` from a `travelguru.money.Money`."""

    amount = serializers.CharField(help_text="Decimal string in the currency's minor units")
    currency = serializers.CharField(help_text="ISO 4217 code")

    def to_representation(self, instance):
        return instance.as_json()


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
