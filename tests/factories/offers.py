"""Offer ids for tests, priced from the rows as search would price them."""

from __future__ import annotations

from datetime import date, timedelta

from catalog import pricing
from catalog.models import CarDay, FlightFare, RentalCar, RoomNight, RoomType
from search.offers import CarOffer, FlightOffer, HotelOffer, offer_encode
from travelguru.money import Money


def hotel_offer(
    room_type: RoomType, check_in: date, nights: int, rooms: int = 1, guests=None
) -> str:
    rows = RoomNight.objects.filter(
        room_type=room_type, date__gte=check_in, date__lt=check_in + timedelta(days=nights)
    )
    price = pricing.stay_price(
        night_prices=[Money.of(n.price, room_type.hotel.currency) for n in rows], rooms=rooms
    )
    return offer_encode(
        HotelOffer(
            room_type_id=room_type.pk,
            check_in=check_in,
            check_out=check_in + timedelta(days=nights),
            rooms=rooms,
            guests=guests or rooms,
            price=price,
        )
    )


def car_offer(car: RentalCar, pick_up: date, days: int) -> str:
    rows = CarDay.objects.filter(
        car=car, date__gte=pick_up, date__lt=pick_up + timedelta(days=days)
    )
    price = pricing.rental_price(day_prices=[Money.of(d.price, car.office.currency) for d in rows])
    return offer_encode(
        CarOffer(
            car_id=car.pk, pick_up=pick_up, drop_off=pick_up + timedelta(days=days), price=price
        )
    )


def flight_offer(*fares: FlightFare, adults: int = 1, children: int = 0, infants: int = 0) -> str:
    price = pricing.flight_price(
        adult_fares=[Money.of(f.price, f.currency) for f in fares],
        adults=adults,
        children=children,
        infants=infants,
    )
    return offer_encode(
        FlightOffer(
            slices=(tuple(f.pk for f in fares),),
            adults=adults,
            children=children,
            infants=infants,
            price=price,
        )
    )
