"""Airlines, a route network from their hubs, and dated legs with per-cabin fares (USD)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from catalog.models import Airline, Airport, Cabin, FlightFare, FlightLeg
from demo import reference
from demo.common import bulk_insert, days_from, rng_for, season_factor
from demo.places import distance_km

CRUISE_KMH = 830
TAXI_MINUTES = 30
# Local departure banks (hour ranges) of a day's schedule.
WAVES = ((6, 9), (10, 13), (14, 17), (17, 21), (21, 23))


@dataclass(frozen=True)
class Route:
    airline: str
    origin: str
    destination: str
    departures: tuple[time, ...]  # local at the origin, every day
    numbers: tuple[int, ...]  # one flight number per departure


def minutes_for(km: float) -> int:
    minutes = km / CRUISE_KMH * 60 + TAXI_MINUTES
    return int(round(minutes / 5) * 5)


def aircraft_for(km: float) -> str:
    if km < 2500:
        return "Airbus A320neo"
    if km < 5500:
        return "Boeing 737 MAX 8" if km < 4000 else "Airbus A321LR"
    return "Boeing 787-9" if km < 10000 else "Airbus A350-900"


def _daily(km: float, trunk: bool) -> int:
    if trunk:
        return 3 if km < 8000 else 2
    if km < 1500:
        return 3
    if km < 4000:
        return 2
    return 1


def build_routes(airports: dict[str, Airport], scale: int, rng: random.Random) -> list[Route]:
    """Each airline flies from its hubs to some airports (busier ones likelier) and back."""
    codes = list(airports)
    weights = [1.0 / (airports[c].traffic_rank or 100) ** 0.6 for c in codes]
    pairs: dict[tuple[str, str, str], bool] = {}  # (airline, a, b) -> trunk
    for airline, a, b in reference.ANCHOR_ROUTES:
        pairs[(airline, a, b)] = True
    for airline, _name, _country, hubs, _bags in reference.AIRLINES:
        for hub in [h for h in hubs if h in airports][:3]:
            wanted = min(len(codes) - 1, 4 * scale)
            chosen: set[str] = set()
            while len(chosen) < wanted:
                dest = rng.choices(codes, weights)[0]
                if dest != hub:
                    chosen.add(dest)
            for dest in sorted(chosen):
                pairs.setdefault((airline, hub, dest), False)
    numbers: dict[str, int] = {}
    routes = []
    for (airline, a, b), trunk in sorted(pairs.items()):
        km = distance_km(airports[a].latitude, airports[a].longitude,
                         airports[b].latitude, airports[b].longitude)  # fmt: skip
        n = _daily(km, trunk)
        for origin, dest in ((a, b), (b, a)):
            waves = sorted(rng.sample(range(len(WAVES)), n))
            times = tuple(
                time(rng.randint(WAVES[w][0], WAVES[w][1] - 1), rng.randrange(0, 60, 5))
                for w in waves
            )
            nums = []
            for _ in times:
                numbers[airline] = numbers.get(airline, 0) + 1
                nums.append(100 + numbers[airline] * 2 + (0 if origin == a else 1))
            routes.append(Route(airline, origin, dest, times, tuple(nums)))
    return routes


def load_airlines(airports: dict[str, Airport]) -> dict[str, Airline]:
    airlines = Airline.objects.bulk_create(
        [
            Airline(iata=code, name=name, country_code=country, economy_checked_bags=bags)
            for code, name, country, _hubs, bags in reference.AIRLINES
        ]
    )
    through = Airline.hubs.through
    through.objects.bulk_create(
        [
            through(airline_id=airline.pk, airport_id=airports[hub].pk)
            for airline, (_c, _n, _k, hubs, _b) in zip(airlines, reference.AIRLINES, strict=True)
            for hub in hubs
            if hub in airports
        ]
    )
    return {a.iata: a for a in airlines}


def _cabins(km: float, airline: str) -> list[tuple[str, int, float]]:
    """(cabin, seats, price multiple of economy) sold on a leg of this length."""
    if km < 1200:
        return [(Cabin.ECONOMY, 162, 1.0), (Cabin.BUSINESS, 12, 3.0)]
    if km < 4500:
        return [(Cabin.ECONOMY, 168, 1.0), (Cabin.BUSINESS, 16, 3.4)]
    cabins = [
        (Cabin.ECONOMY, 236, 1.0),
        (Cabin.PREMIUM_ECONOMY, 28, 1.7),
        (Cabin.BUSINESS, 40, 4.0),
    ]
    if airline in reference.FIRST_CLASS and km >= 6000:
        cabins.append((Cabin.FIRST, 8, 7.0))
    return cabins


def _price_factor(day: date, today: date, latitude: float, rng: random.Random) -> float:
    weekday = (0.95, 0.92, 0.92, 1.0, 1.12, 0.97, 1.12)[day.weekday()]
    ahead = (day - today).days
    lead = 1.35 if ahead < 7 else 1.18 if ahead < 14 else 1.07 if ahead < 30 else 1.0
    return weekday * lead * season_factor(day, latitude) * rng.uniform(0.9, 1.12)


def load_flights(
    *,
    airports: dict[str, Airport],
    airlines: dict[str, Airline],
    start: date,
    days: int,
    scale: int,
    seed: int,
    progress: Callable[[int], object],
    expect: Callable[[int], object] | None = None,
) -> tuple[int, int]:
    """`expect` hears an estimate of the rows (the first day's times the days) once the
    first day is written: each day has the same schedule, the fares vary a little."""
    rng = rng_for(seed, "flights")
    routes = build_routes(airports, scale, rng)
    fare_rng = rng_for(seed, "fares")
    legs_n = fares_n = 0
    zones = {code: ZoneInfo(a.timezone) for code, a in airports.items()}
    for day in days_from(start, days):
        legs: list[FlightLeg] = []
        for route in routes:
            a, b = airports[route.origin], airports[route.destination]
            km = distance_km(a.latitude, a.longitude, b.latitude, b.longitude)
            minutes = minutes_for(km)
            for departs, number in zip(route.departures, route.numbers, strict=True):
                local = datetime.combine(day, departs, tzinfo=zones[route.origin])
                departure = local.astimezone(UTC)
                legs.append(
                    FlightLeg(
                        airline=airlines[route.airline],
                        flight_number=f"{route.airline}{number}",
                        origin=a,
                        destination=b,
                        departure_at=departure,
                        arrival_at=departure + timedelta(minutes=minutes),
                        distance_km=round(km),
                        aircraft=aircraft_for(km),
                    )
                )
        FlightLeg.objects.bulk_create(legs, batch_size=2000)
        legs_n += len(legs)
        fares = []
        for leg in legs:
            fares.extend(_fares(leg, day, start, fare_rng))
        fares_n += bulk_insert(FlightFare, fares)
        if expect and day == start:
            expect((len(legs) + len(fares)) * days)
        progress(len(legs) + len(fares))
    return legs_n, fares_n


def _fares(leg: FlightLeg, day: date, today: date, rng: random.Random) -> list[FlightFare]:
    km = leg.distance_km
    economy = (45 + 0.075 * km) * _price_factor(day, today, leg.origin.latitude, rng)
    load = min(1.0, max(0.0, rng.gauss(0.78, 0.15)))
    bags = leg.airline.economy_checked_bags
    fares = []
    for cabin, seats, multiple in _cabins(km, leg.airline.iata):
        sold = round(seats * min(1.0, load * rng.uniform(0.8, 1.15)))
        if rng.random() < 0.03:
            sold = seats  # sold out in this cabin
        premium = cabin != Cabin.ECONOMY
        basic = cabin == Cabin.ECONOMY and rng.random() < 0.3
        fares.append(
            FlightFare(
                leg=leg,
                cabin=cabin,
                price=Decimal(round(economy * multiple)).quantize(Decimal("0.01")),
                currency="USD",
                seats_total=seats,
                seats_available=seats - sold,
                checked_bags=bags if cabin == Cabin.ECONOMY else (3 if cabin == Cabin.FIRST else 2),
                cabin_bags=2 if cabin in (Cabin.BUSINESS, Cabin.FIRST) else 1,
                refundable=cabin in (Cabin.BUSINESS, Cabin.FIRST),
                change_fee=None
                if basic
                else Decimal("0.00")
                if premium and cabin != Cabin.PREMIUM_ECONOMY
                else Decimal(rng.choice((50, 75, 100, 150))).quantize(Decimal("0.01")),
            )
        )
    return fares
