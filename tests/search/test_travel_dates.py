"""Travel dates: not in the past anywhere on Earth, not beyond the inventory horizon."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st
from rest_framework import serializers

from catalog.local_time import local_today
from catalog.models import Airport, City
from search.apis.common import TravelDateField, horizon_end, today_anywhere
from tests.flows import assert_problem


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


# The same rules through each search endpoint, with ranges: a stay or a rental is 1 to 30
# days, starts today at the earliest and ends by the horizon; a return is not before the
# outbound. Anything else is a 400 naming a date field; never a 500.
ranges = {"start": st.integers(min_value=-3, max_value=340), "length": st.integers(-3, 40)}


@pytest.fixture
def searchable(db):
    from search.services.indexing import sync_index
    from tests.factories.catalog import AirportFactory, CityFactory

    paris = CityFactory.create(name="Paris")
    AirportFactory.create(iata="CDG", city=paris)
    AirportFactory.create(iata="JFK")
    sync_index(full=True)


def _window(start: int, length: int) -> tuple[date, date, bool, date]:
    today = today_anywhere()
    first, last = today + timedelta(days=start), today + timedelta(days=start + length)
    in_horizon = today <= first and last <= horizon_end(today)
    return first, last, in_horizon, today


def _over(day: date, tz_name: str) -> bool:
    """Whether `day` is already over where the service starts: the horizon begins at the
    earliest date anywhere on Earth, a place may be a day ahead of it."""
    return day < local_today(tz_name, now=timezone.now())


def _answered(response, *, valid: bool, over: bool, fields: set[str], first: str) -> None:
    """Dates within the API's rules are searched unless their first day is over at the
    place (a 400 naming that field); anything else is a 400 naming a date field."""
    if valid and not over:
        assert response.status_code == 200, response.json()
    elif valid:
        assert_problem(response, 400, "invalid-input")
        assert first in response.json()["errors"]
    else:
        assert_problem(response, 400, "validation-error")
        assert set(response.json()["errors"]) & fields


@given(**ranges)
@example(start=0, length=2)  # today somewhere: maybe tomorrow at the place already
def test_a_stay_is_accepted_iff_1_to_30_nights_inside_the_horizon(
    api_client, searchable, start, length
):
    check_in, check_out, in_horizon, _ = _window(start, length)
    response = api_client.get(
        "/api/hotels/search",
        {"city": "Paris", "check_in": check_in.isoformat(), "check_out": check_out.isoformat()},
    )

    _answered(
        response,
        valid=in_horizon and 1 <= length <= 30,
        over=_over(check_in, City.objects.get(name="Paris").timezone),
        fields={"check_in", "check_out"},
        first="check_in",
    )


@given(**ranges)
@example(start=0, length=2)
def test_a_rental_is_accepted_iff_1_to_30_days_inside_the_horizon(
    api_client, searchable, start, length
):
    pick_up, drop_off, in_horizon, _ = _window(start, length)
    response = api_client.get(
        "/api/cars/search",
        {"location": "CDG", "pick_up": pick_up.isoformat(), "drop_off": drop_off.isoformat()},
    )

    _answered(
        response,
        valid=in_horizon and 1 <= length <= 30,
        over=_over(pick_up, Airport.objects.get(iata="CDG").timezone),
        fields={"pick_up", "drop_off"},
        first="pick_up",
    )


@given(**ranges)
@example(start=0, length=2)
def test_a_round_trip_is_accepted_iff_the_return_is_not_before_inside_the_horizon(
    api_client, searchable, start, length
):
    outbound, back, in_horizon, _ = _window(start, length)
    response = api_client.get(
        "/api/flights/search",
        {"origin": "CDG", "destination": "JFK", "date": outbound.isoformat(),
         "return_date": back.isoformat()},
    )  # fmt: skip

    _answered(
        response,
        valid=in_horizon and length >= 0,
        over=_over(outbound, Airport.objects.get(iata="CDG").timezone),
        fields={"date", "return_date"},
        first="date",
    )
