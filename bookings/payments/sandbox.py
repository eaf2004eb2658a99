"""The embedded payment provider: Stripe's test tokens, a ledger in our database.

- `tok_visa` (and `tok_mastercard`, `tok_amex`): the charge succeeds;
- `tok_chargeDeclined`: declined (402), nothing charged;
- `tok_timeout`: the charge goes through but the answer is lost (PaymentTimeout), the
  case reconciliation exists for;
- anything else: declined as an unknown token.
The ledger (SandboxCharge, SandboxRefund) is the provider's side of the books, so tests
can reconcile our Payment rows against what was "really" charged.
"""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction

from bookings.models import SandboxCharge, SandboxRefund
from bookings.payments.base import Charge, PaymentDeclined, PaymentProviderError, PaymentTimeout
from travelguru.db import atomic_if_nested
from travelguru.money import Money

SUCCEEDING_TOKENS = frozenset({"tok_visa", "tok_mastercard", "tok_amex"})
TIMEOUT_TOKEN = "tok_timeout"  # noqa: S105 (public test token)
DECLINED_TOKEN = "tok_chargeDeclined"  # noqa: S105 (public test token)


def _charge(row: SandboxCharge) -> Charge:
    return Charge(
        ref=row.ref,
        amount=Money.of(row.amount, row.currency),
        succeeded=row.succeeded,
        refunded=Money.of(row.refunded_amount, row.currency),
    )


class SandboxProvider:
    name = "sandbox"

    def charge(
        self, *, amount: Money, token: str, idempotency_key: str, description: str
    ) -> Charge:
        # A new key is the usual case: insert first, and read the earlier charge only when
        # the key's unique index says there is one (a retry, or the same key at once).
        succeeded = token in SUCCEEDING_TOKENS or token == TIMEOUT_TOKEN
        try:
            with atomic_if_nested():
                existing = SandboxCharge.objects.create(
                    ref=f"ch_sandbox_{secrets.token_hex(8)}",
                    idempotency_key=idempotency_key,
                    token=token[:64],
                    amount=amount.amount,
                    currency=amount.currency,
                    succeeded=succeeded,
                )
        except IntegrityError:  # charged before with this key: the first charge counts
            existing = SandboxCharge.objects.get(idempotency_key=idempotency_key)
        else:
            if token == TIMEOUT_TOKEN:
                raise PaymentTimeout("The sandbox provider did not answer (tok_timeout).")
        if not existing.succeeded:
            detail = (
                "Your card was declined."
                if existing.token == DECLINED_TOKEN
                else "This payment token is not one the sandbox accepts (use tok_visa)."
            )
            raise PaymentDeclined(detail, decline_code="card_declined")
        return _charge(existing)

    def refund(self, *, charge_ref: str, amount: Money, idempotency_key: str) -> str:
        done = SandboxRefund.objects.filter(idempotency_key=idempotency_key).first()
        if done is not None:
            return done.ref
        with transaction.atomic():
            charge = SandboxCharge.objects.select_for_update().filter(ref=charge_ref).first()
            # The same key sent twice at once: the second waited for the lock; answer it
            # with the first refund, as Stripe does for a repeated idempotency key.
            done = SandboxRefund.objects.filter(idempotency_key=idempotency_key).first()
            if done is not None:
                return done.ref
            if charge is None or not charge.succeeded:
                raise PaymentProviderError(f"No successful charge {charge_ref} to refund.")
            if charge.refunded_amount + amount.amount > charge.amount:
                raise PaymentProviderError("A refund cannot exceed what was charged.")
            refund = SandboxRefund.objects.create(
                ref=f"re_sandbox_{secrets.token_hex(8)}",
                idempotency_key=idempotency_key,
                charge=charge,
                amount=amount.amount,
            )
            charge.refunded_amount += amount.amount
            charge.save(update_fields=["refunded_amount"])
        return refund.ref

    def find_refund(self, *, charge_ref: str, idempotency_key: str) -> str | None:
        row = SandboxRefund.objects.filter(
            idempotency_key=idempotency_key, charge__ref=charge_ref
        ).first()
        return row.ref if row else None

    def find_charge(self, *, idempotency_key: str) -> Charge | None:
        row = SandboxCharge.objects.filter(idempotency_key=idempotency_key).first()
        return _charge(row) if row else None
