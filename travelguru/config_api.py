"""GET /api/config: what the front-end needs to know at run time (public values only)."""

from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

# The sandbox's test cards, offered at checkout instead of a card form (sandbox.py).
SANDBOX_TOKENS = [
    {"token": "tok_visa", "outcome": "pays"},
    {"token": "tok_chargeDeclined", "outcome": "declined"},
    {"token": "tok_timeout", "outcome": "timeout"},
]


class PublicConfigApi(APIView):
    """The payment provider the checkout must use, and Stripe's publishable key for it."""

    authentication_classes: list = []

    class OutputSerializer(serializers.Serializer):
        payment_provider = serializers.ChoiceField(choices=["sandbox", "stripe"])
        stripe_publishable_key = serializers.CharField(help_text="Empty unless provider is stripe")
        sandbox_tokens = inline_serializer(
            "SandboxToken",
            fields={"token": serializers.CharField(), "outcome": serializers.CharField()},
            many=True,
            help_text="Test cards (tokens) to offer; empty unless provider is sandbox",
        )

    @extend_schema(operation_id="config_retrieve", responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        stripe = settings.PAYMENT_PROVIDER == "stripe"
        return Response(
            {
                "payment_provider": "stripe" if stripe else "sandbox",
                "stripe_publishable_key": settings.STRIPE_PUBLISHABLE_KEY if stripe else "",
                "sandbox_tokens": [] if stripe else SANDBOX_TOKENS,
            }
        )
