"""What the holds and bookings APIs share: the items and totals both answer, and the
Idempotency-Key header."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal, overload

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.authentication import request_user
from bookings.models import (
    BookingItem,
    HoldItem,
    ItemKind,
)
from bookings.services.idempotency import idempotent_call
from travelguru.errors import PROBLEM_CONTENT_TYPE
from travelguru.money import Money
from travelguru.serializers import MoneySerializer


def item_json(item: HoldItem | BookingItem) -> dict[str, Any]:
    """What a hold's item and a booking's item both answer, first in both."""
    return {
        "position": item.position,
        "kind": item.kind,
        "description": item.description,
        "price": item.price.as_json(),
        "units": item.units,
    }


def totals_json(totals: list[Money]) -> dict[str, Any]:
    return {
        "total": totals[0].as_json() if len(totals) == 1 else None,
        "totals": [t.as_json() for t in totals],
    }


def item_fields() -> dict[str, serializers.Field[Any, Any, Any, Any]]:
    """The schema of `item_json`, in its order (new fields: a field binds to one parent)."""
    return {
        "position": serializers.IntegerField(),
        "kind": serializers.ChoiceField(choices=ItemKind.choices),
        "description": serializers.CharField(),
        "price": MoneySerializer(),
        "units": serializers.IntegerField(help_text="Seats, rooms or cars"),
    }


@overload
def idempotency_key(request: Request, *, required: Literal[True]) -> str: ...
@overload
def idempotency_key(request: Request, *, required: bool) -> str | None: ...
def idempotency_key(request: Request, *, required: bool) -> str | None:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key and not required and "Idempotency-Key" not in request.headers:
        return None
    # Printable ASCII, as the IETF Idempotency-Key header (a structured-field string) has it:
    # a key is echoed into logs and stored, so control bytes and latin-1 noise are refused.
    if not key or len(key) > 255 or not (key.isascii() and key.isprintable()):
        raise serializers.ValidationError(
            {
                "Idempotency-Key": [
                    "Send an Idempotency-Key header (1-255 printable ASCII characters)."
                ]
            }
        )
    return key


def idempotency_key_header(*, required: bool, description: str) -> OpenApiParameter:
    """The schema of the header `idempotency_key` reads."""
    return OpenApiParameter(
        "Idempotency-Key", str, OpenApiParameter.HEADER, required=required, description=description
    )


def idempotent_response(
    request: Request,
    *,
    key: str,
    endpoint: str,
    now: datetime,
    run: Callable[[], tuple[int, dict[str, Any]]],
) -> Response:
    """Run once per (caller, key); the same body again replays the first answer. The
    endpoint is part of what must match, so one key cannot be replayed across endpoints."""
    data = request.data if endpoint == "bookings" else {"endpoint": endpoint, "body": request.data}
    status_code, body, replayed = idempotent_call(
        user=request_user(request), key=key, data=data, now=now, run=run
    )
    response = Response(
        body,
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE if status_code >= 400 else None,
    )
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response
