"""POST /api/bookings/{reference}/cancel: the policy sold is the refund given."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bookings.models import BookingItem, Payment, SandboxCharge
from catalog.models import CarDay, FlightFare, RoomNight
from tests.factories.accounts import UserFactory
from tests.factories.offers import car_offer, flight_offer, hotel_offer
from tests.flows import assert_problem

pytestmark = pytest.mark.django_db

DRIVER = {
    "first_name": "Ada", "last_name": "Lovelace", "type": "adult",
    "birth_date": "1990-05-01", "is_driver": True,
}  # fmt: skip


def booked(client, *offers, travelers=None) -> str:
    hold = client.post("/api/holds", {"items": [{"offer_id": o} for o in offers]}, format="json")
    assert hold.status_code == 201, hold.json()
    response = client.post(
        "/api/bookings",
        {
            "hold_id": hold.json()["id"],
            "travelers": travelers or [{"first_name": "Ada", "last_name": "L"}],
            "payment_token": "tok_visa",
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 201, response.json()
    return response.json()["reference"]


def cancel(client, reference):
    return client.post(f"/api/bookings/{reference}/cancel")


def refunded() -> list[str]:
    return [str(c.refunded_amount) for c in SandboxCharge.objects.order_by("pk")]


def rooms_left(room_type) -> list[int]:
    return list(
        RoomNight.objects.filter(room_type=room_type)
        .order_by("date")
        .values_list("rooms_available", flat=True)
    )


def test_free_cancellation_refunds_everything_and_frees_the_rooms(
    client_of, traveler, room_type, day
):
    client = client_of(traveler)
    guests = [{"first_name": "Ada", "last_name": "L"}, {"first_name": "Bo", "last_name": "L"}]
    reference = booked(client, hotel_offer(room_type, day, 3, rooms=2, guests=2), travelers=guests)
    assert rooms_left(room_type) == [1, 1, 1]

    response = cancel(client, reference)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled"
    assert body["items"][0]["refunded"] == {"amount": "660.00", "currency": "EUR"}
    assert body["payment"]["status"] == "refunded"
    assert refunded() == ["660.00"]
    assert rooms_left(room_type) == [3, 3, 3]


def test_cancelling_twice_refunds_once(client_of, traveler, room_type, day):
    client = client_of(traveler)
    reference = booked(client, hotel_offer(room_type, day, 1))

    first, second = cancel(client, reference), cancel(client, reference)

    assert first.status_code == second.status_code == 200
    assert refunded() == ["100.00"]
    assert rooms_left(room_type) == [3, 3, 3]


def test_after_the_deadline_the_first_night_is_kept(client_of, traveler, room_type, day):
    client = client_of(traveler)
    reference = booked(client, hotel_offer(room_type, day, 3))
    BookingItem.objects.update(free_cancellation_until=timezone.now() - timedelta(hours=1))

    body = cancel(client, reference).json()

    assert body["items"][0]["refunded"] == {"amount": "230.00", "currency": "EUR"}  # 330 - 100
    assert body["payment"]["status"] == "partially refunded"
    assert refunded() == ["230.00"]
    assert rooms_left(room_type) == [3, 3, 3]


def test_a_non_refundable_stay_refunds_nothing_but_frees_the_rooms(
    client_of, traveler, room_type, day
):
    type(room_type.hotel).objects.filter(pk=room_type.hotel_id).update(free_cancellation_days=None)
    client = client_of(traveler)
    reference = booked(client, hotel_offer(room_type, day, 2))

    body = cancel(client, reference).json()

    assert body["status"] == "cancelled"
    assert body["items"][0]["refunded"] == {"amount": "0.00", "currency": "EUR"}
    assert refunded() == ["0.00"]
    assert rooms_left(room_type) == [3, 3, 3]


def test_nothing_comes_back_once_the_stay_has_begun(client_of, traveler, room_type, day):
    client = client_of(traveler)
    reference = booked(client, hotel_offer(room_type, day, 2))
    BookingItem.objects.update(service_start=timezone.now() - timedelta(hours=2))

    body = cancel(client, reference).json()

    assert body["items"][0]["refunded"]["amount"] == "0.00"
    assert rooms_left(room_type) == [2, 2, 3]  # used nights are not resold


@pytest.mark.parametrize(
    ("refundable", "days_before", "booked_hours_ago", "refund"),
    [
        (True, 1, 30, "450.00"),  # refundable fare: until departure
        (False, 20, 2, "450.00"),  # within 24 h of booking, 7+ days out
        (False, 20, 30, "0.00"),  # after 24 h: non-refundable
    ],
)
def test_flight_fares_refund_by_their_rules(
    client_of, traveler, fare, refundable, days_before, booked_hours_ago, refund
):
    leg = fare.leg
    departure = timezone.now() + timedelta(days=days_before)
    type(leg).objects.filter(pk=leg.pk).update(
        departure_at=departure, arrival_at=departure + timedelta(hours=7)
    )
    FlightFare.objects.filter(pk=fare.pk).update(refundable=refundable)
    client = client_of(traveler)
    reference = booked(client, flight_offer(fare))
    item = BookingItem.objects.get()
    if item.free_cancellation_until and not refundable:
        item.free_cancellation_until -= timedelta(hours=booked_hours_ago)
        item.save()

    body = cancel(client, reference).json()

    assert body["items"][0]["refunded"] == {"amount": refund, "currency": "USD"}
    fare.refresh_from_db()
    assert fare.seats_available == 4  # the seat is sellable again either way


def test_a_car_keeps_one_day_inside_48_hours(client_of, traveler, car, day):
    client = client_of(traveler)
    reference = booked(client, car_offer(car, day, 3), travelers=[DRIVER])
    BookingItem.objects.update(free_cancellation_until=timezone.now() - timedelta(minutes=1))

    body = cancel(client, reference).json()

    assert body["items"][0]["refunded"] == {"amount": "80.00", "currency": "EUR"}  # 120 - 40
    assert set(CarDay.objects.values_list("cars_available", flat=True)) == {2}


def test_a_trip_refunds_each_currency_to_its_charge(client_of, traveler, room_type, car, fare, day):
    FlightFare.objects.filter(pk=fare.pk).update(refundable=True)
    client = client_of(traveler)
    reference = booked(
        client, flight_offer(fare), hotel_offer(room_type, day, 1), car_offer(car, day, 1),
        travelers=[DRIVER],
    )  # fmt: skip

    cancel(client, reference)

    assert sorted(Payment.objects.values_list("currency", "refunded_amount")) == [
        ("EUR", Decimal("140.00")),
        ("USD", Decimal("450.00")),
    ]


def test_another_travelers_booking_cannot_be_cancelled(client_of, traveler, room_type, day):
    reference = booked(client_of(traveler), hotel_offer(room_type, day, 1))

    response = cancel(client_of(UserFactory.create()), reference)

    assert_problem(response, 404, "booking-not-found")
    assert refunded() == ["0.00"]
    assert rooms_left(room_type) == [2, 3, 3]


def test_a_cancel_retried_after_the_deadline_refunds_what_was_due_when_first_asked(
    client_of, traveler, room_type, day, monkeypatch
):
    from bookings.errors import InventoryBusy
    from bookings.models import Booking, Refund
    from bookings.services import cancellation

    client = client_of(traveler)
    booking = Booking.objects.get(reference=booked(client, hotel_offer(room_type, day, 3)))
    deadline = BookingItem.objects.get().free_cancellation_until
    asked = deadline - timedelta(hours=1)  # free cancellation: 330.00 back

    def busy(units):
        raise InventoryBusy()

    with monkeypatch.context() as patched:
        patched.setattr(cancellation, "units_give_back", busy)
        with pytest.raises(InventoryBusy):
            cancellation.booking_cancel(booking=booking, now=asked)
    # The provider refunded, our side did not commit; the traveler retries a day later.
    assert refunded() == ["330.00"]
    booking.refresh_from_db()
    assert booking.status == "confirmed"

    cancellation.booking_cancel(booking=booking, now=deadline + timedelta(days=1))

    booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert booking.cancel_requested_at == asked
    assert refunded() == ["330.00"]  # refunded once, as first asked
    assert [str(r.amount) for r in Refund.objects.all()] == ["330.00"]  # our books agree
    assert Payment.objects.get().refunded_amount == Decimal("330.00")
    assert rooms_left(room_type) == [3, 3, 3]
