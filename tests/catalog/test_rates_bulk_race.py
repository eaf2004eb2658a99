"""On MariaDB: a hold taken while a bulk change runs is never lost or oversold.

Each side holds its row locks in turn (real threads, real connections): whichever locks
first, the other re-reads the rows after it and sees what it did.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connections
from django.utils import timezone

from bookings.errors import SoldOut
from bookings.models import Hold
from bookings.services import holds
from catalog import services
from catalog.models import RoomNight
from catalog.selectors import Scope
from catalog.services import BulkChange, rates_bulk_apply
from search.apis.common import today_anywhere
from search.offers import offer_decode
from tests.factories.accounts import UserFactory
from tests.factories.catalog import RoomTypeFactory, room_nights
from tests.factories.offers import hotel_offer

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup():
    day = today_anywhere() + timedelta(days=20)
    room_type = RoomTypeFactory.create(hotel__currency="EUR")
    [night] = room_nights(room_type, day, 1, price=Decimal("100.00"), rooms_total=5)
    RoomNight.objects.filter(pk=night.pk).update(rooms_available=3)  # 2 sold
    change = BulkChange(start=day, end=day, weekdays=frozenset(range(1, 8)), allotment=2)
    return {
        "night": night,
        "scope": Scope("hotel", hotel=room_type.hotel),
        "change": change,
        "offer": offer_decode(hotel_offer(room_type, day, 1)),
        "staff": UserFactory.create(is_staff=True),
        "traveler": UserFactory(),
    }


def _paused(original, locked: threading.Event, release: threading.Event):
    def wrapper(*args, **kwargs):
        result = original(*args, **kwargs)
        locked.set()
        release.wait(timeout=10)
        return result

    return wrapper


def _run(target, outcome: dict, key: str) -> threading.Thread:
    def body() -> None:
        try:
            outcome[key] = target()
        except Exception as exc:  # noqa: BLE001 - the test asserts which one
            outcome[key] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=body)
    thread.start()
    return thread


def test_a_hold_waiting_on_a_bulk_change_sees_the_new_allotment(setup, monkeypatch):
    # given: the bulk change has locked the night (allotment 2 = the 2 sold)
    locked, release = threading.Event(), threading.Event()
    monkeypatch.setattr(services, "_rows_lock", _paused(services._rows_lock, locked, release))
    outcome: dict = {}
    apply = _run(
        lambda: rates_bulk_apply(
            scope=setup["scope"], change=setup["change"], actor=setup["staff"], now=timezone.now()
        ),
        outcome, "bulk",
    )  # fmt: skip
    assert locked.wait(timeout=10)

    # when: a traveler holds the room meanwhile
    take = _run(
        lambda: holds.hold_create(
            user=setup["traveler"], offers=[setup["offer"]], now=timezone.now()
        ),
        outcome, "hold",
    )  # fmt: skip
    time.sleep(0.5)  # the hold is now waiting for the night's lock
    release.set()
    apply.join(timeout=20)
    take.join(timeout=20)

    # then: the change went through, and the hold found nothing left
    assert len(outcome["bulk"].changed) == 1
    assert isinstance(outcome["hold"], SoldOut)
    night = RoomNight.objects.get(pk=setup["night"].pk)
    assert (night.rooms_total, night.rooms_available) == (2, 0)
    assert not Hold.objects.exists()


def test_a_bulk_change_waiting_on_a_hold_counts_the_held_room(setup, monkeypatch):
    # given: a hold has locked the night and is taking one room
    locked, release = threading.Event(), threading.Event()
    original = holds.inventory_take  # type: ignore[attr-defined]
    monkeypatch.setattr(holds, "inventory_take", _paused(original, locked, release))
    outcome: dict = {}
    take = _run(
        lambda: holds.hold_create(
            user=setup["traveler"], offers=[setup["offer"]], now=timezone.now()
        ),
        outcome, "hold",
    )  # fmt: skip
    assert locked.wait(timeout=10)

    # when: the bulk change sets the allotment to 2 meanwhile
    apply = _run(
        lambda: rates_bulk_apply(
            scope=setup["scope"], change=setup["change"], actor=setup["staff"], now=timezone.now()
        ),
        outcome, "bulk",
    )  # fmt: skip
    time.sleep(0.5)
    release.set()
    take.join(timeout=20)
    apply.join(timeout=20)

    # then: 3 are now sold or held, so the allotment of 2 is refused and nothing is lost
    assert isinstance(outcome["hold"], Hold)
    assert outcome["bulk"].changed == []
    assert [r.refused for r in outcome["bulk"].refused] == ["allotment 2 is below 3 sold or held"]
    night = RoomNight.objects.get(pk=setup["night"].pk)
    assert (night.rooms_total, night.rooms_available) == (5, 2)
