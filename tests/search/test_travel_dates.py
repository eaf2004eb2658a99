"""Travel dates: not in the past anywhere on Earth, not beyond the inventory horizon."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rest_framework import serializers

from search.apis.common import TravelDateField, horizon_end, today_anywhere


class _Input(serializers.Serializer):
    day = TravelDateField()


def test_today_anywhere_lags_utc_by_twelve_hours():
    assert today_anywhere(datetime(2026, 3, 1, 11, 59, tzinfo=UTC)) == date(2026, 2, 28)
    assert today_anywhere(datetime(2026, 3, 1, 12, 0, tzinfo=UTC)) == date(2026, 3, 1)


def test_horizon_is_the_configured_number_of_days(settings):
    settings.INVENTORY_HORIZON_DAYS = 30
    assert horizon_end(date(2026, 1, 1)) == date(2026, 1, 31)


@given(offset=st.integers(min_value=-400, max_value=400))
def test_a_date_is_accepted_iff_between_today_and_the_horizon(offset):
    today = today_anywhere()
    day = today + timedelta(days=offset)
    serializer = _Input(data={"day": day.isoformat()})
    accepted = serializer.is_valid()
    assert accepted == (today <= day <= horizon_end(today))
    if not accepted:
        assert "day" in serializer.errors


@pytest.mark.parametrize("raw", ["2026-02-30", "tomorrow", "", "2026-1-1x", "9" * 50])
def test_malformed_dates_are_field_errors(raw):
    serializer = _Input(data={"day": raw})
    assert not serializer.is_valid()
    assert "day" in serializer.errors
