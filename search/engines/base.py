"""The search-engine interface. Keep it narrow: CloudSearch and OpenSearch must fit it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from travelguru.sql import Fragment, fetch_column


@dataclass(frozen=True)
class Destination:
    """An autocomplete suggestion: an airport (`code` = IATA) or a city (`code` empty)."""

    kind: str  # "airport" | "city"
    id: int
    code: str
    name: str
    city_name: str
    country_code: str
    latitude: float | None
    longitude: float | None
    timezone: str
    city_id: int | None = None
    airports: tuple[str, ...] = ()  # a city's airports (IATA codes)


@dataclass(frozen=True)
class HotelQuery:
    """Static filters the index can answer. Exactly one of city_id / (lat, lon) is set."""

    city_id: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    radius_km: float = 10.0
    min_stars: int | None = None
    amenities: Sequence[str] = ()
    text: str = ""
    limit: int = 2000


@dataclass(frozen=True)
class LegQuery:
    """Scheduled legs departing between two UTC instants (both included), by IATA code.

    `origins` empty: from anywhere. The answer is candidates: the flight selector re-reads
    each leg's schedule, fares and seats from the database.
    """

    departs_from: datetime
    departs_until: datetime
    origins: Sequence[str] = ()
    destination: str | None = None


@dataclass(frozen=True, slots=True)
class SqlIds(Fragment):
    """Ids named by a one-column SELECT on the application database (a `Fragment`: its SQL
    and its own parameters), run when iterated.

    The local engine answers flight legs this way: the flight selector embeds the whole
    SELECT as a subquery of its fare query, its parameters where its text goes (one round
    trip). As a subquery its table aliases are its own: nothing depends on the caller's."""

    def __iter__(self) -> Iterator[int]:
        return iter(fetch_column(self))


@dataclass(frozen=True)
class HotelHit:
    hotel_id: int
    stars: int
    amenities: tuple[str, ...]
    latitude: float
    longitude: float
    distance_km: float | None  # from the query point (or the city centre)
    rating_average: Decimal | None = None
    rating_count: int = 0
    rating_score: Decimal | None = None
    data: dict = field(default_factory=dict)  # CloudSearch only; hotel search reads none


@dataclass(frozen=True)
class CarOfficeHit:
    office_id: int
    airport_code: str
    vendor_name: str
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Document:
    """What an engine indexes for one searchable thing, engine-neutral."""

    kind: str  # search.models.DocumentKind
    object_id: int
    name: str
    text: str  # folded words (travelguru.text.indexed_text)
    code: str = ""
    city_id: int | None = None
    country_code: str = ""
    latitude: float | None = None
    longitude: float | None = None
    stars: int | None = None
    amenities: tuple[str, ...] = ()
    popularity: float = 0.0
    rating_average: Decimal | None = None
    rating_count: int = 0
    rating_score: Decimal | None = None
    data: dict = field(default_factory=dict)
    # Kind-specific searchable fields (a flight leg's origin, destination, departure …).
    fields: dict = field(default_factory=dict)


class IndexWriter(Protocol):
    """The write side an indexer feeds (`search.services.indexing`)."""

    # Kinds this index holds; the local engine reads flight legs from the schedule itself.
    kinds: frozenset[str]

    def upsert(self, documents: Sequence[Document]) -> int | None:
        """Add or replace documents; returns the batches sent (None: one)."""
        ...

    def delete(self, kind: str, object_ids: Sequence[int]) -> int | None:
        """Remove documents; returns the batches sent (None: one)."""
        ...

    def object_ids(self, kind: str) -> set[int]:
        """Ids of the documents of a kind the index holds now."""
        ...


class SearchEngine(Protocol):
    # True when the engine's flight legs are the schedule table itself: its answer to a
    # LegQuery is exactly what the flight selector's fare query selects by its own
    # conditions on that table, so the selector does not ask it (an embedded subquery
    # that only repeats the outer conditions cost the fare queries a sixth to a third).
    legs_are_the_schedule: bool

    def destinations(self, *, text: str, kinds: Sequence[str], limit: int) -> list[Destination]:
        """Airports and/or cities whose code, name or city starts with `text`, best first."""
        ...

    def hotels(self, query: HotelQuery) -> list[HotelHit]:
        """Published hotels matching the static filters, nearest first."""
        ...

    def car_offices(self, *, airport_code: str) -> list[CarOfficeHit]:
        """Published rental offices at an airport."""
        ...

    def flight_legs(self, query: LegQuery) -> Iterable[int]:
        """Ids of the flight legs matching the query (any order; an empty answer is fine).

        A `SqlIds` answer is a query of this database the caller may embed as a subquery."""
        ...

    def indexed_at(self) -> datetime | None:
        """When the index was last refreshed (None: never)."""
        ...

    def writer(self) -> IndexWriter:
        """Where `sync_search_index` sends documents for this engine."""
        ...
