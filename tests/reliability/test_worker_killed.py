"""Issue 9.6: a worker killed (SIGKILL) during the payment call loses nothing.

gunicorn (1 worker) on MariaDB with a provider that hangs inside `charge`; we kill the
worker while the booking request is in there. Afterwards: no booking, the hold still holds
its rooms until it expires, reconcile_payments settles the charge (refunds it, or marks the
payment failed if it never happened), and available + held + booked = capacity throughout.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from bookings.models import (
    Booking,
    Hold,
    HoldStatus,
    HoldUnit,
    Payment,
    PaymentStatus,
    SandboxCharge,
)
from bookings.services.holds import hold_expire_due
from bookings.services.reconcile import payments_reconcile
from catalog.models import RoomNight
from tests.factories.accounts import access_token_for
from tests.factories.offers import hotel_offer
from tests.reliability.live import database_url, gunicorn

pytestmark = [pytest.mark.mariadb, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def rooms_accounted_for() -> list[tuple[int, int, int]]:
    """(available, held by active holds or ones being paid, total) per night: the first two
    must add up."""
    rows = []
    for night in RoomNight.objects.order_by("date"):
        held = sum(
            u.units
            for u in HoldUnit.objects.filter(
                room_night=night, item__hold__status__in=[HoldStatus.ACTIVE, HoldStatus.PAYING]
            )
        )
        rows.append((night.rooms_available, held, night.rooms_total))
    return rows


def wait_until(predicate, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("provider", "charged"),
    [("ChargesThenHangs", True), ("HangsBeforeCharging", False)],
)
def test_killing_the_worker_during_the_payment_call_loses_nothing(
    tmp_path, traveler, room_type, day, provider, charged
):
    auth = {"Authorization": f"Bearer {access_token_for(traveler)}"}
    with gunicorn(
        database_url=database_url(),
        tmp_path=tmp_path,
        PAYMENT_PROVIDER=f"tests.reliability.providers.{provider}",
    ) as server:
        hold = requests.post(
            f"{server.url}/api/holds",
            json={"items": [{"offer_id": hotel_offer(room_type, day, 2)}]},
            headers=auth,
            timeout=10,
        ).json()
        assert rooms_accounted_for() == [(2, 1, 3), (2, 1, 3), (3, 0, 3)]
        answer: dict[str, object] = {}

        def book() -> None:
            try:
                answer["response"] = requests.post(
                    f"{server.url}/api/bookings",
                    json={
                        "hold_id": hold["id"], "payment_token": "tok_visa",
                        "travelers": [{"first_name": "Ada", "last_name": "Lovelace"}],
                    },
                    headers={**auth, "Idempotency-Key": str(uuid.uuid4())},
                    timeout=60,
                )  # fmt: skip
            except requests.RequestException as exc:
                answer["error"] = exc

        (worker,) = server.wait_for_workers(1)
        booking = threading.Thread(target=book)
        booking.start()
        # The worker is inside provider.charge once its Payment row exists (and, for the
        # provider that charges first, once the ledger has the charge).
        wait_until(
            lambda: Payment.objects.exists() and (SandboxCharge.objects.exists() or not charged)
        )
        time.sleep(0.2)

        # when
        os.kill(worker, signal.SIGKILL)
        booking.join(timeout=30)

        # then: the traveler got no answer, and nothing was booked
        assert "response" not in answer, answer
        assert isinstance(answer["error"], requests.ConnectionError)
        assert not Booking.objects.exists()
        assert Payment.objects.get().status == PaymentStatus.PENDING
        # claimed for that payment: nobody else can pay for it, nor take its rooms
        assert Hold.objects.get().status == HoldStatus.PAYING
        assert rooms_accounted_for() == [(2, 1, 3), (2, 1, 3), (3, 0, 3)]
        # gunicorn replaced the worker and serves again
        wait_until(lambda: server.workers() and server.workers() != [worker])
        assert requests.get(f"{server.url}/healthz", timeout=10).status_code == 200

    # when: the scheduled jobs run after the grace period and the hold's end
    later = timezone.now() + timedelta(minutes=20)
    report = payments_reconcile(now=later)
    expired = hold_expire_due(now=later)

    # then: the abandoned claim was ended (the hold expired, its rooms back), the money is
    # back (or was never taken)
    payment = Payment.objects.get()
    assert report.ended_claims == [str(Hold.objects.get().pk)]
    assert report.settled_unknown == [payment.pk]
    assert report.still_unknown == []
    if charged:
        assert payment.status == PaymentStatus.REFUNDED
        assert payment.refunded_amount == payment.amount
        charge = SandboxCharge.objects.get()
        assert (charge.succeeded, charge.refunded_amount) == (True, charge.amount)
    else:
        assert payment.status == PaymentStatus.FAILED
        assert not SandboxCharge.objects.exists()
    assert expired == 0  # reconcile_payments ended it already
    assert Hold.objects.get().status == HoldStatus.EXPIRED
    assert rooms_accounted_for() == [(3, 0, 3), (3, 0, 3), (3, 0, 3)]
    assert not Booking.objects.exists()
    # a second run changes nothing
    assert payments_reconcile(now=later).settled_unknown == []
