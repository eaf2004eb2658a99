"""Invariant 1 on MariaDB: racing travelers never get more than there is.

Real threads send real HTTP requests to a live server (one thread and one database
connection per request), all released at once by a barrier.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
import requests

from bookings.models import Hold, HoldStatus
from catalog.models import CarDay, FlightFare, RoomNight
from search.apis.common import today_anywhere
from tests.factories.accounts import UserFactory, access_token_for
from tests.factories.catalog import (
    FlightFareFactory,
    RentalCarFactory,
    RoomTypeFactory,
    car_days,
    room_nights,
)
from tests.factories.offers import car_offer, flight_offer, hotel_offer

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db(transaction=True)]

RACERS = 50


def race(live_server, offers_per_racer: list[list[str]]) -> Counter:
    """Every racer (own account) posts its hold at the same moment; counts the statuses."""
    tokens = [access_token_for(UserFactory.create()) for _ in offers_per_racer]
    barrier = threading.Barrier(len(offers_per_racer))

    def attempt(args: tuple[str, list[str]]) -> tuple[int, str]:
        token, offers = args
        barrier.wait()
        response = requests.post(
            f"{live_server.url}/api/holds",
            json={"items": [{"offer_id": o} for o in offers]},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        return response.status_code, response.json().get("code", "")

    with ThreadPoolExecutor(max_workers=len(offers_per_racer)) as pool:
        results = list(pool.map(attempt, zip(tokens, offers_per_racer, strict=True)))
    return Counter(results)


def test_fifty_travelers_race_for_the_last_three_rooms(live_server):
    day = today_anywhere() + timedelta(days=30)
    room_type = RoomTypeFactory.create()
    room_nights(room_type, day, 2, rooms_total=10, rooms_available=3)
    offer = hotel_offer(room_type, day, 2)

    outcome = race(live_server, [[offer]] * RACERS)

    assert outcome == {(201, ""): 3, (409, "sold-out"): RACERS - 3}
    assert set(RoomNight.objects.values_list("rooms_available", flat=True)) == {0}
    assert Hold.objects.filter(status=HoldStatus.ACTIVE).count() == 3


@pytest.mark.parametrize(
    ("seats_left", "held", "left_over"),
    [(5, 2, 1), (6, 3, 0)],  # an odd seat stays unsold; an even count sells out exactly
)
def test_sixty_travelers_race_for_the_last_seats_two_at_a_time(
    live_server, seats_left, held, left_over
):
    fare = FlightFareFactory.create(
        seats_total=150, seats_available=seats_left, price=Decimal("300.00")
    )
    offer = flight_offer(fare, adults=2)

    outcome = race(live_server, [[offer]] * 60)

    assert outcome == {(201, ""): held, (409, "sold-out"): 60 - held}
    fare.refresh_from_db()
    assert fare.seats_available == left_over


def test_fifty_travelers_race_for_two_cars(live_server):
    day = today_anywhere() + timedelta(days=30)
    car = RentalCarFactory.create()
    car_days(car, day, 3, cars_total=2)
    offer = car_offer(car, day, 3)

    outcome = race(live_server, [[offer]] * RACERS)

    assert outcome == {(201, ""): 2, (409, "sold-out"): RACERS - 2}
    assert set(CarDay.objects.values_list("cars_available", flat=True)) == {0}


def test_trips_that_cannot_get_a_car_hold_nothing_at_all(live_server):
    day = today_anywhere() + timedelta(days=30)
    room_type = RoomTypeFactory.create()
    room_nights(room_type, day, 3, rooms_total=100)
    car = RentalCarFactory.create()
    car_days(car, day, 3, cars_total=2)
    fare = FlightFareFactory.create(seats_total=100)
    trip = [flight_offer(fare), hotel_offer(room_type, day, 3), car_offer(car, day, 3)]

    outcome = race(live_server, [trip] * RACERS)

    assert outcome == {(201, ""): 2, (409, "sold-out"): RACERS - 2}
    # Only the two winning trips took a room and a seat; the losers took nothing.
    assert set(RoomNight.objects.values_list("rooms_available", flat=True)) == {98}
    assert FlightFare.objects.get().seats_available == 98


def test_expiry_racing_release_gives_back_exactly_once(live_server):
    """release_expired_holds running twice at once with travelers releasing their own."""
    from django.utils import timezone

    from bookings.services.holds import hold_expire_due

    day = today_anywhere() + timedelta(days=30)
    room_type = RoomTypeFactory.create()
    room_nights(room_type, day, 1, rooms_total=20)
    offer = hotel_offer(room_type, day, 1)
    users = [UserFactory.create() for _ in range(10)]
    tokens = [access_token_for(u) for u in users]
    holds = [
        requests.post(
            f"{live_server.url}/api/holds",
            json={"items": [{"offer_id": offer}]},
            headers={"Authorization": f"Bearer {t}"},
            timeout=30,
        ).json()["id"]
        for t in tokens
    ]
    Hold.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    barrier = threading.Barrier(12)

    def expire(_: int) -> None:
        barrier.wait()
        hold_expire_due(now=timezone.now())

    def release(args: tuple[str, str]) -> None:
        token, hold_id = args
        barrier.wait()
        requests.delete(
            f"{live_server.url}/api/holds/{hold_id}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )

    with ThreadPoolExecutor(max_workers=12) as pool:
        jobs = [pool.submit(expire, n) for n in range(2)]
        jobs += [pool.submit(release, pair) for pair in zip(tokens, holds, strict=True)]
        for job in jobs:
            job.result()

    assert RoomNight.objects.get().rooms_available == 20
    assert not Hold.objects.filter(status=HoldStatus.ACTIVE).exists()


def test_a_stuck_lock_answers_503_within_seconds_not_a_hang(live_server):
    """Another transaction sits on the room night: the hold gives up after the bounded wait."""
    import time

    from django.db import connections, transaction

    day = today_anywhere() + timedelta(days=30)
    room_type = RoomTypeFactory.create()
    [night] = room_nights(room_type, day, 1, rooms_total=5)
    offer = hotel_offer(room_type, day, 1)
    token = access_token_for(UserFactory.create())
    locked, done = threading.Event(), threading.Event()

    def sit_on_the_lock() -> None:
        with transaction.atomic():
            RoomNight.objects.select_for_update().get(pk=night.pk)
            locked.set()
            done.wait(timeout=30)
        connections.close_all()

    blocker = threading.Thread(target=sit_on_the_lock)
    blocker.start()
    locked.wait(timeout=10)
    started = time.monotonic()
    response = requests.post(
        f"{live_server.url}/api/holds",
        json={"items": [{"offer_id": offer}]},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    waited = time.monotonic() - started
    done.set()
    blocker.join()

    assert response.status_code == 503
    assert response.json()["code"] == "inventory-busy"
    assert 2 <= waited < 10
    night.refresh_from_db()
    assert night.rooms_available == 5


def test_trips_race_for_the_last_seats_with_plenty_of_rooms_and_cars(live_server):
    """The flight is the scarce part this time: losers take no room and no car either."""
    day = today_anywhere() + timedelta(days=30)
    room_type = RoomTypeFactory.create()
    room_nights(room_type, day, 2, rooms_total=100)
    car = RentalCarFactory.create()
    car_days(car, day, 2, cars_total=100)
    fare = FlightFareFactory.create(seats_total=100, seats_available=4)
    trip = [car_offer(car, day, 2), hotel_offer(room_type, day, 2), flight_offer(fare)]

    outcome = race(live_server, [trip] * RACERS)

    assert outcome == {(201, ""): 4, (409, "sold-out"): RACERS - 4}
    assert FlightFare.objects.get().seats_available == 0
    assert set(RoomNight.objects.values_list("rooms_available", flat=True)) == {96}
    assert set(CarDay.objects.values_list("cars_available", flat=True)) == {96}


def _post_booking(live_server, token: str, hold_id: str, key: str) -> tuple[int, str]:
    response = requests.post(
        f"{live_server.url}/api/bookings",
        json={
            "hold_id": hold_id,
            "travelers": [{"first_name": "Ada", "last_name": "L"}],
            "payment_token": "tok_visa",
        },
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
        timeout=30,
    )
    return response.status_code, response.json().get("code", "")


def _kept_charges() -> int:
    from bookings.models import SandboxCharge

    return sum(
        1 for c in SandboxCharge.objects.all() if c.succeeded and c.refunded_amount < c.amount
    )


@pytest.mark.parametrize("same_key", [False, True], ids=["double-clicks", "retries"])
def test_twenty_payments_of_one_hold_at_once_book_it_once_and_keep_one_charge(
    live_server, same_key
):
    from bookings.models import Booking, Payment

    day = today_anywhere() + timedelta(days=30)
    room_type = RoomTypeFactory.create()
    room_nights(room_type, day, 1, rooms_total=5)
    user = UserFactory.create()
    token = access_token_for(user)
    hold_id = requests.post(
        f"{live_server.url}/api/holds",
        json={"items": [{"offer_id": hotel_offer(room_type, day, 1)}]},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ).json()["id"]
    barrier = threading.Barrier(20)

    def attempt(n: int) -> tuple[int, str]:
        barrier.wait()
        return _post_booking(live_server, token, hold_id, "same" if same_key else f"k{n}")

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcome = Counter(pool.map(attempt, range(20)))

    booking = Booking.objects.get()
    assert outcome[(201, "")] >= 1
    if not same_key:
        assert outcome[(201, "")] == 1  # every other attempt: the hold is booked already
    assert set(outcome) <= {
        (201, ""),
        (409, "hold-being-paid"),
        (409, "hold-not-active"),
        (409, "idempotency-in-progress"),
    }
    assert _kept_charges() == 1
    assert Payment.objects.filter(booking=booking).count() == 1
    assert RoomNight.objects.get().rooms_available == 4


def test_the_expiry_job_racing_payments_never_books_an_expired_hold_or_keeps_its_money(
    live_server,
):
    """Ten travelers pay while two expiry jobs run as if their holds had just expired:
    each hold ends booked (inventory kept, money kept) or expired (inventory back, money
    refunded), never both, never neither."""
    from django.utils import timezone

    from bookings.models import Booking
    from bookings.services.holds import hold_expire_due

    day = today_anywhere() + timedelta(days=30)
    room_type = RoomTypeFactory.create()
    room_nights(room_type, day, 1, rooms_total=20)
    offer = hotel_offer(room_type, day, 1)
    tokens = [access_token_for(UserFactory.create()) for _ in range(10)]
    holds = [
        requests.post(
            f"{live_server.url}/api/holds",
            json={"items": [{"offer_id": offer}]},
            headers={"Authorization": f"Bearer {t}"},
            timeout=30,
        ).json()["id"]
        for t in tokens
    ]
    barrier = threading.Barrier(12)
    later = timezone.now() + timedelta(hours=1)

    def expire(_: int) -> None:
        barrier.wait()
        hold_expire_due(now=later)

    def pay(args: tuple[str, str]) -> tuple[int, str]:
        token, hold_id = args
        barrier.wait()
        return _post_booking(live_server, token, hold_id, str(hold_id))

    with ThreadPoolExecutor(max_workers=12) as pool:
        expiries = [pool.submit(expire, n) for n in range(2)]
        payments = [pool.submit(pay, pair) for pair in zip(tokens, holds, strict=True)]
        outcomes = [job.result() for job in payments]
        for job in expiries:
            job.result()

    booked = Booking.objects.count()
    assert set(outcomes) <= {(201, ""), (409, "hold-not-active")}
    assert Counter(status for status, _ in outcomes)[201] == booked
    statuses = Counter(Hold.objects.values_list("status", flat=True))
    # A Counter, so that none booked (every expiry won its race, a fair outcome) compares
    # equal: a plain dict's BOOKED: 0 is a key the Counter of statuses does not have.
    assert statuses == Counter({HoldStatus.BOOKED: booked, HoldStatus.EXPIRED: 10 - booked})
    assert RoomNight.objects.get().rooms_available == 20 - booked
    assert _kept_charges() == booked


def test_ten_cancellations_of_one_booking_at_once_refund_and_give_back_once(live_server):
    from bookings.models import Booking, BookingStatus, Refund, SandboxCharge

    day = today_anywhere() + timedelta(days=30)
    room_type = RoomTypeFactory.create(hotel__free_cancellation_days=1)
    room_nights(room_type, day, 2, rooms_total=5, price=Decimal("80.00"))
    token = access_token_for(UserFactory.create())
    hold_id = requests.post(
        f"{live_server.url}/api/holds",
        json={"items": [{"offer_id": hotel_offer(room_type, day, 2)}]},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ).json()["id"]
    assert _post_booking(live_server, token, hold_id, "k") == (201, "")
    reference = Booking.objects.get().reference
    barrier = threading.Barrier(10)

    def cancel(_: int) -> int:
        barrier.wait()
        return requests.post(
            f"{live_server.url}/api/bookings/{reference}/cancel",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = Counter(pool.map(cancel, range(10)))

    assert statuses == {200: 10}
    assert Booking.objects.get().status == BookingStatus.CANCELLED
    assert Refund.objects.count() == 1
    assert SandboxCharge.objects.get().refunded_amount == Decimal("160.00")
    assert set(RoomNight.objects.values_list("rooms_available", flat=True)) == {5}


def _hold_row_locker(hold_id):
    """A thread that, once told, sits on the hold's row lock until released."""
    from django.db import connections, transaction

    go, locked, done = threading.Event(), threading.Event(), threading.Event()

    def sit() -> None:
        go.wait(timeout=30)
        with transaction.atomic():
            Hold.objects.select_for_update().get(pk=hold_id)
            locked.set()
            done.wait(timeout=30)
        connections.close_all()

    thread = threading.Thread(target=sit)
    thread.start()
    return go, locked, done, thread


