"""POST /api/holds, GET and DELETE /api/holds/{id}."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.models import Hold, ItemKind
from bookings.selectors import hold_get
from bookings.services.holds import MAX_ITEMS, hold_create, hold_release
from search.offers import offer_decode
from travelguru.serializers import MoneySerializer, problem_responses


def hold_json(hold: Hold, now) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    totals = hold.totals()
    return {
        "id": str(hold.id),
        "status": hold.status_at(now),
        "created_at": hold.created_at.isoformat(),
        "expires_at": hold.expires_at.isoformat(),
        "items": [
            {
                "position": item.position,
                "kind": item.kind,
                "description": item.description,
                "price": item.price.as_json(),
                "units": item.units,
                "offer": item.offer,
            }
            for item in hold.items.all()
        ],
        "total": totals[0].as_json() if len(totals) == 1 else None,
        "totals": [t.as_json() for t in totals],
    }


class _HoldOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=["active", "booked", "released", "expired"])
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(help_text="UTC; the inventory is yours until then")
    items = inline_serializer(
        "HoldItem",
        fields={
            "position": serializers.IntegerField(),
            "kind": serializers.ChoiceField(choices=ItemKind.choices),
            "description": serializers.CharField(),
            "price": MoneySerializer(),
            "units": serializers.IntegerField(help_text="Seats, rooms or cars"),
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

    class InputSerializer(serializers.Serializer):
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
        responses={201: _HoldOutputSerializer, **problem_responses(400, 401, 404, 409, 503)},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        offers = [offer_decode(item["offer_id"]) for item in data.validated_data["items"]]
        now = timezone.now()
        hold = hold_create(user=request.user, offers=offers, now=now)
        return Response(hold_json(hold, now), status=status.HTTP_201_CREATED)


class HoldDetailApi(APIView):
    """The caller's hold (GET), or give it up early (DELETE)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="holds_retrieve",
        responses={200: _HoldOutputSerializer, **problem_responses(401, 404)},
    )
    def get(self, request: Request, hold_id) -> Response:  # type: ignore[no-untyped-def]
        return Response(hold_json(hold_get(user=request.user, hold_id=hold_id), timezone.now()))

    @extend_schema(
        operation_id="holds_release",
        responses={204: None, **problem_responses(401, 404, 409)},
    )
    def delete(self, request: Request, hold_id) -> Response:  # type: ignore[no-untyped-def]
        hold_release(user=request.user, hold_id=hold_id, now=timezone.now())
        return Response(status=status.HTTP_204_NO_CONTENT)
