"""Offer ids signed with our key but asking for what no search offers are refused (400).

The local signing key is public (settings.local), so anyone can sign a payload of their
choosing: `guests 0`, `rooms -1`, reversed dates, ids that are not ids. Every endpoint that
takes an offer id (GET /api/offers/{id}, POST /api/holds) must refuse them as the search
query for them would have been refused, and leave inventory and holds untouched.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.models import Hold
from catalog import pricing
from catalog.models import CarDay, FlightFare, RoomNight
from search.offers import _signer
from travelguru.money import Money

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def sign(payload: object) -> str:
    """What offer_encode does, for any payload: signed with the (test) project key."""
    return _signer(django_settings.SECRET_KEY).sign_object(payload, compress=True)


def _stay_price(room_type, check_in, check_out, rooms) -> str:
    nights = RoomNight.objects.filter(room_type=room_type, date__gte=check_in, date__lt=check_out)
    prices = [Money.of(n.price, "EUR") for n in nights] or [Money.of(0, "EUR")]
    return str(pricing.stay_price(night_prices=prices, rooms=rooms).amount)


def hotel_payload(room_type, day, *, nights=1, rooms=1, guests=1, start=0):
    """A hotel offer's payload, priced as the pricing code prices it (so that a hold of the
    original code did not stop at a price check before reaching inventory)."""
    check_in = day + timedelta(days=start)
    check_out = check_in + timedelta(days=nights)
    return {
        "$": _stay_price(room_type, min(check_in, check_out), max(check_in, check_out), rooms),
        "c": "EUR",
        "k": "h",
        "t": room_type.pk,
        "d": [check_in.isoformat(), check_out.isoformat()],
        "n": [rooms, guests],
    }


def car_payload(car, day, *, days=1, start=0):
    pick_up = day + timedelta(days=start)
    rows = CarDay.objects.filter(
        car=car, date__gte=pick_up, date__lt=pick_up + timedelta(days=days)
    )
    prices = [Money.of(d.price, "EUR") for d in rows] or [Money.of(0, "EUR")]
    return {
        "$": str(pricing.rental_price(day_prices=prices).amount),
        "c": "EUR",
        "k": "c",
        "t": car.pk,
        "d": [pick_up.isoformat(), (pick_up + timedelta(days=days)).isoformat()],
    }


def flight_payload(fare, *, adults=1, children=0, infants=0, outbound=None):
    price = pricing.flight_price(
        adult_fares=[Money.of(fare.price, fare.currency)],
        adults=adults,
        children=children,
        infants=infants,
    )
    return {
        "$": str(price.amount),
        "c": "USD",
        "k": "f",
        "o": [fare.pk] if outbound is None else outbound,
        "r": [],
        "p": [adults, children, infants],
    }


def inventory() -> list[tuple]:
    return [
        *RoomNight.objects.order_by("pk").values_list("pk", "rooms_available"),
        *CarDay.objects.order_by("pk").values_list("pk", "cars_available"),
        *FlightFare.objects.order_by("pk").values_list("pk", "seats_available"),
    ]


def assert_refused(response, code: str | None = "invalid-offer") -> None:
    assert 400 <= response.status_code < 500, response.content[:400]
    assert response["Content-Type"] == PROBLEM
    if code is not None:
        assert response.json()["code"] == code


TAMPERED = {
    "hotel guests 0": lambda c: hotel_payload(c["room_type"], c["day"], guests=0),
    "hotel rooms -1": lambda c: hotel_payload(c["room_type"], c["day"], rooms=-1),
    "hotel rooms 0": lambda c: hotel_payload(c["room_type"], c["day"], rooms=0, guests=1),
    "hotel more rooms than guests": lambda c: hotel_payload(
        c["room_type"], c["day"], rooms=2, guests=1
    ),
    "hotel reversed dates": lambda c: hotel_payload(c["room_type"], c["day"], nights=-2, start=2),
    "hotel zero nights": lambda c: hotel_payload(c["room_type"], c["day"], nights=0),
    "hotel 31 nights": lambda c: hotel_payload(c["room_type"], c["day"], nights=31),
    "hotel 10 rooms": lambda c: hotel_payload(c["room_type"], c["day"], rooms=10, guests=10),
    "hotel rooms as a string": lambda c: {
        **hotel_payload(c["room_type"], c["day"]),
        "n": ["1", "1"],
    },
    "hotel rooms as a float": lambda c: {
        **hotel_payload(c["room_type"], c["day"]),
        "n": [1.5, 2],
    },
    "hotel id 0": lambda c: {**hotel_payload(c["room_type"], c["day"]), "t": 0},
    "hotel id 2**64": lambda c: {**hotel_payload(c["room_type"], c["day"]), "t": 2**64},
    "hotel year 1": lambda c: {
        **hotel_payload(c["room_type"], c["day"]),
        "d": ["0001-01-01", "0001-01-02"],
    },
    "hotel year 9999": lambda c: {
        **hotel_payload(c["room_type"], c["day"]),
        "d": ["9999-12-30", "9999-12-31"],
    },
    "hotel date 0000-00-00": lambda c: {
        **hotel_payload(c["room_type"], c["day"]),
        "d": ["0000-00-00", "0000-00-01"],
    },
    "car reversed dates": lambda c: car_payload(c["car"], c["day"], days=-2, start=2),
    "car zero days": lambda c: car_payload(c["car"], c["day"], days=0),
    "car negative id": lambda c: {**car_payload(c["car"], c["day"]), "t": -1},
    "flight no adults": lambda c: flight_payload(c["fare"], adults=0, children=1),
    "flight negative children": lambda c: flight_payload(c["fare"], children=-1),
    "flight more infants than adults": lambda c: flight_payload(c["fare"], infants=2),
    "flight ten travellers": lambda c: flight_payload(c["fare"], adults=5, children=5),
    "flight no fares": lambda c: flight_payload(c["fare"], outbound=[]),
    "flight fare twice": lambda c: flight_payload(c["fare"], outbound=[c["fare"].pk] * 2),
    "flight three legs": lambda c: flight_payload(c["fare"], outbound=[c["fare"].pk, 2, 3]),
    "negative price": lambda c: {**car_payload(c["car"], c["day"]), "$": "-40.00"},
    "price NaN": lambda c: {**car_payload(c["car"], c["day"]), "$": "NaN"},
    "price Infinity": lambda c: {**car_payload(c["car"], c["day"]), "$": "Infinity"},
    "lower-case currency": lambda c: {**car_payload(c["car"], c["day"]), "c": "eur"},
    "unknown kind": lambda c: {**car_payload(c["car"], c["day"]), "k": "x"},
    "not an object": lambda c: [1, 2, 3],
}


@pytest.fixture
def catalog(room_type, car, fare, day):
    return {"room_type": room_type, "car": car, "fare": fare, "day": day}


def test_the_untampered_payloads_are_good_offers(catalog, traveler, client_of):
    client = client_of(traveler)
    for payload in (
        hotel_payload(catalog["room_type"], catalog["day"], nights=2, rooms=1, guests=2),
        car_payload(catalog["car"], catalog["day"], days=2),
        flight_payload(catalog["fare"], adults=2, infants=1),
    ):
        offer_id = sign(payload)
        assert client.get(f"/api/offers/{offer_id}").status_code == 200
        response = client.post("/api/holds", {"items": [{"offer_id": offer_id}]}, format="json")
        assert response.status_code == 201, response.content


@pytest.mark.parametrize("name", list(TAMPERED))
def test_a_tampered_offer_is_refused_by_every_endpoint_and_holds_nothing(
    name, catalog, traveler, client_of
):
    offer_id = sign(TAMPERED[name](catalog))
    before = inventory()
    client = client_of(traveler)
    client.raise_request_exception = False

    detail = client.get(f"/api/offers/{offer_id}")
    hold = client.post("/api/holds", {"items": [{"offer_id": offer_id}]}, format="json")
    keyed = client.post(
        "/api/holds",
        {"items": [{"offer_id": offer_id}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="tampered-1",
    )

    assert_refused(detail)
    assert_refused(hold)
    assert_refused(keyed)
    assert not Hold.objects.exists()
    assert inventory() == before


# Values an attacker may put in any field of a signed payload.
hostile_values = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from(
        [0, -1, 2**63, 2**64, True, False, None, 1.5, float("inf"), "1", "", "NaN", "-0",
         [], {}, [1], [1, 2, 3], [-1, -1], [0, 0], ["x", "y"], [None, None],
         "0000-00-00", "9999-12-31", "0001-01-01", "2026-02-30", "2026-13-01",
         ["9999-12-31", "0001-01-01"], ["2026-12-31T23:59:59+14:00", "2027-01-01"]]
    ),
    st.text(max_size=12),
    st.lists(st.integers(min_value=-5, max_value=40), max_size=4),
    st.lists(st.dates().map(str), min_size=2, max_size=2),
)  # fmt: skip


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_tampered_payload_is_a_4xx_problem_or_a_good_offer(catalog, traveler, client_of, data):
    kind = data.draw(st.sampled_from(["hotel", "car", "flight"]))
    payload = {
        "hotel": lambda: hotel_payload(catalog["room_type"], catalog["day"], nights=2, guests=2),
        "car": lambda: car_payload(catalog["car"], catalog["day"], days=2),
        "flight": lambda: flight_payload(catalog["fare"], adults=2),
    }[kind]()
    for key in data.draw(st.lists(st.sampled_from([*payload, "x"]), min_size=1, max_size=3)):
        if data.draw(st.booleans(), label="drop") and key in payload:
            del payload[key]
        else:
            payload[key] = data.draw(hostile_values, label=key)
    offer_id = sign(payload)
    client = client_of(traveler)
    client.raise_request_exception = False
    before = inventory()

    responses = [
        client.get(f"/api/offers/{offer_id}"),
        client.post("/api/holds", {"items": [{"offer_id": offer_id}]}, format="json"),
    ]

    for response in responses:
        assert response.status_code < 500, (payload, response.content[:300])
        if response.status_code >= 400:
            assert response["Content-Type"] == PROBLEM
    held = Hold.objects.first()
    if held is None:
        assert inventory() == before
    else:  # a tampered payload a search could have made: an ordinary hold
        assert all(item.units >= 1 for item in held.items.all())
        assert all(item.price_amount >= Decimal(0) for item in held.items.all())
        assert client.delete(f"/api/holds/{held.pk}").status_code == 204
        held.delete()
