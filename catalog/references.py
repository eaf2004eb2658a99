"""Airports and airlines by id, as flight results name them, and the city a name means, kept
in each process.

A flight search reads hundreds of fare rows, each naming its leg's airline and far airport.
Joining both tables to every row cost the fare queries a fifth of their time and made each
row three times as wide, for a few hundred rows that change a few times a year. So fare
rows carry ids, and the names come from here:

- ids not kept are read in one query per table, when a search first needs them;
- what is kept is forgotten after `REFERENCE_TTL_SECONDS` (as long as a cached search answer
  or a CDN copy may show an old name), and at once, once committed, in the process that
  edits or imports the catalog (`forget_after_commit`): another Lambda instance shows an
  airport's or airline's new name within that time.

A hotel search names its city as the traveler typed it ("Paris, FR"); which city that is
comes from the search engine (biggest first), a network round trip with CloudSearch. The
answer is kept the same way, by folded name and country, so a process asks once per name
and TTL; a name that meant no city is not kept (it may be added, and misses would let
anyone grow the dict).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple

from django.db import transaction

from catalog.models import Airline, Airport
from travelguru.sql import Query, Select, Table, marks, statement

REFERENCE_TTL_SECONDS = 60.0
# Ids asked per query, padded up to one of these counts (the last id repeated), so that a
# handful of statements serve every search; more than the last are asked in as many queries.
_SIZES = (8, 32, 128, 512)


@dataclass(frozen=True, slots=True)
class Place:
    """An airport as search results show it."""

    id: int
    code: str
    name: str
    city: str
    country_code: str
    timezone: str


class Carrier(NamedTuple):
    """An airline as search results show it."""

    id: int
    code: str
    name: str


class _Kept:
    __slots__ = ("airports", "carriers", "cities", "since")

    def __init__(self) -> None:
        self.airports: dict[int, Place] = {}
        self.carriers: dict[int, Carrier] = {}
        self.cities: dict[tuple[str, str], int] = {}
        self.since = time.monotonic()


_kept = _Kept()
_lock = threading.Lock()


def _current() -> _Kept:
    global _kept
    kept = _kept
    if time.monotonic() - kept.since > REFERENCE_TTL_SECONDS:
        with _lock:
            if _kept is kept:
                _kept = _Kept()
            kept = _kept
    return kept


def forget() -> None:
    """Forget every airport, airline and city name kept by this process."""
    global _kept
    with _lock:
        _kept = _Kept()


def forget_after_commit() -> None:
    """The catalog's names are being changed in this transaction: once it commits, this
    process reads them again."""
    transaction.on_commit(forget)


def places_by_id(ids: Iterable[int]) -> dict[int, Place]:
    """The airports with these ids (an id with no airport is left out)."""
    kept = _current().airports
    for chunk in _padded([i for i in set(ids) if i not in kept]):
        for place in _airports_query(len(chunk)).fetch(chunk):
            kept[place.id] = place
    return kept


def carriers_by_id(ids: Iterable[int]) -> dict[int, Carrier]:
    """The airlines with these ids (an id with no airline is left out)."""
    kept = _current().carriers
    for chunk in _padded([i for i in set(ids) if i not in kept]):
        for carrier in _airlines_query(len(chunk)).fetch(chunk):
            kept[carrier.id] = carrier
    return kept


def city_id_named(name: str, country_code: str, find: Callable[[], int | None]) -> int | None:
    """The id of the city `name` (folded) in `country_code` ("" for any) means: `find()`'s
    answer, asked once per process and TTL for a name that meant a city."""
    cities = _current().cities
    key = (name, country_code)
    city_id = cities.get(key)
    if city_id is None:
        city_id = find()
        if city_id is not None:
            cities[key] = city_id
    return city_id


def _padded(ids: list[int]) -> Iterable[list[int]]:
    """`ids` in chunks of one of `_SIZES` ids each, the last id repeated to fill a chunk."""
    largest = _SIZES[-1]
    for start in range(0, len(ids), largest):
        chunk = ids[start : start + largest]
        size = next(size for size in _SIZES if size >= len(chunk))
        yield chunk + [chunk[-1]] * (size - len(chunk))


def place_select(a: Table) -> Select[Place]:
    """The select list that reads an airport row (`Table(Airport)`) as a `Place`."""
    return Select(
        Place, id=a.c.id, code=a.c.iata, name=a.c.name, city=a.c.city_name,
        country_code=a.c.country_code, timezone=a.c.timezone,
    )  # fmt: skip


# Written out, as the flight search's own statements are: they run on its path.
@statement((8,), (512,))
def _airports_query(count: int) -> Query[Place]:
    a = Table(Airport)
    place = place_select(a)
    return Query(f"SELECT {place} FROM {a} WHERE {a.c.id} IN ({marks(count)})", place)  # noqa: S608 # nosec B608


@statement((8,), (512,))
def _airlines_query(count: int) -> Query[Carrier]:
    al = Table(Airline)
    carrier = Select(Carrier, id=al.c.id, code=al.c.iata, name=al.c.name)
    return Query(f"SELECT {carrier} FROM {al} WHERE {al.c.id} IN ({marks(count)})", carrier)  # noqa: S608 # nosec B608
