"""Flight itineraries for a route and a day: direct legs and one-stop connections, priced.

The query budget is constant whatever the number of results: one query for the two
airports, then per direction one for the fares leaving the origin on the local day and one
for the fares arriving at the destination in the connection window (indexes
`(origin, departure_at)` and `(destination, departure_at)`). Connections are joined in
Python: second legs grouped by their airport and bisected by departure time. Rows are read
as tuples, not model instances, because this is the product's hot path; the page alone is
turned into JSON and offer ids by the API.

Candidate legs come from the search engine (`SearchEngine.flight_legs`: CloudSearch's
flight-leg documents, or the schedule itself for the local engine, as a subquery of the
same fare query); schedule, fares and seats are always re-read from the database, so a
stale index can hide a leg or name a changed one but never sells one.

A round trip is one offer: the best `ROUND_TRIP_BOUND` outbound itineraries are combined
with the best `ROUND_TRIP_BOUND` return ones (by the sort asked), so the work stays bounded.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from catalog import pricing
from catalog.models import Airport, FlightFare
from search.engines import get_engine
from search.engines.base import LegQuery, SearchEngine
from search.offers import FlightOffer
from travelguru.errors import InvalidInput
from travelguru.money import Money

# A connection is at the same airport, long enough to make and short enough to bear.
MIN_CONNECTION = timedelta(minutes=45)
MAX_CONNECTION = timedelta(hours=8)
MAX_STOPS = 1
# Round trips combine this many best outbound with this many best return itineraries.
ROUND_TRIP_BOUND = 25
# Above this many connection airports the second legs are filtered in Python, not with IN.
_MAX_IN_LIST = 500

FlightSort = Literal["price", "duration", "departure"]
SORTS: tuple[FlightSort, ...] = ("price", "duration", "departure")

_FARE_FIELDS = (
    "id",
    "price",
    "currency",
    "seats_available",
    "checked_bags",
    "cabin_bags",
    "refundable",
    "change_fee",
    "leg__flight_number",
    "leg__airline__iata",
    "leg__airline__name",
    "leg__departure_at",
    "leg__arrival_at",
    "leg__distance_km",
    "leg__aircraft",
)
_N = len(_FARE_FIELDS)  # the far airport's columns follow the fare's
_AIRPORT_FIELDS = ("id", "iata", "name", "city_name", "country_code", "timezone")


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

    def price(self, adult_fares: Iterable[Money]) -> Money:
        return pricing.flight_price(
            adult_fares=adult_fares,
            adults=self.adults,
            children=self.children,
            infants=self.infants,
        )


@dataclass(frozen=True, slots=True)
class Place:
    """An airport as search results show it."""

    id: int
    code: str
    name: str
    city: str
    country_code: str
    timezone: str


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


@dataclass(frozen=True, slots=True)
class Itinerary:
    """One direction: a direct leg, or two legs connecting at the same airport."""

    legs: tuple[LegFare, ...]
    amount: Decimal  # the party's price for these legs
    currency: str
    duration_minutes: int
    fare_ids: tuple[int, ...]

    @classmethod
    def of(cls, legs: tuple[LegFare, ...]) -> Itinerary:
        amount = legs[0].party_amount
        for leg in legs[1:]:
            amount += leg.party_amount
        minutes = int((legs[-1].arrival_at - legs[0].departure_at).total_seconds() // 60)
        return cls(
            legs=legs,
            amount=amount,
            currency=legs[0].adult_fare.currency,
            duration_minutes=minutes,
            fare_ids=tuple(leg.fare_id for leg in legs),
        )

    @property
    def origin(self) -> Place:
        return self.legs[0].origin

    @property
    def destination(self) -> Place:
        return self.legs[-1].destination

    @property
    def departure_at(self) -> datetime:
        return self.legs[0].departure_at

    @property
    def arrival_at(self) -> datetime:
        return self.legs[-1].arrival_at

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


@dataclass(frozen=True, slots=True)
class FlightResult:
    """One offer: an outbound itinerary and, for a round trip, a return one."""

    outbound: Itinerary
    inbound: Itinerary | None
    party: Party
    cabin: str
    sort_key: tuple[Any, ...] = field(compare=False, repr=False)

    @property
    def legs(self) -> tuple[LegFare, ...]:
        return self.outbound.legs + (self.inbound.legs if self.inbound else ())

    @property
    def price(self) -> Money:
        return self.party.price(leg.adult_fare for leg in self.legs)

    @property
    def price_per_adult(self) -> Money:
        return pricing.flight_price(adult_fares=[leg.adult_fare for leg in self.legs], adults=1)

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
            outbound_fare_ids=self.outbound.fare_ids,
            return_fare_ids=self.inbound.fare_ids if self.inbound else (),
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
    or before `now` are never offered. Raises InvalidInput for an unknown airport code.
    """
    source, target = _airports_get(origin=origin, destination=destination)
    search = _Search(party=party, cabin=cabin, max_stops=max_stops, now=now, engine=get_engine())
    outbound = search.itineraries(source=source, target=target, day=day)
    if return_day is None:
        results = [
            FlightResult(
                outbound=itinerary,
                inbound=None,
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
        inbound = search.itineraries(source=target, target=source, day=return_day)
        results = _round_trips(
            outbound=_best(outbound, sort), inbound=_best(inbound, sort), party=party, cabin=cabin,
            sort=sort,
        )  # fmt: skip
    results.sort(key=lambda result: result.sort_key)
    return results


def _airports_get(*, origin: str, destination: str) -> tuple[Place, Place]:
    places = {
        row[1]: Place(*row)
        for row in Airport.objects.filter(iata__in=[origin, destination], is_active=True)
        .order_by()
        .values_list(*_AIRPORT_FIELDS)
    }
    errors = {
        name: [f"No airport with the code {code}."]
        for name, code in (("origin", origin), ("destination", destination))
        if code not in places
    }
    if errors:
        raise InvalidInput("Unknown airport code.", errors=errors)
    return places[origin], places[destination]


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


def _best(itineraries: Sequence[Itinerary], sort: FlightSort) -> list[Itinerary]:
    def key(itinerary: Itinerary) -> tuple[Any, ...]:
        return _sort_key(
            sort,
            amount=itinerary.amount,
            minutes=itinerary.duration_minutes,
            departures=(itinerary.departure_at,),
            fare_ids=itinerary.fare_ids,
        )

    return sorted(itineraries, key=key)[:ROUND_TRIP_BOUND]


def _round_trips(
    *,
    outbound: Sequence[Itinerary],
    inbound: Sequence[Itinerary],
    party: Party,
    cabin: str,
    sort: FlightSort,
) -> list[FlightResult]:
    """Outbound x return pairs in one currency.

    On a same-day round trip the return must leave at least MIN_CONNECTION after the
    outbound lands, as a connection would.
    """
    results = []
    for out in outbound:
        earliest_return = out.arrival_at + MIN_CONNECTION
        for back in inbound:
            if back.currency != out.currency or back.departure_at < earliest_return:
                continue
            results.append(
                FlightResult(
                    outbound=out,
                    inbound=back,
                    party=party,
                    cabin=cabin,
                    sort_key=_sort_key(
                        sort,
                        amount=out.amount + back.amount,
                        minutes=out.duration_minutes + back.duration_minutes,
                        departures=(out.departure_at, back.departure_at),
                        fare_ids=out.fare_ids + back.fare_ids,
                    ),
                )
            )
    return results


def _local_day_in_utc(day: date, tz_name: str) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar day as UTC instants (23 or 25 hours on DST days)."""
    tz = ZoneInfo(tz_name)
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


@dataclass
class _Search:
    """What one search asks of every direction: cabin, seats, stops, and now."""

    party: Party
    cabin: str
    max_stops: int
    now: datetime
    engine: SearchEngine
    places: dict[int, Place] = field(default_factory=dict)
    _party_amounts: dict[tuple[Decimal, str], tuple[Money, Decimal]] = field(default_factory=dict)

    def itineraries(self, *, source: Place, target: Place, day: date) -> list[Itinerary]:
        """Direct and (when allowed) one-stop itineraries leaving `source` on local `day`."""
        self.places.setdefault(source.id, source)
        self.places.setdefault(target.id, target)
        start, end = _local_day_in_utc(day, source.timezone)
        candidates = self.engine.flight_legs(
            LegQuery(
                departs_from=max(start, self.now),
                departs_until=end,
                origins=(source.code,),
                destination=target.code if self.max_stops == 0 else None,
            )  # fmt: skip
        )
        # The engine names candidates; the schedule decides (a stale index never sells).
        leaving = self._fares().filter(
            leg_id__in=candidates,
            leg__origin_id=source.id,
            leg__departure_at__gte=start,
            leg__departure_at__lt=end,
        )
        if self.max_stops == 0:
            leaving = leaving.filter(leg__destination_id=target.id)
        direct: list[Itinerary] = []
        first_legs: list[LegFare] = []
        for row in leaving.values_list(*_FARE_FIELDS, *_far_airport("destination")):
            leg = self._leg(row, origin=source, destination=self._place(row[_N:]))
            if leg.destination.id == target.id:
                direct.append(Itinerary.of((leg,)))
            else:
                first_legs.append(leg)
        if self.max_stops == 0 or not first_legs:
            return direct
        return direct + self._connections(first_legs, target=target)

    def _connections(self, first_legs: list[LegFare], *, target: Place) -> list[Itinerary]:
        """First legs joined to legs from the same airport to `target` leaving 45 min-8 h later.

        Second legs all end at `target`, never at the origin, so no pair goes back home.
        """
        hubs = {leg.destination.id for leg in first_legs}
        earliest = min(leg.arrival_at for leg in first_legs) + MIN_CONNECTION
        latest = max(leg.arrival_at for leg in first_legs) + MAX_CONNECTION
        few = len(hubs) <= _MAX_IN_LIST
        candidates = self.engine.flight_legs(
            LegQuery(
                departs_from=earliest,
                departs_until=latest,
                destination=target.code,
                origins=sorted({leg.destination.code for leg in first_legs}) if few else (),
            )  # fmt: skip
        )
        arriving = self._fares().filter(
            leg_id__in=candidates,
            leg__destination_id=target.id,
            leg__departure_at__gte=earliest,
            leg__departure_at__lte=latest,
        )
        if few:
            arriving = arriving.filter(leg__origin_id__in=hubs)
        by_hub: dict[int, list[LegFare]] = {}
        for row in arriving.values_list(*_FARE_FIELDS, *_far_airport("origin")):
            if row[_N] in hubs:
                leg = self._leg(row, origin=self._place(row[_N:]), destination=target)
                by_hub.setdefault(leg.origin.id, []).append(leg)
        departures: dict[int, list[datetime]] = {}
        for hub, legs in by_hub.items():
            legs.sort(key=lambda leg: (leg.departure_at, leg.fare_id))
            departures[hub] = [leg.departure_at for leg in legs]
        itineraries = []
        for first in first_legs:
            seconds = by_hub.get(first.destination.id)
            if not seconds:
                continue
            times = departures[first.destination.id]
            lo = bisect_left(times, first.arrival_at + MIN_CONNECTION)
            hi = bisect_right(times, first.arrival_at + MAX_CONNECTION)
            currency = first.adult_fare.currency
            for second in seconds[lo:hi]:
                # Adding prices of two currencies would be a made-up number: skip the pair.
                if second.adult_fare.currency == currency:
                    itineraries.append(Itinerary.of((first, second)))
        return itineraries

    def _fares(self):  # type: ignore[no-untyped-def]
        return FlightFare.objects.filter(
            cabin=self.cabin,
            seats_available__gte=self.party.seats,
            leg__is_cancelled=False,
            leg__departure_at__gt=self.now,
        ).order_by()

    def _place(self, row: Sequence[Any]) -> Place:
        place = self.places.get(row[0])
        if place is None:
            place = self.places[row[0]] = Place(*row)
        return place

    def _leg(self, row: Sequence[Any], *, origin: Place, destination: Place) -> LegFare:
        (fare_id, price, currency, seats, checked, cabin_bags, refundable, change_fee,
         flight_number, airline_code, airline_name, departure_at, arrival_at, distance_km,
         aircraft) = row[:_N]  # fmt: skip
        priced = self._party_amounts.get((price, currency))
        if priced is None:
            adult_fare = Money.of(price, currency)
            priced = self._party_amounts[price, currency] = (
                adult_fare,
                self.party.price([adult_fare]).amount,
            )
        return LegFare(
            fare_id=fare_id,
            adult_fare=priced[0],
            party_amount=priced[1],
            seats_available=seats,
            checked_bags=checked,
            cabin_bags=cabin_bags,
            refundable=refundable,
            change_fee=change_fee,
            flight_number=flight_number,
            airline_code=airline_code,
            airline_name=airline_name,
            origin=origin,
            destination=destination,
            departure_at=departure_at,
            arrival_at=arrival_at,
            distance_km=distance_km,
            aircraft=aircraft,
        )


def _far_airport(end: str) -> tuple[str, ...]:
    """The far airport's columns of a leg (the near one is the airport searched)."""
    return (f"leg__{end}_id", *(f"leg__{end}__{name}" for name in _AIRPORT_FIELDS[1:]))
