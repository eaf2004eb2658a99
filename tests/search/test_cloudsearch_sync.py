"""sync_search_index against CloudSearch (an in-memory domain behind real boto3 clients)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalog.models import City, Hotel
from search.engines.cloudsearch import CloudSearchEngine
from search.models import SyncState
from search.services.indexing import sync_index
from tests.factories.catalog import CityFactory, FlightFareFactory, HotelFactory
from tests.search.fake_cloudsearch import FakeDomain

pytestmark = pytest.mark.django_db


@pytest.fixture
def domain():  # type: ignore[no-untyped-def]
    return FakeDomain()


@pytest.fixture
def engine(domain):  # type: ignore[no-untyped-def]
    return CloudSearchEngine(domain.search_client, domain.document_client)


def hotel_ids(domain) -> set[str]:  # type: ignore[no-untyped-def]
    return {i for i in domain.docs if i.startswith("hotel-")}


def sync(engine, **kwargs):  # type: ignore[no-untyped-def]
    return sync_index(writer=engine, engine_name="cloudsearch", **kwargs)


def test_incremental_after_edits_and_deletes(domain, engine):
    city = CityFactory()
    keep, edit, gone = (HotelFactory(city=city, name=n) for n in ("Keep", "Old", "Gone"))
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
    fare = FlightFareFactory()

    sync(engine)

    leg = domain.docs[f"flight_leg-{fare.leg_id}"]
    assert leg["origin"] == fare.leg.origin.iata
    assert leg["departure"].endswith("Z")


def test_a_crash_between_batches_is_repaired_by_the_next_run(domain, engine, monkeypatch):
    city = CityFactory()
    hotels = [HotelFactory(city=city) for _ in range(5)]
    calls = {"n": 0}
    upload = engine._upload

    def flaky(batch, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:  # airports, cities went through; the second hotel batch dies
            raise ConnectionError("lost the document endpoint")
        return upload(batch, **kwargs)

    monkeypatch.setattr(engine, "_upload", flaky)
    with pytest.raises(ConnectionError):
        sync(engine, batch_size=2)
    assert SyncState.objects.get(engine="cloudsearch").watermark is None
    assert 0 < len(hotel_ids(domain)) < 5

    monkeypatch.setattr(engine, "_upload", upload)
    report = sync(engine, batch_size=2)

    assert hotel_ids(domain) == {f"hotel-{h.pk}" for h in hotels}
    assert report.upserted["hotel"] == 5
    assert SyncState.objects.get(engine="cloudsearch").watermark is not None


def test_the_command_on_cloudsearch_prints_a_summary(domain, settings, monkeypatch):
    settings.SEARCH_BACKEND = "cloudsearch"
    init = CloudSearchEngine.__init__
    monkeypatch.setattr(
        CloudSearchEngine, "__init__",
        lambda self, *a, **k: init(self, domain.search_client, domain.document_client),
    )  # fmt: skip
    HotelFactory()
    out = StringIO()

    call_command("sync_search_index", "--full", stdout=out)

    assert out.getvalue().startswith("cloudsearch index (full): indexed")
    assert "1 hotel" in out.getvalue()
