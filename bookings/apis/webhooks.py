"""POST /api/payments/stripe/webhook: Stripe's events."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from bookings.errors import InvalidWebhook
from bookings.services.webhooks import (
    stripe_event_apply,
    stripe_event_claim,
    stripe_event_unclaim,
)
from travelguru.serializers import problem_responses
from travelguru.webhooks import SignedWebhookApi


class StripeWebhookApi(SignedWebhookApi):
    """Events from Stripe, verified by their signature (Stripe-Signature header)."""

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
