"""Re-price an offer from the database: what it costs now, and how many units are left.

The search index and the offer id only say what was asked; this reads the inventory rows
themselves, so it is the truth. It is split in two so that a hold can price an offer from
the rows it has *locked*: `offer_rows` finds the rows (no lock), `offer_quote_rows` prices
given rows (no query but the descriptions' parents).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import F

from catalog import pricing
from catalog.local_time import local_today, rental_sold_until, started_detail, stay_sold_until
from catalog.models import CarDay, FlightFare, FlightLeg, RentalCar, RoomNight, RoomType
from search.offers import CarOffer, FlightOffer, HotelOffer, Offer
from travelguru.errors import DomainError, NotFound
from travelguru.money import Money


class OfferGone(NotFound):
    code = "offer-gone"
    title = "What this offer was for is no longer sold"


class OfferStarted(DomainError):
    """The offer's flight has left, or its check-in or pick-up day is over at the place
    (the hotel's, the office's clock): it is refused before anything is taken or charged,
    and never sold as a trip that is non-refundable because it has already begun."""

    code = "offer-started"
    title = "This trip has already begun where it takes place"


class StayTooShort(DomainError):
    """A night of the stay has a longer minimum stay than the stay (a revenue manager's
    rule): the stay is not searched, quoted or held."""

    code = "stay-too-short"
    title = "This room needs a longer stay on these dates"


def stay_length_check(nights: Sequence[RoomNight]) -> None:
    """Raise StayTooShort unless the stay is as long as every night's minimum stay."""
    longest = max((n.min_stay for n in nights), default=1)
    if longest > len(nights):
        raise StayTooShort(f"A stay on these dates has at least {longest} nights.")


def units_sellable(row: FlightFare | RoomNight | CarDay) -> int:
    """Units of an inventory row travelers may take: none while its sale is stopped."""
    if row.stop_sell:
        return 0
    if isinstance(row, FlightFare):
        return row.seats_available
    if isinstance(row, RoomNight):
        return row.rooms_available
    return row.cars_available


@dataclass(frozen=True)
class Quote:
    offer: Offer
    price: Money
    available: int  # units left for this offer (seats, rooms, cars)
    needed: int  # units the offer needs per row
    description: str
    # What the cancellation policy is made of (terms_hotel, terms_flight, terms_car) and
    # where the trip goes (offer_places), from the rows this quote read: a hold keeps them
    # with its item, so booking it reads no catalog row again.
    terms: dict[str, Any] = field(default_factory=dict)
    places: dict[str, str] = field(default_factory=dict)

    @property
    def price_changed(self) -> bool:
        return self.price != self.offer.price

    @property
    def bookable(self) -> bool:
        return self.available >= self.needed


@dataclass(frozen=True)
class OfferRows:
    """The inventory rows an offer needs: fares, room nights or car days, in offer order."""

    model: type[FlightFare] | type[RoomNight] | type[CarDay]
    rows: Sequence[FlightFare | RoomNight | CarDay]
    needed: int
    # What the quote reads of the rows' parents (a stay's room type, hotel and city), read
    # with the rows in the same statement; None: the quote reads it itself.
    parent: Mapping[str, Any] | None = None

    @property
    def ids(self) -> list[int]:
        return [row.pk for row in self.rows]


def units_needed(offer: Offer) -> int:
    if isinstance(offer, FlightOffer):
        return pricing.seats_needed(
            adults=offer.adults, children=offer.children, infants=offer.infants
        )
    if isinstance(offer, HotelOffer):
        return offer.rooms
    return 1


# What a stay's quote reads of its room type (and its hotel and city), by field path from
# the room type, with the name it is annotated under on a night read with it.
_STAY_PARENT = {
    name: "quote_" + name.replace("__", "_")
    for name in (
        "name", "is_published", "hotel__name", "hotel__is_published", "hotel__currency",
        "hotel__city__name", "hotel__city__timezone", "hotel__check_in_time",
        "hotel__check_out_time", "hotel__free_cancellation_days",
    )
}  # fmt: skip


def _dates(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days)]


