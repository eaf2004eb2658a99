"""Price calendars for flexible travelers: the lowest price per day, from live inventory.

A flight calendar is the route's itineraries over a week around the day asked, found with
the one-way search's own rules and queries (`_Search.itineraries_between`) once for the
whole week, not once per day; a hotel calendar is one read of a city's room nights over a
month, the stays priced per check-in day in Python. Both answer in a number of queries
that does not depend on the number of days, and both are cached like searches, under the
same versions, so a price change shows at once.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from catalog.local_time import day_end, local_today
from catalog.models import City, RoomNight
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
    start = _local_day_in_utc(days[0], source.timezone)[0]
    end = day_end(days[-1], source.timezone)
    lowest: dict[date, Money] = {}
    for itinerary in search.itineraries_between(source=source, target=target, start=start, end=end):
        leaves = local_today(source.timezone, now=itinerary.departure_at)
        price = Money.of(itinerary.amount, itinerary.currency)
        seen = lowest.get(leaves)
        # Amounts of two currencies are not compared: the first one seen stays.
        if seen is None or (seen.currency == price.currency and price.amount < seen.amount):
            lowest[leaves] = price
    return [CalendarDay(d, lowest.get(d)) for d in days]


def hotel_calendar(
    *, city: City, month: date, nights: int, guests: int, rooms: int, now: datetime
) -> list[CalendarDay]:
    """The lowest price of a `nights`-night stay (every room, every night) per check-in day
    of the calendar month of `month`, among the city's published hotels.

    One query: the city's sellable room nights of the month (and the nights the last stays
    run into), with the search's rule of "free" (a published room type taking the guests,
    enough rooms, not stopped, the stay as long as every night's minimum stay). Days
    already over in the city have no price; prices are in the currency most of the
    city's hotels use (amounts of two currencies are not compared)."""
    first_day = month.replace(day=1)
    stay = Stay(first_day, first_day + timedelta(days=nights), guests=guests, rooms=rooms)
    following = (first_day + timedelta(days=31)).replace(day=1)
    days = [first_day + timedelta(days=n) for n in range((following - first_day).days)]
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
    today = local_today(city.timezone, now=now)
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
