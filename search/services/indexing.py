"""Refresh a search engine's index from the catalog: `manage.py sync_search_index`.

Incremental by default: only things changed since the last run's watermark are sent, and
documents for things that are gone or unpublished are removed. The watermark is the time
the run *started*, stored only after every batch was accepted, so an edit made during a run
is sent again next time and a failed run is simply repeated (upserts are idempotent).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from catalog.models import Airport, City, FlightLeg, Hotel, RentalOffice
from reviews.models import RatingAggregate, Subject
from reviews.selectors import ratings_map
from search.cache import results_changed_now
from search.engines import get_engine
from search.engines.base import Document, IndexWriter
from search.models import DocumentKind, SyncState
from search.text import indexed_text

DEFAULT_BATCH_SIZE = 500
# Beyond this many missing documents an incremental run sends everything instead.
_MAX_REPAIR = 1000


@dataclass
class SyncReport:
    engine: str
    full: bool
    dry_run: bool
    since: datetime | None
    upserted: dict[str, int] = field(default_factory=dict)
    added: dict[str, int] = field(default_factory=dict)  # of upserted: new to the index
    removed: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        mode = "full" if self.full else f"changes since {self.since or 'the beginning'}"
        sent = ", ".join(f"{n} {kind}" for kind, n in self.upserted.items()) or "nothing"
        gone = ", ".join(f"{n} {kind}" for kind, n in self.removed.items() if n) or "nothing"
        verb = "would index" if self.dry_run else "indexed"
        added = sum(self.added.values())
        updated = sum(self.upserted.values()) - added
        return (
            f"{self.engine} index ({mode}): {verb} {sent}; removed {gone}; "
            f"{added} added, {updated} updated, {sum(self.removed.values())} deleted; "
            f"{self.batches} batches in {self.seconds:.2f}s"
        )


# --- documents -------------------------------------------------------------------------


def airport_document(airport: Airport) -> Document:
    rank = airport.traffic_rank
    return Document(
        kind=DocumentKind.AIRPORT,
        object_id=airport.pk,
        name=airport.name,
        text=indexed_text(airport.iata, airport.name, airport.city.name, airport.city_name),
        code=airport.iata,
        city_id=airport.city_id,
        country_code=airport.country_code,
        latitude=airport.latitude,
        longitude=airport.longitude,
        # Ranked airports above all but the largest cities; unranked ones below.
        popularity=80.0 - 0.2 * rank if rank else 20.0,
        data={
            "iata": airport.iata,
            "city_name": airport.city.name,
            "timezone": airport.timezone,
        },
    )


def city_document(city: City) -> Document:
    return Document(
        kind=DocumentKind.CITY,
        object_id=city.pk,
        name=city.name,
        text=indexed_text(city.name, city.country_name, city.country_code),
        city_id=city.pk,
        country_code=city.country_code,
        latitude=city.latitude,
        longitude=city.longitude,
        popularity=10.0 * math.log10(city.population + 1),
        data={
            "city_name": city.name,
            "country_name": city.country_name,
            "timezone": city.timezone,
            "currency": city.currency,
            "airports": [a.iata for a in city.airports.all() if a.is_active],
        },
    )


def hotel_document(hotel: Hotel) -> Document:
    amenities = sorted(a.code for a in hotel.amenities.all())
    rating = getattr(hotel, "rating", None)  # set by _render_hotels from reviews' aggregates
    return Document(
        kind=DocumentKind.HOTEL,
        object_id=hotel.pk,
        name=hotel.name,
        text=indexed_text(hotel.name, hotel.description, hotel.city.name, hotel.address),
        city_id=hotel.city_id,
        country_code=hotel.city.country_code,
        latitude=hotel.latitude,
        longitude=hotel.longitude,
        stars=hotel.stars,
        amenities=tuple(amenities),
        popularity=float(hotel.stars),
        rating_average=rating.average if rating else None,
        rating_count=rating.count if rating else 0,
        rating_score=rating.score if rating else None,
        data={
            "name": hotel.name,
            "city_name": hotel.city.name,
            "currency": hotel.currency,
        },
    )


def office_document(office: RentalOffice) -> Document:
    return Document(
        kind=DocumentKind.CAR_OFFICE,
        object_id=office.pk,
        name=office.name,
        text=indexed_text(office.name, office.vendor.name, office.airport.iata),
        code=office.airport.iata,
        city_id=office.airport.city_id,
        country_code=office.airport.country_code,
        latitude=office.latitude,
        longitude=office.longitude,
        data={
            "vendor_code": office.vendor.code,
            "vendor_name": office.vendor.name,
            "currency": office.currency,
        },
    )


def flight_leg_document(leg: FlightLeg) -> Document:
    return Document(
        kind=DocumentKind.FLIGHT_LEG,
        object_id=leg.pk,
        name=leg.flight_number,
        text=indexed_text(leg.flight_number, leg.airline.name),
        code=leg.flight_number,
        country_code=leg.origin.country_code,
        latitude=leg.origin.latitude,
        longitude=leg.origin.longitude,
        data={"airline": leg.airline.iata, "duration_minutes": leg.duration_minutes},
        fields={
            "origin": leg.origin.iata,
            "destination": leg.destination.iata,
            "airline": leg.airline.iata,
            "departure": leg.departure_at,
        },
    )


def _legs() -> QuerySet[FlightLeg]:
    # Legs still to fly (a day of slack for late departures), not cancelled.
    since = timezone.now() - timedelta(days=1)
    return FlightLeg.objects.filter(is_cancelled=False, departure_at__gte=since).select_related(
        "airline", "origin", "destination"
    )


@dataclass(frozen=True)
class Source:
    """One kind of document: which rows belong in the index and how to render them."""

    kind: str
    published: Callable[[], QuerySet]
    changed: Callable[[datetime], Q]
    render: Callable[..., Document]
    render_batch: Callable[[list], list[Document]] | None = None

    def documents(self, rows: list) -> list[Document]:
        if self.render_batch is not None:
            return self.render_batch(rows)
        return [self.render(row) for row in rows]


def _cities() -> QuerySet[City]:
    # Cities a traveler can fly to or stay in; not every GeoNames city we know.
    return (
        City.objects.annotate(
            n_airports=Count("airports", filter=Q(airports__is_active=True), distinct=True),
            n_hotels=Count("hotels", filter=Q(hotels__is_published=True), distinct=True),
        )
        .filter(Q(n_airports__gt=0) | Q(n_hotels__gt=0))
        .prefetch_related("airports")
    )


def _hotels() -> QuerySet[Hotel]:
    return (
        Hotel.objects.filter(is_published=True).select_related("city").prefetch_related("amenities")
    )


def _hotel_changed(since: datetime) -> Q:
    rated = RatingAggregate.objects.filter(subject=Subject.HOTEL, updated_at__gt=since)
    return (
        Q(updated_at__gt=since)
        | Q(city__updated_at__gt=since)
        | Q(pk__in=rated.values("subject_id"))
    )


def _render_hotels(rows: list[Hotel]) -> list[Document]:
    ratings = ratings_map(subject=Subject.HOTEL, subject_ids=[h.pk for h in rows])
    for hotel in rows:
        hotel.rating = ratings.get(hotel.pk)  # type: ignore[attr-defined]
    return [hotel_document(hotel) for hotel in rows]


SOURCES: tuple[Source, ...] = (
    Source(
        DocumentKind.AIRPORT,
        lambda: Airport.objects.filter(is_active=True).select_related("city"),
        lambda since: Q(updated_at__gt=since) | Q(city__updated_at__gt=since),
        airport_document,
    ),
    Source(
        DocumentKind.CITY,
        _cities,
        lambda since: Q(updated_at__gt=since) | Q(airports__updated_at__gt=since),
        city_document,
    ),
    Source(DocumentKind.HOTEL, _hotels, _hotel_changed, hotel_document, _render_hotels),
    Source(
        DocumentKind.FLIGHT_LEG,
        _legs,
        lambda since: Q(updated_at__gt=since),
        flight_leg_document,
    ),
    Source(
        DocumentKind.CAR_OFFICE,
        lambda: RentalOffice.objects.filter(is_published=True).select_related("vendor", "airport"),
        lambda since: Q(updated_at__gt=since) | Q(airport__updated_at__gt=since),
        office_document,
    ),
)


# --- the run ---------------------------------------------------------------------------


def _bar(kind: str, todo: QuerySet, show: bool):  # type: ignore[no-untyped-def]
    from tqdm import tqdm

    total = todo.count() if show else None
    return tqdm(total=total, desc=f"{kind:<10}", unit=" docs", disable=None if show else True)


def _batches(qs: QuerySet, size: int) -> Iterator[list]:
    """Rows in primary-key order, `size` at a time, without one huge result set."""
    last_pk = 0
    while True:
        rows = list(qs.filter(pk__gt=last_pk).order_by("pk")[:size])
        if not rows:
            return
        yield rows
        last_pk = rows[-1].pk


def sync_index(
    *,
    full: bool = False,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    engine_name: str | None = None,
    writer: IndexWriter | None = None,
    sources: Sequence[Source] = SOURCES,
    progress: bool = False,
) -> SyncReport:
    """Send what changed (everything with `full`) to the engine; remove what is gone."""
    started = time.perf_counter()
    run_started_at = timezone.now()
    engine = get_engine() if writer is None else None
    name = engine_name or getattr(engine, "name", None) or "local"
    writer = writer or engine.writer()  # type: ignore[union-attr]
    state, _ = SyncState.objects.get_or_create(engine=name)
    since = None if full else state.watermark
    report = SyncReport(engine=name, full=full or since is None, dry_run=dry_run, since=since)

    for source in sources:
        if source.kind not in writer.kinds:
            continue
        published = source.published()
        wanted = set(published.values_list("pk", flat=True))
        indexed = writer.object_ids(source.kind)
        # Documents the index lacks are sent even when their rows did not change (a lost
        # batch, a fresh index), so an incremental run also repairs the index.
        missing = wanted - indexed
        if since is None or len(missing) > _MAX_REPAIR:
            todo = published
        else:
            changed = published.model.objects.filter(source.changed(since)).values("pk")
            todo = published.filter(Q(pk__in=changed) | Q(pk__in=missing))
        count = added = 0
        with _bar(source.kind, todo, progress) as bar:
            for rows in _batches(todo, batch_size):
                documents = source.documents(rows)
                sent = None if dry_run else writer.upsert(documents)
                report.batches += 1 if sent is None else sent
                count += len(documents)
                added += sum(1 for row in rows if row.pk not in indexed)
                bar.update(len(rows))
        report.upserted[source.kind] = count
        report.added[source.kind] = added
        gone = sorted(indexed - wanted)
        if gone and not dry_run:
            sent = writer.delete(source.kind, gone)
            report.batches += 1 if sent is None else sent
        report.removed[source.kind] = len(gone)

    if not dry_run:
        state.watermark = run_started_at
        state.last_run_at = timezone.now()
        state.save(update_fields=["watermark", "last_run_at"])
        results_changed_now()  # answers cached before name what the index named then
    report.seconds = time.perf_counter() - started
    return report
