"""Hotel search and detail: engine candidates, then rooms free on every night from the database.

The engine (local or CloudSearch) answers which published hotels match the static filters
(place, stars, amenities, words); one aggregate query over `RoomNight` then keeps the room
types that have enough rooms on *every* night of the stay, with the stay's price. The
number of queries does not depend on the number of hotels found.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Min, Sum

from catalog.models import Amenity, City, Hotel, RoomNight, RoomType
from search.engines import get_engine
from search.engines.base import HotelHit, HotelQuery
from search.models import DocumentKind
from search.text import fold
from travelguru.errors import InvalidInput, NotFound
from travelguru.money import Money

SORTS = ("price", "-price", "rating", "distance", "stars")
MAX_CANDIDATES = 2000
FROM_PRICE_DAYS = 30


@dataclass(frozen=True)
class Stay:
    check_in: date
    check_out: date
    guests: int
    rooms: int

    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days

    @property
    def min_capacity(self) -> int:
        """Guests per room the room type must take (guests spread over the rooms)."""
        return math.ceil(self.guests / self.rooms)


@dataclass(frozen=True)
class RoomOffer:
    room_type: RoomType
    stay: Stay
    price: Money  # the stay: every night, every room
    available: int  # rooms left on the fullest night

    @property
    def price_per_night(self) -> Money:
        return Money.of(self.price.amount / self.stay.nights, self.price.currency)

    @property
    def free_cancellation_until(self) -> date | None:
        days = self.room_type.hotel.free_cancellation_days
        return None if days is None else self.stay.check_in - timedelta(days=days)


@dataclass
class HotelResult:
    hotel: Hotel
    hit: HotelHit | None
    offers: list[RoomOffer] = field(default_factory=list)

    @property
    def cheapest(self) -> RoomOffer | None:
        return self.offers[0] if self.offers else None

    @property
    def distance_km(self) -> float | None:
        return self.hit.distance_km if self.hit else None


@dataclass(frozen=True)
class HotelSearch:
    stay: Stay
    city_id: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    radius_km: float = 10.0
    min_stars: int | None = None
    amenities: Sequence[str] = ()
    text: str = ""
    min_price: Decimal | None = None  # per night, all rooms
    max_price: Decimal | None = None
    sort: str = "price"


@dataclass
class HotelSearchResult:
    hotels: list[HotelResult]
    facets: dict[str, dict[str, int]]


def city_resolve(value: str) -> City:
    """A City from an id ("2988507"), a name ("Paris") or "name, CC" ("Paris, FR")."""
    value = value.strip()
    city = None
    if value.isdigit():
        city = City.objects.filter(pk=int(value)).first()
    else:
        name, _, country = (part.strip() for part in value.partition(","))
        wanted = fold(name)
        suggestions = get_engine().destinations(text=name, kinds=[DocumentKind.CITY], limit=50)
        for suggestion in suggestions:  # biggest first: "London" is London, GB
            if fold(suggestion.name) == wanted and country.upper() in ("", suggestion.country_code):
                city = City.objects.filter(pk=suggestion.id).first()
                break
    if city is None:
        raise InvalidInput("Unknown city; pick one from /api/cities?q=…", field="city")
    return city


def amenity_codes() -> set[str]:
    return set(Amenity.objects.values_list("code", flat=True))


def _free_room_types(
    hotel_ids: Sequence[int], stay: Stay, *, room_type_id: int | None = None
) -> dict[int, tuple[Decimal, int]]:
    """room type id -> (sum of night prices, fewest rooms left) for types free every night."""
    nights = RoomNight.objects.filter(
        room_type__hotel_id__in=list(hotel_ids),
        room_type__is_published=True,
        room_type__capacity__gte=stay.min_capacity,
        date__gte=stay.check_in,
        date__lt=stay.check_out,
        rooms_available__gte=stay.rooms,
    )
    if room_type_id is not None:
        nights = nights.filter(room_type_id=room_type_id)
    rows = (
        nights.values("room_type_id")
        .annotate(n=Count("id"), total=Sum("price"), fewest=Min("rooms_available"))
        .filter(n=stay.nights)
        .values_list("room_type_id", "total", "fewest")
    )
    return {rt: (total, fewest) for rt, total, fewest in rows}


def _offers_by_hotel(hotel_ids: Sequence[int], stay: Stay) -> dict[int, list[RoomOffer]]:
    free = _free_room_types(hotel_ids, stay)
    if not free:
        return {}
    room_types = RoomType.objects.filter(pk__in=list(free)).select_related("hotel")
    offers: dict[int, list[RoomOffer]] = {}
    for room_type in room_types:
        total, fewest = free[room_type.pk]
        offer = RoomOffer(
            room_type=room_type,
            stay=stay,
            price=Money.of(total * stay.rooms, room_type.hotel.currency),
            available=fewest,
        )
        offers.setdefault(room_type.hotel_id, []).append(offer)
    for hotel_offers in offers.values():
        hotel_offers.sort(key=lambda o: (o.price.amount, o.room_type.capacity, o.room_type.pk))
    return offers


def hotel_search(search: HotelSearch) -> HotelSearchResult:
    """Hotels with at least one room type free on every night, their offers and facets."""
    hits = get_engine().hotels(
        HotelQuery(
            city_id=search.city_id,
            latitude=search.latitude,
            longitude=search.longitude,
            radius_km=search.radius_km,
            min_stars=search.min_stars,
            amenities=tuple(search.amenities),
            text=search.text,
            limit=MAX_CANDIDATES,
        )
    )
    if not hits:
        return HotelSearchResult(hotels=[], facets={"stars": {}, "amenities": {}})
    by_id = {hit.hotel_id: hit for hit in hits}
    offers = _offers_by_hotel(list(by_id), search.stay)
    hotels = (
        Hotel.objects.filter(pk__in=list(offers), is_published=True)
        .select_related("city")
        .prefetch_related("amenities")
    )
    results = []
    for hotel in hotels:
        result = HotelResult(hotel=hotel, hit=by_id[hotel.pk], offers=offers[hotel.pk])
        per_night = result.cheapest.price_per_night.amount
        if search.min_price is not None and per_night < search.min_price:
            continue
        if search.max_price is not None and per_night > search.max_price:
            continue
        results.append(result)
    _sort(results, search.sort)
    return HotelSearchResult(hotels=results, facets=_facets(results))


def _sort(results: list[HotelResult], sort: str) -> None:
    # Hotels of one search nearly always share a currency (a city); a radius across a
    # border mixes them, and amounts are only compared within a currency: the currency
    # most results use comes first.
    currencies = Counter(r.hotel.currency for r in results)

    def price_key(r: HotelResult) -> tuple:
        return (-currencies[r.hotel.currency], r.hotel.currency, r.cheapest.price.amount)

    keys = {
        "price": lambda r: (*price_key(r), r.hotel.pk),
        "-price": lambda r: (
            -currencies[r.hotel.currency],
            r.hotel.currency,
            -r.cheapest.price.amount,
            r.hotel.pk,
        ),  # fmt: skip
        "rating": lambda r: (
            r.hit.rating_score is None,
            -(r.hit.rating_score or 0),
            -r.hit.rating_count,
            *price_key(r),
        ),
        "distance": lambda r: (r.distance_km is None, r.distance_km or 0, r.hotel.pk),
        "stars": lambda r: (-r.hotel.stars, *price_key(r)),
    }
    results.sort(key=keys[sort])


def _facets(results: list[HotelResult]) -> dict[str, dict[str, int]]:
    stars = Counter(str(r.hotel.stars) for r in results)
    amenities = Counter(a.code for r in results for a in r.hotel.amenities.all())
    return {
        "stars": {k: stars[k] for k in sorted(stars, reverse=True)},
        "amenities": dict(sorted(amenities.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


@dataclass
class HotelDetail:
    hotel: Hotel
    room_types: list[RoomType]
    offers: list[RoomOffer] | None  # for the stay asked, None when no dates were given
    from_prices: dict[int, Money]  # room type id -> cheapest night in the next 30 days


def hotel_detail(*, hotel_id: int, stay: Stay | None, today: date) -> HotelDetail:
    hotel = (
        Hotel.objects.filter(pk=hotel_id, is_published=True)
        .select_related("city")
        .prefetch_related("amenities")
        .first()
    )
    if hotel is None:
        raise NotFound("No such hotel.")
    room_types = list(hotel.room_types.filter(is_published=True).order_by("capacity", "name"))
    for room_type in room_types:
        room_type.hotel = hotel  # spare a query per offer
    offers = None
    if stay is not None:
        offers = _offers_by_hotel([hotel.pk], stay).get(hotel.pk, [])
    lows = (
        RoomNight.objects.filter(
            room_type__in=room_types,
            date__gte=today,
            date__lt=today + timedelta(days=FROM_PRICE_DAYS),
            rooms_available__gte=1,
        )
        .values("room_type_id")
        .annotate(low=Min("price"))
        .values_list("room_type_id", "low")
    )
    from_prices = {rt: Money.of(low, hotel.currency) for rt, low in lows}
    return HotelDetail(hotel=hotel, room_types=room_types, offers=offers, from_prices=from_prices)
