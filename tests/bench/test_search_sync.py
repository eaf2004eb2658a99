"""The bench's search-sync section counts what a full CloudSearch rebuild sends."""

from __future__ import annotations

import pytest

from bench.search_sync import lines, run
from search.engines.cloudsearch import BATCH_TARGET_BYTES
from search.models import SyncCheckpoint
from tests.factories.catalog import CityFactory, HotelFactory, RentalOfficeFactory

pytestmark = pytest.mark.django_db


def test_the_sync_section_counts_documents_batches_and_bytes_and_leaves_no_checkpoint():
    city = CityFactory.create()
    for n in range(4):
        HotelFactory.create(city=city, description=" ".join(f"w{n}{i:07d}" for i in range(200_000)))
    RentalOfficeFactory.create()

    figures = run()

    assert figures["documents"]["hotel"] == 4
    assert figures["documents"]["car_office"] == 1
    assert figures["batches"] >= 2  # an upload per kind at least
    assert figures["largest_batch"] <= BATCH_TARGET_BYTES
    assert figures["runs"] == -(-figures["batches"] // figures["batches_per_run"])
    assert not SyncCheckpoint.objects.exists()
    assert "| documents | batches |" in "\n".join(lines(figures, 330))