@pytest.mark.parametrize("when", ["before-charging", "at-confirmation"])
def test_a_hold_locked_past_the_bounded_wait_answers_503_and_keeps_no_money(when):
    """Another transaction sits on the hold row while the traveler pays: after the
    bounded wait the answer is 503 (not a hang, not a 500), any charge is given back at
    once, and the hold stays usable."""
    import time

    from django.utils import timezone

    from bookings.errors import InventoryBusy
    from bookings.models import Booking, Payment, SandboxCharge
    from bookings.payments.sandbox import SandboxProvider
    from bookings.services.bookings import TravelerIn, booking_create
    from bookings.services.holds import hold_create
    from search.offers import offer_decode

    day = today_anywhere() + timedelta(days=30)
    room_type = RoomTypeFactory.create()
    room_nights(room_type, day, 1, rooms_total=5, price=Decimal("90.00"))
    user = UserFactory.create()
    hold = hold_create(
        user=user, offers=[offer_decode(hotel_offer(room_type, day, 1))], now=timezone.now()
    )
    go, locked, done, locker = _hold_row_locker(hold.pk)

    class LockedWhileCharging(SandboxProvider):
        def charge(self, **kwargs):
            charge = super().charge(**kwargs)
            go.set()
            locked.wait(timeout=10)
            return charge

    if when == "before-charging":
        go.set()
        locked.wait(timeout=10)
    started = time.monotonic()
    try:
        with pytest.raises(InventoryBusy):
            booking_create(
                user=user, hold_id=hold.pk,
                travelers=[TravelerIn(type="adult", first_name="A", last_name="B")],
                payment_token="tok_visa", now=timezone.now(), provider=LockedWhileCharging(),
            )  # fmt: skip
    finally:
        waited = time.monotonic() - started
        done.set()
        locker.join()

    assert 2 <= waited < 10
    assert not Booking.objects.exists()
    if when == "before-charging":
        assert not SandboxCharge.objects.exists()
        assert not Payment.objects.exists()
    else:
        charge = SandboxCharge.objects.get()
        assert (charge.succeeded, charge.refunded_amount) == (True, Decimal("90.00"))
    hold.refresh_from_db()
    if when == "at-confirmation":
        # Its row still locked, the hold could not be given back at once: it is once the
        # claim for payment runs out (the expiry job), and it never lost its room.
        from bookings.services.holds import PAYMENT_CLAIM_LEASE, hold_expire_due

        assert hold.status == HoldStatus.PAYING
        assert hold_expire_due(now=timezone.now() + PAYMENT_CLAIM_LEASE) == 1
        hold.refresh_from_db()
    assert hold.status == HoldStatus.ACTIVE
    assert RoomNight.objects.get().rooms_available == 4
