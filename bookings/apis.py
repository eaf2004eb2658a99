"""POST /api/holds, GET and DELETE /api/holds/{id}; /api/bookings and its cancel; the Stripe
webhook; POST /api/reviews (a review of a booked item).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal, overload

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from accounts.authentication import request_user
from analytics.hooks import booking_recorded, cancellation_recorded, hold_recorded
from bookings.errors import InvalidWebhook
from bookings.models import (
    Booking,
    BookingItem,
    Hold,
    HoldItem,
    ItemKind,
    Payment,
    PaymentStatus,
    TravelerType,
)
from bookings.selectors import booking_get, booking_list, hold_get
from bookings.services.bookings import TravelerIn, booking_create
from bookings.services.cancellation import booking_cancel
from bookings.services.holds import MAX_ITEMS, hold_create, hold_release
from bookings.services.idempotency import idempotent_call
from bookings.services.reviews import booking_item_review
from bookings.services.webhooks import (
    stripe_event_apply,
    stripe_event_claim,
    stripe_event_unclaim,
)
from reviews.models import SUB_SCORES, ReviewStatus, Subject
from reviews.serializers import ReviewSerializer, review_json
from search.offers import offer_decode
from travelguru.errors import PROBLEM_CONTENT_TYPE
from travelguru.money import Money
from travelguru.pagination import PageNumberPagination
from travelguru.serializers import MoneySerializer, local_isoformat, page_of, problem_responses

MAX_TRAVELERS = 18


def _item_json(item: HoldItem | BookingItem) -> dict[str, Any]:
    """What a hold's item and a booking's item both answer, first in both."""
    return {
        "position": item.position,
        "kind": item.kind,
        "description": item.description,
        "price": item.price.as_json(),
        "units": item.units,
    }


def _totals_json(totals: list[Money]) -> dict[str, Any]:
    return {
        "total": totals[0].as_json() if len(totals) == 1 else None,
        "totals": [t.as_json() for t in totals],
    }


def hold_json(hold: Hold, now: datetime) -> dict[str, Any]:
    totals = hold.totals()
    return {
        "id": str(hold.id),
        "status": hold.status_at(now),
        "created_at": hold.created_at.isoformat(),
        "expires_at": hold.expires_at.isoformat(),
        "items": [{**_item_json(item), "offer": item.offer} for item in hold.items.all()],
        **_totals_json(totals),
    }


def _item_fields() -> dict[str, serializers.Field[Any, Any, Any, Any]]:
    """The schema of `_item_json`, in its order (new fields: a field binds to one parent)."""
    return {
        "position": serializers.IntegerField(),
        "kind": serializers.ChoiceField(choices=ItemKind.choices),
        "description": serializers.CharField(),
        "price": MoneySerializer(),
        "units": serializers.IntegerField(help_text="Seats, rooms or cars"),
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
            **_item_fields(),
            "offer": serializers.DictField(help_text="What was asked: dates, party, rows"),
        },
        many=True,
    )
    total = MoneySerializer(allow_null=True, help_text="The total when every item has one currency")
    totals = MoneySerializer(many=True, help_text="One total per currency")

    class Meta:
        ref_name = "Hold"


@overload
def _idempotency_key(request: Request, *, required: Literal[True]) -> str: ...
@overload
def _idempotency_key(request: Request, *, required: bool) -> str | None: ...
def _idempotency_key(request: Request, *, required: bool) -> str | None:
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


def _idempotency_key_header(*, required: bool, description: str) -> OpenApiParameter:
    """The schema of the header `_idempotency_key` reads."""
    return OpenApiParameter(
        "Idempotency-Key", str, OpenApiParameter.HEADER, required=required, description=description
    )


def _idempotent_response(
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
            _idempotency_key_header(
                required=False,
                description="Optional: a retry (or a double click) with the same key and body "
                "gets the first hold back instead of holding twice",
            )
        ],
        responses={201: _HoldOutputSerializer, **problem_responses(400, 401, 404, 409, 422, 503)},
    )
    @hold_recorded
    def post(self, request: Request) -> Response:
        key = _idempotency_key(request, required=False)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        offers = [offer_decode(item["offer_id"]) for item in data.validated_data["items"]]
        now = timezone.now()

        def run() -> tuple[int, dict[str, Any]]:
            hold = hold_create(user=request_user(request), offers=offers, now=now)
            return status.HTTP_201_CREATED, hold_json(hold, now)

        if key is None:
            return Response(run()[1], status=status.HTTP_201_CREATED)
        return _idempotent_response(request, key=key, endpoint="holds", now=now, run=run)


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


def _payment_status(payments: list[Payment]) -> str:
    if all(p.status == PaymentStatus.REFUNDED for p in payments):
        return "refunded"
    if any(p.refunded_amount > 0 for p in payments):
        return "partially refunded"
    return "paid"


def booking_json(booking: Booking) -> dict[str, Any]:
    totals = booking.totals()
    payments = list(booking.payments.all())
    return {
        "reference": booking.reference,
        "status": booking.status,
        "created_at": booking.created_at.isoformat(),
        "cancelled_at": booking.cancelled_at.isoformat() if booking.cancelled_at else None,
        "items": [
            {
                **_item_json(item),
                "status": item.status,
                "offer": item.offer,
                # Instants as the place's clock reads them, like search answers.
                "service_start": local_isoformat(item.service_start, item.start_timezone or "UTC"),
                "service_end": local_isoformat(item.service_end, item.end_timezone or "UTC"),
                "free_cancellation_until": (
                    local_isoformat(item.free_cancellation_until, item.start_timezone or "UTC")
                    if item.free_cancellation_until
                    else None
                ),
                "refund_if_cancelled_later": Money.of(
                    item.refund_after_deadline, item.price_currency
                ).as_json(),
                "refunded": Money.of(item.refunded_amount, item.price_currency).as_json(),
            }
            for item in booking.items.all()
        ],
        "travelers": [
            {
                "type": t.type,
                "first_name": t.first_name,
                "last_name": t.last_name,
                "birth_date": t.birth_date.isoformat() if t.birth_date else None,
                "is_driver": t.is_driver,
            }
            for t in booking.travelers.all()
        ],
        **_totals_json(totals),
        "payment": {
            "status": _payment_status(payments),
            "charges": [
                {
                    "amount": p.money.as_json(),
                    "status": p.status,
                    "refunded": Money.of(p.refunded_amount, p.currency).as_json(),
                }
                for p in payments
            ],
        },
    }  # fmt: skip


_TravelerSerializer = inline_serializer(
    "TravelerInput",
    fields={
        "type": serializers.ChoiceField(choices=TravelerType.choices, default="adult"),
        "first_name": serializers.CharField(max_length=100),
        "last_name": serializers.CharField(max_length=100),
        "birth_date": serializers.DateField(required=False, allow_null=True),
        "is_driver": serializers.BooleanField(default=False),
    },
)


class _BookingOutputSerializer(serializers.Serializer[Any]):
    reference = serializers.CharField(help_text="e.g. TG-7K3QXM")
    status = serializers.ChoiceField(choices=["confirmed", "cancelled"])
    created_at = serializers.DateTimeField()
    cancelled_at = serializers.DateTimeField(allow_null=True)
    items = inline_serializer(
        "BookingItem",
        fields={
            **_item_fields(),
            "status": serializers.CharField(),
            "offer": serializers.DictField(help_text="What was booked: dates, party, rows"),
            "service_start": serializers.DateTimeField(),
            "service_end": serializers.DateTimeField(),
            "free_cancellation_until": serializers.DateTimeField(allow_null=True),
            "refund_if_cancelled_later": MoneySerializer(),
            "refunded": MoneySerializer(),
        },
        many=True,
    )
    travelers = inline_serializer(
        "BookedTraveler",
        fields={
            "type": serializers.ChoiceField(choices=TravelerType.choices),
            "first_name": serializers.CharField(),
            "last_name": serializers.CharField(),
            "birth_date": serializers.DateField(allow_null=True),
            "is_driver": serializers.BooleanField(),
        },
        many=True,
    )
    total = MoneySerializer(allow_null=True)
    totals = MoneySerializer(many=True)
    payment = inline_serializer(
        "BookingPayment",
        fields={
            "status": serializers.ChoiceField(choices=["paid", "partially refunded", "refunded"]),
            "charges": inline_serializer(
                "Charge",
                fields={
                    "amount": MoneySerializer(),
                    "status": serializers.CharField(),
                    "refunded": MoneySerializer(),
                },
                many=True,
            ),
        },
    )

    class Meta:
        ref_name = "Booking"


class BookingCreateApi(APIView):
    """Pay for a hold and confirm it. Send an `Idempotency-Key` header (any unique string,
    e.g. a UUID): a retry with the same key and body replays the first answer."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer[Any]):
        hold_id = serializers.UUIDField()
        travelers = serializers.ListField(
            child=_TravelerSerializer, min_length=1, max_length=MAX_TRAVELERS
        )
        payment_token = serializers.RegexField(
            r"^[A-Za-z0-9_]{3,255}$",
            help_text="A token from the payment form (tok_visa in the sandbox); never card data",
        )

        class Meta:
            ref_name = "BookingCreateInput"

    @extend_schema(
        operation_id="bookings_create",
        request=InputSerializer,
        parameters=[
            _idempotency_key_header(
                required=True, description="Unique per booking attempt; retries reuse it"
            )
        ],
        responses={
            201: _BookingOutputSerializer,
            **problem_responses(400, 401, 402, 404, 409, 422, 502, 503, 504),
        },
    )
    @booking_recorded
    def post(self, request: Request) -> Response:
        key = _idempotency_key(request, required=True)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        now = timezone.now()

        def run() -> tuple[int, dict[str, Any]]:
            booking = booking_create(
                user=request_user(request),
                hold_id=data.validated_data["hold_id"],
                travelers=[TravelerIn(**t) for t in data.validated_data["travelers"]],
                payment_token=data.validated_data["payment_token"],
                now=now,
            )
            # booking_create attached the rows it wrote: the answer needs no re-read.
            return status.HTTP_201_CREATED, booking_json(booking)

        return _idempotent_response(request, key=key, endpoint="bookings", now=now, run=run)


