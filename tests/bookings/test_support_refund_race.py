"""Partial refunds under a race, on MariaDB with real threads: never more than was paid,
never the same request twice; the loser is told why."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import roles
from bookings.models import Payment, Refund, RefundStatus, SandboxCharge
from bookings.services.support import booking_refund_partial
from tests.factories.accounts import UserFactory
from tests.factories.offers import hotel_offer
from tests.factories.trips import trip_for
from travelguru.errors import DomainError
from travelguru.money import Money

RACERS = 8


@pytest.fixture
def paid(room_type, day, settings):
    """A 330 EUR stay, and an Admin (no refund limit) to refund it."""
    settings.SUPPORT_REFUND_LIMITS = {"EUR": "1000"}
    roles.roles_sync()
    staff = UserFactory.create(is_staff=True)
    staff.groups.add(Group.objects.get(name=roles.SUPPORT_AGENT))
    return trip_for(UserFactory.create(), hotel_offer(room_type, day, 3)), staff


def race(booking, staff, requests: list[tuple[str, str]]) -> Counter:
    """Each (amount, request key) asked by its own thread at the same moment."""
    barrier = threading.Barrier(len(requests))

    def attempt(request: tuple[str, str]) -> str:
        amount, key = request
        try:
            barrier.wait()
            booking_refund_partial(
                booking=booking, staff=staff, amount=Money.of(amount, "EUR"), reason="race",
                request_key=key, now=timezone.now(),
            )  # fmt: skip
            return "refunded"
        except DomainError as exc:
            return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return Counter(pool.map(attempt, requests))


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_the_same_refund_sent_at_once_is_made_once(paid):
    booking, staff = paid

    outcome = race(booking, staff, [("50.00", "one-form")] * RACERS)

    assert outcome == {"refunded": 1, "refund-already-requested": RACERS - 1}
    refund = Refund.objects.get()
    assert (refund.amount, refund.status) == (Decimal("50.00"), RefundStatus.SUCCEEDED)
    assert Payment.objects.get(booking=booking).refunded_amount == Decimal("50.00")
    assert SandboxCharge.objects.get().refunded_amount == Decimal("50.00")


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_parallel_refunds_never_give_back_more_than_was_paid(paid):
    booking, staff = paid  # 330 EUR paid: one 200 EUR refund fits, a second does not

    outcome = race(booking, staff, [("200.00", f"agent-{i}") for i in range(RACERS)])

    assert outcome == {"refunded": 1, "refund-above-remaining": RACERS - 1}
    assert Payment.objects.get(booking=booking).refunded_amount == Decimal("200.00")
    assert SandboxCharge.objects.get().refunded_amount == Decimal("200.00")
    assert Refund.objects.count() == 1


@pytest.mark.django_db
def test_the_booking_is_locked_before_the_amount_is_set_aside(paid):
    booking, staff = paid

    with CaptureQueriesContext(connection) as queries:
        booking_refund_partial(booking=booking, staff=staff, amount=Money.of("5.00", "EUR"),
                               reason="x", request_key="k", now=timezone.now())  # fmt: skip

    sql = [q["sql"] for q in queries.captured_queries]
    # SQLite has no FOR UPDATE (its transactions take the write lock at BEGIN).
    locking = "FOR UPDATE" if connection.vendor == "mysql" else "SELECT"
    lock = next(
        i
        for i, s in enumerate(sql)
        if locking in s
        and "FROM `bookings_booking`" in s
        or locking in s
        and 'FROM "bookings_booking"' in s
    )
    reserve = next(i for i, s in enumerate(sql) if s.startswith("INSERT INTO") and "refund" in s)
    provider = next(i for i, s in enumerate(sql) if "bookings_sandboxrefund" in s)
    assert lock < reserve < provider


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_one_item_cancelled_by_several_agents_at_once_is_cancelled_and_refunded_once(paid, day):
    from bookings.services.support import booking_item_cancel
    from catalog.models import RoomNight

    booking, staff = paid
    before = RoomNight.objects.get(date=day).rooms_available
    barrier = threading.Barrier(RACERS)

    def attempt(_: int) -> str:
        try:
            barrier.wait()
            booking_item_cancel(booking=booking, position=0, staff=staff, reason="race",
                                now=timezone.now())  # fmt: skip
            return "cancelled"
        except DomainError as exc:
            return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        outcome = Counter(pool.map(attempt, range(RACERS)))

    assert outcome["cancelled"] == 1, outcome
    assert set(outcome) <= {"cancelled", "refund-already-requested", "item-not-cancellable"}
    assert Refund.objects.get().amount == Decimal("330.00")
    assert SandboxCharge.objects.get().refunded_amount == Decimal("330.00")
    assert RoomNight.objects.get(date=day).rooms_available == before + 1  # given back once
