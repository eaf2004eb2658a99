"""What every payment provider does for us: charge a token, refund, tell a charge's fate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from rest_framework import status

from travelguru.errors import DomainError
from travelguru.money import Money


class PaymentDeclined(DomainError):
    code = "payment-declined"
    status = status.HTTP_402_PAYMENT_REQUIRED
    title = "The payment was declined"


class PaymentTimeout(DomainError):
    """The provider did not answer in time: the charge may or may not have happened."""

    code = "payment-timeout"
    status = status.HTTP_504_GATEWAY_TIMEOUT
    title = "The payment provider did not answer in time"


class PaymentProviderError(DomainError):
    code = "payment-provider-error"
    status = status.HTTP_502_BAD_GATEWAY
    title = "The payment provider failed"


@dataclass(frozen=True)
class Charge:
    ref: str
    amount: Money
    succeeded: bool
    refunded: Money | None = None
    # Neither succeeded nor failed yet (Stripe "processing"): settle it later.
    pending: bool = False


class PaymentProvider(Protocol):
    name: str

    def charge(
        self, *, amount: Money, token: str, idempotency_key: str, description: str
    ) -> Charge:
        """Charge `amount` to the token, once per idempotency key. Raises PaymentDeclined
        (the card said no), PaymentTimeout (unknown outcome) or PaymentProviderError."""
        ...

    def refund(self, *, charge_ref: str, amount: Money, idempotency_key: str) -> str:
        """Refund part or all of a charge, once per idempotency key; returns the refund ref."""
        ...

    def find_refund(self, *, charge_ref: str, idempotency_key: str) -> str | None:
        """The ref of the charge's refund made with this idempotency key, if any (to settle
        a refund whose answer was lost, at any age: the provider forgets its keys)."""
        ...

    def find_charge(self, *, idempotency_key: str) -> Charge | None:
        """The charge made with this idempotency key, if any (to settle timeouts)."""
        ...