class BookingListApi(APIView):
    """The caller's bookings, newest first (only their own)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="bookings_list",
        parameters=[
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int, description="Up to 100 (default 20)"),
        ],
        responses={
            200: page_of("BookingPage", _BookingOutputSerializer(many=True)),
            **problem_responses(401, 404),
        },
    )
    def get(self, request: Request) -> Response:
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(
            booking_list(user=request_user(request)), request, view=self
        )
        return paginator.get_paginated_response([booking_json(b) for b in page or []])


class BookingDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="bookings_retrieve",
        responses={200: _BookingOutputSerializer, **problem_responses(401, 404)},
    )
    def get(self, request: Request, reference: str) -> Response:
        return Response(booking_json(booking_get(user=request_user(request), reference=reference)))


class BookingCollectionApi(BookingListApi, BookingCreateApi):
    """/api/bookings: GET lists the caller's bookings, POST books a hold."""


class BookingCancelApi(APIView):
    """Cancel the caller's booking: each item refunds under its policy; twice is harmless."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="bookings_cancel",
        request=None,
        responses={200: _BookingOutputSerializer, **problem_responses(401, 404, 502, 503, 504)},
    )
    @cancellation_recorded
    def post(self, request: Request, reference: str) -> Response:
        booking = booking_get(user=request_user(request), reference=reference)
        booking_cancel(booking=booking, now=timezone.now())
        return Response(booking_json(booking_get(user=request_user(request), reference=reference)))


class StripeWebhookApi(APIView):
    """Events from Stripe, verified by their signature (Stripe-Signature header)."""

    authentication_classes: list[type[BaseAuthentication]] = []
    permission_classes = [AllowAny]
    # Stripe sends from a few addresses; a per-IP limit would delay payments. The signature,
    # checked first and cheaply, is what keeps others out.
    throttle_classes: list[type[BaseThrottle]] = []

    class OutputSerializer(serializers.Serializer[Any]):
        received = serializers.BooleanField()
        result = serializers.CharField(help_text="What the event did, for Stripe's event log")

    @extend_schema(
        operation_id="payments_stripe_webhook",
        request=None,
        responses={200: OutputSerializer, **problem_responses(400)},
    )
    def post(self, request: Request) -> Response:
        import stripe

        secret = settings.STRIPE_WEBHOOK_SECRET
        try:
            if not secret:
                raise ValueError("no webhook secret configured")
            event = stripe.Webhook.construct_event(
                request.body, request.headers.get("Stripe-Signature"), secret
            )
        except (ValueError, stripe.SignatureVerificationError):
            raise InvalidWebhook() from None
        if not stripe_event_claim(event_id=event["id"]):
            # A replay is not applied again; 200 so Stripe stops redelivering a duplicate.
            return Response({"received": True, "result": "ignored: duplicate event"})
        try:
            done = stripe_event_apply(
                event_type=event["type"], obj=event["data"]["object"].to_dict(), now=timezone.now()
            )
        except BaseException:
            stripe_event_unclaim(event_id=event["id"])
            raise
        return Response({"received": True, "result": done})


# POST /api/reviews is served here, not by reviews: whether the item may be reviewed is
# bookings' to say, and reviews (below bookings) never reads bookings. (A comment, not the
# docstring: the docstring is the operation's description in the schema.)
class ReviewCreateApi(APIView):
    """Review the hotel, rental company or airline of your own completed booking item."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer[Any]):
        booking_reference = serializers.CharField(max_length=12)
        item = serializers.IntegerField(
            required=False, min_value=0, help_text="Item position; optional for one item"
        )
        rating = serializers.IntegerField(min_value=1, max_value=5)
        sub_scores = serializers.DictField(
            child=serializers.IntegerField(min_value=1, max_value=5),
            required=False,
            help_text=f"Each 1-5. Hotel: {', '.join(SUB_SCORES[Subject.HOTEL])}; car: "
            f"{', '.join(SUB_SCORES[Subject.CAR_VENDOR])}; airline: "
            f"{', '.join(SUB_SCORES[Subject.AIRLINE])}",
        )
        title = serializers.CharField(min_length=3, max_length=120)
        text = serializers.CharField(min_length=20, max_length=4000)

        class Meta:
            ref_name = "ReviewCreateInput"

    class OutputSerializer(ReviewSerializer):
        status = serializers.ChoiceField(choices=ReviewStatus.choices)
        subject = serializers.ChoiceField(choices=Subject.choices)
        subject_id = serializers.IntegerField()

        class Meta:
            ref_name = "ReviewCreated"

    @extend_schema(
        operation_id="reviews_create",
        request=InputSerializer,
        responses={201: OutputSerializer, **problem_responses(400, 401, 404, 409)},
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        review = booking_item_review(
            user=request_user(request),
            booking_reference=v["booking_reference"],
            position=v.get("item"),
            rating=v["rating"],
            sub_scores=v.get("sub_scores") or {},
            title=v["title"],
            text=v["text"],
            now=timezone.now(),
        )
        body = {
            **review_json(review),
            "status": review.status,
            "subject": review.subject,
            "subject_id": review.subject_id,
        }
        return Response(body, status=status.HTTP_201_CREATED)
