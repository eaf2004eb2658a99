"""POST /api/holds, GET/DELETE /api/holds/{id}: inventory set aside, all or nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import Hold, HoldStatus
from catalog.models import CarDay, FlightFare, RoomNight
from tests.factories.accounts import UserFactory
from tests.factories.offers import car_offer, flight_offer, hotel_offer
from tests.flows import assert_problem

pytestmark = pytest.mark.django_db


def rooms_left(room_type) -> list[int]:
    return list(
        RoomNight.objects.filter(room_type=room_type)
        .order_by("date")
        .values_list("rooms_available", flat=True)
    )


def hold(client, *offer_ids):
    return client.post("/api/holds", {"items": [{"offer_id": o} for o in offer_ids]}, format="json")


def test_a_hold_takes_the_rooms_of_every_night(client_of, traveler, room_type, day):
    offer = hotel_offer(room_type, day, 2, rooms=2)

    response = hold(client_of(traveler), offer)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "active"
    assert body["total"] == {"amount": "420.00", "currency": "EUR"}  # (100 + 110) × 2
    assert body["items"][0]["units"] == 2
    expires = timezone.datetime.fromisoformat(body["expires_at"])
    assert timedelta(minutes=14) < expires - timezone.now() <= timedelta(minutes=15)
    assert rooms_left(room_type) == [1, 1, 3]


@pytest.mark.parametrize("unpublished", ["room type", "hotel"])
def test_a_stay_taken_off_sale_after_the_search_is_gone_and_nothing_is_held(
    client_of, traveler, room_type, day, unpublished
):
    # given a stay found by a search, whose room type or hotel staff then unpublish
    offer = hotel_offer(room_type, day, 2)
    row = room_type if unpublished == "room type" else room_type.hotel
    row.is_published = False
    row.save(update_fields=["is_published"])

    response = hold(client_of(traveler), offer)

    assert_problem(response, 404, "offer-gone")
    assert rooms_left(room_type) == [3, 3, 3]
    assert not Hold.objects.filter(user=traveler).exists()


def test_a_trip_holds_flight_stay_and_car_with_a_total_per_currency(
    client_of, traveler, room_type, car, fare, day
):
    client = client_of(traveler)
    response = hold(
        client,
        flight_offer(fare, adults=2, infants=1),
        hotel_offer(room_type, day, 3),
        car_offer(car, day, 3),
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert [i["kind"] for i in body["items"]] == ["flight", "hotel", "car"]
    assert body["total"] is None
    assert body["totals"] == [
        {"amount": "450.00", "currency": "EUR"},  # 330 stay + 120 car
        {"amount": "945.00", "currency": "USD"},  # 2 × 450 + 10% infant
    ]
    # The answer is built from the rows just written: it is what reading them back gives.
    assert client.get(f"/api/holds/{body['id']}").json() == body
    fare.refresh_from_db()
    assert fare.seats_available == 2  # the infant sits on a lap
    assert set(CarDay.objects.filter(car=car).values_list("cars_available", flat=True)) == {1}


def test_a_trip_that_cannot_get_its_car_holds_nothing(client_of, traveler, room_type, car, day):
    CarDay.objects.filter(car=car, date=day + timedelta(days=1)).update(cars_available=0)

    response = hold(client_of(traveler), hotel_offer(room_type, day, 3), car_offer(car, day, 3))

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "sold-out"
    assert body["items"] == [{"position": 1, "available": 0}]
    assert rooms_left(room_type) == [3, 3, 3]  # the stay was not taken either
    assert not Hold.objects.exists()


def test_price_moved_since_the_search_is_a_409_with_the_new_price(
    client_of, traveler, room_type, day
):
    offer = hotel_offer(room_type, day, 2)
    RoomNight.objects.filter(room_type=room_type, date=day).update(price=Decimal("150.00"))
    client = client_of(traveler)

    response = hold(client, offer)

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "price-changed"
    [item] = body["items"]
    assert item["quoted_price"] == {"amount": "210.00", "currency": "EUR"}
    assert item["price"] == {"amount": "260.00", "currency": "EUR"}
    assert rooms_left(room_type) == [3, 3, 3]
    # The fresh offer id in the answer holds at the new price.
    again = hold(client, item["offer_id"])
    assert again.status_code == 201
    assert again.json()["total"] == {"amount": "260.00", "currency": "EUR"}


def test_a_price_moved_between_the_read_and_the_lock_is_a_409_with_the_new_price(
    client_of, traveler, room_type, day, monkeypatch
):
    # given: the first night's price moved after the rows were read, before they were locked
    from bookings.services import holds as holds_module

    offer = hotel_offer(room_type, day, 2)
    read = holds_module.offer_rows

    def read_then_reprice(**kwargs):
        rows = read(**kwargs)
        RoomNight.objects.filter(room_type=room_type, date=day).update(price=Decimal("150.00"))
        return rows

    monkeypatch.setattr(holds_module, "offer_rows", read_then_reprice)

    # when
    response = hold(client_of(traveler), offer)

    # then: the locked rows' price counts, not the one read before the lock
    assert_problem(response, 409, "price-changed")
    [item] = response.json()["items"]
    assert item["quoted_price"] == {"amount": "210.00", "currency": "EUR"}
    assert item["price"] == {"amount": "260.00", "currency": "EUR"}
    assert rooms_left(room_type) == [3, 3, 3]
    assert not Hold.objects.exists()


def test_a_price_moved_back_between_the_read_and_the_lock_holds_at_the_offers_price(
    client_of, traveler, room_type, day, monkeypatch
):
    # given: the rows were read at a new price, then set back before they were locked
    from bookings.services import holds as holds_module
    from search.selectors.offers import offer_rows as read

    offer = hotel_offer(room_type, day, 2)
    night = RoomNight.objects.filter(room_type=room_type, date=day)
    searched = night.get().price

    def read_repriced_then_set_back(**kwargs):
        night.update(price=Decimal("150.00"))
        rows = read(**kwargs)
        night.update(price=searched)
        return rows

    monkeypatch.setattr(holds_module, "offer_rows", read_repriced_then_set_back)

    # when
    response = hold(client_of(traveler), offer)

    # then: held at the price of the locked rows, the one searched, in the answer and rows
    assert response.status_code == 201, response.json()
    assert response.json()["total"] == {"amount": "210.00", "currency": "EUR"}
    [item] = Hold.objects.get().items.all()
    assert (item.price_amount, item.price_currency) == (Decimal("210.00"), "EUR")
    # and the cancellation terms it keeps are the locked rows' too (the first night kept
    # after the deadline is 100, not the 150 read before the lock)
    assert (item.terms or {}).get("first_night_price") == "100.00"
    assert rooms_left(room_type) == [2, 2, 3]


def test_two_offers_on_the_same_rows_need_the_units_of_both(client_of, room_type, day):
    # 3 rooms: one hold asking 2 + 2 of the same nights must fail as a whole.
    client = client_of(UserFactory.create())
    first = hotel_offer(room_type, day, 1, rooms=2)
    second = hotel_offer(room_type, day, 2, rooms=2)

    response = hold(client, first, second)

    assert_problem(response, 409, "sold-out")
    assert rooms_left(room_type) == [3, 3, 3]


def test_holds_are_private(client_of, traveler, room_type, day):
    created = hold(client_of(traveler), hotel_offer(room_type, day, 1)).json()
    stranger = client_of(UserFactory.create())

    assert stranger.get(f"/api/holds/{created['id']}").status_code == 404
    assert stranger.delete(f"/api/holds/{created['id']}").status_code == 404
    assert client_of(traveler).get(f"/api/holds/{created['id']}").json()["id"] == created["id"]
    assert rooms_left(room_type) == [2, 3, 3]


def test_releasing_gives_the_rooms_back_once(client_of, traveler, room_type, day):
    client = client_of(traveler)
    created = hold(client, hotel_offer(room_type, day, 3, rooms=3, guests=3)).json()

    assert client.delete(f"/api/holds/{created['id']}").status_code == 204
    assert client.delete(f"/api/holds/{created['id']}").status_code == 204
    assert rooms_left(room_type) == [3, 3, 3]
    assert client.get(f"/api/holds/{created['id']}").json()["status"] == "released"


def test_expired_holds_read_as_expired_and_give_inventory_back(client_of, traveler, room_type, day):
    client = client_of(traveler)
    created = hold(client, hotel_offer(room_type, day, 2)).json()
    Hold.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert client.get(f"/api/holds/{created['id']}").json()["status"] == "expired"
    assert rooms_left(room_type) == [2, 2, 3]  # not yet given back
    call_command("release_expired_holds")
    call_command("release_expired_holds")  # twice is harmless
    assert rooms_left(room_type) == [3, 3, 3]
    assert Hold.objects.get().status == HoldStatus.EXPIRED


def test_give_back_never_exceeds_the_total(client_of, traveler, room_type, day):
    client = client_of(traveler)
    created = hold(client, hotel_offer(room_type, day, 1)).json()
    # Staff closed a room meanwhile: the total went 3 -> 2 while 2 were still free.
    RoomNight.objects.filter(room_type=room_type, date=day).update(rooms_total=2)

    client.delete(f"/api/holds/{created['id']}")

    assert rooms_left(room_type) == [2, 3, 3]


def test_a_traveler_may_not_hoard_inventory(client_of, traveler, room_type, day, settings):
    settings.MAX_ACTIVE_HOLDS = 2
    client = client_of(traveler)
    for _ in range(2):
        assert hold(client, hotel_offer(room_type, day, 1)).status_code == 201

    response = hold(client, hotel_offer(room_type, day, 1))

    assert response.status_code == 409
    assert response.json()["code"] == "too-many-holds"
    assert rooms_left(room_type)[0] == 1


def test_sold_out_flight_cabin(client_of, traveler, fare):
    FlightFare.objects.filter(pk=fare.pk).update(seats_available=1)

    response = hold(client_of(traveler), flight_offer(fare, adults=2))

    assert response.status_code == 409
    assert response.json()["code"] == "sold-out"


def test_a_departed_flight_cannot_be_held(client_of, traveler, fare):
    offer = flight_offer(fare)
    type(fare.leg).objects.filter(pk=fare.leg_id).update(
        departure_at=timezone.now() - timedelta(hours=1),
        arrival_at=timezone.now() + timedelta(hours=1),
    )

    response = hold(client_of(traveler), offer)

    assert response.status_code == 409
    assert response.json()["code"] == "offer-started"


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"items": []}, 400, "validation-error"),
        ({}, 400, "validation-error"),
        ({"items": [{"offer_id": "forged"}]}, 400, "invalid-offer"),
        ({"items": [{"offer_id": "x" * 2001}]}, 400, "validation-error"),
        ({"items": "all of them"}, 400, "validation-error"),
        ({"items": [{"offer": "typo"}]}, 400, "validation-error"),
    ],
)
def test_bad_hold_requests(client_of, traveler, payload, status, code):
    response = client_of(traveler).post("/api/holds", payload, format="json")

    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code


def test_the_same_offer_twice_and_too_many_items(client_of, traveler, room_type, day):
    offer = hotel_offer(room_type, day, 1)
    client = client_of(traveler)

    assert_problem(hold(client, offer, offer), 400, "validation-error")
    many = [hotel_offer(room_type, day, 1, rooms=1, guests=g) for g in range(1, 7)]
    assert_problem(hold(client, *many), 400, "validation-error")
    assert rooms_left(room_type) == [3, 3, 3]
    assert not Hold.objects.exists()


def test_an_edited_offer_id_is_refused(client_of, traveler, room_type, day):
    offer = hotel_offer(room_type, day, 1)
    tampered = offer[:-3] + ("AAA" if not offer.endswith("AAA") else "BBB")

    response = hold(client_of(traveler), tampered)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid-offer"


def test_holding_needs_a_login(api_client, room_type, day):
    response = hold(api_client, hotel_offer(room_type, day, 1))

    assert_problem(response, 401, "not-authenticated")
    assert rooms_left(room_type) == [3, 3, 3]
    assert not Hold.objects.exists()


@pytest.mark.mariadb
def test_rows_are_locked_before_they_are_changed(client_of, traveler, room_type, car, day):
    with CaptureQueriesContext(connection) as ctx:
        response = hold(client_of(traveler), hotel_offer(room_type, day, 2), car_offer(car, day, 2))
    assert response.status_code == 201
    sql = [q["sql"] for q in ctx.captured_queries]
    locks = [i for i, q in enumerate(sql) if q.rstrip().endswith("FOR UPDATE")]
    updates = [i for i, q in enumerate(sql) if q.startswith("UPDATE")]
    # the traveler (their hold count), room nights, then car days: one evaluated lock each
    assert len(locks) == 3
    assert "accounts_user" in sql[locks[0]]
    assert "catalog_roomnight" in sql[locks[1]]
    assert "catalog_carday" in sql[locks[2]]
    assert max(locks) < min(updates)


def test_a_double_clicked_hold_with_one_key_holds_once(client_of, traveler, room_type, day):
    client = client_of(traveler)
    offer = hotel_offer(room_type, day, 2)

    def post(key: str, *offers: str):
        return client.post(
            "/api/holds", {"items": [{"offer_id": o} for o in offers]}, format="json",
            HTTP_IDEMPOTENCY_KEY=key,
        )  # fmt: skip

    first, again = post("click-1", offer), post("click-1", offer)
    other_body = post("click-1", hotel_offer(room_type, day, 1))

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert_problem(other_body, 422, "idempotency-key-reused")
    assert Hold.objects.count() == 1
    assert rooms_left(room_type) == [2, 2, 3]


def test_a_hold_key_is_not_replayed_as_a_booking(client_of, traveler, room_type, day):
    client = client_of(traveler)
    created = client.post(
        "/api/holds", {"items": [{"offer_id": hotel_offer(room_type, day, 1)}]}, format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    ).json()  # fmt: skip

    booking = client.post(
        "/api/bookings",
        {"hold_id": created["id"], "travelers": [{"first_name": "A", "last_name": "B"}],
         "payment_token": "tok_visa"},
        format="json", HTTP_IDEMPOTENCY_KEY="k",
    )  # fmt: skip

    assert_problem(booking, 422, "idempotency-key-reused")
    assert Hold.objects.get().status == HoldStatus.ACTIVE


def test_holds_without_a_key_are_each_their_own(client_of, traveler, room_type, day):
    client = client_of(traveler)
    offer = hotel_offer(room_type, day, 1)

    assert hold(client, offer).status_code == hold(client, offer).status_code == 201
    assert Hold.objects.count() == 2
    assert rooms_left(room_type) == [1, 3, 3]
    empty_key = client.post(
        "/api/holds", {"items": [{"offer_id": offer}]}, format="json", HTTP_IDEMPOTENCY_KEY=" "
    )
    assert_problem(empty_key, 400, "validation-error")


def test_an_expired_hold_frees_its_rooms_for_the_next_traveler_before_the_job_runs(
    client_of, room_type, day
):
    # given: the last room of the night is in a hold that has just expired; no job ran
    RoomNight.objects.filter(room_type=room_type).update(rooms_available=1)
    first = hold(client_of(UserFactory.create()), hotel_offer(room_type, day, 1)).json()
    Hold.objects.filter(pk=first["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))

    # when
    second = hold(client_of(UserFactory.create()), hotel_offer(room_type, day, 1))

    # then
    assert second.status_code == 201, second.json()
    assert Hold.objects.get(pk=first["id"]).status == HoldStatus.EXPIRED
    assert rooms_left(room_type) == [0, 1, 1]
    call_command("release_expired_holds")  # nothing is given back twice
    assert rooms_left(room_type) == [0, 1, 1]


def test_an_expired_hold_frees_its_rooms_even_when_the_rooms_ran_short_meanwhile(
    client_of, room_type, day, monkeypatch
):
    # given: the last room is in a hold that has just expired, and the unlocked read that
    # comes before the lock still saw a room free (it was taken between read and lock)
    from bookings.services import holds as holds_module

    RoomNight.objects.filter(room_type=room_type).update(rooms_available=1)
    first = hold(client_of(UserFactory.create()), hotel_offer(room_type, day, 1)).json()
    Hold.objects.filter(pk=first["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    read = holds_module.offer_rows

    def read_before_the_taking(**kwargs):
        rows = read(**kwargs)
        for row in rows.rows:
            row.rooms_available += 1
        return rows

    monkeypatch.setattr(holds_module, "offer_rows", read_before_the_taking)

    # when
    second = hold(client_of(UserFactory.create()), hotel_offer(room_type, day, 1))

    # then: the expired hold was ended under the lock's verdict and the room held again
    assert second.status_code == 201, second.json()
    assert Hold.objects.get(pk=first["id"]).status == HoldStatus.EXPIRED
    assert rooms_left(room_type) == [0, 1, 1]


def test_rooms_short_with_no_expired_hold_on_them_are_sold_out(client_of, room_type, day):
    RoomNight.objects.filter(room_type=room_type).update(rooms_available=1)
    first = hold(client_of(UserFactory.create()), hotel_offer(room_type, day, 1))
    assert first.status_code == 201

    second = hold(client_of(UserFactory.create()), hotel_offer(room_type, day, 1))

    assert second.status_code == 409
    assert second.json()["code"] == "sold-out"
    assert Hold.objects.count() == 1
    assert rooms_left(room_type) == [0, 1, 1]


def test_the_hold_lifetime_is_configurable(client_of, traveler, room_type, day, settings):
    settings.HOLD_TTL_SECONDS = 120

    body = hold(client_of(traveler), hotel_offer(room_type, day, 1)).json()

    expires = timezone.datetime.fromisoformat(body["expires_at"])
    created = timezone.datetime.fromisoformat(body["created_at"])
    assert expires - created == timedelta(minutes=2)


def test_the_expiry_job_clears_a_backlog_larger_than_its_batch(room_type, day):
    from bookings.services.holds import hold_create, hold_expire_due
    from search.offers import offer_decode

    now = timezone.now()
    for night in (0, 0, 0, 1, 1):
        offer = offer_decode(hotel_offer(room_type, day + timedelta(days=night), 1))
        hold_create(user=UserFactory.create(), offers=[offer], now=now)
    assert rooms_left(room_type) == [0, 1, 3]

    ended = hold_expire_due(now=now + timedelta(hours=1), batch=2)

    assert ended == Hold.objects.filter(status=HoldStatus.EXPIRED).count() == 5
    assert rooms_left(room_type) == [3, 3, 3]
    assert hold_expire_due(now=now + timedelta(hours=1), batch=2) == 0
