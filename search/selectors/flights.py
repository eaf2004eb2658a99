"""Flight itineraries for a route and a day: direct legs and one-stop connections, priced.

The query budget is constant whatever the number of results or directions: one query for
the airports, then one for the fares leaving each origin on its local day and one for the
fares arriving at each destination in its connection window (indexes
`(origin, departure_at)` and `(destination, departure_at)`), a UNION ALL branch per
direction (a round trip's two, a multi-city trip's slices). Connections are joined in
Python: second legs grouped by their airport and bisected by departure time. Rows are read
as typed rows (`FareRow`, by name through `travelguru.sql`), not model instances, because
this is the product's hot path; the page alone is turned into JSON and offer ids by the API.

Candidate legs come from the search engine (`SearchEngine.flight_legs`: CloudSearch's
flight-leg documents); schedule, fares and seats are always re-read from the database, so a
stale index can hide a leg or name a changed one but never sells one. The local engine's
legs are the schedule itself (`legs_are_the_schedule`): its answer would only repeat the
fare query's own conditions, so that query reads the schedule without asking it.

A round trip is one offer: the best `ROUND_TRIP_BOUND` outbound itineraries are combined
with the best `ROUND_TRIP_BOUND` return ones (by the sort asked), so the work stays bounded.
"""

from __future__ import annotations

import heapq
import itertools
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from django.db import connection

from catalog import pricing
from catalog.local_time import day_end, started_detail
from catalog.models import Airport, FlightFare, FlightLeg
from catalog.references import Carrier, Place, carriers_by_id, place_select, places_by_id
from search.engines import get_engine
from search.engines.base import LegQuery, SearchEngine
from search.limits import MAX_STOPS
from search.offers import FlightOffer
from travelguru.errors import InvalidInput
from travelguru.money import Money, quantize
from travelguru.sql import (
    Column,
    Fragment,
    Query,
    Select,
    Table,
    adapt_datetimes,
    marks,
    marks_for,
    statement,
    values_table,
)
from travelguru.zones import zone

# A connection is at the same airport, long enough to make and short enough to bear.
MIN_CONNECTION = timedelta(minutes=45)
MAX_CONNECTION = timedelta(hours=8)
# Round trips combine this many best outbound with this many best return itineraries;
# multi-city trips keep as many per slice as stay within as many combinations.
ROUND_TRIP_BOUND = 25
COMBINATION_BOUND = ROUND_TRIP_BOUND**2
MIN_SLICE_BOUND = 3
# Above this many connection airports the second legs are filtered in Python, not with IN.
_MAX_IN_LIST = 500

FlightSort = Literal["price", "duration", "departure"]
SORTS: tuple[FlightSort, ...] = ("price", "duration", "departure")


@dataclass(frozen=True, slots=True)
class Party:
    """Who flies: lap infants pay a share of the fare but need no seat."""

    adults: int
    children: int = 0
    infants: int = 0

    @property
    def seats(self) -> int:
        return pricing.seats_needed(
            adults=self.adults, children=self.children, infants=self.infants
        )


class FareRow(NamedTuple):
    """A fare row: the fare, its leg, its airline's id and the far airport's (the near one is
    the airport searched from or to); names come from `catalog.references`."""

    fare_id: int
    price: Decimal
    currency: str
    seats_available: int
    checked_bags: int
    cabin_bags: int
    refundable: bool
    change_fee: Decimal | None
    flight_number: str
    airline_id: int
    departure_at: datetime
    arrival_at: datetime
    distance_km: int
    aircraft: str
    far_id: int
    part: int  # which of the statement's UNION ALL branches (one per window asked) gave it


