"""Refresh a search engine's index from the catalog: `manage.py sync_search_index`.

Incremental by default: only things changed since a kind's watermark are sent, and
documents for things that are gone or unpublished are removed. Each kind keeps its own
checkpoint (`SyncCheckpoint`), saved after every batch the engine accepted: a run cut by
the function's timeout or a failed upload resumes at the next row, not from the beginning.
A pass's watermark is the time its run *started*, so an edit made while a pass was going
on (or between its runs) is sent again by the next pass; upserts are idempotent.

Runs fit a time budget: no new batch starts after it, so a scheduled run ends cleanly
before Lambda's timeout and the next run carries on. Kinds take turns (the one that waited
longest goes first), so a kind too large for one run cannot starve the others.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from catalog.models import Airport, City, FlightLeg, Hotel, RentalOffice
from reviews.models import RatingAggregate, Subject
from reviews.selectors import ratings_map
from search.engines import get_engine
from search.engines.base import Document, IndexWriter
from search.models import DocumentKind, SyncCheckpoint, SyncState
from travelguru.results_cache import results_changed_now
from travelguru.text import indexed_text

# Rows read from the database at a time. The local engine writes them as one batch; an
# engine with a byte limit per upload (CloudSearch) packs documents into uploads by size.
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
    bytes: int = 0  # uploaded, for engines that send serialised batches
    seconds: float = 0.0
    # Kinds whose pass the time budget cut; the next run resumes them where they stopped.
    unfinished: list[str] = field(default_factory=list)
    busy: bool = False  # another run holds the engine's lease: this one did nothing

    @property
    def complete(self) -> bool:
        return not self.unfinished

    def summary(self) -> str:
        if self.busy:
            return f"{self.engine} index: another sync is running; nothing done"
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
            + (
                f"; out of time, resumes next run: {', '.join(self.unfinished)}"
                if self.unfinished
                else ""
            )
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


def _bar(kind: str, todo: QuerySet, show: bool):
    from tqdm import tqdm

    total = todo.count() if show else None
    return tqdm(total=total, desc=f"{kind:<10}", unit=" docs", disable=None if show else True)


def _batches(qs: QuerySet, size: int, after: int = 0) -> Iterator[list]:
    """Rows in primary-key order after `after`, `size` at a time, without one huge result."""
    last_pk = after
    while True:
        rows = list(qs.filter(pk__gt=last_pk).order_by("pk")[:size])
        if not rows:
            return
        yield rows
        last_pk = rows[-1].pk


class OutOfTime(Exception):
    """The run's time budget is spent: stop before the next batch, keep the checkpoint."""


