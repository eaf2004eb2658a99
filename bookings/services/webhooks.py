"""What Stripe tells us after the fact (webhooks), applied to our Payment rows.

Webhooks settle outcomes we could not learn in the request (a timeout) and record
refunds made in Stripe's dashboard. They never create bookings: a charge that has none
is refunded by reconcile_payments.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import transaction

from bookings.models import Payment, PaymentStatus
from travelguru.money import minor_units

_KEY_PREFIX = "travelguru-payment-"
# Stripe redelivers an unacknowledged event for up to three days, with the same id.
EVENT_MEMORY_SECONDS = 3 * 24 * 3600


def stripe_event_claim(*, event_id: str) -> bool:
    """True the first time an event id is seen (in the shared cache), False for a replay.

    Signatures older than Stripe's 5-minute tolerance are refused before this; within it
    (and for redeliveries) the id is the guard. `cache.add` is atomic on the database and
    on Redis, so two deliveries at once claim it once.
    """
    return cache.add(f"stripe-event:{event_id}", 1, timeout=EVENT_MEMORY_SECONDS)


def stripe_event_unclaim(*, event_id: str) -> None:
    """Forget an event whose processing failed, so Stripe's redelivery is applied."""
    cache.delete(f"stripe-event:{event_id}")


def _payment_for(intent_id: str, metadata: dict[str, Any] | None) -> Payment | None:
    payment = Payment.objects.filter(provider="stripe", provider_ref=intent_id).first()
    key = (metadata or {}).get("travelguru_key", "")
    if payment is None and key.startswith(_KEY_PREFIX) and key[len(_KEY_PREFIX) :].isdigit():
        payment = Payment.objects.filter(provider="stripe", pk=int(key[len(_KEY_PREFIX) :])).first()
    return payment


def stripe_event_apply(*, event_type: str, obj: dict[str, Any], now: datetime) -> str:
    """Apply one verified event; returns what was done (for the log and the tests)."""
    with transaction.atomic():
        if event_type in ("payment_intent.succeeded", "payment_intent.payment_failed"):
            payment = _payment_for(obj["id"], obj.get("metadata"))
            if payment is None:
                return "ignored: unknown payment"
            payment = Payment.objects.select_for_update().get(pk=payment.pk)
            succeeded = event_type == "payment_intent.succeeded"
            # A payment we marked failed after a timeout (no charge found then) that Stripe
            # says succeeded after all: record it, so reconcile_payments refunds it.
            guessed_failed = (
                succeeded
                and payment.status == PaymentStatus.FAILED
                and payment.failure_code == "timeout"
                and payment.booking_id is None
            )
            if payment.status not in (PaymentStatus.PENDING, PaymentStatus.UNKNOWN) and not (
                guessed_failed
            ):
                return f"ignored: payment already {payment.status}"
            payment.status = PaymentStatus.SUCCEEDED if succeeded else PaymentStatus.FAILED
            payment.provider_ref = obj["id"]
            payment.updated_at = now
            payment.save(update_fields=["status", "provider_ref", "updated_at"])
            return f"payment {payment.pk} {payment.status}"
        if event_type == "charge.refunded":
            payment = _payment_for(obj.get("payment_intent") or "", obj.get("metadata"))
            if payment is None:
                return "ignored: unknown payment"
            payment = Payment.objects.select_for_update().get(pk=payment.pk)
            refunded = Decimal(obj["amount_refunded"]).scaleb(-minor_units(payment.currency))
            if refunded > payment.refunded_amount:
                payment.refunded_amount = refunded
                if refunded >= payment.amount:
                    payment.status = PaymentStatus.REFUNDED
                payment.updated_at = now
                payment.save(update_fields=["refunded_amount", "status", "updated_at"])
            return f"payment {payment.pk} refunded {payment.refunded_amount}"
    return f"ignored: {event_type}"
