"""The sandbox provider's idempotency: a key charged before answers with its first charge,
in autocommit (the booking path, no transaction around the charge) and inside a caller's
transaction (which must stay usable after the duplicate key)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from bookings.models import SandboxCharge
from bookings.payments.sandbox import SandboxProvider
from travelguru.money import Money

AMOUNT = Money.of(Decimal("100.00"), "EUR")


def _charge(key: str, amount: Money = AMOUNT):
    return SandboxProvider().charge(
        amount=amount, token="tok_visa", idempotency_key=key, description="test"
    )


@pytest.mark.django_db(transaction=True)
def test_a_key_charged_before_answers_with_its_first_charge_in_autocommit():
    first = _charge("key-1")
    again = _charge("key-1", Money.of(Decimal("5.00"), "EUR"))

    assert again.ref == first.ref
    assert again.amount == AMOUNT
    assert SandboxCharge.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_repeated_key_inside_a_transaction_leaves_the_transaction_usable():
    with transaction.atomic():
        first = _charge("key-2")
        again = _charge("key-2")
        SandboxCharge.objects.filter(pk__gt=0).count()  # would fail if the duplicate broke it
        other = _charge("key-3")

    assert again.ref == first.ref
    assert other.ref != first.ref
    assert SandboxCharge.objects.count() == 2
