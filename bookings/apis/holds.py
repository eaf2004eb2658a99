"""POST /api/holds, GET and DELETE /api/holds/{id}."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import request_user
from analytics.hooks import hold_recorded
from bookings.apis.common import (
    idempotency_key,
    idempotency_key_header,
    idempotent_response,
    item_fields,
    item_json,
    totals_json,
)
from bookings.models import (
    Hold,
)
from bookings.selectors import hold_get
from bookings.services.holds import MAX_ITEMS, hold_create, hold_release
from search.offers import offer_decode
from travelguru.serializers import MoneySerializer, problem_responses


def hold_json(hold: Hold, now: datetime) -> dict[str, Any]:
    totals = hold.totals()
    return {
        "id": str(hold.id),
        "status": hold.status_at(now),
        "created_at": hold.created_at.isoformat(),
        "expires_at": hold.expires_at.isoformat(),
        "items": [{**item_json(item), "offer": item.offer} for item in hold.items.all()],
        **totals_json(totals),
    }


class _HoldOutputSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(
        choices=["active", "paying", "booked", "released", "expired"],
        help_text="paying: a booking attempt is charging it; it ends booked, or active "
        "again if the payment fails",
    )
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(help_text="UTC; the inventory is yours until then")
    items = inline_serializer(
        "HoldItem",
        fields={
            **item_fields(),
            "offer": serializers.DictField(help_text="What was asked: dates, party, rows"),
        },
        many=True,
    )
    total = MoneySerializer(allow_null=True, help_text="The total when every item has one currency")
    totals = MoneySerializer(many=True, help_text="One total per currency")

    class Meta:
        ref_name = "Hold"


class HoldCreateApi(APIView):
    """Reserve one or more offers (a flight, a stay, a car) together, or none of them."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer[Any]):
        items = inline_serializer(
            "HoldCreateItem",
            fields={"offer_id": serializers.CharField(max_length=2000)},
            many=True,
            min_length=1,
            max_length=MAX_ITEMS,
        )

        def validate_items(self, items: list[dict[str, str]]) -> list[dict[str, str]]:
            ids = [item["offer_id"] for item in items]
            if len(set(ids)) != len(ids):
                raise serializers.ValidationError("The same offer is listed twice.")
            return items

    @extend_schema(
        operation_id="holds_create",
        request=InputSerializer,
        parameters=[
            idempotency_key_header(
                required=False,
                description="Optional: a retry (or a double click) with the same key and body "
                "gets the first hold back instead of holding twice",
            )
        ],
        responses={201: _HoldOutputSerializer, **problem_responses(400, 401, 404, 409, 422, 503)},
    )
    @hold_recorded
    def post(self, request: Request) -> Response:
        key = idempotency_key(request, required=False)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        offers = [offer_decode(item["offer_id"]) for item in data.validated_data["items"]]
        now = timezone.now()

        def run() -> tuple[int, dict[str, Any]]:
            hold = hold_create(user=request_user(request), offers=offers, now=now)
            return status.HTTP_201_CREATED, hold_json(hold, now)

        if key is None:
            return Response(run()[1], status=status.HTTP_201_CREATED)
        return idempotent_response(request, key=key, endpoint="holds", now=now, run=run)


class HoldDetailApi(APIView):
    """The caller's hold (GET), or give it up early (DELETE)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="holds_retrieve",
        responses={200: _HoldOutputSerializer, **problem_responses(401, 404)},
    )
    def get(self, request: Request, hold_id: uuid.UUID) -> Response:
        return Response(
            hold_json(hold_get(user=request_user(request), hold_id=hold_id), timezone.now())
        )

    @extend_schema(
        operation_id="holds_release",
        responses={204: None, **problem_responses(401, 404, 409)},
    )
    def delete(self, request: Request, hold_id: uuid.UUID) -> Response:
        hold_release(user=request_user(request), hold_id=hold_id, now=timezone.now())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- bookings ----------------------------------------------------------------------------
