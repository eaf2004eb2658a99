"""Offer ids are signed: forged or edited ones are refused; valid ones re-price live."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from search.offers import CarOffer, FlightOffer, HotelOffer, offer_decode, offer_encode
from tests.factories.catalog import (
    FlightFareFactory,
    RentalCarFactory,
    RoomTypeFactory,
    car_days,
    room_nights,
)
from travelguru.money import Money

pytestmark = pytest.mark.django_db


def _hotel_offer(room_type, *, nights=2, rooms=1, price="240.00"):
    start = timezone.now().date() + timedelta(days=10)
    return HotelOffer(
        room_type_id=room_type.pk,
        check_in=start,
        check_out=start + timedelta(days=nights),
        rooms=rooms,
        guests=2,
        price=Money.of(price, room_type.hotel.currency),
    )


def test_offer_id_round_trips_what_was_asked():
    offer = FlightOffer(
        slices=((3, 4), (9,)),
        adults=2,
        children=1,
        infants=0,
        price=Money.of("123.45", "USD"),
    )
    assert offer_decode(offer_encode(offer)) == offer


def test_an_edited_offer_id_is_refused_with_400(api_client):
    room_type = RoomTypeFactory.create()
    offer_id = offer_encode(_hotel_offer(room_type))
    tampered = offer_id[:-3] + ("AAA" if not offer_id.endswith("AAA") else "BBB")

    response = api_client.get(f"/api/offers/{tampered}")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "invalid-offer"


@pytest.mark.parametrize("garbage", ["x", "not-an-offer", "a" * 3000, "%00", "e30:1abc:def"])
def test_forged_offer_ids_are_refused_with_400(api_client, garbage):
    response = api_client.get(f"/api/offers/{garbage}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid-offer"


def test_offer_ids_are_signed_exactly_as_django_signing_dumps_signs(settings, monkeypatch):
    """offer_encode keeps its keyed HMAC per secret: the ids are still Django's, byte for
    byte, under the secret in use, and an id signed with a retired secret is refused."""
    import time

    from django.core import signing

    from search import offers

    monkeypatch.setattr(time, "time", lambda: 1_800_000_000.0)
    offer = CarOffer(
        car_id=7,
        pick_up=timezone.now().date(),
        drop_off=timezone.now().date() + timedelta(days=3),
        price=Money.of("99.90", "EUR"),
    )
    payload = signing.loads(offer_encode(offer), salt=offers._SALT)
    for secret in ("first-secret-" + "x" * 40, "second-secret-" + "y" * 40):
        settings.SECRET_KEY = secret
        assert offer_encode(offer) == signing.dumps(payload, salt=offers._SALT, compress=True)
    old = signing.dumps(payload, key="first-secret-" + "x" * 40, salt=offers._SALT, compress=True)
    with pytest.raises(offers.InvalidOffer):
        offer_decode(old)


def test_an_expired_offer_id_is_a_409(api_client, settings):
    room_type = RoomTypeFactory.create()
    offer_id = offer_encode(_hotel_offer(room_type))
    settings.OFFER_TTL_SECONDS = -1

    response = api_client.get(f"/api/offers/{offer_id}")

    assert response.status_code == 409
    assert response.json()["code"] == "offer-expired"


def test_a_hotel_offer_is_repriced_from_live_inventory(api_client):
    # given a stay quoted at 2 x 120.00 whose second night has since gone up
    room_type = RoomTypeFactory.create(hotel__city__currency="EUR")
    offer = _hotel_offer(room_type, price="240.00")
    first, second = room_nights(room_type, offer.check_in, 2, price=Decimal("120.00"))
    second.price = Decimal("150.00")
    second.rooms_available = 3
    second.save()

    # when
    response = api_client.get(f"/api/offers/{offer_encode(offer)}")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["price"] == {"amount": "270.00", "currency": "EUR"}
    assert body["quoted_price"] == {"amount": "240.00", "currency": "EUR"}
    assert body["price_changed"] is True
    assert body["available"] == 3
    assert body["bookable"] is True


def test_a_sold_out_night_makes_the_offer_unbookable(api_client):
    room_type = RoomTypeFactory.create()
    offer = _hotel_offer(room_type, rooms=2, price="480.00")
    room_nights(room_type, offer.check_in, 2, rooms_available=1)

    body = api_client.get(f"/api/offers/{offer_encode(offer)}").json()

    assert body["available"] == 1
    assert body["bookable"] is False


def test_an_offer_for_a_night_no_longer_sold_is_404(api_client):
    room_type = RoomTypeFactory.create()
    offer = _hotel_offer(room_type, nights=3)
    room_nights(room_type, offer.check_in, 2)  # the third night is missing

    response = api_client.get(f"/api/offers/{offer_encode(offer)}")

    assert response.status_code == 404
    assert response.json()["code"] == "offer-gone"


def test_a_flight_offer_is_priced_for_the_whole_party(api_client):
    out = FlightFareFactory.create(price=Decimal("100.00"), seats_available=5)
    back = FlightFareFactory.create(price=Decimal("80.00"), seats_available=2)
    offer = FlightOffer(
        slices=((out.pk,), (back.pk,)),
        adults=2,
        children=1,
        infants=1,
        price=Money.of("513.00", "USD"),
    )

    body = api_client.get(f"/api/offers/{offer_encode(offer)}").json()

    # (100 + 80) x (2 + 0.75 + 0.10) = 513.00; 3 seats needed, 2 left on the return
    assert body["price"] == {"amount": "513.00", "currency": "USD"}
    assert body["price_changed"] is False
    assert body["available"] == 2
    assert body["bookable"] is False


def test_a_departed_flight_makes_the_offer_started(api_client):
    fare = FlightFareFactory.create(leg__departure_at=timezone.now() - timedelta(hours=1))
    offer = FlightOffer(
        slices=((fare.pk,),),
        adults=1,
        children=0,
        infants=0,
        price=Money.of("100.00", "USD"),
    )
    response = api_client.get(f"/api/offers/{offer_encode(offer)}")
    assert response.status_code == 409
    assert response.json()["code"] == "offer-started"


def test_a_car_offer_is_repriced_per_day(api_client):
    car = RentalCarFactory.create(office__currency="GBP")
    start = timezone.now().date() + timedelta(days=5)
    car_days(car, start, 3, price=Decimal("40.50"))
    offer = CarOffer(
        car_id=car.pk,
        pick_up=start,
        drop_off=start + timedelta(days=3),
        price=Money.of("121.50", "GBP"),
    )

    body = api_client.get(f"/api/offers/{offer_encode(offer)}").json()

    assert body["price"] == {"amount": "121.50", "currency": "GBP"}
    assert body["kind"] == "car"
    assert body["bookable"] is True


@pytest.mark.parametrize(
    ("outbound", "inbound", "slices"),
    [([3, 4], [9], ((3, 4), (9,))), ([3], [], ((3,),))],
)
def test_an_offer_id_signed_before_multi_city_trips_still_decodes(outbound, inbound, slices):
    from django.core import signing

    from search.offers import _SALT

    old = signing.dumps(
        {"$": "123.45", "c": "USD", "k": "f", "o": outbound, "r": inbound, "p": [1, 0, 0]},
        salt=_SALT,
        compress=True,
    )

    assert offer_decode(old) == FlightOffer(
        slices=slices, adults=1, children=0, infants=0, price=Money.of("123.45", "USD")
    )


def test_an_offer_of_seven_slices_is_refused():
    offer = FlightOffer(
        slices=tuple((n,) for n in range(1, 8)), adults=1, children=0, infants=0,
        price=Money.of("1.00", "USD"),
    )  # fmt: skip

    from search.offers import InvalidOffer

    with pytest.raises(InvalidOffer):
        offer_decode(offer_encode(offer))
