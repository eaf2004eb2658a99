"""A staff refund whose provider did not answer (a timeout) is left pending, as the money may
have gone; reconciliation later settles it from the provider's side: recorded if it went
through, sent again with the same key if not, given back if refused. Never refunded twice."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import responses
from django.utils import timezone

from bookings.models import (
    BookingItem,
    BookingStatus,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    SandboxCharge,
)
from bookings.payments.base import PaymentProviderError, PaymentTimeout
from bookings.payments.sandbox import SandboxProvider
from bookings.payments.stripe import StripeProvider
from bookings.services import support
from bookings.services.reconcile import GRACE, payments_reconcile
from travelguru.money import Money

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("support_roles")]

REAL_REFUND = SandboxProvider.refund


def _answer_lost(monkeypatch, *, after_refunding: bool) -> None:
    """The provider's answer to the next refunds never arrives; with `after_refunding`, the
    refund was made (the money went), else the request never reached it."""

    def refund(self, *, charge_ref, amount, idempotency_key):
        if after_refunding:
            REAL_REFUND(self, charge_ref=charge_ref, amount=amount, idempotency_key=idempotency_key)
        raise PaymentTimeout("no answer")

    monkeypatch.setattr(SandboxProvider, "refund", refund)


def _timed_out_refund(trip, agent, monkeypatch, *, after_refunding: bool) -> Refund:
    _answer_lost(monkeypatch, after_refunding=after_refunding)
    with pytest.raises(PaymentTimeout):
        support.booking_refund_partial(
            booking=trip, staff=agent, amount=Money.of("30.00", "EUR"), reason="noisy room",
            request_key="form-1", now=timezone.now(),
        )  # fmt: skip
    monkeypatch.setattr(SandboxProvider, "refund", REAL_REFUND)
    return Refund.objects.get()


def _later():
    return timezone.now() + GRACE + timedelta(seconds=1)


@pytest.mark.parametrize("after_refunding", [True, False], ids=["money-went", "never-sent"])
def test_a_timed_out_refund_is_settled_once_whatever_happened(
    trip, agent, monkeypatch, after_refunding
):
    refund = _timed_out_refund(trip, agent, monkeypatch, after_refunding=after_refunding)
    assert refund.status == RefundStatus.PENDING
    # counted as refunded meanwhile, so nobody gives the same money back twice
    assert Payment.objects.get().refunded_amount == Decimal("30.00")

    report = payments_reconcile(now=_later())

    refund.refresh_from_db()
    assert report.refunds_settled == [refund.pk]
    assert refund.status == RefundStatus.SUCCEEDED
    assert refund.provider_ref.startswith("re_sandbox_")
    assert SandboxCharge.objects.get().refunded_amount == Decimal("30.00")  # once
    assert Payment.objects.get().refunded_amount == Decimal("30.00")
    # a second run finds nothing to do
    assert payments_reconcile(now=_later()).refunds_settled == []


def test_a_refund_younger_than_the_grace_period_is_left_to_its_request(trip, agent, monkeypatch):
    refund = _timed_out_refund(trip, agent, monkeypatch, after_refunding=True)

    report = payments_reconcile(now=timezone.now())

    refund.refresh_from_db()
    assert (report.refunds_settled, refund.status) == ([], RefundStatus.PENDING)


def test_a_refund_still_without_an_answer_stays_pending_for_the_next_run(trip, agent, monkeypatch):
    refund = _timed_out_refund(trip, agent, monkeypatch, after_refunding=False)
    _answer_lost(monkeypatch, after_refunding=False)

    report = payments_reconcile(now=_later())

    refund.refresh_from_db()
    assert report.refunds_pending == [refund.pk]
    assert refund.status == RefundStatus.PENDING
    assert Payment.objects.get().refunded_amount == Decimal("30.00")


def test_a_refund_the_provider_refuses_gives_the_reservation_back(trip, agent, monkeypatch):
    refund = _timed_out_refund(trip, agent, monkeypatch, after_refunding=False)

    def refuse(self, **_kwargs):
        raise PaymentProviderError("refused")

    monkeypatch.setattr(SandboxProvider, "refund", refuse)

    report = payments_reconcile(now=_later())

    assert report.refunds_given_back == [refund.pk]
    assert not Refund.objects.exists()
    payment = Payment.objects.get()
    assert (payment.refunded_amount, payment.status) == (Decimal("0.00"), PaymentStatus.SUCCEEDED)
    assert SandboxCharge.objects.get().refunded_amount == Decimal("0.00")


def test_a_timed_out_item_cancellation_is_completed_with_its_refund(trip, agent, monkeypatch):
    _answer_lost(monkeypatch, after_refunding=True)
    with pytest.raises(PaymentTimeout):
        support.booking_item_cancel(
            booking=trip, position=1, staff=agent, reason="closed", now=timezone.now()
        )
    monkeypatch.setattr(SandboxProvider, "refund", REAL_REFUND)
    item = BookingItem.objects.get(booking=trip, position=1)
    assert item.status == BookingStatus.CONFIRMED  # its refund's outcome is not known yet

    payments_reconcile(now=_later())

    item.refresh_from_db()
    refund = Refund.objects.get()
    assert (refund.status, item.status) == (RefundStatus.SUCCEEDED, BookingStatus.CANCELLED)
    assert item.refunded_amount == refund.amount
    assert SandboxCharge.objects.get().refunded_amount == refund.amount
    trip.refresh_from_db()
    assert trip.status == BookingStatus.CONFIRMED  # the other item stays


@responses.activate
def test_stripe_finds_a_refund_by_its_key_after_forgetting_the_key(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    listed = {
        "object": "list", "url": "/v1/refunds", "has_more": False,
        "data": [
            {"id": "re_other", "object": "refund", "metadata": {"travelguru_key": "k-2"}},
            {"id": "re_mine", "object": "refund", "metadata": {"travelguru_key": "k-1"}},
        ],
    }  # fmt: skip
    responses.get("https://api.stripe.com/v1/refunds", json=listed)

    found = StripeProvider().find_refund(charge_ref="pi_9", idempotency_key="k-1")
    missing = StripeProvider().find_refund(charge_ref="pi_9", idempotency_key="k-3")

    assert (found, missing) == ("re_mine", None)
    assert "payment_intent=pi_9" in str(responses.calls[0].request.url)
