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
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Min, Sum

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
from search.selectors.sql import column_values
from search.text import fold
from travelguru.errors import InvalidInput, NotFound
from travelguru.money import Money, quantize

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
    room_type: RoomTypeInfo | None = None  # read with it by hotel search


@dataclass(slots=True)
class HotelMatch:
    """One hotel found: what ranking, filters, facets and paging need, and no more.

    Its offers are built (`hotel_results`) only for the page shown."""

    hotel: HotelInfo
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
        wanted = fold(name)
        suggestions = get_engine().destinations(text=name, kinds=[DocumentKind.CITY], limit=50)
        for suggestion in suggestions:  # biggest first: "London" is London, GB
            if fold(suggestion.name) == wanted and country.upper() in ("", suggestion.country_code):
                city = City.objects.filter(pk=suggestion.id).first()
                break
    if city is None:
        raise InvalidInput("Unknown city; pick one from /api/cities?q=…", field="city")
    return city


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


def _free_rooms(
    hotel_ids: Sequence[int], stay: Stay, currencies: dict[int, str]
) -> dict[int, list[FreeRoom]]:
    """hotel id -> its room types free on every night with enough room, cheapest first.

    One aggregate query over `RoomNight` whatever the number of hotels: a room type is free
    when it has a row with `rooms` left for each night (count == nights). `currencies`:
    each hotel's, the currency of its prices."""
    nights = RoomNight.objects.filter(
        room_type__hotel_id__in=list(hotel_ids),
        room_type__is_published=True,
        room_type__capacity__gte=stay.min_capacity,
        date__gte=stay.check_in,
        date__lt=stay.check_out,
        rooms_available__gte=stay.rooms,
        stop_sell=False,
        min_stay__lte=stay.nights,
    )
    group = ("room_type_id", "room_type__hotel_id", "room_type__capacity")
    rows = (
        nights.values(*group)
        .annotate(n=Count("id"), total=Sum("price"), fewest=Min("rooms_available"))
        .filter(n=stay.nights)
        .values_list(*group, "total", "fewest")
        .order_by()
    )
    free: dict[int, list[FreeRoom]] = {}
    for room_type_id, hotel_id, capacity, total, fewest in rows:
        amount = quantize(total * stay.rooms, currencies[hotel_id])  # as Money.of rounds
        free.setdefault(hotel_id, []).append(FreeRoom(room_type_id, capacity, amount, fewest))
    for rooms in free.values():
        rooms.sort(key=lambda r: (r.amount, r.capacity, r.room_type_id))
    return free


