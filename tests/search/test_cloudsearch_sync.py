"""sync_search_index against CloudSearch (an in-memory domain behind real boto3 clients)."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalog.models import City, Hotel
from search.engines.cloudsearch import (
    BATCH_TARGET_BYTES,
    MAX_BATCH_BYTES,
    MAX_DOCUMENT_BYTES,
    CloudSearchEngine,
)
from search.models import SyncState
from search.services.indexing import sync_index
from tests.factories.catalog import CityFactory, FlightFareFactory, HotelFactory
from tests.search.fake_cloudsearch import FakeDomain

pytestmark = pytest.mark.django_db


@pytest.fixture
def domain():
    return FakeDomain()


@pytest.fixture
def engine(domain):
    return CloudSearchEngine(domain.search_client, domain.document_client, upload_interval=0)


def hotel_ids(domain) -> set[str]:
    return {i for i in domain.docs if i.startswith("hotel-")}


def sync(engine, **kwargs):
    return sync_index(writer=engine, engine_name="cloudsearch", **kwargs)


def test_incremental_after_edits_and_deletes(domain, engine):
    city = CityFactory.create()
    keep, edit, gone = (HotelFactory.create(city=city, name=n) for n in ("Keep", "Old", "Gone"))
    first = sync(engine)
    assert hotel_ids(domain) == {f"hotel-{h.pk}" for h in (keep, edit, gone)}
    assert first.added["hotel"] == 3
    SyncState.objects.update(watermark=timezone.now() - timedelta(seconds=5))
    long_ago = timezone.now() - timedelta(minutes=10)
    Hotel.objects.update(updated_at=long_ago)
    City.objects.update(updated_at=long_ago)

    edit.name = "New"
    edit.save()
    gone.delete()
    report = sync(engine)

    assert (report.upserted["hotel"], report.added["hotel"], report.removed["hotel"]) == (1, 0, 1)
    assert domain.docs[f"hotel-{edit.pk}"]["name"] == "New"
    assert hotel_ids(domain) == {f"hotel-{keep.pk}", f"hotel-{edit.pk}"}
    assert "0 added, 1 updated, 1 deleted" in report.summary()


def test_flight_legs_are_their_own_documents(domain, engine):
    fare = FlightFareFactory.create()

    sync(engine)

    leg = domain.docs[f"flight_leg-{fare.leg_id}"]
    assert leg["origin"] == fare.leg.origin.iata
    assert leg["departure"].endswith("Z")


def test_a_crash_between_batches_is_repaired_by_the_next_run(domain, engine, monkeypatch):
    city = CityFactory.create()
    hotels = [HotelFactory.create(city=city) for _ in range(5)]
    engine.batch_bytes = 1  # one document an upload
    calls = {"n": 0}
    upload = engine._upload

    def flaky(batch, **kwargs):
        calls["n"] += b'"id":"hotel-' in batch
        if calls["n"] == 3:  # two hotels went through; the third upload dies
            raise ConnectionError("lost the document endpoint")
        return upload(batch, **kwargs)

    monkeypatch.setattr(engine, "_upload", flaky)
    with pytest.raises(ConnectionError):
        sync(engine, batch_size=2)
    assert SyncState.objects.get(engine="cloudsearch").watermark is None
    assert len(hotel_ids(domain)) == 2

    monkeypatch.setattr(engine, "_upload", upload)
    report = sync(engine, batch_size=2)

    # the next run resumes after the last hotel the index accepted
    assert hotel_ids(domain) == {f"hotel-{h.pk}" for h in hotels}
    assert report.upserted["hotel"] == 3
    assert SyncState.objects.get(engine="cloudsearch").watermark is not None


def test_the_command_on_cloudsearch_prints_a_summary(domain, settings, monkeypatch):
    settings.SEARCH_BACKEND = "cloudsearch"
    settings.CLOUDSEARCH_UPLOAD_INTERVAL_SECONDS = 0  # the fake domain takes any rate
    init = CloudSearchEngine.__init__
    monkeypatch.setattr(
        CloudSearchEngine, "__init__",
        lambda self, *a, **k: init(self, domain.search_client, domain.document_client),
    )  # fmt: skip
    HotelFactory.create()
    out = StringIO()

    call_command("sync_search_index", "--full", stdout=out)

    assert out.getvalue().startswith("cloudsearch index (full): indexed")
    assert "1 hotel" in out.getvalue()


def test_a_crash_in_an_incremental_run_resends_the_lost_edits(domain, engine, monkeypatch):
    # given an index in step with five hotels, and then five edits
    city = CityFactory.create()
    hotels = [HotelFactory.create(city=city, name=f"Old {n}") for n in range(5)]
    sync(engine)
    watermark = SyncState.objects.get(engine="cloudsearch").watermark
    for n, hotel in enumerate(hotels):
        hotel.name = f"New {n}"
        hotel.save()
    engine.batch_bytes = 1  # one document an upload
    calls = {"n": 0}
    upload = engine._upload

    def flaky(batch, **kwargs):
        calls["n"] += b'"id":"hotel-' in batch
        if calls["n"] == 3:  # the first two edits went through, the next batch is lost
            raise ConnectionError("lost the document endpoint")
        return upload(batch, **kwargs)

    # when the run dies between batches
    monkeypatch.setattr(engine, "_upload", flaky)
    with pytest.raises(ConnectionError):
        sync(engine, batch_size=2)

    # then the watermark did not move, and the next run sends the edits not yet accepted
    assert SyncState.objects.get(engine="cloudsearch").watermark == watermark
    names = sorted(domain.docs[f"hotel-{h.pk}"]["name"] for h in hotels)
    assert names == ["New 0", "New 1", "Old 2", "Old 3", "Old 4"]
    monkeypatch.setattr(engine, "_upload", upload)
    report = sync(engine, batch_size=2)
    assert sorted(domain.docs[f"hotel-{h.pk}"]["name"] for h in hotels) == [
        f"New {n}" for n in range(5)
    ]
    assert (report.upserted["hotel"], report.added["hotel"]) == (3, 0)
    assert SyncState.objects.get(engine="cloudsearch").watermark > watermark


def _words_of(n_bytes: int) -> str:
    """About `n_bytes` of distinct words (the index keeps each word once)."""
    return " ".join(f"w{i:07d}" for i in range(n_bytes // 9))


def test_uploads_are_split_under_5_mb(domain, engine, monkeypatch):
    # given eight hotels whose documents are about 700 kB each (5.6 MB together)
    city = CityFactory.create()
    hotels = [HotelFactory.create(city=city, description=_words_of(700_000)) for _ in range(8)]
    sizes: list[int] = []
    hotels_per_upload: list[int] = []
    upload = engine._upload

    def record(batch, **kwargs):
        sizes.append(len(batch))
        hotels_per_upload.append(sum(op["id"].startswith("hotel-") for op in json.loads(batch)))
        return upload(batch, **kwargs)

    monkeypatch.setattr(engine, "_upload", record)

    # when one sync batch of rows holds them all
    report = sync(engine, batch_size=500)

    # then the hotels went in two uploads, each filled toward the limit less a margin
    assert sorted(n for n in hotels_per_upload if n) == [2, 6]
    assert all(s <= BATCH_TARGET_BYTES < MAX_BATCH_BYTES for s in sizes)
    assert hotel_ids(domain) == {f"hotel-{h.pk}" for h in hotels}
    assert report.batches == len(sizes)


def test_a_document_over_1_mb_is_trimmed_not_fatal(domain, engine):
    # given a hotel whose description alone is 1.5 MB, next to an ordinary one
    city = CityFactory.create()
    big = HotelFactory.create(city=city, description="zanzibar " + _words_of(1_500_000))
    small = HotelFactory.create(city=city)

    report = sync(engine)

    # then both are indexed; the big one's searchable words were cut to fit 1 MB
    assert hotel_ids(domain) == {f"hotel-{big.pk}", f"hotel-{small.pk}"}
    document = {"type": "add", "id": f"hotel-{big.pk}", "fields": domain.docs[f"hotel-{big.pk}"]}
    assert len(json.dumps(document, separators=(",", ":")).encode()) <= MAX_DOCUMENT_BYTES
    kept = domain.docs[f"hotel-{big.pk}"]["words"].split()
    assert {"zanzibar", "w0000000"} <= set(kept[:10])  # the start of the text is searchable
    assert 100_000 < len(kept) < 1_500_000 // 9
    assert report.upserted["hotel"] == 2


def test_the_dry_run_command_counts_what_it_would_send_and_sends_nothing(
    domain, engine, settings, monkeypatch
):
    settings.SEARCH_BACKEND = "cloudsearch"
    settings.CLOUDSEARCH_UPLOAD_INTERVAL_SECONDS = 0  # the fake domain takes any rate
    init = CloudSearchEngine.__init__
    monkeypatch.setattr(
        CloudSearchEngine, "__init__",
        lambda self, *a, **k: init(self, domain.search_client, domain.document_client),
    )  # fmt: skip
    kept = HotelFactory.create()
    sync(engine)
    gone = HotelFactory.create(city=kept.city)
    domain.docs[f"hotel-{gone.pk + 1000}"] = {"kind": "hotel", "object_id": gone.pk + 1000}
    before = dict(domain.docs)
    watermark = SyncState.objects.get(engine="cloudsearch").watermark
    out = StringIO()

    call_command("sync_search_index", "--dry-run", stdout=out)

    assert "would index 0 airport, 0 city, 1 hotel" in out.getvalue()
    assert "1 added, 0 updated, 1 deleted" in out.getvalue()
    assert domain.docs == before
    assert SyncState.objects.get(engine="cloudsearch").watermark == watermark


def test_a_progress_bar_per_kind_on_a_terminal(domain, engine, monkeypatch):
    import io

    HotelFactory.create()
    screen = io.StringIO()
    screen.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr("sys.stderr", screen)

    sync(engine, progress=True)

    shown = screen.getvalue()
    assert "hotel" in shown
    assert "1/1" in shown  # the one hotel, counted
