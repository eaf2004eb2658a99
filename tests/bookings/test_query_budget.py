"""The booking path's statements: what A (raw SQL) does, plus the reads the rules need.

Each request is a Lambda invocation's worth of round trips; a re-read of rows the request
has just written, or a per-item query, would come back unnoticed without these budgets.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories.offers import car_offer, flight_offer, hotel_offer

pytestmark = pytest.mark.django_db

ADULT = {"first_name": "Ada", "last_name": "Lovelace", "type": "adult"}
DRIVER = {**ADULT, "birth_date": "1990-05-01", "is_driver": True}


def _without_counts(sql: str) -> str:
    """`sql` less its count subqueries, `(SELECT COUNT(...) ...)`: a count reads no row."""
    while (start := sql.find("(SELECT COUNT(")) >= 0:
        depth, end = 0, start
        while True:
            depth += {"(": 1, ")": -1}.get(sql[end], 0)
            end += 1
            if depth == 0:
                break
        sql = sql[:start] + sql[end:]
    return sql


def _selects_of(queries, *tables: str) -> list[str]:
    """SELECTs of rows (not counts) from any of `tables` (SQLite quotes "x", MariaDB `x`)."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT")
        and not q["sql"].startswith("SELECT COUNT(")
        and any(
            f'FROM "{t}"' in _without_counts(q["sql"]) or f"FROM `{t}`" in _without_counts(q["sql"])
            for t in tables
        )
    ]


def _post_hold_and_booking(client, offer_ids, travelers):
    with CaptureQueriesContext(connection) as hold_queries:
        held = client.post(
            "/api/holds", {"items": [{"offer_id": o} for o in offer_ids]}, format="json"
        )
    assert held.status_code == 201, held.json()
    with CaptureQueriesContext(connection) as booking_queries:
        booked = client.post(
            "/api/bookings",
            {"hold_id": held.json()["id"], "travelers": travelers, "payment_token": "tok_visa"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
    assert booked.status_code == 201, booked.json()
    return hold_queries, booking_queries


def test_a_stay_is_held_and_booked_within_its_query_budget(client_of, traveler, room_type, day):
    client = client_of(traveler)
    offer = hotel_offer(room_type, day, 2)

    hold_queries, booking_queries = _post_hold_and_booking(client, [offer], [ADULT])

    # hold: rows read with what the quote needs of the room type, the traveler's row lock
    # with the active-hold count in it (under the lock, so parallel holds cannot all see
    # room for one more), lock, update, 3 inserts (+ savepoint pair)
    assert len(hold_queries) <= 9, [q["sql"] for q in hold_queries.captured_queries]
    # booking: idempotency claim and answer, the hold's items (the policy's terms and the
    # analytics event's place with them: no catalog read), the hold's claim for payment,
    # payment, charge, lock, 3 inserts, the payment's result with its booking, the message
    # (+ savepoint pairs and the analytics event)
    assert len(booking_queries) <= 18, [q["sql"] for q in booking_queries.captured_queries]


def test_answers_are_built_from_the_rows_just_written_not_read_again(
    client_of, traveler, room_type, car, fare, day
):
    client = client_of(traveler)
    offers = [flight_offer(fare), hotel_offer(room_type, day, 1), car_offer(car, day, 1)]

    hold_queries, booking_queries = _post_hold_and_booking(client, offers, [DRIVER])

    assert _selects_of(hold_queries, "bookings_hold", "bookings_holditem") == []
    assert (
        _selects_of(
            booking_queries,
            "bookings_booking",
            "bookings_bookingitem",
            "bookings_traveler",
            "bookings_payment",
            "bookings_sandboxcharge",
        )
        == []
    )
    # one read of the hold with its items, whatever the number of items
    assert len(_selects_of(booking_queries, "bookings_holditem")) == 1


def test_a_new_booking_carries_its_rows_and_still_answers_queries_on_them(
    traveler, room_type, day, django_assert_num_queries
):
    from django.utils import timezone

    from bookings.services.bookings import TravelerIn, booking_create
    from bookings.services.holds import hold_create
    from search.offers import offer_decode

    now = timezone.now()
    hold = hold_create(
        user=traveler, offers=[offer_decode(hotel_offer(room_type, day, 2))], now=now
    )
    adult = TravelerIn(type="adult", first_name="Ada", last_name="Lovelace")
    booking = booking_create(
        user=traveler, hold_id=hold.pk, travelers=[adult], payment_token="tok_visa", now=now
    )

    with django_assert_num_queries(0):
        assert [t.last_name for t in booking.travelers.all()] == ["Lovelace"]
        assert [p.booking_id for p in booking.payments.all()] == [booking.pk]
        assert booking.totals()[0].amount == hold.totals()[0].amount
    with django_assert_num_queries(1):  # a new query on the relation goes to the database
        assert [i.position for i in booking.items.order_by("-position")] == [0]


@pytest.mark.django_db(transaction=True)
def test_a_one_currency_booking_opens_no_transaction_for_its_payment_or_charge(
    traveler, room_type, day
):
    """In autocommit, as in production: the one Payment row and the sandbox charge are
    single INSERTs; a transaction around each (as bulk_create and a bare atomic() make)
    costs SET autocommit, COMMIT and SET autocommit again for nothing."""
    from django.utils import timezone

    from bookings.services.bookings import TravelerIn, booking_create
    from bookings.services.holds import hold_create
    from search.offers import offer_decode

    offer = offer_decode(hotel_offer(room_type, day, 1))
    hold = hold_create(user=traveler, offers=[offer], now=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        booking_create(
            user=traveler, hold_id=hold.pk, now=timezone.now(), payment_token="tok_visa",  # noqa: S106
            travelers=[TravelerIn(type="adult", first_name="Ada", last_name="Lovelace")],
        )  # fmt: skip

    sql = [q["sql"] for q in queries.captured_queries]
    for table in ("bookings_payment", "bookings_sandboxcharge"):
        at = next(i for i, s in enumerate(sql) if s.startswith("INSERT") and table in s)
        assert not sql[at - 1].startswith(("BEGIN", "SAVEPOINT")), sql[at - 2 : at + 2]
        assert not sql[at + 1].startswith(("COMMIT", "RELEASE")), sql[at - 2 : at + 2]
