"""SES's bounces and complaints, delivered by Amazon SNS: verified, then applied."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from notifications.errors import InvalidSnsMessage, UnknownSnsTopic
from travelguru.serializers import problem_responses
from travelguru.webhooks import SignedWebhookApi

MAX_BODY = 256 * 1024  # an SNS message is at most 256 KB


class SesEventsApi(SignedWebhookApi):
    """Amazon SNS posts SES's events here (bounces, complaints), and its subscription
    confirmation. Believed only when signed by SNS and from a topic we subscribed."""

    class OutputSerializer(serializers.Serializer[Any]):
        received = serializers.BooleanField()
        result = serializers.CharField(help_text="What the message did")

    @extend_schema(
        operation_id="notifications_ses_events",
        request=None,
        responses={200: OutputSerializer, **problem_responses(400, 403)},
    )
    def post(self, request: Request) -> Response:
        from notifications import sns
        from notifications.services import ses_event_apply

        # SNS posts JSON as text/plain: read the body, not DRF's parsers.
        try:
            envelope = json.loads(request.body[:MAX_BODY].decode("utf-8"))
        except (ValueError, RecursionError):  # not UTF-8, not JSON, a 5,000-digit number
            raise InvalidSnsMessage("The body is not a JSON SNS message.") from None
        if not isinstance(envelope, dict):
            raise InvalidSnsMessage("The body is not a JSON SNS message.")
        try:
            sns.sns_verify(envelope, fetch_cert=sns.https_get)
        except sns.SnsInvalid as exc:
            raise InvalidSnsMessage(str(exc)) from None
        except OSError:
            raise InvalidSnsMessage("The signing certificate could not be fetched.") from None
        # Anyone can have SNS sign messages from a topic of their own: only ours count.
        if envelope.get("TopicArn") not in settings.NOTIFICATIONS_SNS_TOPIC_ARNS:
            raise UnknownSnsTopic()
        kind = envelope["Type"]
        if kind == "SubscriptionConfirmation":
            try:
                sns.https_get(str(envelope.get("SubscribeURL", "")))
            except (sns.SnsInvalid, OSError):
                raise InvalidSnsMessage("The subscription could not be confirmed.") from None
            return Response({"received": True, "result": "subscription confirmed"})
        if kind != "Notification":
            return Response({"received": True, "result": f"ignored: {kind}"})
        try:
            event = json.loads(envelope["Message"])
        except (ValueError, RecursionError):
            return Response({"received": True, "result": "ignored: not an SES event"})
        if not isinstance(event, dict):
            return Response({"received": True, "result": "ignored: not an SES event"})
        return Response(
            {"received": True, "result": ses_event_apply(message=event, now=timezone.now())}
        )
