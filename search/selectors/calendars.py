"""Price calendars for flexible travelers: the lowest price per day, from live inventory.

A flight calendar is the lowest of the route's itineraries over a week around the day
asked, found with the one-way search's own rules and queries (`_Search.lowest_between`)
once for the whole week, not once per day, and without making the itineraries; a hotel
calendar reads a city's cheapest nights of each date of a month first, then the stays they
make, until each day's cheapest stay is proven (a few rows per date, whatever the number of
hotels). Both answer in a number of queries
that does not depend on the number of days or hotels, and both are cached like searches,
under the same versions, so a price change shows at once.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import Max, Min, Q

from catalog.local_time import day_end, local_today
from catalog.models import City, Hotel, RoomNight, RoomType
from search.engines import get_engine
from search.selectors.flights import (
    MAX_STOPS,
    Party,
    _airports_get,
    _local_day_in_utc,
    _Search,
)
from search.selectors.hotels import Stay
from travelguru.money import Money
from travelguru.sql import Query, Select, Table, statement

FLIGHT_CALENDAR_DAYS = 3  # either side of the day asked


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """The lowest price of a day, or None when nothing is sold that day (or it is over)."""

    day: date
    price: Money | None


def flight_calendar(
    *,
    origin: str,
    destination: str,
    day: date,
    party: Party,
    cabin: str,
    max_stops: int = MAX_STOPS,
    now: datetime,
    last_day: date,
) -> list[CalendarDay]:
    """The lowest one-way price per departure day (local at the origin) from `day` - 3 to
    `day` + 3, never before the origin's today nor after `last_day` (the horizon).

    Prices are the party's, for direct and one-stop itineraries as the search offers them.
    Raises InvalidInput for an unknown airport code."""
    source, target = _airports_get(origin=origin, destination=destination)
    today = local_today(source.timezone, now=now)
    first = max(day - timedelta(days=FLIGHT_CALENDAR_DAYS), today)
    last = min(day + timedelta(days=FLIGHT_CALENDAR_DAYS), last_day)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    if not days:
        return []
    search = _Search(party=party, cabin=cabin, max_stops=max_stops, now=now, engine=get_engine())
    # Each day's first instant, UTC: a departure's day is found by bisection (rows: hundreds).
    starts = [_local_day_in_utc(d, source.timezone)[0] for d in days]
    end = day_end(days[-1], source.timezone)
    # Per day, the lowest in each currency: amounts of two currencies are not compared.
    lowest: dict[date, dict[str, Decimal]] = defaultdict(dict)
    sold: Counter[str] = Counter()
    for departure, amount, currency in search.lowest_between(
        source=source, target=target, start=starts[0], end=end
    ):
        leaves = days[bisect_right(starts, departure) - 1]
        seen = lowest[leaves].get(currency)
        if seen is None or amount < seen:
            lowest[leaves][currency] = amount
        sold[currency] += 1
    # A day sold in several currencies shows the one most of the week's departures use,
    # so the strip of days reads in one currency where it can (ties: the first code).
    rank = {c: (-n, c) for c, n in sold.items()}
    answer = []
    for d in days:
        prices = lowest.get(d)
        if not prices:
            answer.append(CalendarDay(d, None))
            continue
        currency = min(prices, key=rank.__getitem__)
        answer.append(CalendarDay(d, Money.of(prices[currency], currency)))
    return answer


def hotel_calendar(
    *, city: City, month: date, nights: int, guests: int, rooms: int, now: datetime
) -> list[CalendarDay]:
    """The lowest price of a `nights`-night stay (every room, every night) per check-in day
    of the calendar month of `month`, among the city's published hotels.

    A stay is one room type on every night: a published room type taking the guests, with
    enough rooms, not stopped, every night's minimum stay at most the stay's (the search's
    rule of "free"). Days already over in the city have no price; prices are in the
    currency most of the city's hotels use (amounts of two currencies are not compared).

    What it reads follows the month, not the number of hotels (`_Cheapest`): a city's
    nights of each date are read cheapest first, a few at a time, until the cheapest stay
    found is proven the lowest. A city whose hotels use more than one currency is read
    whole (`_calendar_read_all`)."""
    first_day = month.replace(day=1)
    following = (first_day + timedelta(days=31)).replace(day=1)
    days = [first_day + timedelta(days=n) for n in range((following - first_day).days)]
    today = local_today(city.timezone, now=now)
    check_ins = [d for d in days if d >= today]
    # Two ends of an index (city, published, currency), whatever the number of hotels.
    currencies = Hotel.objects.filter(city=city, is_published=True).aggregate(
        low=Min("currency"), high=Max("currency")
    )
    if currencies["low"] != currencies["high"]:
        return _calendar_read_all(city=city, days=days, nights=nights, guests=guests,
                                  rooms=rooms, today=today)  # fmt: skip
    if not check_ins or currencies["low"] is None:
        return [CalendarDay(d, None) for d in days]
    stay = Stay(first_day, first_day + timedelta(days=nights), guests=guests, rooms=rooms)
    lowest = _Cheapest(city=city, stay=stay).stays(check_ins)
    if lowest is None:  # too many rounds: a month where reading it whole costs less
        return _calendar_read_all(city=city, days=days, nights=nights, guests=guests,
                                  rooms=rooms, today=today)  # fmt: skip
    currency = currencies["low"]
    answer = []
    for d in days:
        low = lowest.get(d)
        answer.append(CalendarDay(d, None if low is None else Money.of(low * rooms, currency)))
    return answer


_Head = tuple[int, Decimal]  # a room type and its price on a night


class _Cheapest:
    """The lowest one-room price of a stay of `stay.nights` nights per check-in day, read
    through the city's nights of each date cheapest first (`RoomNight.city, date, price`).

    Each round reads the `k` cheapest sellable nights of every date still needed (one
    query), then the other nights of the stays those room types could make (one query,
    by room type and date). A check-in day is settled when the cheapest stay found costs no
    more than the sum of its nights' k-th cheapest prices (a room type not among the k
    cheapest of any of its nights costs at least that), or when one of its nights has
    fewer than k sellable nights (every room type that could sell it was read). Otherwise
    the next round reads more of its nights. Exact: the same answer as reading every
    night of the city (`_calendar_read_all`), which the tests compare."""

    FIRST_K = 8
    GROWTH = 4
    LAST_K = 512  # past it, None: the caller reads the month whole

    def __init__(self, *, city: City, stay: Stay) -> None:
        self.nights = stay.nights
        self.stay = stay
        # The rule of "free" for one night, hotels checked live (published, in the city).
        self.sellable = RoomNight.objects.filter(
            room_type__hotel__city=city,
            room_type__hotel__is_published=True,
            room_type__is_published=True,
            room_type__capacity__gte=stay.min_capacity,
            rooms_available__gte=stay.rooms,
            stop_sell=False,
            min_stay__lte=stay.nights,
        )
        self.city = city
        self.price: dict[tuple[int, date], Decimal | None] = {}  # (room type, night) read

    def stays(self, check_ins: Sequence[date]) -> dict[date, Decimal | None] | None:
        answer: dict[date, Decimal | None] = {}
        pending = list(check_ins)
        k = self.FIRST_K
        while pending:
            if k > self.LAST_K:
                return None
            dates = sorted({d + timedelta(days=n) for d in pending for n in range(self.nights)})
            heads = self._cheapest_first(dates, k)
            self._read_stays(pending, heads)
            unsettled = []
            for check_in in pending:
                stay_nights = [check_in + timedelta(days=n) for n in range(self.nights)]
                best = self._best(check_in, stay_nights, heads)
                if any(len(heads[night]) < k for night in stay_nights):
                    answer[check_in] = best  # every room type sellable on it was read
                    continue
                bound = sum((heads[night][-1][1] for night in stay_nights), Decimal(0))
                if best is not None and best <= bound:
                    answer[check_in] = best
                else:
                    unsettled.append(check_in)
            pending = unsettled
            k *= self.GROWTH
        return answer

    def _cheapest_first(self, dates: Sequence[date], k: int) -> dict[date, list[_Head]]:
        """Date -> its k cheapest sellable nights as (room type, price), cheapest first."""
        heads: dict[date, list[_Head]] = {night: [] for night in dates}
        rows = _heads_query(len(dates), k).fetch(
            [p for night in dates for p in _heads_params(self.stay, self.city, night)]
        )
        for row in rows:
            heads[row.night].append((row.room_type_id, row.price))
            self.price[row.room_type_id, row.night] = row.price
        for night in dates:  # a union keeps no order
            heads[night].sort(key=lambda head: head[1])
        return heads

    def _read_stays(self, check_ins: Sequence[date], heads: dict[date, list[_Head]]) -> None:
        """Read the nights not yet read of every stay a room type among the heads of one of
        its nights could make (a night not sellable is remembered as None)."""
        wanted: dict[int, set[date]] = defaultdict(set)
        for check_in in check_ins:
            stay_nights = [check_in + timedelta(days=n) for n in range(self.nights)]
            for room_type in {rt for night in stay_nights for rt, _ in heads[night]}:
                wanted[room_type].update(n for n in stay_nights if (room_type, n) not in self.price)
        wanted = {rt: nights for rt, nights in wanted.items() if nights}
        if not wanted:
            return
        ranges = Q()
        for room_type, missing in wanted.items():
            ranges |= Q(room_type_id=room_type, date__gte=min(missing), date__lte=max(missing))
        for room_type, night, price in (
            self.sellable.filter(ranges).order_by().values_list("room_type_id", "date", "price")
        ):
            self.price[room_type, night] = price
        for room_type, missing in wanted.items():
            for night in missing:
                self.price.setdefault((room_type, night), None)

    def _best(
        self, check_in: date, stay_nights: list[date], heads: dict[date, list[_Head]]
    ) -> Decimal | None:
        best: Decimal | None = None
        for room_type in {rt for night in stay_nights for rt, _ in heads[night]}:
            prices = [self.price.get((room_type, night)) for night in stay_nights]
            if any(p is None for p in prices):
                continue
            total = sum((p for p in prices if p is not None), Decimal(0))
            if best is None or total < best:
                best = total
        return best


def _calendar_read_all(
    *, city: City, days: list[date], nights: int, guests: int, rooms: int, today: date
) -> list[CalendarDay]:
    """`hotel_calendar` from every sellable night of the city over the month, in one query,
    the stays priced per check-in day in Python: for a city whose hotels use more than one
    currency (the currency most of its room types use is the answer's), and for a month
    whose cheapest nights settle too few days in `_Cheapest`'s rounds."""
    stay = Stay(days[0], days[0] + timedelta(days=nights), guests=guests, rooms=rooms)
    rows = RoomNight.objects.filter(
        room_type__hotel__city=city,
        room_type__hotel__is_published=True,
        room_type__is_published=True,
        room_type__capacity__gte=stay.min_capacity,
        date__gte=days[0],
        date__lt=days[-1] + timedelta(days=nights),
        rooms_available__gte=rooms,
        stop_sell=False,
    ).values_list("room_type_id", "date", "price", "min_stay", "room_type__hotel__currency")
    nights_of: dict[int, dict[date, tuple[Decimal, int]]] = defaultdict(dict)
    currency_of: dict[int, str] = {}
    for room_type, night, price, min_stay, currency in rows:
        nights_of[room_type][night] = (price, min_stay)
        currency_of[room_type] = currency
    if not nights_of:
        return [CalendarDay(d, None) for d in days]
    currency = Counter(currency_of.values()).most_common(1)[0][0]
    answer = []
    for check_in in days:
        best: Decimal | None = None
        if check_in >= today:
            stay_nights = [check_in + timedelta(days=n) for n in range(nights)]
            for room_type, known in nights_of.items():
                if currency_of[room_type] != currency:
                    continue
                found = [known.get(night) for night in stay_nights]
                if any(f is None for f in found):
                    continue
                if max(f[1] for f in found if f) > nights:
                    continue
                total = sum((f[0] for f in found if f), Decimal(0))
                if best is None or total < best:
                    best = total
        answer.append(
            CalendarDay(check_in, None if best is None else Money.of(best * rooms, currency))
        )
    return answer


class _HeadRow(NamedTuple):
    night: date
    room_type_id: int
    price: Decimal


def _heads_params(stay: Stay, city: City, night: date) -> list[object]:
    """One date's parameters of `_heads_query`."""
    day = connection.ops.adapt_datefield_value(night)
    return [city.pk, day, True, True, stay.min_capacity, stay.rooms, stay.nights]


# Written out: the k cheapest of each date are a LIMIT per date, which the ORM cannot put in
# the parts of a union on SQLite. Each part reads the index (city, date, price) in order and
# stops at its k-th sellable night.
@statement((1, 8), (3, 32))
def _heads_query(dates: int, k: int) -> Query[_HeadRow]:
    """The k cheapest of `dates` dates (k is a shape, as a number of marks is: a few values).
    Parameters per date: the city, the date, True, True, min capacity, rooms, nights. Its
    hotel's city is read live too: a night whose hotel moved is never its old city's."""
    n, t, h = Table(RoomNight, "n"), Table(RoomType, "t"), Table(Hotel, "h")
    row = Select(_HeadRow, night=n.c.date, room_type_id=n.c.room_type, price=n.c.price)
    # The nights first, whatever the statistics say: started from the city's hotels, the
    # optimiser read every hotel's night of the date and sorted them (what this avoids).
    # SQLite keeps the order of a CROSS JOIN.
    # Its hotel by primary key: MySQL/MariaDB would otherwise read it through the city's
    # hotels (an index holding all the columns asked), once per night read.
    mysql = connection.vendor == "mysql"
    join = "STRAIGHT_JOIN" if mysql else "CROSS JOIN"
    hotel = f"{h} FORCE INDEX (PRIMARY)" if mysql else str(h)
    part = f"""
        SELECT * FROM (
            SELECT {row}
            FROM {n}
            {join} {t} ON {t.c.id} = {n.c.room_type}
            {join} {hotel} ON {h.c.id} = {t.c.hotel}
            WHERE {n.c.city} = %s AND {n.c.date} = %s AND {h.c.city} = {n.c.city}
              AND {h.c.is_published} = %s AND {t.c.is_published} = %s AND {t.c.capacity} >= %s
              AND {n.c.rooms_available} >= %s AND NOT {n.c.stop_sell} AND {n.c.min_stay} <= %s
            ORDER BY {n.c.price}, {n.c.id}
            LIMIT {int(k)}
        ) p{{}}
    """  # noqa: S608 # nosec B608
    sql = " UNION ALL ".join(part.format(i) for i in range(dates))
    return Query(sql, row)