class Budget:
    """Seconds a run may spend starting batches; None: no limit (a run by hand)."""

    def __init__(self, seconds: float | None, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.deadline = None if seconds is None else clock() + seconds

    def check(self, ahead: float = 0.0) -> None:
        """Raise OutOfTime if the budget is spent, or will be after waiting `ahead`."""
        if self.deadline is not None and self.clock() + ahead >= self.deadline:
            raise OutOfTime


_NEVER = datetime.min.replace(tzinfo=UTC)
# How long a run's lease outlives its last batch: longer than one batch can take (an
# upload spaced by the engine's rate and retried with back-off), short enough that a run
# that died blocks the next ones for minutes, not until someone notices.
LEASE_SECONDS = 180


def _take_lease(engine: str) -> bool:
    now = timezone.now()
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    taken = SyncState.objects.filter(free, engine=engine).update(
        lease_until=now + timedelta(seconds=LEASE_SECONDS)
    )
    return bool(taken)


def _renew_lease(engine: str) -> None:
    SyncState.objects.filter(engine=engine).update(
        lease_until=timezone.now() + timedelta(seconds=LEASE_SECONDS)
    )


def _checkpoints(
    engine: str, kinds: Sequence[str], state: SyncState, save: bool
) -> dict[str, SyncCheckpoint]:
    """Each kind's checkpoint; a kind new to checkpoints starts from the engine's watermark."""
    found = {c.kind: c for c in SyncCheckpoint.objects.filter(engine=engine, kind__in=kinds)}
    for kind in kinds:
        if kind not in found:
            found[kind] = SyncCheckpoint(engine=engine, kind=kind, watermark=state.watermark)
            if save:
                found[kind].save()
    return found


class _Pass:
    """One kind's share of a run: rows after the checkpoint, sent in batches, saved as it goes."""

    def __init__(
        self, *, source: Source, checkpoint: SyncCheckpoint, writer: IndexWriter,
        report: SyncReport, budget: Budget, dry_run: bool, batch_size: int, progress: bool,
    ) -> None:  # fmt: skip
        self.source, self.checkpoint, self.writer = source, checkpoint, writer
        self.report, self.budget, self.dry_run = report, budget, dry_run
        self.batch_size, self.progress = batch_size, progress
        # Engines that upload serialised batches under a byte limit say so; the others
        # (the local engine's database) take each page of rows as one batch.
        self.limit: int | None = getattr(writer, "batch_bytes", None)
        self.encode = getattr(writer, "encode", None)
        self.pending: list = []
        self.pending_bytes = 2  # the brackets of a JSON array
        self.pending_added = 0
        self.pending_last_pk = 0
        self.count = self.added = 0

    def run(self, since: datetime | None) -> None:
        source, checkpoint, writer = self.source, self.checkpoint, self.writer
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
        try:
            with _bar(source.kind, todo.filter(pk__gt=checkpoint.last_pk), self.progress) as bar:
                for rows in _batches(todo, self.batch_size, after=checkpoint.last_pk):
                    documents = source.documents(rows)
                    for document in documents:
                        self._add(document, document.object_id not in indexed)
                    if self.limit is None:
                        self._flush()
                    bar.update(len(rows))
                self._flush()
        finally:
            self.report.upserted[source.kind] = self.count
            self.report.added[source.kind] = self.added
            self.report.removed.setdefault(source.kind, 0)
        gone = sorted(indexed - wanted)
        if gone and not self.dry_run:
            self.budget.check()
            sent = writer.delete(source.kind, gone)
            self.report.batches += 1 if sent is None else sent
        self.report.removed[source.kind] = len(gone)

    def _add(self, document: Document, new: bool) -> None:
        if self.limit is not None and self.encode is not None:
            encoded = self.encode(document)
            if self.pending and self.pending_bytes + 1 + len(encoded) > self.limit:
                self._flush()
            self.pending.append(encoded)
            self.pending_bytes += len(encoded) + (1 if len(self.pending) > 1 else 0)
        else:
            self.pending.append(document)
        self.pending_added += new
        self.pending_last_pk = document.object_id

    def _flush(self) -> None:
        if not self.pending:
            return
        last_pk = self.pending_last_pk
        # A batch not started is a batch the next run sends; one that must first wait for
        # the engine's upload rate counts that wait against the budget too.
        delay = getattr(self.writer, "upload_delay", None)
        self.budget.check(ahead=delay() if delay is not None and not self.dry_run else 0.0)
        if self.dry_run:
            sent = None
        elif self.encode is not None and self.limit is not None:
            sent = self.writer.upload(self.pending)  # type: ignore[attr-defined]
            self.report.bytes += self.pending_bytes
        else:
            sent = self.writer.upsert(self.pending)
        self.report.batches += 1 if sent is None else sent
        self.count += len(self.pending)
        self.added += self.pending_added
        self.pending, self.pending_bytes, self.pending_added = [], 2, 0
        self.checkpoint.last_pk = last_pk
        if not self.dry_run:
            self.checkpoint.save(update_fields=["last_pk"])
            _renew_lease(self.checkpoint.engine)


def sync_index(
    *,
    full: bool = False,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    engine_name: str | None = None,
    writer: IndexWriter | None = None,
    sources: Sequence[Source] = SOURCES,
    progress: bool = False,
    budget_seconds: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    resume_only: bool = False,
) -> SyncReport:
    """Send what changed (everything with `full`) to the engine; remove what is gone.

    Stops starting batches once `budget_seconds` (measured by `clock`) are spent; what is
    left is resumed by the next run from each kind's checkpoint. A `full` rebuild is a pass
    from no watermark with the same checkpoints: one the budget cut is carried on by the
    next run, incremental or full, until every kind has been sent whole. `resume_only`
    carries on such passes and does nothing when there are none.
    """
    started = time.perf_counter()
    budget = Budget(budget_seconds, clock)
    run_started_at = timezone.now()
    engine = get_engine() if writer is None else None
    name = engine_name or getattr(engine, "name", None) or "local"
    writer = writer or engine.writer()  # type: ignore[union-attr]
    SyncState.objects.get_or_create(engine=name)
    if not dry_run and not _take_lease(name):
        report = SyncReport(engine=name, full=full, dry_run=dry_run, since=None, busy=True)
        report.seconds = time.perf_counter() - started
        return report
    try:
        return _sync(
            name=name, writer=writer, full=full, dry_run=dry_run, batch_size=batch_size,
            sources=sources, progress=progress, budget=budget, resume_only=resume_only,
            run_started_at=run_started_at, started=started,
        )  # fmt: skip
    finally:
        if not dry_run:
            SyncState.objects.filter(engine=name).update(lease_until=None)


def _sync(
    *, name: str, writer: IndexWriter, full: bool, dry_run: bool, batch_size: int,
    sources: Sequence[Source], progress: bool, budget: Budget, resume_only: bool,
    run_started_at: datetime, started: float,
) -> SyncReport:  # fmt: skip
    state = SyncState.objects.get(engine=name)
    mine = [s for s in sources if s.kind in writer.kinds]
    checkpoints = _checkpoints(name, [s.kind for s in mine], state, save=not dry_run)
    rebuild = full or any(c.pass_full or c.watermark is None for c in checkpoints.values())
    oldest = min((c.watermark for c in checkpoints.values() if c.watermark), default=None)
    report = SyncReport(
        engine=name, full=rebuild, dry_run=dry_run, since=None if rebuild else oldest
    )
    if resume_only:
        # Only passes an earlier run started and could not finish; nothing else is read,
        # so a frequent schedule costs one query when there is nothing to carry on.
        mine = [s for s in mine if checkpoints[s.kind].in_pass]
        if not mine:
            report.seconds = time.perf_counter() - started
            return report
    position = {s.kind: n for n, s in enumerate(mine)}
    mine.sort(key=lambda s: (checkpoints[s.kind].turn_at or _NEVER, position[s.kind]))
    for source in mine:
        checkpoint = checkpoints[source.kind]
        if full and not checkpoint.pass_full or not checkpoint.in_pass:
            # A new pass for every kind at the start of the run, so a kind the budget does
            # not reach is still owed its pass (and a resuming run knows it). From the
            # kind's watermark, or from nothing for a rebuild; an incremental pass cut
            # short is replaced by a rebuild, which sends everything it would have.
            checkpoint.pass_started_at = run_started_at
            checkpoint.pass_full = full or checkpoint.watermark is None
            checkpoint.pass_since = None if checkpoint.pass_full else checkpoint.watermark
            checkpoint.last_pk = 0
            if not dry_run:
                checkpoint.save()

    for n, source in enumerate(mine):
        checkpoint = checkpoints[source.kind]
        try:
            budget.check()
        except OutOfTime:
            report.unfinished = [s.kind for s in mine[n:]]
            break
        checkpoint.turn_at = run_started_at
        if not dry_run:
            checkpoint.save(update_fields=["turn_at"])
        work = _Pass(
            source=source, checkpoint=checkpoint, writer=writer, report=report, budget=budget,
            dry_run=dry_run, batch_size=batch_size, progress=progress,
        )  # fmt: skip
        try:
            work.run(checkpoint.pass_since)
        except OutOfTime:
            report.unfinished = [s.kind for s in mine[n:]]
            break
        checkpoint.watermark = checkpoint.pass_started_at
        checkpoint.pass_started_at = checkpoint.pass_since = None
        checkpoint.pass_full = False
        checkpoint.last_pk = 0
        if not dry_run:
            checkpoint.save()

    if not dry_run:
        if report.complete:
            # The engine's watermark and age: every kind is indexed up to the oldest one.
            state.watermark = min((c.watermark for c in checkpoints.values()), default=None)
            state.last_run_at = timezone.now()
            state.save(update_fields=["watermark", "last_run_at"])
        if report.batches:
            results_changed_now()  # answers cached before name what the index named then
    report.seconds = time.perf_counter() - started
    return report
