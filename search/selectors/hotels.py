"""Hotel search and detail: engine candidates, then rooms free on every night from the database.

The engine (local or CloudSearch) answers which published hotels match the static filters
(place, stars, amenities, words); one aggregate query over `RoomNight` then keeps the room
types that have enough rooms on *every* night of the stay, with the stay's price. The
number of queries does not depend on the number of hotels found.

A search answers a page, and its cost follows the page where the answer allows: every match
is read only for what the count, facets, filters and order need (a narrow row per free room
type: ids, stars, currency, zone, price); what a result shows (the hotel's and room types'
rows, amenity names, offers and their signed ids) is read and built for the page shown.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import chain
from typing import NamedTuple

from django.db import connection
from django.db.models import Min

from catalog import references
from catalog.local_time import (
    hotel_free_cancellation_until,
    local_today,
    started_detail,
    stay_sold_until,
)
from catalog.models import Amenity, City, Hotel, RoomNight, RoomType
from search.engines import get_engine
from search.engines.base import HotelHit, HotelQuery
from search.models import DocumentKind
from travelguru.errors import InvalidInput, NotFound
from travelguru.money import Money, quantize
from travelguru.sql import Column, Query, Select, Table, marks, statement
from travelguru.text import fold

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


@dataclass(frozen=True, slots=True)
class RoomTypeInfo:
    """What an offer shows of its room type (read as a row, not a model instance)."""

    id: int
    name: str
    capacity: int
    beds: str
    size_m2: int | None
    breakfast_included: bool


@dataclass(frozen=True)
class RoomOffer:
    room_type: RoomTypeInfo
    stay: Stay
    price: Money  # the stay: every night, every room
    available: int  # rooms left on the fullest night
    # When free cancellation ends (the hotel's check-in time on its clock, as UTC), None
    # when the hotel offers none or when it has already ended: a booking made now could
    # not use it, so the offer must not promise it.
    free_until: datetime | None
    timezone: str  # the hotel's

    @property
    def price_per_night(self) -> Money:
        return Money.of(self.price.amount / self.stay.nights, self.price.currency)

    @property
    def free_cancellation_until(self) -> date | None:
        """The last day of free cancellation, a date at the hotel (as its dates are)."""
        if self.free_until is None:
            return None
        return local_today(self.timezone, now=self.free_until)


@dataclass(frozen=True, slots=True)
class CityInfo:
    id: int
    name: str
    country_code: str
    timezone: str


@dataclass(frozen=True, slots=True)
class HotelInfo:
    """What a search result shows of a hotel."""

    id: int
    name: str
    stars: int
    address: str
    latitude: float
    longitude: float
    city: CityInfo
    amenities: tuple[tuple[str, str], ...]  # (code, name), by code
    currency: str
    free_cancellation_days: int | None
    check_in_time: time


@dataclass(frozen=True, slots=True)
class FreeRoom:
    """A room type free on every night of the stay, priced (from the one grouped query)."""

    room_type_id: int
    capacity: int
    amount: Decimal  # the stay (every night, every room) in the hotel's currency, rounded
    available: int  # rooms left on the fullest night


@dataclass(slots=True)
class HotelMatch:
    """One hotel found: what ranking, filters, facets, paging and the answer's lifetime
    need, and no more.

    What a result shows of it (`HotelInfo`, room types, offers) is read and built by
    `hotel_results` only for the page shown."""

    hotel_id: int
    stars: int
    currency: str
    timezone: str  # its city's
    hit: HotelHit
    rooms: list[FreeRoom]  # cheapest first (price, capacity, id), never empty

    @property
    def cheapest(self) -> FreeRoom:
        return self.rooms[0]

    @property
    def distance_km(self) -> float | None:
        return self.hit.distance_km


@dataclass
class HotelResult:
    hotel: HotelInfo
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
    hotels: list[HotelMatch]  # every hotel found, in the order asked
    facets: dict[str, dict[str, int]]


def city_resolve(value: str) -> City:
    """A City from an id ("2988507"), a name ("Paris") or "name, CC" ("Paris, FR")."""
    value = value.strip()
    city = None
    if value.isdigit():
        city = City.objects.filter(pk=int(value)).first()
    else:
        name, _, country = (part.strip() for part in value.partition(","))
        wanted, country = fold(name), country.upper()
        # Kept per process: with CloudSearch the engine is a network round trip. A city
        # deleted since is unknown until forgotten, as it is in the engine until its sync.
        city_id = references.city_id_named(
            wanted, country, lambda: _city_id_in_engine(name, wanted, country)
        )
        if city_id is not None:
            city = City.objects.filter(pk=city_id).first()
    if city is None:
        raise InvalidInput("Unknown city; pick one from /api/cities?q=…", field="city")
    return city


def _city_id_in_engine(text: str, wanted: str, country: str) -> int | None:
    """The biggest city the engine suggests for `text` whose folded name is `wanted`, in
    `country` ("" for any): "London" is London, GB."""
    suggestions = get_engine().destinations(text=text, kinds=[DocumentKind.CITY], limit=50)
    for suggestion in suggestions:  # biggest first
        if fold(suggestion.name) == wanted and country in ("", suggestion.country_code):
            return suggestion.id
    return None


def stay_check(stay: Stay, *, tz_name: str, place: str, now: datetime) -> None:
    """InvalidInput (400, on check_in) when the check-in date is over at the place: the
    query's dates are the hotel's calendar, where it may already be tomorrow."""
    if now >= stay_sold_until(check_in=stay.check_in, tz_name=tz_name):
        raise InvalidInput(
            started_detail(
                event=f"Check-in on {stay.check_in.isoformat()}", place=place,
                tz_name=tz_name, now=now,
            ),
            field="check_in",
        )  # fmt: skip


def amenity_codes() -> set[str]:
    return set(Amenity.objects.values_list("code", flat=True))


class _MatchRow(NamedTuple):
    """A room type free on every night of the stay, priced, with what ranking, filtering and
    counting its hotel need (read for every match: nothing a result only shows)."""

    hotel_id: int
    stars: int
    currency: str
    timezone: str
    room_type_id: int
    capacity: int
    total: Decimal  # every night's price of one room
    fewest: int  # rooms left on the fullest night


def _free_params(hotel_ids: Sequence[int], stay: Stay) -> list[object]:
    """The parameters of `_free_sql`, then True (the hotel is published)."""
    ops = connection.ops
    return [
        *hotel_ids,
        True,
        stay.min_capacity,
        ops.adapt_datefield_value(stay.check_in),
        ops.adapt_datefield_value(stay.check_out),
        stay.rooms,
        stay.nights,
        stay.nights,
        True,
    ]


def _free_sql(hotels: int) -> str:
    """The one rule of "free", as a derived table `f` (room_type_id, hotel_id, capacity,
    total, fewest): a published room type of one of `hotels` hotels taking `min_capacity`
    guests with `rooms` left on every night of the stay (a row per night: count == nights).
    Hotel search and hotel detail both read it here. Parameters: the hotel ids, True, min
    capacity, check-in, check-out, rooms, nights, nights."""
    n, t = Table(RoomNight, "n"), Table(RoomType, "t")
    # MIN() of a room type's own columns: one value per group, on every database.
    return f"""
        SELECT {n.c.room_type} AS room_type_id, MIN({t.c.hotel}) AS hotel_id,
               MIN({t.c.capacity}) AS capacity, SUM({n.c.price}) AS total,
               MIN({n.c.rooms_available}) AS fewest
        FROM {n}
        INNER JOIN {t} ON {t.c.id} = {n.c.room_type}
        WHERE {t.c.hotel} IN ({marks(hotels)}) AND {t.c.is_published} = %s
          AND {t.c.capacity} >= %s AND {n.c.date} >= %s AND {n.c.date} < %s
          AND {n.c.rooms_available} >= %s
          AND NOT {n.c.stop_sell} AND {n.c.min_stay} <= %s
        GROUP BY {n.c.room_type}
        HAVING COUNT({n.c.id}) = %s
    """  # noqa: S608 # nosec B608


def _free_matches(hotel_ids: Sequence[int], stay: Stay) -> dict[int, list[_MatchRow]]:
    """Hotel id -> its free room types (`_free_sql`'s rule), hotels in the database's name
    order, for every published hotel among `hotel_ids` with one."""
    free: dict[int, list[_MatchRow]] = {}
    for row in _free_matches_query(len(hotel_ids)).fetch(_free_params(hotel_ids, stay)):
        free.setdefault(row.hotel_id, []).append(row)
    return free


def _free_rooms(rows: Sequence[_MatchRow], stay: Stay) -> list[FreeRoom]:
    """One hotel's free room types priced for the stay (rounded as Money.of rounds), cheapest
    first (price, capacity, id)."""
    currency = rows[0].currency
    rooms = [
        FreeRoom(r.room_type_id, r.capacity, quantize(r.total * stay.rooms, currency), r.fewest)
        for r in rows
    ]
    if len(rooms) > 1:
        rooms.sort(key=lambda r: (r.amount, r.capacity, r.room_type_id))
    return rooms


# Written out: every hotel search runs it, over every match, and building it with the ORM
# cost more CPU than everything else the search does with its rows. Its rows are narrow (no
# name, address or room type text): a match off the page costs the index reads of its
# nights and one hotel and city row, and no more.
@statement((1,), (3,))
def _free_matches_query(hotels: int) -> Query[_MatchRow]:
    """Parameters: `_free_params`."""
    h, c = Table(Hotel, "h"), Table(City, "c")
    price = Table(RoomNight, "n").c.price.field
    row = Select(
        _MatchRow,
        hotel_id=h.c.id, stars=h.c.stars, currency=h.c.currency, timezone=c.c.timezone,
        room_type_id=Column("f.room_type_id"), capacity=Column("f.capacity"),
        total=Column("f.total", price), fewest=Column("f.fewest"),
    )  # fmt: skip
    # On MySQL/MariaDB the free room types are joined first, whatever the statistics say:
    # with some, the optimiser started from the cities and probed every hotel of every
    # city for the derived table (5,957 index reads for 149 rows at scale 10, 4x the time).
    join = "STRAIGHT_JOIN" if connection.vendor == "mysql" else "INNER JOIN"
    sql = f"""
        SELECT {row}
        FROM ({_free_sql(hotels)}) f
        {join} {h} ON {h.c.id} = f.hotel_id
        {join} {c} ON {c.c.id} = {h.c.city}
        WHERE {h.c.is_published} = %s
        ORDER BY {h.c.name}, {h.c.id}
    """  # noqa: S608 # nosec B608
    return Query(sql, row)


class _ShownRow(NamedTuple):
    """What a result shows of a room type, its hotel and city."""

    hotel_id: int
    hotel_name: str
    stars: int
    address: str
    latitude: float
    longitude: float
    currency: str
    free_cancellation_days: int | None
    check_in_time: time
    city_id: int
    city_name: str
    country_code: str
    timezone: str
    room_type_id: int
    room_type_name: str
    capacity: int
    beds: str
    size_m2: int | None
    breakfast_included: bool


# Written out, as `_free_matches_query`: every hotel search runs it, for the page shown.
@statement((1,), (3,))
def _shown_query(room_types: int) -> Query[_ShownRow]:
    """Parameters: the room type ids. Every row read by primary key."""
    rt, h, c = Table(RoomType, "rt"), Table(Hotel, "h"), Table(City, "c")
    row = Select(
        _ShownRow,
        hotel_id=h.c.id, hotel_name=h.c.name, stars=h.c.stars, address=h.c.address,
        latitude=h.c.latitude, longitude=h.c.longitude, currency=h.c.currency,
        free_cancellation_days=h.c.free_cancellation_days, check_in_time=h.c.check_in_time,
        city_id=c.c.id, city_name=c.c.name, country_code=c.c.country_code,
        timezone=c.c.timezone, room_type_id=rt.c.id, room_type_name=rt.c.name,
        capacity=rt.c.capacity, beds=rt.c.beds, size_m2=rt.c.size_m2,
        breakfast_included=rt.c.breakfast_included,
    )  # fmt: skip
    sql = f"""
        SELECT {row}
        FROM {rt}
        INNER JOIN {h} ON {h.c.id} = {rt.c.hotel}
        INNER JOIN {c} ON {c.c.id} = {h.c.city}
        WHERE {rt.c.id} IN ({marks(room_types)})
    """  # noqa: S608 # nosec B608
    return Query(sql, row)


class _AmenityRow(NamedTuple):
    hotel_id: int
    code: str
    name: str


def _amenities(hotel_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    """hotel id -> its amenities as (code, name), by code: one query."""
    amenities: dict[int, list[tuple[str, str]]] = {}
    for row in _amenities_query(len(hotel_ids)).fetch(list(hotel_ids)):
        amenities.setdefault(row.hotel_id, []).append((row.code, row.name))
    return amenities


# Written out, as `_free_matches_query`: every hotel search runs it.
@statement((1,), (3,))
def _amenities_query(hotels: int) -> Query[_AmenityRow]:
    """Parameters: the hotel ids."""
    ha, a = Table(Hotel.amenities.through, "ha"), Table(Amenity, "a")
    row = Select(_AmenityRow, hotel_id=ha.c.hotel, code=a.c.code, name=a.c.name)
    sql = f"""
        SELECT {row}
        FROM {ha} INNER JOIN {a} ON {a.c.id} = {ha.c.amenity}
        WHERE {ha.c.hotel} IN ({marks(hotels)})
        ORDER BY {a.c.code}
    """  # noqa: S608 # nosec B608
    return Query(sql, row)


def hotel_search(search: HotelSearch, *, now: datetime) -> HotelSearchResult:
    """Hotels with at least one room type free on every night, in the order asked, and facets.

    One query over every match whatever their number, read as narrow typed rows: the room
    types free on every night with the stay's price, and what ranking and counting need of
    their hotel (`_free_matches`). The facets count the matches' stars (their rows) and
    amenities (the engine's, which the amenity filter matched). What the page shows is
    read and built by `hotel_results`. A hotel where the check-in date is already over
    (its city's clock at `now`) has no offer: around a point the hotels found may not share
    one calendar."""
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
    empty = HotelSearchResult(hotels=[], facets={"stars": {}, "amenities": {}})
    if not hits:
        return empty
    by_id = {hit.hotel_id: hit for hit in hits}
    free = _free_matches(list(by_id), search.stay)
    if not free:
        return empty
    stay = search.stay
    price_filter = search.min_price is not None or search.max_price is not None
    matches = []
    # Per zone, not per hotel: a zone conversion costs more than the rest of a row's work,
    # and a search's hotels share one zone or a few.
    sold_until: dict[str, datetime] = {}
    for hotel_id, rows in free.items():  # the database's name order; the sorts are stable
        first = rows[0]
        until = sold_until.get(first.timezone)
        if until is None:
            until = sold_until[first.timezone] = stay_sold_until(
                check_in=stay.check_in, tz_name=first.timezone
            )
        if now >= until:
            continue
        currency = first.currency
        rooms = _free_rooms(rows, stay)
        if price_filter:
            per_night = _per_night(Money(rooms[0].amount, currency), stay)
            if search.min_price is not None and per_night < search.min_price:
                continue
            if search.max_price is not None and per_night > search.max_price:
                continue
        matches.append(
            HotelMatch(hotel_id, first.stars, currency, first.timezone, by_id[hotel_id], rooms)
        )
    _sort(matches, search.sort)
    return HotelSearchResult(hotels=matches, facets=_facets(matches))


def hotel_answer_true_until(
    matches: Sequence[HotelMatch], shown: Sequence[HotelResult], stay: Stay
) -> datetime | None:
    """The first instant an answer with these matches, showing the results `shown` (its
    page), stops being true by the clock alone: a hotel's check-in day ends (any match: it
    leaves the count), or a free cancellation a shown offer promises ends (None: no match).
    """
    # Once per zone, and per distinct (zone, check-in time, free days) shown.
    moments = [
        stay_sold_until(check_in=stay.check_in, tz_name=tz_name)
        for tz_name in {m.timezone for m in matches}
    ]
    kinds = {
        (r.hotel.city.timezone, r.hotel.check_in_time, r.hotel.free_cancellation_days)
        for r in shown
    }
    for tz_name, check_in_time, free_days in kinds:
        free_until = hotel_free_cancellation_until(
            check_in=stay.check_in, check_in_time=check_in_time, free_days=free_days,
            tz_name=tz_name,
        )  # fmt: skip
        if free_until is not None:
            moments.append(free_until)
    return min(moments, default=None)


def _per_night(price: Money, stay: Stay) -> Decimal:
    return Money.of(price.amount / stay.nights, price.currency).amount


def hotel_results(matches: Sequence[HotelMatch], stay: Stay, *, now: datetime) -> list[HotelResult]:
    """The matches (one page of them) as results: each hotel's row, amenities and every free
    room type as an offer, read for these matches only (two queries, none for no match).

    A match whose hotel or room types were deleted since the search read them is left out
    rather than shown without an offer."""
    room_type_ids = [room.room_type_id for match in matches for room in match.rooms]
    if not room_type_ids:
        return []
    shown = {row.room_type_id: row for row in _shown_query(len(room_type_ids)).fetch(room_type_ids)}
    amenities = _amenities([match.hotel_id for match in matches])
    results = []
    for match in matches:
        rows = [shown[room.room_type_id] for room in match.rooms if room.room_type_id in shown]
        if not rows:
            continue
        row = rows[0]
        hotel = HotelInfo(
            id=row.hotel_id,
            name=row.hotel_name,
            stars=row.stars,
            address=row.address,
            latitude=row.latitude,
            longitude=row.longitude,
            city=CityInfo(row.city_id, row.city_name, row.country_code, row.timezone),
            amenities=tuple(amenities.get(row.hotel_id, ())),
            currency=row.currency,
            free_cancellation_days=row.free_cancellation_days,
            check_in_time=row.check_in_time,
        )
        room_types = {
            r.room_type_id: RoomTypeInfo(
                r.room_type_id,
                r.room_type_name,
                r.capacity,
                r.beds,
                r.size_m2,
                r.breakfast_included,
            )  # fmt: skip
            for r in rows
        }
        results.append(
            HotelResult(
                hotel=hotel,
                hit=match.hit,
                offers=_offers(match.rooms, room_types, stay, hotel, now=now),
            )
        )
    return results


def _offers(
    rooms: Sequence[FreeRoom],
    room_types: dict[int, RoomTypeInfo],
    stay: Stay,
    hotel: HotelInfo | Hotel,
    *,
    now: datetime,
) -> list[RoomOffer]:
    # The same deadline the booking will record (bookings.services.policies), or none.
    free_until = hotel_free_cancellation_until(
        check_in=stay.check_in,
        check_in_time=hotel.check_in_time,
        free_days=hotel.free_cancellation_days,
        tz_name=hotel.city.timezone,
    )
    if free_until is not None and free_until <= now:
        free_until = None
    return [
        RoomOffer(
            room_type=room_types[room.room_type_id],
            stay=stay,
            price=Money(room.amount, hotel.currency),
            available=room.available,
            free_until=free_until,
            timezone=hotel.city.timezone,
        )
        for room in rooms
        if room.room_type_id in room_types
    ]


def _sort(results: list[HotelMatch], sort: str) -> None:
    # Hotels of one search nearly always share a currency (a city); a radius across a
    # border mixes them, and amounts are only compared within a currency: the currency
    # most results use comes first.
    currencies = Counter(r.currency for r in results)

    def price_key(r: HotelMatch) -> tuple:
        return (-currencies[r.currency], r.currency, r.cheapest.amount)

    keys = {
        "price": lambda r: (*price_key(r), r.hotel_id),
        "-price": lambda r: (-currencies[r.currency], r.currency, -r.cheapest.amount, r.hotel_id),
        "rating": lambda r: (
            r.hit.rating_score is None,
            -(r.hit.rating_score or 0),
            -r.hit.rating_count,
            *price_key(r),
        ),
        "distance": lambda r: (r.distance_km is None, r.distance_km or 0, r.hotel_id),
        "stars": lambda r: (-r.stars, *price_key(r)),
    }
    results.sort(key=keys[sort])


def _facets(results: list[HotelMatch]) -> dict[str, dict[str, int]]:
    """Stars and amenities over every match. The amenities are the engine's copy (what the
    amenity filter matched, so a facet's count is what choosing it finds): a match off the
    page costs no read of its amenities."""
    stars = Counter(str(r.stars) for r in results)
    amenities = Counter(chain.from_iterable(r.hit.amenities for r in results))
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


def hotel_detail(*, hotel_id: int, stay: Stay | None, now: datetime) -> HotelDetail:
    """The hotel, its room types with a "from" price over the next days (its own calendar),
    and offers for `stay`. Raises NotFound, or InvalidInput when the stay's check-in date is
    over at the hotel."""
    hotel = (
        Hotel.objects.filter(pk=hotel_id, is_published=True)
        .select_related("city")
        .prefetch_related("amenities")
        .first()
    )
    if hotel is None:
        raise NotFound("No such hotel.")
    zone = hotel.city.timezone
    if stay is not None:
        stay_check(stay, tz_name=zone, place=hotel.city.name, now=now)
    room_types = list(hotel.room_types.filter(is_published=True).order_by("capacity", "name"))
    offers = None
    today = local_today(zone, now=now)
    if stay is not None:
        rows = _free_matches([hotel.pk], stay).get(hotel.pk)
        rooms = _free_rooms(rows, stay) if rows else []
        shown = {
            rt.pk: RoomTypeInfo(
                rt.pk, rt.name, rt.capacity, rt.beds, rt.size_m2, rt.breakfast_included
            )
            for rt in room_types
        }
        offers = _offers(rooms, shown, stay, hotel, now=now)
    lows = (
        RoomNight.objects.filter(
            room_type__in=room_types,
            date__gte=today,
            date__lt=today + timedelta(days=FROM_PRICE_DAYS),
            rooms_available__gte=1,
            stop_sell=False,
        )
        .values("room_type_id")
        .annotate(low=Min("price"))
        .values_list("room_type_id", "low")
    )
    from_prices = {rt: Money.of(low, hotel.currency) for rt, low in lows}
    return HotelDetail(hotel=hotel, room_types=room_types, offers=offers, from_prices=from_prices)
