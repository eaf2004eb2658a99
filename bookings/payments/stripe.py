"""Stripe PaymentIntents through the official SDK (imported lazily: cold start).

One PaymentIntent per Payment row, created and confirmed in one call with Stripe's own
idempotency key, so a retried call never charges twice. The traveler's card becomes a
token or PaymentMethod in Stripe.js; we only pass that on. Flows needing a redirect (3-D
Secure) are declined here with `requires_action` so the front-end can confirm them with
Stripe.js instead.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, ParamSpec, TypeVar

from django.conf import settings

from bookings.payments.base import Charge, PaymentDeclined, PaymentProviderError, PaymentTimeout
from travelguru.money import Money, minor_units

P = ParamSpec("P")
T = TypeVar("T")


def to_minor(amount: Money) -> int:
    """Stripe counts in the currency's minor unit: cents, but whole yen."""
    return int(amount.amount.scaleb(minor_units(amount.currency)))


def from_minor(value: int, currency: str) -> Money:
    return Money.of(Decimal(value).scaleb(-minor_units(currency.upper())), currency.upper())


class StripeProvider:
    name = "stripe"

    def __init__(self, client: Any = None) -> None:
        if client is None:
            import stripe

            client = stripe.StripeClient(
                settings.STRIPE_SECRET_KEY,
                max_network_retries=2,
                http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS),
            )
        self.client = client

    def _call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        import stripe

        try:
            return fn(*args, **kwargs)
        except stripe.CardError as exc:
            raise PaymentDeclined(
                exc.user_message or "Your card was declined.",
                decline_code=exc.code or "card_declined",
            ) from None
        except stripe.APIConnectionError:
            raise PaymentTimeout("Stripe did not answer in time.") from None
        except stripe.StripeError as exc:
            raise PaymentProviderError(
                f"Stripe refused the request ({exc.code or 'error'})."
            ) from None

    def charge(
        self, *, amount: Money, token: str, idempotency_key: str, description: str
    ) -> Charge:
        method: dict[str, Any] = (
            {"payment_method": token}
            if token.startswith("pm_")
            else {"payment_method_data": {"type": "card", "card": {"token": token}}}
        )
        intent = self._call(
            self.client.v1.payment_intents.create,
            params={
                "amount": to_minor(amount),
                "currency": amount.currency.lower(),
                "confirm": True,
                "description": description,
                "metadata": {"travelguru_key": idempotency_key},
                "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
                **method,
            },
            options={"idempotency_key": idempotency_key},
        )
        if intent.status == "processing":  # the outcome comes later (webhook / reconcile)
            raise PaymentTimeout("Stripe is still processing this payment.")
        if intent.status != "succeeded":
            raise PaymentDeclined(
                "The card needs a confirmation step this checkout cannot do.",
                decline_code=intent.status,
            )
        return Charge(
            ref=intent.id, amount=from_minor(intent.amount, intent.currency), succeeded=True
        )

    def refund(self, *, charge_ref: str, amount: Money, idempotency_key: str) -> str:
        refund = self._call(
            self.client.v1.refunds.create,
            params={
                "payment_intent": charge_ref,
                "amount": to_minor(amount),
                # Found again by it (`find_refund`) after Stripe has forgotten the key.
                "metadata": {"travelguru_key": idempotency_key},
            },
            options={"idempotency_key": idempotency_key},
        )
        refund_id: str = refund.id
        return refund_id

    def find_refund(self, *, charge_ref: str, idempotency_key: str) -> str | None:
        # A list, not a search: Stripe's search lags behind its writes, a list does not.
        # Newest first; a payment has a handful of refunds, far under one page.
        found = self._call(
            self.client.v1.refunds.list, params={"payment_intent": charge_ref, "limit": 100}
        )
        for refund in found.data:
            metadata = refund.metadata.to_dict() if refund.metadata else {}
            if metadata.get("travelguru_key") == idempotency_key:
                ref: str = refund.id
                return ref
        return None

    def find_charge(self, *, idempotency_key: str) -> Charge | None:
        found = self._call(
            self.client.v1.payment_intents.search,
            params={"query": f"metadata['travelguru_key']:'{idempotency_key}'", "limit": 1},
        )
        for intent in found.data:
            return Charge(
                ref=intent.id,
                amount=from_minor(intent.amount, intent.currency),
                succeeded=intent.status == "succeeded",
                pending=intent.status == "processing",
            )
        return None
