"""sync_search_index: what reaches the index, incrementally, and what search then sees."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from catalog.models import City, Hotel
from search.engines.base import HotelQuery
from search.engines.local import LocalEngine
from search.models import DocumentKind, SearchDocument, SyncState
from search.services.indexing import sync_index
from tests.factories.catalog import (
    AirportFactory,
    CityFactory,
    HotelFactory,
    RentalOfficeFactory,
)

pytestmark = pytest.mark.django_db


def indexed(kind: str) -> set[str]:
    return set(SearchDocument.objects.filter(kind=kind).values_list("name", flat=True))


@pytest.fixture
def paris():
    return CityFactory.create(
        name="Paris", country_code="FR", latitude=48.8534, longitude=2.3488, population=2_138_551
    )


def test_full_sync_indexes_what_travelers_may_find(paris):
    HotelFactory.create(name="Hôtel Lumière", city=paris, amenities=["wifi", "spa"])
    HotelFactory.create(name="Closed Inn", city=paris, is_published=False)
    AirportFactory.create(iata="CDG", name="Charles de Gaulle", city=paris)
    AirportFactory.create(iata="XXX", name="Shut Field", is_active=False)
    RentalOfficeFactory.create(airport__iata="ORY", airport__city=paris, vendor__name="Hertz")
    CityFactory.create(name="Nowhere Town")  # no airport, no hotel: not a destination

    report = sync_index(full=True)

    assert indexed(DocumentKind.HOTEL) == {"Hôtel Lumière"}
    assert indexed(DocumentKind.AIRPORT) == {"Charles de Gaulle", "ORY International Airport"}
    assert "Paris" in indexed(DocumentKind.CITY)
    assert "Nowhere Town" not in indexed(DocumentKind.CITY)
    assert report.upserted[DocumentKind.HOTEL] == 1
    doc = SearchDocument.objects.get(kind=DocumentKind.HOTEL)
    assert doc.amenities == " spa wifi "
    assert " hotel " in doc.text
    assert " lumiere " in doc.text  # accents folded


def test_incremental_sync_sends_only_changes_and_removes_what_is_gone(paris):
    HotelFactory.create(name="Keep Hotel", city=paris)
    edit = HotelFactory.create(name="Old Name Hotel", city=paris)
    gone = HotelFactory.create(name="Gone Hotel", city=paris)
    sync_index(full=True)
    # Make "later" unambiguous on databases with second-precision timestamps.
    SyncState.objects.update(watermark=timezone.now() - timedelta(seconds=5))
    long_ago = timezone.now() - timedelta(minutes=10)
    Hotel.objects.update(updated_at=long_ago)
    City.objects.update(updated_at=long_ago)

    edit.name = "New Name Hotel"
    edit.save()
    gone.is_published = False
    gone.save()
    report = sync_index()

    assert report.upserted[DocumentKind.HOTEL] == 1
    assert report.removed[DocumentKind.HOTEL] == 1
    assert indexed(DocumentKind.HOTEL) == {"Keep Hotel", "New Name Hotel"}


def test_incremental_sync_repairs_a_document_lost_from_the_index(paris):
    HotelFactory.create(name="Lost Hotel", city=paris)
    sync_index(full=True)
    SearchDocument.objects.filter(kind=DocumentKind.HOTEL).delete()

    report = sync_index()

    assert report.upserted[DocumentKind.HOTEL] == 1
    assert indexed(DocumentKind.HOTEL) == {"Lost Hotel"}


def test_search_is_stale_until_the_next_sync(paris):
    """Invariant 7: search may lag the catalog; the next run catches up."""
    hotel = HotelFactory.create(name="Fresh Paint Hotel", city=paris)
    sync_index()
    engine = LocalEngine()
    hotel.name = "Renamed Palace"
    hotel.save()

    assert not engine.hotels(HotelQuery(city_id=paris.pk, text="renamed"))
    sync_index()
    assert [h.hotel_id for h in engine.hotels(HotelQuery(city_id=paris.pk, text="renamed"))] == [
        hotel.pk
    ]


def test_dry_run_counts_but_sends_nothing_and_keeps_the_watermark(paris):
    HotelFactory.create(city=paris)

    report = sync_index(dry_run=True)

    assert report.upserted[DocumentKind.HOTEL] == 1
    assert not SearchDocument.objects.exists()
    assert SyncState.objects.get(engine="local").watermark is None


def test_a_failing_batch_leaves_the_watermark_where_it_was(paris):
    HotelFactory.create(city=paris)

    class Broken(LocalEngine):
        def upsert(self, documents):
            raise ConnectionError("index unreachable")

    with pytest.raises(ConnectionError):
        sync_index(writer=Broken(), engine_name="local")
    assert SyncState.objects.get(engine="local").watermark is None
    sync_index()
    assert SyncState.objects.get(engine="local").watermark is not None


def test_hotels_nearest_first_within_radius(paris):
    near = HotelFactory.create(name="Near", city=paris, latitude=48.8600, longitude=2.3500)
    far = HotelFactory.create(name="Far", city=paris, latitude=48.9000, longitude=2.4500)
    HotelFactory.create(name="Versailles", city=paris, latitude=48.8049, longitude=2.1204)  # ~17 km
    sync_index()

    hits = LocalEngine().hotels(HotelQuery(latitude=48.8566, longitude=2.3522, radius_km=10))

    assert [h.hotel_id for h in hits] == [near.pk, far.pk]
    assert hits[0].distance_km < 1 < hits[1].distance_km < 10


def test_hotel_filters_stars_amenities_and_words(paris):
    spa = HotelFactory.create(name="Spa One", city=paris, stars=5, amenities=["spa", "wifi"])
    HotelFactory.create(name="Wifi Only", city=paris, stars=5, amenities=["wifi"])
    HotelFactory.create(name="Cheap Spa", city=paris, stars=2, amenities=["spa", "wifi"])
    sync_index()
    engine = LocalEngine()

    hits = engine.hotels(HotelQuery(city_id=paris.pk, min_stars=4, amenities=["spa", "wifi"]))
    assert [h.hotel_id for h in hits] == [spa.pk]
    assert [h.hotel_id for h in engine.hotels(HotelQuery(city_id=paris.pk, text="SPA on"))] == [
        spa.pk
    ]


def test_car_offices_at_an_airport():
    office = RentalOfficeFactory.create(airport__iata="LHR", vendor__name="Avis")
    RentalOfficeFactory.create(airport__iata="LGW")
    RentalOfficeFactory.create(airport=office.airport, is_published=False)
    sync_index()

    hits = LocalEngine().car_offices(airport_code="lhr")

    assert [(h.office_id, h.vendor_name) for h in hits] == [(office.pk, "Avis")]


def test_command_prints_a_summary(paris):
    HotelFactory.create(city=paris)
    out = StringIO()

    call_command("sync_search_index", "--full", stdout=out)

    assert out.getvalue().startswith("local index (full): indexed")
    assert "1 hotel" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("sync_search_index", "--batch-size", "0")


def test_small_batches_send_everything(paris):
    for n in range(7):
        HotelFactory.create(name=f"Batch Hotel {n}", city=paris)

    report = sync_index(batch_size=3)

    assert report.upserted[DocumentKind.HOTEL] == 7
    assert len(indexed(DocumentKind.HOTEL)) == 7