@dataclass(frozen=True, slots=True)
class LegFare:
    """One leg with its fare in the cabin asked."""

    fare_id: int
    adult_fare: Money
    party_amount: Decimal  # what the whole party pays for this leg (catalog.pricing)
    seats_available: int
    checked_bags: int
    cabin_bags: int
    refundable: bool
    change_fee: Decimal | None  # None: no changes allowed
    flight_number: str
    airline_code: str
    airline_name: str
    origin: Place
    destination: Place
    departure_at: datetime
    arrival_at: datetime
    distance_km: int
    aircraft: str

    @property
    def duration_minutes(self) -> int:
        return int((self.arrival_at - self.departure_at).total_seconds() // 60)


class Itinerary(NamedTuple):
    """One direction: a direct leg, or two legs connecting at the same airport.

    A named tuple, not a frozen dataclass: as immutable, and made in a fraction of the time
    (a search makes one per itinerary found, hundreds)."""

    legs: tuple[LegFare, ...]
    amount: Decimal  # the party's price for these legs
    currency: str
    duration_minutes: int
    fare_ids: tuple[int, ...]
    # Its ends, kept: a multi-city trip's combinations compare them hundreds of times.
    origin: Place
    destination: Place
    departure_at: datetime
    arrival_at: datetime

    @classmethod
    def of(cls, legs: tuple[LegFare, ...]) -> Itinerary:
        first, last = legs[0], legs[-1]
        amount = first.party_amount
        for leg in legs[1:]:
            amount += leg.party_amount
        minutes = int((last.arrival_at - first.departure_at).total_seconds() // 60)
        return cls(
            legs=legs,
            amount=amount,
            currency=first.adult_fare.currency,
            duration_minutes=minutes,
            fare_ids=tuple(leg.fare_id for leg in legs),
            origin=first.origin,
            destination=last.destination,
            departure_at=first.departure_at,
            arrival_at=last.arrival_at,
        )

    @property
    def stops(self) -> int:
        return len(self.legs) - 1

    @property
    def connections(self) -> list[tuple[Place, int]]:
        """(airport, minutes on the ground) between consecutive legs."""
        return [
            (first.destination, int((second.departure_at - first.arrival_at).total_seconds() // 60))
            for first, second in zip(self.legs, self.legs[1:], strict=False)
        ]


class FlightResult(NamedTuple):
    """One offer: an itinerary per slice (one way: one; a round trip: outbound and return;
    a multi-city trip: up to `MAX_SLICES`), held and booked together at one price.

    A named tuple, not a frozen dataclass: as immutable, made in a third of the time, and a
    multi-city search makes one per combination, hundreds, to show a page of them."""

    slices: tuple[Itinerary, ...]
    party: Party
    cabin: str
    sort_key: tuple[Any, ...]

    @property
    def outbound(self) -> Itinerary:
        return self.slices[0]

    @property
    def inbound(self) -> Itinerary | None:
        """A round trip's return (None one way)."""
        return self.slices[1] if len(self.slices) > 1 else None

    @property
    def legs(self) -> tuple[LegFare, ...]:
        return tuple(leg for itinerary in self.slices for leg in itinerary.legs)

    @property
    def price(self) -> Money:
        # `pricing.flight_price` is a sum of per-leg prices, each rounded on its own; every
        # itinerary's `amount` already is that sum over its legs, so the trip's is their sum.
        amount = self.slices[0].amount
        for itinerary in self.slices[1:]:
            amount += itinerary.amount
        return Money(amount, self.outbound.currency)

    @property
    def price_per_adult(self) -> Money:
        # One adult's factor is 1: each leg's share is its adult fare, already rounded.
        amount = sum((leg.adult_fare.amount for leg in self.legs), Decimal(0))
        return Money(amount, self.outbound.currency)

    @property
    def available(self) -> int:
        return min(leg.seats_available for leg in self.legs)

    @property
    def checked_bags(self) -> int:
        return min(leg.checked_bags for leg in self.legs)

    @property
    def cabin_bags(self) -> int:
        return min(leg.cabin_bags for leg in self.legs)

    @property
    def refundable(self) -> bool:
        return all(leg.refundable for leg in self.legs)

    @property
    def change_fee(self) -> Money | None:
        """Summed change fees of every leg, or None when a leg cannot be changed."""
        fees = [leg.change_fee for leg in self.legs]
        if any(fee is None for fee in fees):
            return None
        return Money.of(sum(fees, Decimal(0)), self.outbound.currency)  # type: ignore[arg-type]

    def offer(self) -> FlightOffer:
        return FlightOffer(
            slices=tuple(itinerary.fare_ids for itinerary in self.slices),
            adults=self.party.adults,
            children=self.party.children,
            infants=self.party.infants,
            price=self.price,
        )


def flight_offers_list(
    *,
    origin: str,
    destination: str,
    day: date,
    return_day: date | None = None,
    party: Party,
    cabin: str,
    max_stops: int = MAX_STOPS,
    sort: FlightSort = "price",
    now: datetime,
) -> list[FlightResult]:
    """Every offer from `origin` to `destination` leaving on `day` (local at the origin), sorted.

    With `return_day` (local at the destination) each offer is a round trip. Departures at
    or before `now` are never offered. Raises InvalidInput for an unknown airport code, or
    for a day already over at the airport it leaves from.
    """
    source, target = _airports_get(origin=origin, destination=destination)
    # Each day is the calendar of the airport the flights leave from: over there (it may
    # be tomorrow already) is a clear 400, not an empty page that looks like "no flights".
    errors = {
        name: [
            started_detail(
                event=f"Departure day {asked.isoformat()}", place=place.code,
                tz_name=place.timezone, now=now,
            )
        ]
        for name, asked, place in (("date", day, source), ("return_date", return_day, target))
        if asked is not None and now >= day_end(asked, place.timezone)
    }  # fmt: skip
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], errors=errors)
    search = _Search(party=party, cabin=cabin, max_stops=max_stops, now=now, engine=get_engine())
    asked = [_Window.of_day(source, target, day)]
    if return_day is not None:
        asked.append(_Window.of_day(target, source, return_day))
    # A round trip combines only each direction's best (`_combinations`): none other is built.
    best = None if return_day is None else (sort, slice_bound(2))
    outbound, *returns = search.itineraries_of(asked, best)
    if return_day is None:
        results = [
            FlightResult(
                slices=(itinerary,),
                party=party,
                cabin=cabin,
                sort_key=_sort_key(
                    sort,
                    amount=itinerary.amount,
                    minutes=itinerary.duration_minutes,
                    departures=(itinerary.departure_at,),
                    fare_ids=itinerary.fare_ids,
                ),
            )
            for itinerary in outbound
        ]
    else:
        results = _combinations((outbound, *returns), party=party, cabin=cabin, sort=sort)
    results.sort(key=lambda result: result.sort_key)
    return results


@dataclass(frozen=True, slots=True)
class SliceAsked:
    """One flight of a multi-city trip as asked: from, to, and the day (local at `origin`)."""

    origin: str
    destination: str
    day: date


def flight_multi_city_offers_list(
    *,
    slices: Sequence[SliceAsked],
    party: Party,
    cabin: str,
    max_stops: int = MAX_STOPS,
    sort: FlightSort = "price",
    now: datetime,
) -> list[FlightResult]:
    """Every multi-city offer for `slices` (checked by `search.limits.slices_errors`), sorted.

    Each offer takes one itinerary per slice, each leaving at least MIN_CONNECTION after
    the one before lands; the itineraries are searched per slice as one-way ones are and
    combined as round trips are (`_combinations`, bounded per slice). Raises InvalidInput,
    naming the slice (`slices[1].origin`), for an unknown airport or a day already over
    where the slice leaves from.
    """
    codes = sorted({code for asked in slices for code in (asked.origin, asked.destination)})
    places = {place.code: place for place in _airports_among_query(len(codes)).fetch(
        [*codes, True]
    )}  # fmt: skip
    errors: dict[str, list[str]] = {}
    for index, asked in enumerate(slices):
        for name in ("origin", "destination"):
            code = getattr(asked, name)
            if code not in places:
                errors[f"slices[{index}].{name}"] = [f"No airport with the code {code}."]
        source = places.get(asked.origin)
        if source is not None and now >= day_end(asked.day, source.timezone):
            errors[f"slices[{index}].date"] = [
                started_detail(
                    event=f"Departure day {asked.day.isoformat()}", place=source.code,
                    tz_name=source.timezone, now=now,
                )
            ]  # fmt: skip
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], errors=errors)
    search = _Search(party=party, cabin=cabin, max_stops=max_stops, now=now, engine=get_engine())
    # Every slice's fares in the same two queries a one-way search sends, not two per slice.
    per_slice = search.itineraries_of(
        [_Window.of_day(places[a.origin], places[a.destination], a.day) for a in slices],
        (sort, slice_bound(len(slices))),  # the only ones `_combinations` combines
    )
    if not all(per_slice):
        return []  # a slice without flights: no trip
    results = _combinations(per_slice, party=party, cabin=cabin, sort=sort)
    results.sort(key=lambda result: result.sort_key)
    return results


