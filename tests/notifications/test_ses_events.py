"""SES's bounces and complaints arrive through SNS: believed only when SNS signed them
(SignatureVersion 1 or 2, certificate from an sns.<region>.amazonaws.com URL) and from our
topic; a permanent bounce or a complaint stops every send to the address."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from django.utils import timezone

from notifications import sns
from notifications.models import Message, MessageStatus, SuppressedAddress
from notifications.services import messages_send_due, queue_message
from tests.flows import assert_problem
from tests.notifications.samples import CONTEXTS

URL = "/api/notifications/ses-events"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:travelguru-ses-events"
CERT_URL = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-test.pem"

pytestmark = pytest.mark.django_db


def _key_and_cert():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(1)
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    return key, cert.public_bytes(serialization.Encoding.PEM)


KEY, CERT = _key_and_cert()


@pytest.fixture(autouse=True)
def fetched(settings, monkeypatch):
    """Our topic is subscribed; the URLs fetched (certificates, confirmations) are kept."""
    settings.NOTIFICATIONS_SNS_TOPIC_ARNS = [TOPIC]
    fetched: list[str] = []

    def fetch(url: str) -> bytes:
        sns.sns_url_check(url)
        fetched.append(url)
        return CERT if url.endswith(".pem") else b"<ConfirmSubscriptionResponse/>"

    monkeypatch.setattr(sns, "https_get", fetch)
    return fetched


def signed(event: dict | None = None, *, version: str = "2", key=KEY, **fields) -> dict:
    message = {
        "Type": "Notification", "MessageId": "m-1", "TopicArn": TOPIC,
        "Message": json.dumps(event or {}), "Timestamp": "2026-12-06T19:00:00.000Z",
        "SignatureVersion": version, "SigningCertURL": CERT_URL, **fields,
    }  # fmt: skip
    algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()  # noqa: S303
    signature = key.sign(sns.string_to_sign(message), padding.PKCS1v15(), algorithm)
    return {**message, "Signature": base64.b64encode(signature).decode()}


def post(client, message: dict):
    return client.generic("POST", URL, json.dumps(message), content_type="text/plain")


BOUNCE: dict[str, Any] = {
    "notificationType": "Bounce",
    "bounce": {"bounceType": "Permanent", "bounceSubType": "General",
               "bouncedRecipients": [{"emailAddress": "gone@example.com"}]},
}  # fmt: skip


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_signed_permanent_bounce_suppresses_the_address(client, version):
    pending = queue_message(kind="refund_issued", to_email="gone@example.com", language="en",
                            context=CONTEXTS["refund_issued"])  # fmt: skip

    response = post(client, signed(BOUNCE, version=version))

    assert response.status_code == 200
    assert response.json() == {"received": True,
                               "result": "suppressed 1 address(es): bounce"}  # fmt: skip
    assert SuppressedAddress.objects.get().email == "gone@example.com"
    messages_send_due(now=timezone.now())
    pending.refresh_from_db()
    assert pending.status == MessageStatus.SUPPRESSED


def test_a_complaint_suppresses_too(client):
    event = {
        "notificationType": "Complaint",
        "complaint": {"complainedRecipients": [{"emailAddress": "angry@example.com"}]},
    }
    assert post(client, signed(event)).status_code == 200
    assert SuppressedAddress.objects.get().reason == "complaint"


def test_a_transient_bounce_changes_nothing(client):
    event = {**BOUNCE, "bounce": {**BOUNCE["bounce"], "bounceType": "Transient"}}
    assert post(client, signed(event)).json()["result"] == "ignored: transient bounce"
    assert not SuppressedAddress.objects.exists()


def test_a_message_signed_by_another_key_is_refused(client):
    other, _ = _key_and_cert()
    assert_problem(post(client, signed(BOUNCE, key=other)), 400, "invalid-sns-message")
    assert not SuppressedAddress.objects.exists()


def test_a_changed_message_is_refused(client):
    message = signed(BOUNCE)
    message["Message"] = message["Message"].replace("gone@", "other@")
    assert_problem(post(client, message), 400, "invalid-sns-message")
    assert not SuppressedAddress.objects.exists()


@pytest.mark.parametrize(
    "cert_url",
    [
        "http://sns.eu-west-1.amazonaws.com/cert.pem",
        "https://sns.eu-west-1.amazonaws.com.evil.example/cert.pem",
        "https://evil.example/sns.eu-west-1.amazonaws.com/cert.pem",
        "https://sns.eu-west-1.amazonaws.com:8443/cert.pem",
        "https://user@sns.eu-west-1.amazonaws.com/cert.pem",
    ],
)
def test_a_certificate_from_anywhere_but_sns_is_not_fetched(client, cert_url, fetched):
    response = post(client, signed(BOUNCE, SigningCertURL=cert_url))
    assert_problem(response, 400, "invalid-sns-message")
    assert fetched == []


def test_another_topic_is_refused_even_signed(client):
    other = "arn:aws:sns:eu-west-1:999999999999:someone-elses"
    assert_problem(post(client, signed(BOUNCE, TopicArn=other)), 403, "unknown-sns-topic")
    assert not SuppressedAddress.objects.exists()


def test_the_subscription_is_confirmed_at_its_sns_url(client, fetched):
    confirm = "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=t"
    message = signed(Type="SubscriptionConfirmation", Token="t", SubscribeURL=confirm,
                     Message="You have chosen to subscribe")  # fmt: skip
    response = post(client, message)
    assert response.json()["result"] == "subscription confirmed"
    assert fetched == [CERT_URL, confirm]


@pytest.mark.parametrize(
    "body", ["not json", "[]", '{"Type": "Notification"}', "\udcff", '{"a": ' + "9" * 5000 + "}"]
)
def test_garbage_is_a_problem_not_a_crash(client, body):
    response = client.generic("POST", URL, body.encode("utf-8", "surrogatepass"),
                              content_type="text/plain")  # fmt: skip
    assert_problem(response, 400, "invalid-sns-message")
    assert not Message.objects.exists()
