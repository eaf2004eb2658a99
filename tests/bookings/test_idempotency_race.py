"""Invariant 3 under a race: one Idempotency-Key sent by several requests at the same
moment (a double-click, a Lambda retry while the first is still paying) charges once.

Real threads post real HTTP requests to a live server on MariaDB, released together by a
barrier, while the provider takes a while to answer (so they really overlap).
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
import requests

from bookings.models import Booking, IdempotencyRecord, Payment, SandboxCharge
from bookings.payments.sandbox import SandboxProvider
from search.apis.common import today_anywhere
from tests.factories.accounts import UserFactory, access_token_for
from tests.factories.catalog import RoomTypeFactory, room_nights
from tests.factories.offers import hotel_offer

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db(transaction=True)]

RACERS = 8


def test_one_key_sent_eight_times_at_once_charges_and_books_once(live_server, monkeypatch):
    # given a hold, and a provider whose charge lasts until every other racer is answered
    day = today_anywhere() + timedelta(days=30)
    room_type = RoomTypeFactory.create(hotel__currency="EUR", capacity=2)
    room_nights(room_type, day, 2, price=Decimal("150.00"), rooms_total=1)
    token = access_token_for(UserFactory.create())
    headers = {"Authorization": f"Bearer {token}"}
    hold = requests.post(
        f"{live_server.url}/api/holds",
        json={"items": [{"offer_id": hotel_offer(room_type, day, 2)}]},
        headers=headers, timeout=30,
    ).json()  # fmt: skip
    slow_charge = SandboxProvider.charge
    others_answered, answered, lock = threading.Event(), [], threading.Lock()

    def charge(self, **kwargs):  # type: ignore[no-untyped-def]
        others_answered.wait(timeout=30)
        return slow_charge(self, **kwargs)

    monkeypatch.setattr(SandboxProvider, "charge", charge)
    body = {"hold_id": hold["id"], "payment_token": "tok_visa",
            "travelers": [{"first_name": "Ada", "last_name": "Lovelace"}]}  # fmt: skip
    barrier = threading.Barrier(RACERS)

    def attempt(_: int) -> tuple[int, str, str]:
        barrier.wait()
        response = requests.post(
            f"{live_server.url}/api/bookings", json=body, timeout=30,
            headers={**headers, "Idempotency-Key": "double-click-1"},
        )  # fmt: skip
        data = response.json()
        with lock:
            answered.append(response.status_code)
            if len(answered) == RACERS - 1:
                others_answered.set()
        return (response.status_code, data.get("code") or data.get("reference"),
                response.headers.get("Idempotent-Replayed", ""))  # fmt: skip

    # when
    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        results = list(pool.map(attempt, range(RACERS)))

    # then: one request did the work; the others, all answered while it was charging, were
    # told it is in progress
    booking = Booking.objects.get()
    statuses = Counter((status, replayed) for status, _, replayed in results)
    assert statuses == {(201, ""): 1, (409, ""): RACERS - 1}
    assert {code for status, code, _ in results if status == 409} == {"idempotency-in-progress"}
    assert {code for status, code, _ in results if status == 201} == {booking.reference}
    charge = SandboxCharge.objects.get()
    assert (charge.amount, charge.currency, charge.succeeded) == (Decimal("300.00"), "EUR", True)
    assert Payment.objects.count() == 1
    assert IdempotencyRecord.objects.get().response_status == 201