def _airports_get(*, origin: str, destination: str) -> tuple[Place, Place]:
    rows = _airports_query().fetch([origin, destination, True])
    places = {place.code: place for place in rows}
    errors = {
        name: [f"No airport with the code {code}."]
        for name, code in (("origin", origin), ("destination", destination))
        if code not in places
    }
    if errors:
        raise InvalidInput("Unknown airport code.", errors=errors)
    return places[origin], places[destination]


# Written out, as every statement of this module: it runs on every flight search, where
# building and compiling it with the ORM cost more CPU than running it.
@statement()
def _airports_query() -> Query[Place]:
    a = Table(Airport)
    place = place_select(a)
    sql = f"SELECT {place} FROM {a} WHERE {a.c.iata} IN (%s, %s) AND {a.c.is_active} = %s"  # noqa: S608 # nosec B608
    return Query(sql, place)


@statement((2,), (12,))
def _airports_among_query(count: int) -> Query[Place]:
    """The active airports among `count` codes. Parameters: the codes, then True."""
    a = Table(Airport)
    place = place_select(a)
    sql = f"SELECT {place} FROM {a} WHERE {a.c.iata} IN ({marks(count)}) AND {a.c.is_active} = %s"  # noqa: S608 # nosec B608
    return Query(sql, place)


def _sort_key(
    sort: FlightSort,
    *,
    amount: Decimal,
    minutes: int,
    departures: tuple[datetime, ...],
    fare_ids: tuple[int, ...],
) -> tuple[Any, ...]:
    """The asked order first, then the others, then fare ids: ties never depend on luck."""
    if sort == "duration":
        return (minutes, amount, departures, fare_ids)
    if sort == "departure":
        return (departures, amount, minutes, fare_ids)
    return (amount, minutes, departures, fare_ids)


