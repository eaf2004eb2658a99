"""The Stripe provider against the real SDK, with only its HTTP layer stubbed (responses)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import requests
import responses
from django.utils import timezone

from bookings.models import Payment, PaymentStatus
from bookings.payments.base import PaymentDeclined, PaymentProviderError, PaymentTimeout
from bookings.payments.stripe import StripeProvider, from_minor, to_minor
from tests.factories.offers import hotel_offer
from tests.flows import book, make_hold
from travelguru.money import Money

pytestmark = pytest.mark.django_db

API = "https://api.stripe.com/v1"
SECRET = "whsec_test_secret"


@pytest.fixture
def stripe_settings(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    return settings


def intent(status="succeeded", amount=21000, currency="eur", id="pi_123", key="k"):
    return {
        "id": id, "object": "payment_intent", "status": status, "amount": amount,
        "currency": currency, "metadata": {"travelguru_key": key},
    }  # fmt: skip


def form(call) -> dict[str, list[str]]:
    return parse_qs(call.request.body)


def test_minor_units():
    assert to_minor(Money.of("210.00", "EUR")) == 21000
    assert to_minor(Money.of("29000", "JPY")) == 29000
    assert from_minor(21000, "eur") == Money.of("210.00", "EUR")


@responses.activate
def test_charge_creates_and_confirms_a_payment_intent_once(stripe_settings):
    responses.post(f"{API}/payment_intents", json=intent())

    charge = StripeProvider().charge(
        amount=Money.of("210.00", "EUR"), token="tok_visa",
        idempotency_key="travelguru-payment-7", description="trip",
    )  # fmt: skip

    assert charge.ref == "pi_123"
    assert charge.amount == Money.of("210.00", "EUR")
    [call] = responses.calls
    body = form(call)
    assert body["amount"] == ["21000"]
    assert body["currency"] == ["eur"]
    assert body["confirm"] == ["true"]
    assert body["payment_method_data[card][token]"] == ["tok_visa"]
    assert body["metadata[travelguru_key]"] == ["travelguru-payment-7"]
    assert call.request.headers["Idempotency-Key"] == "travelguru-payment-7"
    assert call.request.headers["Authorization"] == "Bearer sk_test_123"


@responses.activate
def test_a_payment_method_id_is_passed_as_is(stripe_settings):
    responses.post(f"{API}/payment_intents", json=intent(currency="jpy", amount=29000))

    StripeProvider().charge(
        amount=Money.of("29000", "JPY"), token="pm_card_visa", idempotency_key="k",
        description="trip",
    )  # fmt: skip

    body = form(responses.calls[0])
    assert body["payment_method"] == ["pm_card_visa"]
    assert body["amount"] == ["29000"]


@responses.activate
def test_a_card_error_is_a_decline(stripe_settings):
    responses.post(
        f"{API}/payment_intents",
        status=402,
        json={"error": {"type": "card_error", "code": "card_declined",
                        "decline_code": "generic_decline", "message": "Your card was declined."}},
    )  # fmt: skip

    with pytest.raises(PaymentDeclined) as declined:
        StripeProvider().charge(
            amount=Money.of("10.00", "EUR"), token="tok_chargeDeclined", idempotency_key="k",
            description="trip",
        )  # fmt: skip
    assert declined.value.extra["decline_code"] == "card_declined"


@responses.activate
def test_a_3ds_card_is_declined_for_this_flow(stripe_settings):
    responses.post(f"{API}/payment_intents", json=intent(status="requires_action"))

    with pytest.raises(PaymentDeclined):
        StripeProvider().charge(
            amount=Money.of("10.00", "EUR"), token="tok_threeDSecure2Required",
            idempotency_key="k", description="trip",
        )  # fmt: skip


@responses.activate
def test_no_answer_is_a_timeout(stripe_settings):
    responses.post(f"{API}/payment_intents", body=requests.ConnectionError("reset"))

    with pytest.raises(PaymentTimeout):
        StripeProvider().charge(
            amount=Money.of("10.00", "EUR"), token="tok_visa", idempotency_key="k",
            description="trip",
        )  # fmt: skip
    # The SDK retried with the same idempotency key: Stripe would charge at most once.
    keys = {call.request.headers["Idempotency-Key"] for call in responses.calls}
    assert keys == {"k"}


@responses.activate
def test_an_api_error_is_a_provider_error(stripe_settings):
    responses.post(
        f"{API}/refunds",
        status=400,
        json={"error": {"type": "invalid_request_error", "code": "charge_already_refunded",
                        "message": "Charge has already been refunded."}},
    )  # fmt: skip

    with pytest.raises(PaymentProviderError):
        StripeProvider().refund(
            charge_ref="pi_123", amount=Money.of("1.00", "EUR"), idempotency_key="r"
        )


@responses.activate
def test_refund_and_find_charge(stripe_settings):
    responses.post(f"{API}/refunds", json={"id": "re_9", "object": "refund", "amount": 5000})
    responses.get(
        f"{API}/payment_intents/search",
        json={"object": "search_result", "data": [intent(id="pi_found")], "has_more": False,
              "url": "/v1/payment_intents/search"},
    )  # fmt: skip
    provider = StripeProvider()

    ref = provider.refund(charge_ref="pi_123", amount=Money.of("50.00", "EUR"), idempotency_key="r")
    found = provider.find_charge(idempotency_key="travelguru-payment-3")

    assert ref == "re_9"
    assert form(responses.calls[0]) == {
        "payment_intent": ["pi_123"], "amount": ["5000"], "metadata[travelguru_key]": ["r"],
    }  # fmt: skip
    assert responses.calls[0].request.headers["Idempotency-Key"] == "r"
    assert "travelguru-payment-3" in responses.calls[1].request.url
    assert found.ref == "pi_found"
    assert found.succeeded


@responses.activate
def test_a_booking_paid_with_stripe(stripe_settings, client_of, traveler, room_type, day):
    stripe_settings.PAYMENT_PROVIDER = "stripe"
    responses.post(f"{API}/payment_intents", json=intent(id="pi_trip", amount=21000))
    client = client_of(traveler)
    hold_id = make_hold(client, hotel_offer(room_type, day, 2))

    response = book(client, hold_id)

    assert response.status_code == 201, response.json()
    payment = Payment.objects.get()
    assert (payment.provider, payment.provider_ref, payment.status) == (
        "stripe",
        "pi_trip",
        "succeeded",
    )
    assert responses.calls[0].request.headers["Idempotency-Key"] == payment.idempotency_key


# --- webhooks ------------------------------------------------------------------------------


def signed(payload: dict, secret: str = SECRET, at: int | None = None) -> tuple[bytes, str]:
    body = json.dumps(payload).encode()
    at = at or int(time.time())
    mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={at},v1={mac}"


def post_event(client, payload, header):
    return client.generic(
        "POST", "/api/payments/stripe/webhook", payload, content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )  # fmt: skip


def event(type_: str, obj: dict) -> dict:
    return {"id": "evt_1", "object": "event", "type": type_, "data": {"object": obj}}


@pytest.fixture
def unknown_payment(traveler, client_of, room_type, day):
    hold = (
        client_of(traveler)
        .post(
            "/api/holds", {"items": [{"offer_id": hotel_offer(room_type, day, 1)}]}, format="json"
        )
        .json()
    )
    return Payment.objects.create(
        hold_id=hold["id"], user=traveler, provider="stripe", amount=Decimal("100.00"),
        currency="EUR", status=PaymentStatus.UNKNOWN, created_at=timezone.now(),
        updated_at=timezone.now(),
    )  # fmt: skip


def test_a_signed_event_settles_a_timed_out_payment(api_client, stripe_settings, unknown_payment):
    payload, header = signed(
        event("payment_intent.succeeded", intent(id="pi_late", amount=10000,
                                                 key=unknown_payment.idempotency_key))
    )  # fmt: skip

    response = post_event(api_client, payload, header)

    assert response.status_code == 200
    unknown_payment.refresh_from_db()
    assert unknown_payment.status == PaymentStatus.SUCCEEDED
    assert unknown_payment.provider_ref == "pi_late"


def test_a_dashboard_refund_is_recorded(api_client, stripe_settings, unknown_payment):
    Payment.objects.filter(pk=unknown_payment.pk).update(status="succeeded", provider_ref="pi_x")
    charge = {"id": "ch_1", "object": "charge", "payment_intent": "pi_x", "amount_refunded": 10000}

    post_event(api_client, *signed(event("charge.refunded", charge)))

    unknown_payment.refresh_from_db()
    assert unknown_payment.status == PaymentStatus.REFUNDED
    assert unknown_payment.refunded_amount == Decimal("100.00")


@pytest.mark.parametrize(
    "header",
    [
        None,
        "t=1,v1=deadbeef",
        "garbage",
        "stale",  # right secret, timestamp older than Stripe's 5-minute tolerance
        "wrong-secret",
    ],
)
def test_unsigned_or_forged_events_are_refused(
    api_client, stripe_settings, unknown_payment, header
):
    payload = event("payment_intent.succeeded", intent(key=unknown_payment.idempotency_key))
    body, good = signed(payload)
    if header == "stale":
        body, header = signed(payload, at=int(time.time()) - 3600)
    elif header == "wrong-secret":
        body, header = signed(payload, secret="whsec_other")

    response = (
        post_event(api_client, body, header)
        if header
        else api_client.generic(
            "POST", "/api/payments/stripe/webhook", body, content_type="application/json"
        )
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    unknown_payment.refresh_from_db()
    assert unknown_payment.status == PaymentStatus.UNKNOWN


def test_a_charge_thought_failed_after_a_timeout_is_recorded_for_refund(
    api_client, stripe_settings, unknown_payment
):
    # Right after the timeout Stripe's search listed nothing and reconcile marked it failed;
    # Stripe's event says the charge went through after all.
    Payment.objects.filter(pk=unknown_payment.pk).update(status="failed", failure_code="timeout")
    payload, header = signed(
        event("payment_intent.succeeded", intent(id="pi_late", amount=10000,
                                                 key=unknown_payment.idempotency_key))
    )  # fmt: skip

    response = post_event(api_client, payload, header)

    assert response.status_code == 200
    unknown_payment.refresh_from_db()
    assert (unknown_payment.status, unknown_payment.provider_ref) == ("succeeded", "pi_late")
    assert unknown_payment.booking is None  # reconcile_payments refunds it


def test_a_declined_payment_stays_declined_whatever_the_events(
    api_client, stripe_settings, unknown_payment
):
    Payment.objects.filter(pk=unknown_payment.pk).update(
        status="failed", failure_code="card_declined"
    )
    payload, header = signed(
        event("payment_intent.succeeded", intent(key=unknown_payment.idempotency_key))
    )

    response = post_event(api_client, payload, header)

    assert response.json()["result"] == "ignored: payment already failed"
    unknown_payment.refresh_from_db()
    assert unknown_payment.status == PaymentStatus.FAILED


@responses.activate
def test_reconcile_refunds_a_stripe_charge_without_a_booking(stripe_settings, unknown_payment):
    from django.core.management import call_command

    Payment.objects.filter(pk=unknown_payment.pk).update(
        status="succeeded", provider_ref="pi_orphan",
        created_at=timezone.now() - timedelta(minutes=10),
    )  # fmt: skip
    responses.post(f"{API}/refunds", json={"id": "re_orphan", "object": "refund", "amount": 10000})

    call_command("reconcile_payments")

    key = responses.calls[0].request.headers["Idempotency-Key"]
    assert form(responses.calls[0]) == {
        "payment_intent": ["pi_orphan"], "amount": ["10000"], "metadata[travelguru_key]": [key],
    }  # fmt: skip
    assert (
        responses.calls[0].request.headers["Idempotency-Key"]
        == f"{unknown_payment.idempotency_key}-refund-full"
    )
    unknown_payment.refresh_from_db()
    assert unknown_payment.status == PaymentStatus.REFUNDED
    assert unknown_payment.refunds.get().provider_ref == "re_orphan"


@responses.activate
def test_a_payment_still_processing_is_settled_later_not_guessed(
    stripe_settings, client_of, traveler, room_type, day
):
    stripe_settings.PAYMENT_PROVIDER = "stripe"
    responses.post(f"{API}/payment_intents", json=intent(id="pi_slow", status="processing"))
    responses.get(
        f"{API}/payment_intents/search",
        json={"object": "search_result", "data": [intent(id="pi_slow", status="processing")],
              "has_more": False, "url": "/v1/payment_intents/search"},
    )  # fmt: skip
    client = client_of(traveler)
    hold_id = make_hold(client, hotel_offer(room_type, day, 1))

    response = book(client, hold_id)

    assert response.status_code == 504
    assert response.json()["code"] == "payment-timeout"
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.UNKNOWN  # the webhook or reconcile settles it
    assert [c.request.method for c in responses.calls] == ["POST", "GET"]  # no refund yet


@responses.activate
def test_cancelling_a_stripe_booking_refunds_its_payment_intent(
    stripe_settings, client_of, traveler, room_type, day
):
    stripe_settings.PAYMENT_PROVIDER = "stripe"
    responses.post(f"{API}/payment_intents", json=intent(id="pi_trip", amount=21000))
    responses.post(f"{API}/refunds", json={"id": "re_trip", "object": "refund", "amount": 21000})
    client = client_of(traveler)
    reference = book(client, make_hold(client, hotel_offer(room_type, day, 2))).json()["reference"]

    first = client.post(f"/api/bookings/{reference}/cancel")
    second = client.post(f"/api/bookings/{reference}/cancel")

    assert first.status_code == second.status_code == 200
    assert first.json()["payment"]["status"] == "refunded"
    refunds = [c for c in responses.calls if c.request.url.endswith("/v1/refunds")]
    assert len(refunds) == 1  # the second cancel asked Stripe nothing
    payment = Payment.objects.get()
    assert form(refunds[0]) == {
        "payment_intent": ["pi_trip"], "amount": ["21000"],
        "metadata[travelguru_key]": [f"{payment.idempotency_key}-cancel"],
    }  # fmt: skip
    assert refunds[0].request.headers["Idempotency-Key"] == f"{payment.idempotency_key}-cancel"
    assert refunds[0].request.headers["Authorization"] == "Bearer sk_test_123"
    assert payment.refunds.get().provider_ref == "re_trip"


def test_a_replayed_event_is_not_applied_twice(api_client, stripe_settings, unknown_payment):
    # A refund event, replayed after staff corrected the row: the replay must not undo it.
    Payment.objects.filter(pk=unknown_payment.pk).update(status="succeeded", provider_ref="pi_x")
    charge = {"id": "ch_1", "object": "charge", "payment_intent": "pi_x", "amount_refunded": 4000}
    body, header = signed(event("charge.refunded", charge))
    first = post_event(api_client, body, header)
    Payment.objects.filter(pk=unknown_payment.pk).update(refunded_amount=Decimal("0.00"))

    replay = post_event(api_client, body, header)  # the very same signed request
    resigned = post_event(api_client, *signed(event("charge.refunded", charge)))  # same id

    assert first.json()["result"] == f"payment {unknown_payment.pk} refunded 40.00"
    assert replay.status_code == resigned.status_code == 200  # acknowledged, so not resent
    assert replay.json()["result"] == resigned.json()["result"] == "ignored: duplicate event"
    unknown_payment.refresh_from_db()
    assert unknown_payment.refunded_amount == Decimal("0.00")


def test_an_event_that_failed_to_apply_is_applied_when_redelivered(
    api_client, stripe_settings, unknown_payment, monkeypatch
):
    from bookings.services.webhooks import stripe_event_apply

    payload = event("payment_intent.succeeded", intent(key=unknown_payment.idempotency_key))
    applied_by_the_api = "bookings.apis.webhooks.stripe_event_apply"

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(applied_by_the_api, broken)
    with pytest.raises(RuntimeError):
        post_event(api_client, *signed(payload))
    monkeypatch.setattr(applied_by_the_api, stripe_event_apply)

    redelivered = post_event(api_client, *signed(payload))

    assert redelivered.json()["result"] == f"payment {unknown_payment.pk} succeeded"
    unknown_payment.refresh_from_db()
    assert unknown_payment.status == PaymentStatus.SUCCEEDED