def _free_stays(
    hotel_ids: Sequence[int], stay: Stay
) -> tuple[list[tuple], dict[int, list[FreeRoom]]]:
    """The published hotels among `hotel_ids` with a room type free on every night of the
    stay (their rows: the hotel and city columns, then the hotel's check-in time; in the
    database's name order), and hotel id -> those room types, cheapest first, with what an
    offer shows of them.

    One query, in SQL rather than through the ORM: it runs on every search, and building it
    with the ORM cost more CPU than everything else the search does with its result. The
    aggregate is decision 57's (a room type is free when it has a row with `rooms` left for
    each night: count == nights); the outer joins read the hotel, city and room type rows
    by primary key."""
    if not hotel_ids:
        return [], {}
    ops = connection.ops
    marks = ", ".join(["%s"] * len(hotel_ids))
    # Formatted in: table names from the models and placeholders, never a value.
    sql = f"""
        SELECT h.id, h.name, h.stars, h.address, h.latitude, h.longitude, h.currency,
               h.free_cancellation_days, h.city_id, c.name, c.country_code, c.timezone,
               rt.id, rt.name, rt.capacity, rt.beds, rt.size_m2, rt.breakfast_included,
               f.total, f.fewest, h.check_in_time
        FROM (
            SELECT n.room_type_id AS room_type_id, SUM(n.price) AS total,
                   MIN(n.rooms_available) AS fewest
            FROM {RoomNight._meta.db_table} n
            INNER JOIN {RoomType._meta.db_table} t ON t.id = n.room_type_id
            WHERE t.hotel_id IN ({marks}) AND t.is_published = %s AND t.capacity >= %s
              AND n.date >= %s AND n.date < %s AND n.rooms_available >= %s
              AND NOT n.stop_sell AND n.min_stay <= %s
            GROUP BY n.room_type_id
            HAVING COUNT(n.id) = %s
        ) f
        INNER JOIN {RoomType._meta.db_table} rt ON rt.id = f.room_type_id
        INNER JOIN {Hotel._meta.db_table} h ON h.id = rt.hotel_id
        INNER JOIN {City._meta.db_table} c ON c.id = h.city_id
        WHERE h.is_published = %s
        ORDER BY h.name, h.id
    """  # noqa: S608 # nosec B608
    params = [
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
    total = column_values(RoomNight._meta.get_field("price"))
    breakfast = column_values(RoomType._meta.get_field("breakfast_included"))
    check_in_time = column_values(Hotel._meta.get_field("check_in_time"))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    hotels: list[tuple] = []
    free: dict[int, list[FreeRoom]] = {}
    for row in rows:
        hotel_id, currency = row[0], row[6]
        rooms = free.get(hotel_id)
        if rooms is None:
            rooms = free[hotel_id] = []
            hotels.append((*row[:12], check_in_time(row[20])))
        room_type = RoomTypeInfo(*row[12:17], breakfast(row[17]))  # type: ignore[arg-type]
        amount = quantize(total(row[18]) * stay.rooms, currency)  # type: ignore[operator]
        rooms.append(FreeRoom(room_type.id, room_type.capacity, amount, row[19], room_type))
    for rooms in free.values():
        rooms.sort(key=lambda r: (r.amount, r.capacity, r.room_type_id))
    return hotels, free


def _amenities(hotel_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    """hotel id -> its amenities as (code, name), by code: one query, in SQL (see above)."""
    through = Hotel.amenities.through._meta.db_table
    marks = ", ".join(["%s"] * len(hotel_ids))
    sql = f"""
        SELECT ha.hotel_id, a.code, a.name
        FROM {through} ha INNER JOIN {Amenity._meta.db_table} a ON a.id = ha.amenity_id
        WHERE ha.hotel_id IN ({marks})
        ORDER BY a.code
    """  # noqa: S608 # nosec B608
    amenities: dict[int, list[tuple[str, str]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, list(hotel_ids))
        for hotel_id, code, name in cursor.fetchall():
            amenities.setdefault(hotel_id, []).append((code, name))
    return amenities


def hotel_search(search: HotelSearch, *, now: datetime) -> HotelSearchResult:
    """Hotels with at least one room type free on every night, in the order asked, and facets.

    Two queries whatever the number of hotels found, read as tuples: the room types free on
    every night with the stay's price and their hotel's row (`_free_stays`), and the
    amenities. The offers shown are built by `hotel_results` for one page. A hotel where
    the check-in date is already over (its city's clock at `now`) has no offer: around a
    point the hotels found may not share one calendar."""
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
    rows, free = _free_stays(list(by_id), search.stay)
    if not free:
        return empty
    amenities = _amenities(list(free))
    matches = []
    # Per zone, not per hotel: a zone conversion costs more than the rest of a row's work,
    # and a search's hotels share one zone or a few.
    sold_until: dict[str, datetime] = {}
    for row in rows:  # the database's name order first; the sorts below are stable
        hotel_id = row[0]
        until = sold_until.get(row[11])
        if until is None:
            until = sold_until[row[11]] = stay_sold_until(
                check_in=search.stay.check_in, tz_name=row[11]
            )
        if now >= until:
            continue
        rooms = free[hotel_id]
        if search.min_price is not None or search.max_price is not None:
            per_night = _per_night(Money(rooms[0].amount, row[6]), search.stay)
            if search.min_price is not None and per_night < search.min_price:
                continue
            if search.max_price is not None and per_night > search.max_price:
                continue
        hotel = HotelInfo(
            *row[:6],
            city=CityInfo(*row[8:12]),
            amenities=tuple(amenities.get(hotel_id, ())),
            currency=row[6],
            free_cancellation_days=row[7],
            check_in_time=row[12],
        )
        matches.append(HotelMatch(hotel=hotel, hit=by_id[hotel_id], rooms=rooms))
    _sort(matches, search.sort)
    return HotelSearchResult(hotels=matches, facets=_facets(matches))


def hotel_answer_true_until(matches: Sequence[HotelMatch], stay: Stay) -> datetime | None:
    """The first instant an answer with these matches stops being true by the clock alone:
    a hotel's check-in day ends, or a free cancellation it shows ends (None: no match)."""
    # Once per distinct (zone, check-in time, free days): a search's hotels share a few.
    kinds = {
        (m.hotel.city.timezone, m.hotel.check_in_time, m.hotel.free_cancellation_days)
        for m in matches
    }
    moments = []
    for tz_name, check_in_time, free_days in kinds:
        moments.append(stay_sold_until(check_in=stay.check_in, tz_name=tz_name))
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
    """The matches (one page of them) with every free room type as an offer (no query: the
    room types were read with the stay's prices)."""
    return [
        HotelResult(
            hotel=match.hotel,
            hit=match.hit,
            offers=_offers(
                match.rooms,
                {room.room_type_id: room.room_type for room in match.rooms if room.room_type},
                stay,
                match.hotel,
                now=now,
            ),
        )
        for match in matches
    ]


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
    currencies = Counter(r.hotel.currency for r in results)

    def price_key(r: HotelMatch) -> tuple:
        return (-currencies[r.hotel.currency], r.hotel.currency, r.cheapest.amount)

    keys = {
        "price": lambda r: (*price_key(r), r.hotel.id),
        "-price": lambda r: (
            -currencies[r.hotel.currency],
            r.hotel.currency,
            -r.cheapest.amount,
            r.hotel.id,
        ),  # fmt: skip
        "rating": lambda r: (
            r.hit.rating_score is None,
            -(r.hit.rating_score or 0),
            -r.hit.rating_count,
            *price_key(r),
        ),
        "distance": lambda r: (r.distance_km is None, r.distance_km or 0, r.hotel.id),
        "stars": lambda r: (-r.hotel.stars, *price_key(r)),
    }
    results.sort(key=keys[sort])


def _facets(results: list[HotelMatch]) -> dict[str, dict[str, int]]:
    stars = Counter(str(r.hotel.stars) for r in results)
    amenities = Counter(code for r in results for code, _ in r.hotel.amenities)
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
        infos = {
            rt.pk: RoomTypeInfo(
                rt.pk, rt.name, rt.capacity, rt.beds, rt.size_m2, rt.breakfast_included
            )
            for rt in room_types
        }
        rooms = _free_rooms([hotel.pk], stay, {hotel.pk: hotel.currency}).get(hotel.pk, [])
        offers = _offers(rooms, infos, stay, hotel, now=now)
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