def _best(itineraries: Sequence[Itinerary], sort: FlightSort, bound: int) -> list[Itinerary]:
    def key(itinerary: Itinerary) -> tuple[Any, ...]:
        return _sort_key(
            sort,
            amount=itinerary.amount,
            minutes=itinerary.duration_minutes,
            departures=(itinerary.departure_at,),
            fare_ids=itinerary.fare_ids,
        )

    return sorted(itineraries, key=key)[:bound]


def slice_bound(slices: int) -> int:
    """Itineraries kept per slice: as many as keep their combinations within
    `COMBINATION_BOUND` (a round trip: `ROUND_TRIP_BOUND` each way), never fewer than
    `MIN_SLICE_BOUND`, so six slices are still a choice."""
    bound = 1
    while (bound + 1) ** slices <= COMBINATION_BOUND:
        bound += 1
    return max(bound, MIN_SLICE_BOUND)


def slices_connect(earlier: Itinerary, later: Itinerary) -> bool:
    """Whether `later` can follow `earlier` in one trip: priced in the same currency and
    leaving at least MIN_CONNECTION after `earlier` lands, as a connection would (from
    the same airport, or across a city to another one)."""
    return (
        later.currency == earlier.currency
        and later.departure_at >= earlier.arrival_at + MIN_CONNECTION
    )


def _combinations(
    per_slice: Sequence[Sequence[Itinerary]], *, party: Party, cabin: str, sort: FlightSort
) -> list[FlightResult]:
    """One offer per combination of an itinerary per slice that connects (`slices_connect`).

    Only the best `slice_bound` itineraries of each slice (by the sort asked) are combined,
    so the work stays bounded however many flights each slice has; a combination is given
    up at its first slice that does not connect."""
    bound = slice_bound(len(per_slice))
    best = [_best(itineraries, sort, bound) for itineraries in per_slice]
    # Slice by slice, each partial trip with its running sort figures: a trip's key is
    # summed once per slice added, not again over every slice at the end.
    Partial = tuple[tuple[Itinerary, ...], Decimal, int, tuple[datetime, ...], tuple[int, ...]]
    trips: list[Partial] = [
        ((i,), i.amount, i.duration_minutes, (i.departure_at,), i.fare_ids) for i in best[0]
    ]
    for earlier, later in itertools.pairwise(best):
        # Which of the next slice's itineraries can follow each of this slice's (by identity:
        # a slice's best are few, so this is a small table, not a test per partial trip).
        follows = {id(e): [i for i in later if slices_connect(e, i)] for e in earlier}
        trips = [
            (
                (*chosen, i),
                amount + i.amount,
                minutes + i.duration_minutes,
                (*departures, i.departure_at),
                fare_ids + i.fare_ids,
            )
            for chosen, amount, minutes, departures, fare_ids in trips
            for i in follows[id(chosen[-1])]
        ]
    return [
        FlightResult(
            slices=chosen,
            party=party,
            cabin=cabin,
            sort_key=_sort_key(
                sort, amount=amount, minutes=minutes, departures=departures, fare_ids=fare_ids
            ),
        )
        for chosen, amount, minutes, departures, fare_ids in trips
    ]


