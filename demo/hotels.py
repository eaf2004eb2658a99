"""Hotels in real cities, their room types and per-night prices and inventory."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import date, time

from catalog.models import Amenity, City, Hotel, RoomNight, RoomType
from demo import reference
from demo.common import (
    bulk_insert,
    cost_level,
    days_from,
    local_price,
    rng_for,
    season_factor,
)

BASE_USD_BY_STARS = {1: 45, 2: 70, 3: 110, 4: 175, 5: 320}
STREETS = (
    "Station Road", "Market Square", "Harbour Street", "Park Avenue", "Church Street",
    "Castle Lane", "River Walk", "Museum Street", "Cathedral Square", "Garden Row",
    "Old Bridge Street", "University Road", "Opera Place", "Victoria Street", "Long Street",
)  # fmt: skip
OPENERS = (
    "A {stars}-star {kind} {where} in {city}.",
    "{name} puts you {where} of {city}.",
    "Stay {where} in {city} at this {stars}-star {kind}.",
)
WHERES = ("in the heart", "a short walk from the old town", "close to the main station",
          "by the river", "in a quiet residential street", "near the business district",
          "steps from the best restaurants")  # fmt: skip
EXTRAS = (
    "Rooms are bright and soundproofed, with rain showers.",
    "The rooftop terrace looks over the skyline.",
    "Public transport to the airport stops at the door.",
    "Families like the spacious rooms and the playroom.",
    "Guests praise the breakfast and the friendly staff.",
    "A renovated building with original features and modern rooms.",
    "Ideal for business travellers, with meeting rooms and fast Wi-Fi.",
)


def load_amenities() -> dict[str, Amenity]:
    rows = Amenity.objects.bulk_create([Amenity(code=c, name=n) for c, n in reference.AMENITIES])
    return {a.code: a for a in rows}


def _hotel_count(city: City, scale: int) -> int:
    base = 8 if city.population >= 5_000_000 else 6
    return base * scale


def _name(city: City, rng: random.Random, taken: set[str]) -> tuple[str, str]:
    """A name not yet used in the city. The patterns give about 300 names per city; past
    that (large --scale) a number tells the hotels apart instead of looping forever."""
    attempts = 0
    while True:
        attempts += 1
        brand = rng.choice(reference.HOTEL_BRANDS)
        kind = rng.choice(reference.HOTEL_KINDS)
        pattern = rng.randrange(3)
        if pattern == 0:
            name = f"{brand} {kind} {city.name}"
        elif pattern == 1:
            name = (
                f"{kind} {brand} {city.name}" if kind == "Hotel" else f"{city.name} {brand} {kind}"
            )
        else:
            name = f"The {brand} {city.name}"
        if attempts > 50:
            name = f"{name} {len(taken) + 1}"
        if name not in taken:
            taken.add(name)
            return name, kind


def build_hotels(
    cities: list[City], scale: int, rng: random.Random
) -> list[tuple[Hotel, list[str], bool]]:
    """(hotel, amenity codes, is small) for every city, not yet saved."""
    codes = [c for c, _ in reference.AMENITIES]
    built = []
    for city in cities:
        taken: set[str] = set()
        for _ in range(_hotel_count(city, scale)):
            name, kind = _name(city, rng, taken)
            if kind in ("Hostel", "Guesthouse"):
                stars = rng.choice((1, 2, 2, 3))
            else:
                stars = rng.choices((2, 3, 4, 5), (15, 40, 30, 15))[0]
            km = abs(rng.gauss(0, 2.0))
            bearing = rng.uniform(0, 2 * math.pi)
            lat = city.latitude + km * math.cos(bearing) / 111.0
            lon = city.longitude + km * math.sin(bearing) / (
                111.0 * math.cos(math.radians(city.latitude))
            )
            amenities = set(rng.sample(codes, rng.randint(3, 8)))
            amenities.add("wifi")
            if stars >= 4:
                amenities |= {"restaurant", "bar", "gym"}
            if stars == 5:
                amenities.add("spa")
            where = rng.choice(WHERES)
            opener = rng.choice(OPENERS).format(
                stars=stars, kind=kind.lower(), where=where, city=city.name, name=name
            )
            description = " ".join([opener, *rng.sample(EXTRAS, 2)])
            small = kind in ("Guesthouse", "Inn") or rng.random() < 0.1
            hotel = Hotel(
                name=name,
                city=city,
                address=f"{rng.randint(1, 220)} {rng.choice(STREETS)}, {city.name}",
                latitude=round(lat, 6),
                longitude=round(lon, 6),
                stars=stars,
                description=description,
                currency=city.currency,
                check_in_time=time(rng.choice((14, 15, 15, 16)), 0),
                check_out_time=time(rng.choice((10, 11, 11, 12)), 0),
                free_cancellation_days=rng.choice((None, 1, 2, 2, 3, 7)),
            )
            built.append((hotel, sorted(amenities), small))
    return built


def night_factor(day: date, latitude: float) -> float:
    """City hotels charge more on Friday and Saturday nights and in high season."""
    weekend = 1.18 if day.weekday() in (4, 5) else 1.0
    return weekend * season_factor(day, latitude)


def _room_factor(capacity: int, name: str) -> float:
    factor = {1: 0.75, 2: 1.0, 3: 1.35, 4: 1.55, 6: 2.2}[capacity]
    return factor * (1.3 if "Deluxe" in name or "suite" in name else 1.0)


def load_hotels(
    *,
    cities: list[City],
    amenities: dict[str, Amenity],
    start: date,
    days: int,
    scale: int,
    seed: int,
    progress: Callable[[int], object],
    expect: Callable[[int], object] | None = None,
) -> tuple[int, int, int]:
    """`expect` hears the number of room nights once known, before they are written."""
    rng = rng_for(seed, "hotels")
    built = build_hotels(cities, scale, rng)
    hotels = Hotel.objects.bulk_create([h for h, _, _ in built], batch_size=1000)
    through = Hotel.amenities.through
    bulk_insert(
        through,
        (
            through(hotel_id=hotel.pk, amenity_id=amenities[code].pk)
            for hotel, (_, codes, _) in zip(hotels, built, strict=True)
            for code in codes
        ),
    )
    room_types: list[tuple[RoomType, bool]] = []
    for hotel, (_, _, small) in zip(hotels, built, strict=True):
        if "Hostel" in hotel.name:
            kinds = [reference.ROOM_TYPES[0], reference.ROOM_TYPES[4]]
        else:
            kinds = sorted(
                rng.sample(reference.ROOM_TYPES[1:], rng.randint(2, 4)), key=lambda k: k[1]
            )
        for name, capacity, beds, size in kinds:
            room_types.append(
                (
                    RoomType(
                        hotel=hotel,
                        name=name,
                        capacity=capacity,
                        beds=beds,
                        size_m2=size,
                        breakfast_included=hotel.stars >= 4 and rng.random() < 0.5,
                    ),
                    small,
                )
            )
    RoomType.objects.bulk_create([rt for rt, _ in room_types], batch_size=1000)
    night_rng = rng_for(seed, "nights")
    dates = days_from(start, days)
    nights = 0

    def rows():
        for room_type, small in room_types:
            hotel = room_type.hotel
            base = (
                BASE_USD_BY_STARS[hotel.stars]
                * cost_level(hotel.city.country_code)
                * _room_factor(room_type.capacity, room_type.name)
                * night_rng.uniform(0.85, 1.2)
            )
            total = night_rng.randint(1, 5) if small else night_rng.randint(6, 40)
            for day in dates:
                usd = base * night_factor(day, hotel.latitude) * night_rng.uniform(0.96, 1.04)
                if small and night_rng.random() < 0.2:
                    available = 0
                else:
                    available = max(0, total - round(total * night_rng.betavariate(2, 3)))
                yield RoomNight(
                    room_type=room_type,
                    city_id=hotel.city_id,
                    date=day,
                    price=local_price(usd, hotel.currency),
                    rooms_total=total,
                    rooms_available=available,
                )

    if expect:
        expect(len(room_types) * len(dates))
    nights = bulk_insert(RoomNight, rows(), progress)
    return len(hotels), len(room_types), nights
