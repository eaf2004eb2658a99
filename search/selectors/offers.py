"""Re-price an offer from the database: what it costs now, and how many units are left.

The search index and the offer id only say what was asked; this reads the inventory rows
themselves, so it is the truth the hold will check again under lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from catalog import pricing
from catalog.models import CarDay, FlightFare, RentalCar, RoomNight, RoomType
from search.offers import CarOffer, FlightOffer, HotelOffer, Offer
from travelguru.errors import NotFound
from travelguru.money import Money


class OfferGone(NotFound):
    code = "offer-gone"
    title = "What this offer was for is no longer sold"


@dataclass(frozen=True)
class Quote:
    offer: Offer
    price: Money
    available: int  # units left for this offer (seats, rooms, cars)
    needed: int  # units the offer needs per row
    description: str

    @property
    def price_changed(self) -> bool:
        return self.price != self.offer.price

    @property
    def bookable(self) -> bool:
        return self.available >= self.needed


def offer_quote(*, offer: Offer, now: datetime) -> Quote:
    """Price and availability of `offer` now. Raises OfferGone when its rows are gone."""
    if isinstance(offer, FlightOffer):
        return _flight_quote(offer, now)
    if isinstance(offer, HotelOffer):
        return _hotel_quote(offer)
    return _car_quote(offer)


def _flight_quote(offer: FlightOffer, now: datetime) -> Quote:
    fare_ids = [*offer.outbound_fare_ids, *offer.return_fare_ids]
    fares = {
        fare.pk: fare
        for fare in FlightFare.objects.select_related("leg").filter(
            pk__in=fare_ids, leg__is_cancelled=False, leg__departure_at__gt=now
        )
    }
    if len(fares) != len(set(fare_ids)):
        raise OfferGone("A flight of this offer has departed, was cancelled or is no longer sold.")
    ordered = [fares[pk] for pk in fare_ids]
    price = pricing.flight_price(
        adult_fares=[Money.of(f.price, f.currency) for f in ordered],
        adults=offer.adults,
        children=offer.children,
        infants=offer.infants,
    )
    return Quote(
        offer=offer,
        price=price,
        available=min(f.seats_available for f in ordered),
        needed=pricing.seats_needed(
            adults=offer.adults, children=offer.children, infants=offer.infants
        ),
        description=" + ".join(f.leg.flight_number for f in ordered),
    )


def _dates(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days)]


def _hotel_quote(offer: HotelOffer) -> Quote:
    room_type = (
        RoomType.objects.select_related("hotel")
        .filter(pk=offer.room_type_id, is_published=True, hotel__is_published=True)
        .first()
    )
    dates = _dates(offer.check_in, offer.check_out)
    nights = list(RoomNight.objects.filter(room_type_id=offer.room_type_id, date__in=dates))
    if room_type is None or len(nights) != len(dates):
        raise OfferGone("This room is no longer sold for these dates.")
    currency = room_type.hotel.currency
    return Quote(
        offer=offer,
        price=pricing.stay_price(
            night_prices=[Money.of(n.price, currency) for n in nights], rooms=offer.rooms
        ),
        available=min(n.rooms_available for n in nights),
        needed=offer.rooms,
        description=f"{room_type.hotel.name}, {room_type.name}",
    )


def _car_quote(offer: CarOffer) -> Quote:
    car = (
        RentalCar.objects.select_related("office__vendor")
        .filter(pk=offer.car_id, is_published=True, office__is_published=True)
        .first()
    )
    dates = _dates(offer.pick_up, offer.drop_off)
    days = list(CarDay.objects.filter(car_id=offer.car_id, date__in=dates))
    if car is None or len(days) != len(dates):
        raise OfferGone("This car is no longer rented for these dates.")
    currency = car.office.currency
    return Quote(
        offer=offer,
        price=pricing.rental_price(day_prices=[Money.of(d.price, currency) for d in days]),
        available=min(d.cars_available for d in days),
        needed=1,
        description=f"{car.office.vendor.name}, {car.model_name} or similar",
    )