def offer_rows(*, offer: Offer, now: datetime) -> OfferRows:
    """The rows `offer` needs, read without locks. Raises OfferGone when any is gone."""
    needed = units_needed(offer)
    if isinstance(offer, FlightOffer):
        fare_ids = list(offer.fare_ids)
        fares = FlightFare.objects.in_bulk(fare_ids)
        if len(fares) != len(set(fare_ids)):
            raise OfferGone("A flight of this offer is no longer sold.")
        return OfferRows(FlightFare, [fares[pk] for pk in fare_ids], needed)
    if isinstance(offer, HotelOffer):
        dates = _dates(offer.check_in, offer.check_out)
        # The room type's, hotel's and city's columns the quote needs come joined to the
        # nights (one round trip where two were).
        nights = list(
            RoomNight.objects.filter(room_type_id=offer.room_type_id, date__in=dates)
            .annotate(**{alias: F(f"room_type__{name}") for name, alias in _STAY_PARENT.items()})
            .order_by("date")
        )
        if len(nights) != len(dates):
            raise OfferGone("This room is no longer sold for these dates.")
        parent = {name: getattr(nights[0], alias) for name, alias in _STAY_PARENT.items()}
        return OfferRows(RoomNight, nights, needed, parent=parent)
    dates = _dates(offer.pick_up, offer.drop_off)
    days = list(CarDay.objects.filter(car_id=offer.car_id, date__in=dates).order_by("date"))
    if len(days) != len(dates):
        raise OfferGone("This car is no longer rented for these dates.")
    return OfferRows(CarDay, days, needed)


def offer_quote_rows(
    *, offer: Offer, rows: Sequence, now: datetime, parent: Mapping[str, Any] | None = None
) -> Quote:
    """Price and availability of `offer` from its rows (as read, or as locked); `parent`
    as offer_rows read it with them (OfferRows.parent), else read here."""
    if isinstance(offer, FlightOffer):
        return _flight_quote(offer, rows, now)
    if isinstance(offer, HotelOffer):
        return _hotel_quote(offer, rows, now, parent)
    return _car_quote(offer, rows, now)


def offer_quote(*, offer: Offer, now: datetime) -> Quote:
    """Price and availability of `offer` now. Raises OfferGone when its rows are gone."""
    found = offer_rows(offer=offer, now=now)
    return offer_quote_rows(offer=offer, rows=found.rows, now=now, parent=found.parent)


def terms_hotel(
    *,
    check_in_time: time,
    check_out_time: time,
    free_cancellation_days: int | None,
    timezone: str,
    city: str,
    first_night_price: Decimal,
) -> dict[str, Any]:
    """A stay's policy terms (bookings.services.policies), as JSON."""
    return {
        "check_in_time": check_in_time.isoformat(),
        "check_out_time": check_out_time.isoformat(),
        "free_cancellation_days": free_cancellation_days,
        "timezone": timezone,
        "city": city,
        "first_night_price": str(first_night_price),
    }


