"""Every service that changes inventory locks first (an evaluated SELECT … FOR UPDATE), in
one fixed order (hold or booking row, then fares, room nights, car days), and only then
updates. On MariaDB, where FOR UPDATE is real SQL (SQLite has no row locks to show)."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import Hold
from bookings.services.holds import hold_expire_due
from tests.factories.offers import car_offer, flight_offer, hotel_offer

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db]

DRIVER = {
    "first_name": "Ada", "last_name": "Lovelace", "type": "adult",
    "birth_date": "1990-05-01", "is_driver": True,
}  # fmt: skip


def statements(ctx: CaptureQueriesContext) -> list[tuple[str, str]]:
    """(kind, table) per query: kind is 'lock', 'update' or 'other'."""
    out = []
    for query in ctx.captured_queries:
        sql = query["sql"].strip()
        table = re.search(r"`(\w+)`", sql)
        name = table.group(1) if table else ""
        if sql.endswith("FOR UPDATE"):
            out.append(("lock", name))
        elif sql.startswith("UPDATE"):
            out.append(("update", name))
        else:
            out.append(("other", name))
    return out


def first(seen: list[tuple[str, str]], kind: str, table: str) -> int:
    return next(i for i, s in enumerate(seen) if s == (kind, table))


def locks(seen: list[tuple[str, str]]) -> list[str]:
    """Our locks; the sandbox provider's own ledger locks are the provider's business."""
    return [t for kind, t in seen if kind == "lock" and not t.startswith("bookings_sandbox")]


INVENTORY = ["catalog_flightfare", "catalog_roomnight", "catalog_carday"]


def trip(client, room_type, car, fare, day) -> str:
    response = client.post(
        "/api/holds",
        {"items": [{"offer_id": o} for o in (
            car_offer(car, day, 2), hotel_offer(room_type, day, 2), flight_offer(fare)
        )]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def test_a_hold_locks_fares_nights_and_car_days_in_that_order_before_any_update(
    client_of, traveler, room_type, car, fare, day
):
    with CaptureQueriesContext(connection) as ctx:
        trip(client_of(traveler), room_type, car, fare, day)

    seen = statements(ctx)
    # The traveler's row first (their active holds are counted under it), then one
    # evaluated lock query per inventory table, in the fixed order.
    assert locks(seen) == ["accounts_user", *INVENTORY]
    user_lock = first(seen, "lock", "accounts_user")
    assert user_lock < first(seen, "other", "bookings_hold")  # the count, under the lock
    assert user_lock < first(seen, "lock", "catalog_flightfare")
    assert max(first(seen, "lock", t) for t in INVENTORY) < min(
        first(seen, "update", t) for t in INVENTORY
    )


def test_a_hold_writes_its_rows_before_locking_inventory_and_then_only_takes_and_links(
    client_of, traveler, room_type, car, fare, day
):
    with CaptureQueriesContext(connection) as ctx:
        trip(client_of(traveler), room_type, car, fare, day)

    sql = [q["sql"].strip() for q in ctx.captured_queries]
    seen = statements(ctx)
    first_lock = min(first(seen, "lock", t) for t in INVENTORY)
    # the hold and its items are written under the traveler's lock, before the inventory's
    assert first(seen, "lock", "accounts_user") < first(seen, "other", "bookings_holditem")
    assert first(seen, "other", "bookings_holditem") < first_lock
    # from the first inventory lock to the end of the transaction (a savepoint's release
    # inside the test's own transaction): the locks, the takes, the units
    end = next(i for i in range(first_lock, len(sql)) if sql[i].startswith(("COMMIT", "RELEASE")))
    locked_span = seen[first_lock:end]
    assert {name for _, name in locked_span} == {*INVENTORY, "bookings_holdunit"}


def test_releasing_locks_the_hold_then_the_inventory_then_updates(
    client_of, traveler, room_type, car, fare, day
):
    client = client_of(traveler)
    hold_id = trip(client, room_type, car, fare, day)

    with CaptureQueriesContext(connection) as ctx:
        assert client.delete(f"/api/holds/{hold_id}").status_code == 204

    seen = statements(ctx)
    assert locks(seen) == ["bookings_hold", *INVENTORY]
    last_lock = first(seen, "lock", "catalog_carday")
    assert last_lock < min(first(seen, "update", t) for t in [*INVENTORY, "bookings_hold"])


def test_the_expiry_job_locks_before_it_gives_back(client_of, traveler, room_type, car, fare, day):
    trip(client_of(traveler), room_type, car, fare, day)
    later = timezone.now() + timedelta(hours=1)

    with CaptureQueriesContext(connection) as ctx:
        assert hold_expire_due(now=later) == 1

    seen = statements(ctx)
    assert locks(seen) == ["bookings_hold", *INVENTORY]
    last_lock = first(seen, "lock", "catalog_carday")
    assert last_lock < min(first(seen, "update", t) for t in [*INVENTORY, "bookings_hold"])


def test_a_booking_claims_the_hold_before_charging_and_locks_it_by_marking_it_booked(
    client_of, traveler, room_type, day
):
    client = client_of(traveler)
    hold_id = client.post(
        "/api/holds", {"items": [{"offer_id": hotel_offer(room_type, day, 1)}]}, format="json"
    ).json()["id"]
    adult = {"first_name": "Ada", "last_name": "Lovelace"}

    with CaptureQueriesContext(connection) as ctx:
        response = client.post(
            "/api/bookings",
            {"hold_id": hold_id, "travelers": [adult], "payment_token": "tok_visa"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )

    assert response.status_code == 201, response.json()
    seen = statements(ctx)
    hold_updates = [
        q["sql"] for q in ctx.captured_queries if q["sql"].startswith("UPDATE `bookings_hold`")
    ]
    # First the claim for payment (active -> paying, committed alone), then the hold's
    # row lock, taken by the UPDATE that books it only if still so claimed (no separate
    # locked read), before anything else is written under it.
    claim, booked = hold_updates
    assert "`bookings_hold`.`status` = 'active'" in claim, claim
    assert "`bookings_hold`.`status` = 'paying'" in booked, booked
    claimed = first(seen, "update", "bookings_hold")
    hold_lock = max(i for i, s in enumerate(seen) if s == ("update", "bookings_hold"))
    assert claimed < first(seen, "other", "bookings_payment") < hold_lock
    assert hold_lock < first(seen, "other", "bookings_booking")
    # the charge's result is recorded with the booking, under the lock
    payment_updates = [i for i, s in enumerate(seen) if s == ("update", "bookings_payment")]
    assert hold_lock < min(payment_updates)
    # The provider was called after the claim and before the hold lock: one attempt gets
    # to the provider, and payments never run under a lock.
    charge = first(seen, "other", "bookings_sandboxcharge")
    assert claimed < charge < hold_lock


def test_cancelling_locks_the_booking_then_the_inventory_then_updates(
    client_of, traveler, room_type, car, fare, day
):
    client = client_of(traveler)
    hold_id = trip(client, room_type, car, fare, day)
    reference = client.post(
        "/api/bookings",
        {"hold_id": hold_id, "travelers": [DRIVER], "payment_token": "tok_visa"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    ).json()["reference"]

    with CaptureQueriesContext(connection) as ctx:
        assert client.post(f"/api/bookings/{reference}/cancel").status_code == 200

    seen = statements(ctx)
    # The booking is locked twice: to record when cancelling was asked (committed), then,
    # after the provider refunded outside any lock of ours, to give back and record.
    assert locks(seen) == ["bookings_booking", "bookings_booking", *INVENTORY]
    second_lock = [i for i, s in enumerate(seen) if s == ("lock", "bookings_booking")][1]
    assert first(seen, "lock", "bookings_sandboxcharge") < second_lock
    last_lock = first(seen, "lock", "catalog_carday")
    assert second_lock < last_lock < min(first(seen, "update", t) for t in INVENTORY)
    status_update = max(i for i, s in enumerate(seen) if s == ("update", "bookings_booking"))
    assert last_lock < status_update
    assert Hold.objects.get().status == "booked"
