"""travelguru.db: one statement that may fail on purpose, outside and inside a transaction.

Real commits (transaction=True): in autocommit, where requests run, the insert-first
callers take no transaction of their own, and a duplicate leaves the connection usable.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import IdempotencyRecord, SandboxCharge
from bookings.payments.sandbox import SandboxProvider
from bookings.services.idempotency import idempotent_call
from tests.factories.accounts import UserFactory
from travelguru.db import atomic_if_nested
from travelguru.money import Money

pytestmark = pytest.mark.django_db(transaction=True)


def _transaction_statements(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"] in ("BEGIN", "COMMIT")]


def test_in_autocommit_a_duplicate_fails_alone_and_no_transaction_is_opened():
    user = UserFactory.create()
    now = timezone.now()
    IdempotencyRecord.objects.create(user=user, key="k", request_hash="h", created_at=now)

    with (
        CaptureQueriesContext(connection) as queries,
        pytest.raises(IntegrityError),
        atomic_if_nested(),
    ):
        IdempotencyRecord.objects.create(user=user, key="k", request_hash="h", created_at=now)

    assert _transaction_statements(queries) == []
    assert IdempotencyRecord.objects.count() == 1  # the connection is still usable


def test_inside_a_transaction_a_duplicate_rolls_back_to_its_savepoint_only():
    user = UserFactory.create()
    now = timezone.now()
    with transaction.atomic():
        IdempotencyRecord.objects.create(user=user, key="a", request_hash="h", created_at=now)
        with pytest.raises(IntegrityError), atomic_if_nested():
            IdempotencyRecord.objects.create(user=user, key="a", request_hash="h", created_at=now)
        IdempotencyRecord.objects.create(user=user, key="b", request_hash="h", created_at=now)

    assert sorted(IdempotencyRecord.objects.values_list("key", flat=True)) == ["a", "b"]


def test_the_same_charge_key_twice_in_autocommit_is_the_first_charge():
    provider = SandboxProvider()
    charge = lambda: provider.charge(  # noqa: E731
        amount=Money.of("10.00", "EUR"), token="tok_visa", idempotency_key="pay-1",
        description="trip",
    )  # fmt: skip

    first, second = charge(), charge()

    assert first.ref == second.ref
    assert SandboxCharge.objects.count() == 1


def test_the_same_idempotency_key_twice_in_autocommit_replays_the_first_answer():
    user = UserFactory.create()
    runs = []

    def run() -> tuple[int, dict]:
        runs.append(1)
        return 201, {"n": len(runs)}

    call = lambda: idempotent_call(  # noqa: E731
        user=user, key="k-1", data={"a": 1}, now=timezone.now(), run=run
    )

    assert call() == (201, {"n": 1}, False)
    assert call() == (201, {"n": 1}, True)
    assert runs == [1]
