"""A search sync that fits Lambda: packed uploads, per-kind checkpoints, a time budget.

The domain is the in-memory fake behind real boto3 clients, so botocore validates every
upload against the CloudSearch service model before the fake answers it.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.models import Hotel
from search.engines.cloudsearch import BATCH_TARGET_BYTES, MAX_DOCUMENT_BYTES, CloudSearchEngine
from search.models import DocumentKind, SyncCheckpoint, SyncState
from search.services.indexing import SOURCES, sync_index
from tests.factories.catalog import CityFactory, HotelFactory, RentalOfficeFactory
from tests.search.fake_cloudsearch import FakeDomain

pytestmark = pytest.mark.django_db


class Recorder:
    """Every upload the engine makes, and a clock that runs out after `allow` of them."""

    def __init__(self, engine: CloudSearchEngine) -> None:
        self.bodies: list[bytes] = []
        self.in_run = 0
        self.allow: int | None = None
        upload = engine._upload

        def record(batch: bytes, **kwargs):
            self.bodies.append(batch)
            self.in_run += 1
            return upload(batch, **kwargs)

        engine._upload = record  # type: ignore[method-assign]

    def clock(self) -> float:
        return 0.0 if self.allow is None or self.in_run < self.allow else 100.0

    def run(self, engine: CloudSearchEngine, allow: int | None = None, **kwargs):
        self.in_run, self.allow = 0, allow
        budget = None if allow is None else 10.0
        return sync_index(
            writer=engine, engine_name="cloudsearch", budget_seconds=budget, clock=self.clock,
            **kwargs,
        )  # fmt: skip

    def operations(self) -> list[tuple[str, str]]:
        """(id, the operation as sent) of every operation uploaded so far."""
        return [
            (op["id"], json.dumps(op, sort_keys=True))
            for body in self.bodies
            for op in json.loads(body)
        ]


@pytest.fixture
def domain():
    return FakeDomain()


@pytest.fixture
def engine(domain):
    engine = CloudSearchEngine(domain.search_client, domain.document_client, upload_interval=0)
    engine.batch_bytes = 1  # one document an upload: many batches from a few rows
    return engine


def _catalog() -> None:
    city = CityFactory.create()
    for n in range(6):
        HotelFactory.create(city=city, name=f"Hotel {n}")
    for _ in range(3):
        RentalOfficeFactory.create()


def test_a_run_cut_by_the_budget_resumes_at_the_next_document(domain, engine):
    # given a catalog, and a run whose time runs out after four uploads
    _catalog()
    recorder = Recorder(engine)
    first = recorder.run(engine, allow=4)
    assert first.unfinished  # it stopped cleanly, and said so
    assert "resumes next run" in first.summary()
    assert SyncState.objects.get(engine="cloudsearch").last_run_at is None

    # when the next runs carry on without a limit
    second = recorder.run(engine, resume_only=True)
    assert second.complete
    cut = recorder.operations()

    # then every document went exactly once, the same as in one uninterrupted run
    ids = [i for i, _ in cut]
    assert len(ids) == len(set(ids))
    SyncCheckpoint.objects.all().delete()
    SyncState.objects.all().delete()
    domain.docs.clear()
    recorder.bodies.clear()
    whole = recorder.run(engine)
    assert whole.complete
    assert sorted(cut) == sorted(recorder.operations())
    assert SyncState.objects.get(engine="cloudsearch").last_run_at is not None


def test_every_cut_point_resumes_without_resending_or_missing(domain, engine):
    # given a catalog, and runs that each get one upload before their time runs out
    _catalog()
    recorder = Recorder(engine)
    runs = 0
    while not recorder.run(engine, allow=1).complete:
        runs += 1
        assert runs < 50, "the sync makes no progress"

    # then nothing was sent twice and everything published is indexed
    ids = [i for i, _ in recorder.operations()]
    assert len(ids) == len(set(ids))
    assert {i for i in ids if i.startswith("hotel-")} == {
        f"hotel-{pk}" for pk in Hotel.objects.values_list("pk", flat=True)
    }
    assert sum(i.startswith("car_office-") for i in ids) == 3


def test_an_edit_made_during_a_run_is_sent_by_the_next_run(domain, engine):
    # given hotels, and an edit to the first hotel right after the index accepted it
    city = CityFactory.create()
    hotels = [HotelFactory.create(city=city, name=f"Old {n}") for n in range(3)]
    recorder = Recorder(engine)
    upload = engine._upload

    def edit_after_first_hotel(batch: bytes, **kwargs):
        answer = upload(batch, **kwargs)
        if f'"id":"hotel-{hotels[0].pk}"'.encode() in batch:
            Hotel.objects.filter(pk=hotels[0].pk).update(name="Edited")
            Hotel.objects.get(pk=hotels[0].pk).save()  # updated_at moves as in the admin
        return answer

    engine._upload = edit_after_first_hotel
    recorder.run(engine, allow=2)  # cut after the first hotel: the edit falls inside the run
    recorder.run(engine)
    assert domain.docs[f"hotel-{hotels[0].pk}"]["name"] == "Old 0"  # sent before the edit

    # when the next (incremental) run goes
    recorder.run(engine)

    # then the edit is in the index
    assert domain.docs[f"hotel-{hotels[0].pk}"]["name"] == "Edited"


def test_every_kind_progresses_when_one_kind_takes_longer_than_a_run(domain, engine):
    # given many hotels and one rental office, and runs that get two uploads each
    city = CityFactory.create()
    for _ in range(8):
        HotelFactory.create(city=city)
    office = RentalOfficeFactory.create()
    sources = [s for s in SOURCES if s.kind in (DocumentKind.HOTEL, DocumentKind.CAR_OFFICE)]
    recorder = Recorder(engine)

    # when two runs go, the first cut in the hotels
    first = recorder.run(engine, allow=2, sources=sources)
    assert first.unfinished == [DocumentKind.HOTEL, DocumentKind.CAR_OFFICE]
    recorder.run(engine, allow=2, sources=sources)

    # then the office waited one run, not until every hotel was sent
    assert f"car_office-{office.pk}" in domain.docs
    assert len([i for i in domain.docs if i.startswith("hotel-")]) < 8


def test_a_full_rebuild_cut_short_is_carried_on_by_the_next_run(domain, engine):
    # given an index in step, and a weekly rebuild cut after two hotels
    city = CityFactory.create()
    hotels = [HotelFactory.create(city=city) for _ in range(5)]
    sources = [s for s in SOURCES if s.kind == DocumentKind.HOTEL]
    recorder = Recorder(engine)
    recorder.run(engine, sources=sources)
    recorder.bodies.clear()
    assert recorder.run(engine, allow=2, full=True, sources=sources).unfinished

    # when the resume schedule runs
    report = recorder.run(engine, resume_only=True, sources=sources)

    # then it sent the unchanged hotels the rebuild had not reached: each hotel went once
    assert report.complete
    assert report.full
    assert [i for i, _ in recorder.operations()] == [f"hotel-{h.pk}" for h in hotels]


def test_the_resume_schedule_reads_nothing_when_no_pass_is_cut(domain, engine, monkeypatch):
    HotelFactory.create()
    recorder = Recorder(engine)
    recorder.run(engine)
    recorder.bodies.clear()
    searches = []
    monkeypatch.setattr(engine, "object_ids", lambda kind: searches.append(kind) or set())

    report = recorder.run(engine, resume_only=True)

    assert (report.batches, recorder.bodies, searches) == (0, [], [])


def _words_of(n_bytes: int) -> str:
    return " ".join(f"w{i:07d}" for i in range(n_bytes // 9))


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sizes=st.lists(st.integers(0, 1_300_000), min_size=1, max_size=9))
def test_uploads_stay_under_the_limits_and_are_filled_whatever_the_document_sizes(domain, sizes):
    # given hotels whose descriptions run from nothing to past CloudSearch's 1 MB a document
    Hotel.objects.all().delete()
    SyncCheckpoint.objects.all().delete()
    domain.docs.clear()
    engine = CloudSearchEngine(domain.search_client, domain.document_client, upload_interval=0)
    city = CityFactory.create()
    hotels = [HotelFactory.create(city=city, description=_words_of(n)) for n in sizes]
    recorder = Recorder(engine)

    # when the hotels are synced
    recorder.run(engine, sources=[s for s in SOURCES if s.kind == DocumentKind.HOTEL])

    # then every upload and document is under the limits, with the margin
    ops = [json.loads(body) for body in recorder.bodies]
    assert all(len(body) <= BATCH_TARGET_BYTES for body in recorder.bodies)
    assert all(
        len(json.dumps(op, separators=(",", ":"), ensure_ascii=False).encode()) < MAX_DOCUMENT_BYTES
        for batch in ops
        for op in batch
    )
    # and each upload was filled: the next document would not have fitted in it
    for body, following in zip(recorder.bodies, ops[1:], strict=False):
        first = json.dumps(following[0], separators=(",", ":"), ensure_ascii=False).encode()
        assert len(body) + 1 + len(first) > BATCH_TARGET_BYTES
    assert set(domain.docs) == {f"hotel-{h.pk}" for h in hotels}


@pytest.mark.parametrize(
    ("remaining_ms", "budget"),
    [(60_000, "40"), (30_000, "15"), (5_000, "0")],
)
def test_a_scheduled_sync_stops_before_lambdas_timeout(monkeypatch, remaining_ms, budget):
    import django.core.management

    from travelguru import scheduled

    calls = []
    monkeypatch.setattr(django.core.management, "call_command", lambda *a: calls.append(a))
    context = SimpleNamespace(get_remaining_time_in_millis=lambda: remaining_ms)

    scheduled.sync_search_index({"source": "aws.events"}, context)
    scheduled.sync_search_index_full({"source": "aws.events"}, context)

    assert calls == [
        ("sync_search_index", f"--budget-seconds={budget}"),
        ("sync_search_index", "--full", f"--budget-seconds={budget}"),
    ]


def test_uploads_keep_cloudsearchs_rate_and_the_wait_counts_against_the_budget(domain):
    # given an engine at CloudSearch's documented rate, on a clock its waits advance
    now = [0.0]
    engine = CloudSearchEngine(
        domain.search_client, domain.document_client, upload_interval=10.0,
        clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s),
    )  # fmt: skip
    engine.batch_bytes = 1
    city = CityFactory.create()
    hotels = [HotelFactory.create(city=city) for _ in range(5)]
    sent_at: list[float] = []
    upload = engine._upload

    def record(batch: bytes, **kwargs):
        sent_at.append(now[0])
        return upload(batch, **kwargs)

    engine._upload = record  # type: ignore[method-assign]
    sources = [s for s in SOURCES if s.kind == DocumentKind.HOTEL]

    # when a run with 25 seconds of budget goes
    report = sync_index(
        writer=engine, engine_name="cloudsearch", sources=sources, budget_seconds=25,
        clock=lambda: now[0],
    )  # fmt: skip

    # then it sent a batch every 10 s, and stopped rather than wait past its budget
    assert sent_at == [0.0, 10.0, 20.0]
    assert report.unfinished == [DocumentKind.HOTEL]
    assert {i for i in domain.docs if i.startswith("hotel-")} == {
        f"hotel-{h.pk}" for h in hotels[:3]
    }


def test_a_sync_waits_its_turn_while_another_holds_the_engine(domain, engine):
    # given a run in progress elsewhere (its lease is fresh)
    from datetime import timedelta

    from django.utils import timezone

    HotelFactory.create()
    recorder = Recorder(engine)
    SyncState.objects.create(engine="cloudsearch", lease_until=timezone.now() + timedelta(60))

    # when another run starts, it sends nothing and says why
    report = recorder.run(engine)
    assert report.busy
    assert "another sync is running" in report.summary()
    assert recorder.bodies == []

    # and once the other run died and its lease lapsed, the next run goes and lets go after
    SyncState.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
    assert recorder.run(engine).complete
    assert SyncState.objects.get(engine="cloudsearch").lease_until is None


def test_a_failed_run_lets_go_of_the_engine(domain, engine, monkeypatch):
    HotelFactory.create()

    def down(batch, **kwargs):
        raise ConnectionError("lost the document endpoint")

    monkeypatch.setattr(engine, "_upload", down)
    with pytest.raises(ConnectionError):
        sync_index(writer=engine, engine_name="cloudsearch")

    assert SyncState.objects.get(engine="cloudsearch").lease_until is None
