"""What the spreadsheet import tests share: a room type on sale, and a rates CSV."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import RoomType
from tests.factories.catalog import RoomTypeFactory, room_nights

START = date(2031, 3, 3)
HEADER = "hotel,room_type,date,price,allotment,stop_sell,min_stay"


@pytest.fixture
def media_in_tmp(settings, tmp_path):
    """Uploaded sheets and their reports go to the test's own folder."""
    settings.MEDIA_ROOT = tmp_path


def double_on_sale(nights: int) -> RoomType:
    """Hotel LUT's room type DBL (EUR), `nights` nights from START at 100.00, 10 rooms."""
    room_type = RoomTypeFactory.create(code="DBL", hotel__code="LUT", hotel__currency="EUR")
    room_nights(room_type, START, nights, price=Decimal("100.00"), rooms_total=10)
    return room_type


def csv_file(*lines: str, name: str = "rates.csv") -> SimpleUploadedFile:
    """A rates sheet: the header, then these rows."""
    return SimpleUploadedFile(name, ("\n".join([HEADER, *lines]) + "\n").encode())
