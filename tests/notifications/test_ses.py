"""Sending for real: anymail's Amazon SES backend against moto's SES (the session's moto
server on loopback, the one the S3 tests use): the message lands in moto's sent store with
its calendar attached, and SES's message id is kept; an SES refusal is retried later."""

from __future__ import annotations

import boto3
import pytest

from notifications.models import Message, MessageStatus
from notifications.services import message_send, queue_message
from tests.notifications.samples import CONTEXTS

REGION = "eu-west-1"


@pytest.fixture
def ses(moto_s3_endpoint, aws_test_credentials, monkeypatch, settings):
    """Django's mail through anymail's SES backend, pointed at moto's server."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_s3_endpoint)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    settings.EMAIL_BACKEND = "anymail.backends.amazon_ses.EmailBackend"
    settings.ANYMAIL = {"AMAZON_SES_CLIENT_PARAMS": {"region_name": REGION}}
    settings.NOTIFICATIONS_FROM_EMAIL = "TravelGuru <trips@travelguru.test>"
    return boto3.client("sesv2", region_name=REGION, endpoint_url=moto_s3_endpoint)


def _sent_by_moto() -> list:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages


@pytest.mark.django_db
def test_a_confirmation_lands_in_ses_with_its_calendar(ses):
    # given our sending domain is verified in SES
    ses.create_email_identity(EmailIdentity="travelguru.test")
    before = len(_sent_by_moto())
    message = queue_message(kind="booking_confirmed", to_email="ada@example.com",
                            language="fr", context=CONTEXTS["booking_confirmed"])  # fmt: skip

    # when it is sent
    assert message_send(message.pk) == MessageStatus.SENT

    # then SES has it, raw MIME with the text, the HTML and the .ics, and we keep its id
    sent = _sent_by_moto()[before:]
    assert len(sent) == 1
    raw = sent[0].raw_data
    assert "ada@example.com" in sent[0].destinations
    assert "TG-7K3QXM.ics" in raw
    assert "text/calendar" in raw
    assert "text/html" in raw
    message.refresh_from_db()
    assert message.provider_message_id == sent[0].id


@pytest.mark.django_db
def test_an_ses_refusal_leaves_the_message_for_a_retry(ses, settings):
    # given a sending domain SES does not know (moto refuses it, as SES would)
    settings.NOTIFICATIONS_FROM_EMAIL = "trips@unverified.test"
    message = Message.objects.create(
        to_email="ada@example.com", kind="refund_issued", language="en", subject="Refunded",
        text_body="Refunded.", created_at=message_created(),
    )  # fmt: skip

    # when it is sent
    status = message_send(message.pk)

    # then nothing raised, and it waits for the retry job
    message.refresh_from_db()
    assert status == MessageStatus.PENDING
    assert message.attempts == 1
    assert message.next_attempt_at is not None
    assert "MessageRejected" in message.last_error or "not verified" in message.last_error


def message_created():
    from django.utils import timezone

    return timezone.now()