def terms_flight(legs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A flight trip's policy terms, as JSON, from one dict per fare: refundable,
    departure_at, arrival_at, flight_number, origin_timezone, destination_timezone. A
    later leg of a trip cannot leave first: the trip runs from its first departure to its
    last arrival."""
    first = min(legs, key=lambda leg: leg["departure_at"])
    last = max(legs, key=lambda leg: leg["arrival_at"])
    return {
        "departure_at": first["departure_at"].isoformat(),
        "arrival_at": last["arrival_at"].isoformat(),
        "flight_number": first["flight_number"],
        "start_timezone": first["origin_timezone"],
        "end_timezone": last["destination_timezone"],
        "refundable": all(leg["refundable"] for leg in legs),
    }


def terms_car(
    *, opens_at: time, closes_at: time, timezone: str, airport: str, first_day_price: Decimal
) -> dict[str, Any]:
    """A rental's policy terms, as JSON."""
    return {
        "opens_at": opens_at.isoformat(),
        "closes_at": closes_at.isoformat(),
        "timezone": timezone,
        "airport": airport,
        "first_day_price": str(first_day_price),
    }


def _flight_quote(offer: FlightOffer, fares: Sequence[FlightFare], now: datetime) -> Quote:
    # Quoting runs on every hold: read only the columns used (no wide model instances).
    legs = {
        leg["id"]: leg
        for leg in FlightLeg.objects.filter(pk__in={fare.leg_id for fare in fares}).values(
            "id", "is_cancelled", "departure_at", "arrival_at", "flight_number",
            "origin__timezone", "destination__timezone", "origin__iata", "destination__iata",
        )
    }  # fmt: skip
    if any(legs[f.leg_id]["is_cancelled"] for f in fares):
        raise OfferGone("A flight of this offer was cancelled.")
    # Departure instants are the airport's clock already (stored UTC): a leg that has left
    # is over whatever the date of the search was.
    gone = [legs[f.leg_id] for f in fares if legs[f.leg_id]["departure_at"] <= now]
    if gone:
        raise OfferStarted(f"Flight {gone[0]['flight_number']} has already departed; search again.")
    price = pricing.flight_price(
        adult_fares=[Money.of(f.price, f.currency) for f in fares],
        adults=offer.adults,
        children=offer.children,
        infants=offer.infants,
    )
    return Quote(
        offer=offer,
        price=price,
        available=min(units_sellable(f) for f in fares),
        needed=units_needed(offer),
        # The day a leg leaves is the origin's date (as searched and as on the ticket).
        description=" + ".join(
            f"{legs[f.leg_id]['flight_number']} "
            f"{local_today(legs[f.leg_id]['origin__timezone'], now=legs[f.leg_id]['departure_at'])}"
            for f in fares
        ),
        terms=terms_flight(
            [
                {
                    "refundable": f.refundable,
                    "departure_at": legs[f.leg_id]["departure_at"],
                    "arrival_at": legs[f.leg_id]["arrival_at"],
                    "flight_number": legs[f.leg_id]["flight_number"],
                    "origin_timezone": legs[f.leg_id]["origin__timezone"],
                    "destination_timezone": legs[f.leg_id]["destination__timezone"],
                }
                for f in fares
            ]
        ),
        # The first slice's first departure and last arrival (a round trip's outbound).
        places={
            "origin": legs[fares[0].leg_id]["origin__iata"],
            "destination": legs[fares[len(offer.outbound_fare_ids) - 1].leg_id][
                "destination__iata"
            ],
        },
    )


def _hotel_quote(
    offer: HotelOffer,
    nights: Sequence[RoomNight],
    now: datetime,
    parent: Mapping[str, Any] | None = None,
) -> Quote:
    room_type = (
        parent
        if parent is not None
        else RoomType.objects.filter(pk=offer.room_type_id).values(*_STAY_PARENT).first()
    )
    if room_type is None or not (room_type["is_published"] and room_type["hotel__is_published"]):
        raise OfferGone("This room is no longer sold.")
    zone = room_type["hotel__city__timezone"]
    if now >= stay_sold_until(check_in=offer.check_in, tz_name=zone):
        raise OfferStarted(
            started_detail(
                event=f"Check-in on {offer.check_in.isoformat()}",
                place=room_type["hotel__city__name"], tz_name=zone, now=now,
            )
        )  # fmt: skip
    stay_length_check(nights)
    currency = room_type["hotel__currency"]
    return Quote(
        offer=offer,
        price=pricing.stay_price(
            night_prices=[Money.of(n.price, currency) for n in nights], rooms=offer.rooms
        ),
        available=min(units_sellable(n) for n in nights),
        needed=offer.rooms,
        description=f"{room_type['hotel__name']}, {room_type['name']}",
        terms=terms_hotel(
            check_in_time=room_type["hotel__check_in_time"],
            check_out_time=room_type["hotel__check_out_time"],
            free_cancellation_days=room_type["hotel__free_cancellation_days"],
            timezone=zone,
            city=room_type["hotel__city__name"],
            first_night_price=nights[0].price,
        ),
        places={"city": room_type["hotel__city__name"]},
    )


def _car_quote(offer: CarOffer, days: Sequence[CarDay], now: datetime) -> Quote:
    car = (
        RentalCar.objects.filter(pk=offer.car_id, is_published=True, office__is_published=True)
        .values("model_name", "office__currency", "office__vendor__name", "office__opens_at",
                "office__closes_at", "office__airport__iata", "office__airport__timezone")
        .first()
    )  # fmt: skip
    if car is None:
        raise OfferGone("This car is no longer rented.")
    zone = car["office__airport__timezone"]
    until = rental_sold_until(
        pick_up=offer.pick_up, opens_at=car["office__opens_at"],
        closes_at=car["office__closes_at"], tz_name=zone,
    )  # fmt: skip
    if now >= until:
        raise OfferStarted(
            started_detail(
                event=f"Pick-up on {offer.pick_up.isoformat()} (the office closes at "
                f"{car['office__closes_at']:%H:%M})",
                place=car["office__airport__iata"], tz_name=zone, now=now,
            )
        )  # fmt: skip
    currency = car["office__currency"]
    return Quote(
        offer=offer,
        price=pricing.rental_price(day_prices=[Money.of(d.price, currency) for d in days]),
        available=min(units_sellable(d) for d in days),
        needed=1,
        description=f"{car['office__vendor__name']}, {car['model_name']} or similar",
        terms=terms_car(
            opens_at=car["office__opens_at"],
            closes_at=car["office__closes_at"],
            timezone=zone,
            airport=car["office__airport__iata"],
            first_day_price=days[0].price,
        ),
        places={"airport": car["office__airport__iata"]},
    )
