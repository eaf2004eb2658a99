"""catalog.local_time: every travel-date rule reads the place's clock, UTC-12 to UTC+14."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from catalog.local_time import (
    day_end,
    hotel_free_cancellation_until,
    local_today,
    rental_sold_until,
    stay_sold_until,
)

# Real zones from UTC-12 to UTC+14, with the odd ones: 45-minute offsets, a DST change at
# midnight (Santiago), a half-hour DST change (Lord Howe), both sides of the date line.
ZONES = (
    "Etc/GMT+12", "Pacific/Pago_Pago", "Pacific/Honolulu", "America/Los_Angeles",
    "America/New_York", "America/Santiago", "UTC", "Europe/London", "Asia/Kathmandu",
    "Australia/Lord_Howe", "Pacific/Auckland", "Pacific/Chatham", "Pacific/Kiritimati",
)  # fmt: skip
zones = st.sampled_from(ZONES)
instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2029, 12, 31), timezones=st.just(UTC)
)
day_offsets = st.integers(min_value=-3, max_value=3)


@given(now=instants, tz=zones, offset=day_offsets)
def test_a_stay_is_sold_exactly_while_its_check_in_date_is_today_or_later_at_the_hotel(
    now, tz, offset
):
    check_in = local_today(tz, now=now) + timedelta(days=offset)
    assert (now < stay_sold_until(check_in=check_in, tz_name=tz)) == (offset >= 0)


@given(now=instants, tz=zones, offset=day_offsets)
def test_a_rental_is_sold_until_the_office_closes_on_the_pick_up_day(now, tz, offset):
    opens, closes = time(6), time(23)
    pick_up = local_today(tz, now=now) + timedelta(days=offset)
    there = now.astimezone(ZoneInfo(tz))
    expected = offset > 0 or (offset == 0 and there.time() < closes)
    until = rental_sold_until(pick_up=pick_up, opens_at=opens, closes_at=closes, tz_name=tz)
    assert (now < until) == expected


@given(now=instants, tz=zones, offset=day_offsets)
def test_an_office_open_past_midnight_rents_until_the_pick_up_day_ends(now, tz, offset):
    pick_up = local_today(tz, now=now) + timedelta(days=offset)
    until = rental_sold_until(pick_up=pick_up, opens_at=time(0), closes_at=time(0), tz_name=tz)
    assert (now < until) == (offset >= 0)


@given(day=st.dates(min_value=date(2026, 1, 1), max_value=date(2029, 12, 31)), tz=zones)
def test_a_day_ends_where_the_next_local_day_begins(day, tz):
    end = day_end(day, tz)
    assert local_today(tz, now=end) == day + timedelta(days=1)
    assert local_today(tz, now=end - timedelta(microseconds=1)) == day


@given(
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2029, 12, 31)),
    tz=zones,
    days=st.integers(min_value=0, max_value=30),
)
def test_free_cancellation_ends_at_the_check_in_hour_on_the_hotels_clock(day, tz, days):
    until = hotel_free_cancellation_until(
        check_in=day, check_in_time=time(15), free_days=days, tz_name=tz
    )
    assert until is not None
    there = until.astimezone(ZoneInfo(tz))
    assert there.date() == day - timedelta(days=days)
    assert there.time() in (time(15), time(16))  # 16:00 only if 15:00 was skipped by DST


def test_no_free_cancellation_when_the_hotel_offers_none():
    assert (
        hotel_free_cancellation_until(
            check_in=date(2027, 1, 20), check_in_time=time(15), free_days=None, tz_name="UTC"
        )
        is None
    )


def test_tonight_in_new_york_is_tomorrow_in_auckland():
    """A traveler in New York at 20:00 on 1 March books "tonight" in Auckland: it is already
    2 March there. The hotel's date is what counts: 2 March is sold, 1 March is not."""
    now = datetime(2027, 3, 1, 20, 0, tzinfo=ZoneInfo("America/New_York"))
    now = now.astimezone(UTC)
    assert local_today("America/New_York", now=now) == date(2027, 3, 1)
    assert local_today("Pacific/Auckland", now=now) == date(2027, 3, 2)
    assert now < stay_sold_until(check_in=date(2027, 3, 2), tz_name="Pacific/Auckland")
    assert now >= stay_sold_until(check_in=date(2027, 3, 1), tz_name="Pacific/Auckland")
