"""One booking, one charge: parallel attempts to pay for one hold reach the provider once.

Each racer is a traveler's app (its own Idempotency-Key) posting the same hold at the same
moment, on MariaDB with real threads (one thread, one database connection per request),
released together by a barrier. A counting provider (the sandbox, counted and made a little
slow so the racers really overlap) says how many charges were asked for.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from rest_framework.test import APIClient

from bookings.models import Booking, Hold, HoldStatus, Payment, PaymentStatus, SandboxCharge
from bookings.payments.sandbox import SandboxProvider
from catalog.models import RoomNight
from search.apis.common import today_anywhere
from tests.factories.accounts import UserFactory
from tests.factories.catalog import RoomTypeFactory, room_nights
from tests.factories.offers import hotel_offer

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db(transaction=True)]

ROUNDS = 3


@pytest.fixture
def counted_charges(monkeypatch):  # type: ignore[no-untyped-def]
    """Every provider.charge call, by idempotency key (the sandbox's ledger is the truth).

    A charge stays at the provider until `others_answered` is set (by `_race`, once every
    other racer has its answer), so the racers always overlap with it.
    """
    calls = SimpleNamespace(keys=[], others_answered=threading.Event())
    lock = threading.Lock()
    charge = SandboxProvider.charge

    def counting_charge(self, **kwargs):  # type: ignore[no-untyped-def]
        with lock:
            calls.keys.append(kwargs["idempotency_key"])
        calls.others_answered.wait(timeout=30)
        return charge(self, **kwargs)

    monkeypatch.setattr(SandboxProvider, "charge", counting_charge)
    return calls


def _hold_for(user, day) -> str:  # type: ignore[no-untyped-def]
    room_type = RoomTypeFactory.create(hotel__currency="EUR", capacity=2)
    room_nights(room_type, day, 2, price=Decimal("150.00"), rooms_total=2)
    client = APIClient()
    client.force_authenticate(user)
    held = client.post(
        "/api/holds", {"items": [{"offer_id": hotel_offer(room_type, day, 2)}]}, format="json"
    )
    assert held.status_code == 201, held.json()
    return held.json()["id"]


def _race(user, hold_id: str, racers: int, others_answered: threading.Event) -> Counter:  # type: ignore[no-untyped-def]
    """`racers` booking attempts for one hold at once, each with its own key; once all but
    one have their answers, `others_answered` lets the charge under way finish."""
    barrier = threading.Barrier(racers)
    answered: list[int] = []
    lock = threading.Lock()
    body = {
        "hold_id": hold_id,
        "payment_token": "tok_visa",
        "travelers": [{"first_name": "Ada", "last_name": "Lovelace"}],
    }

    def attempt(_: int) -> tuple[int, str]:
        client = APIClient()
        client.force_authenticate(user)
        try:
            barrier.wait()
            response = client.post(
                "/api/bookings", body, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
            )
            data = response.json()
            return response.status_code, data.get("code", "")
        finally:
            connection.close()
            with lock:
                answered.append(1)
                if len(answered) == racers - 1:
                    others_answered.set()

    with ThreadPoolExecutor(max_workers=racers) as pool:
        return Counter(pool.map(attempt, range(racers)))


@pytest.mark.parametrize("racers", [20, 50])
def test_parallel_attempts_to_pay_one_hold_charge_the_card_once(counted_charges, racers):
    day = today_anywhere() + timedelta(days=30)
    for _ in range(ROUNDS):
        # given a fresh hold (a traveler at a time, so the hold limit never interferes)
        user = UserFactory.create()
        hold_id = _hold_for(user, day)
        counted_charges.keys.clear()
        counted_charges.others_answered.clear()

        # when
        outcome = _race(user, hold_id, racers, counted_charges.others_answered)

        # then: one booking, one charge, and every other attempt, all answered while that
        # charge was under way, told the hold is being paid
        assert outcome == {(201, ""): 1, (409, "hold-being-paid"): racers - 1}, outcome
        assert len(counted_charges.keys) == 1, (len(counted_charges.keys), outcome)
        booking = Booking.objects.get(hold_id=hold_id)
        assert SandboxCharge.objects.filter(idempotency_key__in=counted_charges.keys).count() == 1
        payment = Payment.objects.get(hold_id=hold_id)
        assert (payment.status, payment.booking_id) == (PaymentStatus.SUCCEEDED, booking.pk)
        assert Hold.objects.get(pk=hold_id).status == HoldStatus.BOOKED
    # nothing was refunded because nothing was charged twice
    assert not SandboxCharge.objects.filter(refunded_amount__gt=0).exists()
    assert set(RoomNight.objects.values_list("rooms_available", flat=True)) == {1}
