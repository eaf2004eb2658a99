"""The base of the endpoints other services post their events to (Stripe, Amazon SNS)."""

from __future__ import annotations

from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView


class SignedWebhookApi(APIView):
    """No login, no per-IP throttle: the sender posts from many addresses, and a limit per
    address would delay what it reports (a payment, a bounce). The view checks the
    sender's signature first and cheaply; that, not a session, keeps others out."""

    authentication_classes: list[type[BaseAuthentication]] = []
    permission_classes = [AllowAny]
    throttle_classes: list[type[BaseThrottle]] = []
