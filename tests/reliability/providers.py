"""Fault-injecting payment providers, picked by dotted path in PAYMENT_PROVIDER.

They keep the sandbox's name and ledger, so reconcile_payments (which looks providers up
by `Payment.provider`) settles their payments with the ordinary sandbox provider.
"""

from __future__ import annotations

import time

from bookings.payments.base import Charge
from bookings.payments.sandbox import SandboxProvider
from travelguru.money import Money

HANG_SECONDS = 120


class ChargesThenHangs(SandboxProvider):
    """The charge goes through, then the answer never comes (the worker gets killed)."""

    def charge(
        self, *, amount: Money, token: str, idempotency_key: str, description: str
    ) -> Charge:
        charge = super().charge(
            amount=amount, token=token, idempotency_key=idempotency_key, description=description
        )
        time.sleep(HANG_SECONDS)
        return charge


class HangsBeforeCharging(SandboxProvider):
    """The request never reaches the provider (the worker gets killed while connecting)."""

    def charge(
        self, *, amount: Money, token: str, idempotency_key: str, description: str
    ) -> Charge:
        time.sleep(HANG_SECONDS)
        return super().charge(
            amount=amount, token=token, idempotency_key=idempotency_key, description=description
        )