def _local_day_in_utc(day: date, tz_name: str) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar day as UTC instants (23 or 25 hours on DST days)."""
    tz = zone(tz_name)
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class _Window:
    """Itineraries asked for: from `source` to `target`, leaving in [start, end) (UTC)."""

    source: Place
    target: Place
    start: datetime
    end: datetime

    @classmethod
    def of_day(cls, source: Place, target: Place, day: date) -> _Window:
        """Leaving on `day`, the calendar of the airport it leaves from."""
        return cls(source, target, *_local_day_in_utc(day, source.timezone))


class _WindowRows(NamedTuple):
    """A window's fare rows: direct legs, first legs of a connection, and by hub the second
    legs that might follow them, sorted by departure."""

    direct: list[FareRow]
    first: list[FareRow]
    by_hub: dict[int, list[FareRow]]


def _pairs(
    first_rows: list[FareRow], by_hub: dict[int, list[FareRow]]
) -> list[tuple[FareRow, FareRow]]:
    """First legs with the second legs of their hub leaving 45 min-8 h after they land, in
    their currency (adding prices of two currencies would be a made-up number): each hub's
    second legs, sorted by departure, bisected."""
    departures = {hub: [row.departure_at for row in rows] for hub, rows in by_hub.items()}
    pairs: list[tuple[FareRow, FareRow]] = []
    for first in first_rows:
        seconds = by_hub.get(first.far_id)
        if not seconds:
            continue
        times = departures[first.far_id]
        lo = bisect_left(times, first.arrival_at + MIN_CONNECTION)
        hi = bisect_right(times, first.arrival_at + MAX_CONNECTION)
        currency = first.currency
        pairs.extend((first, second) for second in seconds[lo:hi] if second.currency == currency)
    return pairs


def _cheapest_connections(
    firsts: list[FareRow], seconds: list[FareRow], amount: Callable[[FareRow], Decimal]
) -> Iterator[tuple[FareRow, FareRow]]:
    """Each first leg (all landing at one hub) with the cheapest second leg `_pairs` would
    pair it with, if any: in time linear in the rows, not in the pairs.

    Taken by arrival, a first leg's window of second legs (45 min-8 h after it lands) only
    moves forward through `seconds` (sorted by departure); the window's candidates for its
    lowest, cheapest first, are kept in a deque per currency (a sliding-window minimum)."""
    by_currency: dict[str, list[FareRow]] = {}
    for second in seconds:
        by_currency.setdefault(second.currency, []).append(second)
    for currency, legs in by_currency.items():
        ahead = 0  # legs[:ahead] have entered some window
        window: deque[FareRow] = deque()  # by departure, amounts increasing
        for first in sorted(
            (row for row in firsts if row.currency == currency), key=lambda row: row.arrival_at
        ):
            soonest = first.arrival_at + MIN_CONNECTION
            latest = first.arrival_at + MAX_CONNECTION
            while ahead < len(legs) and legs[ahead].departure_at <= latest:
                price = amount(legs[ahead])
                while window and amount(window[-1]) >= price:
                    window.pop()
                window.append(legs[ahead])
                ahead += 1
            while window and window[0].departure_at < soonest:
                window.popleft()
            if window:
                yield first, window[0]


@dataclass
class _Search:
    """What one search asks of every direction: cabin, seats, stops, and now.

    Fare rows are read as `FareRow`s and joined as such; a `LegFare` is built only for a
    row that ends up in an itinerary (most first legs connect to nothing)."""

    party: Party
    cabin: str
    max_stops: int
    now: datetime
    engine: SearchEngine
    places: dict[int, Place] = field(default_factory=dict)
    _party_amounts: dict[tuple[Decimal, str], Decimal] = field(default_factory=dict)
    _legs: dict[int, LegFare] = field(default_factory=dict)
    _factor: Decimal = field(init=False)
    # The chosen legs' far airports and airlines (`catalog.references`), by id.
    _airports: dict[int, Place] = field(default_factory=dict)
    _carriers: dict[int, Carrier] = field(default_factory=dict)

    def __post_init__(self) -> None:
        party = self.party
        self._factor = pricing.flight_fare_factor(
            adults=party.adults, children=party.children, infants=party.infants
        )

    def itineraries_of(
        self, asked: Sequence[_Window], best: tuple[FlightSort, int] | None = None
    ) -> list[list[Itinerary]]:
        """Direct and (when allowed) one-stop itineraries per window asked, in its order;
        with `best` (sort, bound), only each window's `bound` best by that sort, in order.

        However many windows (a round trip's two, a multi-city trip's slices), two fare
        queries: every window's first legs in one, every window's second legs in the other,
        each window a UNION ALL branch served by the same index as a lone search's."""
        # Each window's itineraries as their fare rows: one for a direct flight, two for a
        # connection; made into legs and itineraries only once chosen.
        rows_of: list[list[tuple[FareRow, ...]]] = [
            [*((row,) for row in rows.direct), *_pairs(rows.first, rows.by_hub)]
            for rows in self._rows_of(asked)
        ]
        chosen_of = rows_of
        if best is not None:
            sort, bound = best
            chosen_of = [
                heapq.nsmallest(bound, rows_of_window, key=lambda rows: self._key(sort, rows))
                for rows_of_window in rows_of
            ]
        # The names of the chosen legs' airlines and far airports, read once for them all.
        chosen_rows = [row for chosen in chosen_of for rows in chosen for row in rows]
        self._airports = places_by_id(row.far_id for row in chosen_rows)
        self._carriers = carriers_by_id(row.airline_id for row in chosen_rows)
        return [
            [self._itinerary(rows, window) for rows in chosen]
            for window, chosen in zip(asked, chosen_of, strict=True)
        ]

    def lowest_between(
        self, *, source: Place, target: Place, start: datetime, end: datetime
    ) -> list[tuple[datetime, Decimal, str]]:
        """(departure, the party's amount, currency) of the cheapest itinerary starting with
        each leg that leaves `source` in [start, end) and makes one: a direct leg's own, a
        first leg's with the cheapest second leg it connects to.

        The same rows as `itineraries_of`'s, but no pair is made: a calendar wants a lowest
        price per day, and the pairs of a hub number its first legs times its second legs,
        which grows as the square of its flights while these rows grow as their sum."""
        (rows,) = self._rows_of([_Window(source, target, start, end)])
        lowest = [(row.departure_at, self._party_amount(row), row.currency) for row in rows.direct]
        firsts_at: dict[int, list[FareRow]] = {}
        for row in rows.first:
            firsts_at.setdefault(row.far_id, []).append(row)
        for hub, seconds in rows.by_hub.items():
            firsts = firsts_at.get(hub, [])
            for first, second in _cheapest_connections(firsts, seconds, self._party_amount):
                amount = self._party_amount(first) + self._party_amount(second)
                lowest.append((first.departure_at, amount, first.currency))
        return lowest

    def _rows_of(self, asked: Sequence[_Window]) -> list[_WindowRows]:
        """Per window asked, its fare rows: direct legs, first legs of a connection, and the
        second legs they might connect to by hub (two queries, whatever the windows)."""
        direct_only = self.max_stops == 0
        found = [_WindowRows([], [], {}) for _ in asked]
        branches: list[tuple[int, str, list[Any]]] = []  # (window, candidates, parameters)
        for index, window in enumerate(asked):
            source, target = window.source, window.target
            self.places.setdefault(source.id, source)
            self.places.setdefault(target.id, target)
            candidates = self._candidates(
                LegQuery(
                    departs_from=max(window.start, self.now),
                    departs_until=window.end,
                    origins=(source.code,),
                    destination=target.code if direct_only else None,
                )
            )
            if candidates is None:
                continue
            # The engine names candidates; the schedule decides (a stale index never sells).
            params: list[Any] = [source.id, *adapt_datetimes(window.start, window.end)]
            if direct_only:
                params.append(target.id)
            branches.append(
                (index, candidates.sql, [*self._fare_params(), *params, *candidates.params])
            )
        if not branches:
            return found
        query = _first_legs_query(direct_only, tuple(sql for _, sql, _ in branches))
        for row in query.fetch([p for *_, params in branches for p in params]):
            index = branches[row.part][0]
            if row.far_id == asked[index].target.id:
                found[index].direct.append(row)
            else:
                found[index].first.append(row)
        if not direct_only:
            for rows, by_hub in zip(found, self._connections(asked, found), strict=True):
                rows.by_hub.update(by_hub)
        return found

    def _key(self, sort: FlightSort, rows: tuple[FareRow, ...]) -> tuple[Any, ...]:
        """The sort key of the itinerary these fare rows make (`_best`'s), from the rows: a
        search that keeps only the best per window builds no leg it does not keep."""
        amount = self._party_amount(rows[0])
        for row in rows[1:]:
            amount += self._party_amount(row)
        return _sort_key(
            sort,
            amount=amount,
            minutes=int((rows[-1].arrival_at - rows[0].departure_at).total_seconds() // 60),
            departures=(rows[0].departure_at,),
            fare_ids=tuple(row.fare_id for row in rows),
        )

    def _itinerary(self, rows: tuple[FareRow, ...], window: _Window) -> Itinerary:
        first, *rest = rows
        if not rest:
            return Itinerary.of((self._leg(first, origin=window.source, destination=None),))
        (second,) = rest
        return Itinerary.of(
            (
                self._leg(first, origin=window.source, destination=None),
                self._leg(second, origin=None, destination=window.target),
            )
        )

    def _connections(
        self, asked: Sequence[_Window], found: Sequence[_WindowRows]
    ) -> list[dict[int, list[FareRow]]]:
        """Per window, by hub, the legs from an airport its first legs reach to its target
        leaving in that hub's connection window (45 min-8 h after one of them lands): one
        query for every window's second legs.

        Second legs all end at the target, never at the origin, so no pair goes back home.
        """
        branches: list[tuple[int, int, str, list[Any]]] = []  # window, hubs, candidates, params
        windows: list[Any] = []  # (hub id, from, until) per hub of every branch, in order
        hubs_of: dict[int, dict[int, tuple[datetime, datetime]]] = {}
        for index, window_rows in enumerate(found):
            rows = window_rows.first
            if not rows:
                continue
            target = asked[index].target
            # Per hub, the first legs' earliest and latest arrival.
            arrivals: dict[int, tuple[datetime, datetime]] = {}
            for row in rows:
                hub, arrival = row.far_id, row.arrival_at
                seen = arrivals.get(hub)
                if seen is None:
                    arrivals[hub] = (arrival, arrival)
                elif arrival < seen[0]:
                    arrivals[hub] = (arrival, seen[1])
                elif arrival > seen[1]:
                    arrivals[hub] = (seen[0], arrival)
            earliest = min(first for first, _ in arrivals.values()) + MIN_CONNECTION
            latest = max(last for _, last in arrivals.values()) + MAX_CONNECTION
            few = len(arrivals) <= _MAX_IN_LIST
            candidates = self._candidates(
                LegQuery(
                    departs_from=earliest,
                    departs_until=latest,
                    destination=target.code,
                    origins=self._codes(arrivals) if few else (),
                )
            )
            if candidates is None:
                continue
            hubs_of[index] = arrivals
            if few:
                # Only second legs some first leg can make: from its hub, in that hub's window
                # (every hub's bounds adapted in one call: there are dozens).
                hub_ids = sorted(arrivals)
                bounds = adapt_datetimes(
                    *(
                        moment
                        for hub in hub_ids
                        for moment in (
                            arrivals[hub][0] + MIN_CONNECTION,
                            arrivals[hub][1] + MAX_CONNECTION,
                        )
                    )
                )
                for i, hub in enumerate(hub_ids):
                    windows.extend((hub, bounds[2 * i], bounds[2 * i + 1]))
            params: list[Any] = [target.id, *adapt_datetimes(earliest, latest)]
            branches.append(
                (
                    index,
                    len(arrivals) if few else 0,
                    candidates.sql,
                    [*self._fare_params(), *params, *candidates.params],
                )
            )
        by_hub: list[dict[int, list[FareRow]]] = [{} for _ in asked]
        if not branches:
            return by_hub
        query = _second_legs_query(tuple((hubs, sql) for _, hubs, sql, _ in branches))
        for row in query.fetch([*windows, *(p for *_, params in branches for p in params)]):
            index = branches[row.part][0]
            if row.far_id in hubs_of[index]:
                by_hub[index].setdefault(row.far_id, []).append(row)
        # By departure: a first leg's seconds are a slice of its hub's (`_pairs`).
        for hubs in by_hub:
            for rows in hubs.values():
                rows.sort(key=lambda row: (row.departure_at, row.fare_id))
        return by_hub

    def _candidates(self, query: LegQuery) -> Fragment | None:
        """The engine's candidate legs for the fare query (`_candidates`), or every leg when
        the engine's legs are the schedule the fare query reads anyway."""
        if self.engine.legs_are_the_schedule:
            return _EVERY_LEG
        return _candidates(self.engine.flight_legs(query))

    def _fare_params(self) -> list[Any]:
        """The parameters of `_fare_query`'s own conditions, in their order."""
        return [self.cabin, self.party.seats, False, *adapt_datetimes(self.now)]

    def _codes(self, airport_ids: Iterable[int]) -> list[str]:
        """The airports' codes, sorted, for an engine that is asked for candidates by code."""
        if self.engine.legs_are_the_schedule:
            return []  # never asked (`_candidates`)
        places = places_by_id(airport_ids)
        return sorted(places[i].code for i in airport_ids if i in places)

    def _place(self, row: FareRow) -> Place:
        return self.places.get(row.far_id) or self._airports[row.far_id]

    def _party_amount(self, row: FareRow) -> Decimal:
        """What the party pays for the row's leg: one leg's `pricing.flight_price`, i.e. its
        adult fare rounded to the currency, times the party's factor (computed once), rounded.
        Kept per price, as plain Decimals: every candidate itinerary's sort key needs it, and
        few of them become legs that need the fare as Money."""
        amount = self._party_amounts.get((row.price, row.currency))
        if amount is None:
            adult = quantize(row.price, row.currency)
            amount = self._party_amounts[row.price, row.currency] = quantize(
                adult * self._factor, row.currency
            )
        return amount

    def _leg(self, row: FareRow, *, origin: Place | None, destination: Place | None) -> LegFare:
        """The leg of a fare row; its far end (the one given as None) is the row's airport."""
        leg = self._legs.get(row.fare_id)
        if leg is not None:
            return leg
        far = self._place(row)
        leg = self._legs[row.fare_id] = LegFare(
            fare_id=row.fare_id,
            adult_fare=Money.of(row.price, row.currency),
            party_amount=self._party_amount(row),
            seats_available=row.seats_available,
            checked_bags=row.checked_bags,
            cabin_bags=row.cabin_bags,
            refundable=row.refundable,
            change_fee=row.change_fee,
            flight_number=row.flight_number,
            airline_code=self._carriers[row.airline_id].code,
            airline_name=self._carriers[row.airline_id].name,
            origin=origin or far,
            destination=destination or far,
            departure_at=row.departure_at,
            arrival_at=row.arrival_at,
            distance_km=row.distance_km,
            aircraft=row.aircraft,
        )
        return leg


# No restriction: the fare query's own conditions decide (no `IN (…)` is written).
_EVERY_LEG = Fragment("", ())


def _candidates(ids: Iterable[int]) -> Fragment | None:
    """The engine's candidate legs as the inside of `IN (…)`: its own query as a subquery (a
    `Fragment` with its parameters) or its ids as values; None when none (nothing matches)."""
    if isinstance(ids, Fragment):
        return ids
    inside = marks_for(ids)
    return inside if inside.params else None


def _fare_query(
    far: Literal["origin", "destination"],
    branches: Sequence[tuple[str, tuple[str, ...]]],
    *,
    joins: Sequence[str] = (),
    prefix: str = "",
) -> Query[FareRow]:
    """Fares in the cabin with the seats asked, of legs not cancelled nor departed, among the
    engine's candidates and matching the conditions, with the `far` airport's id: a
    UNION ALL branch per (candidates, conditions), its rows' `part` the branch's position.
    A branch's `joins` entry (if any) joins the leg `l` to more rows; `prefix` comes before
    the whole statement (a WITH clause those joins read).

    Tables are joined in the order written, the leg first: its conditions (and a join's)
    pick the few legs wanted before their fares are looked up. MySQL
    and MariaDB are told so (`STRAIGHT_JOIN`): left to choose, MariaDB joined a hub table
    last, after looking up the fare, airline and airport of every leg it then dropped.
    Airlines and airports are not joined: their names come from `catalog.references`, for
    the legs kept.

    Parameters: the prefix's, then per branch: cabin, seats, False, now, then the
    conditions', then the candidates' (none for an empty `candidates`: every leg)."""
    f, leg = Table(FlightFare, "f"), Table(FlightLeg, "l")
    in_order = " STRAIGHT_JOIN" if connection.vendor == "mysql" else ""
    selects = []
    for part, (candidates, where) in enumerate(branches):
        among = f" AND {leg.c.id} IN ({candidates})" if candidates else ""
        fare = Select(
            FareRow,
            fare_id=f.c.id, price=f.c.price, currency=f.c.currency,
            seats_available=f.c.seats_available, checked_bags=f.c.checked_bags,
            cabin_bags=f.c.cabin_bags, refundable=f.c.refundable, change_fee=f.c.change_fee,
            flight_number=leg.c.flight_number, airline_id=leg.c.airline_id,
            departure_at=leg.c.departure_at, arrival_at=leg.c.arrival_at,
            distance_km=leg.c.distance_km, aircraft=leg.c.aircraft, far_id=leg.column(far),
            part=Column(str(part)),
        )  # fmt: skip
        selects.append(f"""
            SELECT{in_order} {fare}
            FROM {leg}{joins[part] if part < len(joins) else ""}
            INNER JOIN {f} ON {f.c.leg_id} = {leg.c.id}
            WHERE {f.c.cabin} = %s AND {f.c.seats_available} >= %s AND NOT {f.c.stop_sell}
              AND {leg.c.is_cancelled} = %s AND {leg.c.departure_at} > %s
              AND {" AND ".join(where)}{among}
        """)  # noqa: S608 # nosec B608
    # Branches bare, not in parentheses: SQLite takes no parenthesised SELECT in a UNION.
    sql = prefix + " UNION ALL ".join(selects)
    return Query(sql, fare)


@statement((False, ("%s",)), (True, ("%s, %s", "%s")), (False, ("",)))
def _first_legs_query(direct_only: bool, candidates: tuple[str, ...]) -> Query[FareRow]:
    """Fares leaving the origin in the window's range (and reaching the destination when only
    direct flights are asked), a branch per window. Parameters per window: `_fare_params`,
    origin id, from, until (excluded)[, destination id], then its candidates'."""
    leg = Table(FlightLeg, "l")
    where = [f"{leg.c.origin} = %s", f"{leg.c.departure_at} >= %s", f"{leg.c.departure_at} < %s"]
    if direct_only:
        where.append(f"{leg.c.destination} = %s")
    return _fare_query("destination", [(c, tuple(where)) for c in candidates])


@statement((((0, "%s"),),), (((2, "%s, %s"), (0, "%s")),), (((3, ""), (0, "")),))
def _second_legs_query(branches: tuple[tuple[int, str], ...]) -> Query[FareRow]:
    """Fares reaching the destination in the connection range, from one of the branch's hubs
    in that hub's window (0 hubs: from anywhere), a branch per window. Parameters: (hub id,
    from, until) for every hub of every branch, in branch order; then per window:
    `_fare_params`, destination id, from, until (both included), then its candidates'.

    The hubs' windows are rows of a VALUES table joined to the leg, not an `OR` of one
    `(origin = %s AND departure_at BETWEEN %s AND %s)` per hub: MariaDB's range optimizer
    weighs every disjunct against every index of the leg, which cost more than running the
    query once the hubs were a few dozen; the join is planned in a fraction of that and
    reads the same rows. A table per branch, keyed by hub alone: one table for every branch
    was filled once per branch and each leg's lookup read every branch's row of its hub."""
    leg = Table(FlightLeg, "l")
    tables, joins, shaped = [], [], []
    for part, (hubs, candidates) in enumerate(branches):
        where = (
            f"{leg.c.destination} = %s",
            f"{leg.c.departure_at} >= %s",
            f"{leg.c.departure_at} <= %s",
        )
        if hubs:
            name = f"hub_window_{part}"
            tables.append(values_table(name, ("hub", "soonest", "latest"), ["%s, %s, %s"] * hubs))
            joins.append(f"""
            INNER JOIN {name} w{part} ON w{part}.hub = {leg.c.origin}
              AND {leg.c.departure_at} BETWEEN w{part}.soonest AND w{part}.latest""")
        else:
            joins.append("")
        shaped.append((candidates, where))
    prefix = f"WITH {', '.join(tables)} " if tables else ""
    return _fare_query("origin", shaped, joins=joins, prefix=prefix)
