"""POST and GET /api/bookings, GET /api/bookings/{reference}, POST …/cancel."""

from __future__ import annotations

from typing import Any

from django.utils import timezone, translation
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import request_user
from accounts.services import user_ensure_verified
from analytics.hooks import booking_recorded, cancellation_recorded
from bookings.apis.common import (
    idempotency_key,
    idempotency_key_header,
    idempotent_response,
    item_fields,
    item_json,
    totals_json,
)
from bookings.models import (
    Booking,
    Payment,
    PaymentStatus,
    TravelerType,
)
from bookings.selectors import booking_get, booking_list
from bookings.services.bookings import TravelerIn, booking_create
from bookings.services.cancellation import booking_cancel
from travelguru.money import Money
from travelguru.pagination import PageNumberPagination
from travelguru.serializers import (
    MoneySerializer,
    SharedFieldsSerializer,
    local_isoformat,
    page_of,
    problem_responses,
)

MAX_TRAVELERS = 18


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
                **item_json(item),
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
        **totals_json(totals),
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
            **item_fields(),
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

    class InputSerializer(SharedFieldsSerializer):
        hold_id = serializers.UUIDField()
        travelers = serializers.ListField(
            child=_TravelerSerializer,
            min_length=1,
            max_length=MAX_TRAVELERS,
            help_text=(
                "A flight: every passenger, by type, as the offer's party. A hotel stay: one"
                " adult lead guest per room (the other guests are not named). A car: one"
                " adult driver (is_driver) with a birth date."
            ),
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
            idempotency_key_header(
                required=True, description="Unique per booking attempt; retries reuse it"
            )
        ],
        responses={
            201: _BookingOutputSerializer,
            **problem_responses(400, 401, 402, 403, 404, 409, 422, 502, 503, 504),
        },
    )
    @booking_recorded
    def post(self, request: Request) -> Response:
        key = idempotency_key(request, required=True)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        now = timezone.now()
        # Before the key is recorded: once the traveler verified, a retry with the same key
        # books instead of replaying this refusal.
        user_ensure_verified(request_user(request))

        def run() -> tuple[int, dict[str, Any]]:
            booking = booking_create(
                user=request_user(request),
                hold_id=data.validated_data["hold_id"],
                travelers=[TravelerIn(**t) for t in data.validated_data["travelers"]],
                payment_token=data.validated_data["payment_token"],
                now=now,
                language=translation.get_language_from_request(request),
            )
            # booking_create attached the rows it wrote: the answer needs no re-read.
            return status.HTTP_201_CREATED, booking_json(booking)

        return idempotent_response(request, key=key, endpoint="bookings", now=now, run=run)


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
