"""Issue 9.6: a provider that times out, answers 5xx or dies mid-call never leaves a charge
without a booking or a booking without a charge; reconcile_payments proves it.

Stripe runs through its real SDK with only the HTTP layer stubbed (responses), as in
tests/bookings/test_stripe.py. Existing coverage there: a sandbox timeout keeps no charge,
a declined second charge refunds the first, an orphan succeeded charge is refunded.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlencode

import pytest
import requests
import responses
from django.utils import timezone

from bookings.models import Booking, Hold, HoldStatus, Payment, PaymentStatus, SandboxCharge
from bookings.payments.sandbox import SandboxProvider
from bookings.services.reconcile import payments_reconcile
from tests.factories.offers import car_offer, hotel_offer

pytestmark = pytest.mark.django_db

API = "https://api.stripe.com/v1"
ADULT = {"first_name": "Ada", "last_name": "Lovelace", "type": "adult"}
DRIVER = {**ADULT, "birth_date": "1990-05-01", "is_driver": True}
SERVER_ERROR = {"error": {"type": "api_error", "message": "Something went wrong on Stripe's end."}}


@pytest.fixture
def stripe(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    settings.PAYMENT_PROVIDER = "stripe"
    return settings


@pytest.fixture(autouse=True)
def _no_retry_sleep(monkeypatch):
    """The SDK backs off between its retries; the test need not wait for it."""
    import stripe

    monkeypatch.setattr(stripe._http_client.HTTPClient, "_sleep_time_seconds", lambda *a: 0)


def intent(*, id="pi_1", amount=21000, currency="eur", status="succeeded", key="k"):
    return {
        "id": id, "object": "payment_intent", "status": status, "amount": amount,
        "currency": currency, "metadata": {"travelguru_key": key},
    }  # fmt: skip


def search_result(*intents):
    return {"object": "search_result", "data": list(intents), "has_more": False,
            "url": "/v1/payment_intents/search"}  # fmt: skip


def hold_and_book(client, *offers, travelers=None):
    hold = client.post("/api/holds", {"items": [{"offer_id": o} for o in offers]}, format="json")
    assert hold.status_code == 201, hold.json()
    booked = client.post(
        "/api/bookings",
        {"hold_id": hold.json()["id"], "travelers": travelers or [ADULT],
         "payment_token": "tok_visa"},
        format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )  # fmt: skip
    return hold.json()["id"], booked


def refunds_posted() -> list[str]:
    """The refunds asked of Stripe (intent and amount); each carries its idempotency key in
    its metadata too, where reconciliation finds it again (`find_refund`)."""
    posted = []
    for call in responses.calls:
        if call.request.url != f"{API}/refunds":
            continue
        form = parse_qs(str(call.request.body))
        assert form.pop("metadata[travelguru_key]") == [call.request.headers["Idempotency-Key"]]
        posted.append(urlencode({k: v[0] for k, v in form.items()}))
    return posted


def assert_no_charge_without_booking_and_no_booking_without_charge() -> None:
    for payment in Payment.objects.all():
        kept = payment.amount - payment.refunded_amount
        if payment.booking_id is None:
            assert payment.status in (PaymentStatus.FAILED, PaymentStatus.REFUNDED), payment
            assert kept == 0 or payment.status == PaymentStatus.FAILED
    for booking in Booking.objects.all():
        assert booking.payments.filter(status=PaymentStatus.SUCCEEDED).exists()


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 500, "json": SERVER_ERROR},
        {"status": 503, "json": SERVER_ERROR},
        {"body": requests.ConnectionError("connection reset")},
        {"body": requests.Timeout("read timed out")},
    ],
    ids=["500", "503", "reset", "timeout"],
)
@pytest.mark.parametrize("stripe_charged", [True, False], ids=["charged", "not-charged"])
@responses.activate
def test_a_stripe_failure_books_nothing_and_reconcile_settles_the_charge(
    stripe, client_of, traveler, room_type, day, failure, stripe_charged
):
    # given: Stripe fails on the charge, and cannot be asked about it yet
    responses.post(f"{API}/payment_intents", **failure)
    search = responses.get(f"{API}/payment_intents/search", status=500, json=SERVER_ERROR)
    # when
    hold_id, response = hold_and_book(client_of(traveler), hotel_offer(room_type, day, 2))
    # then: a problem, no booking, the hold kept for another try, the payment unknown
    assert response["Content-Type"] == "application/problem+json"
    assert (response.status_code, response.json()["code"]) in {
        (502, "payment-provider-error"), (504, "payment-timeout"),
    }  # fmt: skip
    assert not Booking.objects.exists()
    assert Hold.objects.get().status == HoldStatus.ACTIVE
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.UNKNOWN
    assert refunds_posted() == []

    # when: Stripe is back; reconcile runs after the grace period
    responses.remove(search)
    responses.get(
        f"{API}/payment_intents/search",
        json=search_result(intent(id="pi_lost", key=payment.idempotency_key))
        if stripe_charged
        else search_result(),
    )
    responses.post(f"{API}/refunds", json={"id": "re_1", "object": "refund", "amount": 21000})
    report = payments_reconcile(now=timezone.now() + timedelta(minutes=6))

    # then: a charge Stripe did make is refunded in full, once; else the payment failed
    payment.refresh_from_db()
    assert report.settled_unknown == [payment.pk]
    if stripe_charged:
        assert (payment.status, payment.provider_ref) == (PaymentStatus.REFUNDED, "pi_lost")
        assert payment.refunded_amount == Decimal("210.00")
        assert refunds_posted() == ["payment_intent=pi_lost&amount=21000"]
    else:
        assert payment.status == PaymentStatus.FAILED
        assert refunds_posted() == []
    assert payments_reconcile(now=timezone.now() + timedelta(minutes=7)).settled_unknown == []
    assert_no_charge_without_booking_and_no_booking_without_charge()


@responses.activate
def test_a_5xx_on_the_second_currency_refunds_the_first_at_once(
    stripe, client_of, traveler, room_type, car, day, settings
):
    # given: a EUR stay and a USD car; the EUR charge succeeds, the USD one gets a 500
    car.office.currency = "USD"
    car.office.save()
    responses.post(f"{API}/payment_intents", json=intent(id="pi_eur"))
    responses.post(f"{API}/payment_intents", status=500, json=SERVER_ERROR)
    responses.get(f"{API}/payment_intents/search", json=search_result())
    responses.post(f"{API}/refunds", json={"id": "re_eur", "object": "refund", "amount": 21000})
    # when
    _, response = hold_and_book(
        client_of(traveler), hotel_offer(room_type, day, 2), car_offer(car, day, 2),
        travelers=[DRIVER],
    )  # fmt: skip
    # then: no booking, and the EUR charge is given back at once
    assert response.status_code == 502
    assert not Booking.objects.exists()
    assert Payment.objects.get(currency="EUR").status == PaymentStatus.REFUNDED
    assert refunds_posted() == ["payment_intent=pi_eur&amount=21000"]
    # when reconcile runs: Stripe knows no USD charge, so that payment failed
    payments_reconcile(now=timezone.now() + timedelta(minutes=6))
    statuses = dict(Payment.objects.values_list("currency", "status"))
    assert statuses == {"EUR": PaymentStatus.REFUNDED, "USD": PaymentStatus.FAILED}
    assert refunds_posted() == ["payment_intent=pi_eur&amount=21000"]
    assert_no_charge_without_booking_and_no_booking_without_charge()


@pytest.mark.parametrize("charged", [True, False])
def test_reconcile_settles_a_payment_left_pending_by_a_crash(
    client_of, traveler, room_type, day, charged
):
    """The process died inside provider.charge: the Payment row never left `pending`."""
    client = client_of(traveler)
    hold = client.post(
        "/api/holds", {"items": [{"offer_id": hotel_offer(room_type, day, 1)}]}, format="json"
    ).json()
    long_ago = timezone.now() - timedelta(minutes=10)
    payment = Payment.objects.create(
        hold_id=hold["id"], user=traveler, provider="sandbox", amount=Decimal("100.00"),
        currency="EUR", status=PaymentStatus.PENDING, created_at=long_ago, updated_at=long_ago,
    )  # fmt: skip
    if charged:
        SandboxProvider().charge(
            amount=payment.money, token="tok_visa", idempotency_key=payment.idempotency_key,
            description="killed mid-call",
        )  # fmt: skip

    report = payments_reconcile(now=timezone.now())

    payment.refresh_from_db()
    assert report.settled_unknown == [payment.pk]
    if charged:
        assert payment.status == PaymentStatus.REFUNDED
        assert SandboxCharge.objects.get().refunded_amount == Decimal("100.00")
    else:
        assert payment.status == PaymentStatus.FAILED
        assert not SandboxCharge.objects.exists()


def test_a_payment_still_in_its_call_is_left_alone(client_of, traveler, room_type, day):
    client = client_of(traveler)
    hold = client.post(
        "/api/holds", {"items": [{"offer_id": hotel_offer(room_type, day, 1)}]}, format="json"
    ).json()
    now = timezone.now()
    payment = Payment.objects.create(
        hold_id=hold["id"], user=traveler, provider="sandbox", amount=Decimal("100.00"),
        currency="EUR", status=PaymentStatus.PENDING, created_at=now, updated_at=now,
    )  # fmt: skip
    SandboxProvider().charge(
        amount=payment.money, token="tok_visa", idempotency_key=payment.idempotency_key,
        description="in flight",
    )  # fmt: skip

    report = payments_reconcile(now=now + timedelta(minutes=4))

    payment.refresh_from_db()
    assert report.settled_unknown == []
    assert payment.status == PaymentStatus.PENDING
    assert SandboxCharge.objects.get().refunded_amount == Decimal("0.00")


def test_a_provider_class_can_be_named_by_dotted_path():
    from bookings.payments import get_provider
    from tests.reliability.providers import ChargesThenHangs

    provider = get_provider("tests.reliability.providers.ChargesThenHangs")

    assert isinstance(provider, ChargesThenHangs)
    assert provider.name == "sandbox"  # its payments are settled by the plain sandbox
    with pytest.raises(LookupError, match="unknown PAYMENT_PROVIDER 'paypal'"):
        get_provider("paypal")
