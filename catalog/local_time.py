"""Dates and times as the place sees them: every travel-date rule reads the place's clock.

A hotel's dates are its city's calendar, a rental's its office's airport, a flight's its
departure airport: a check-in "today" in Auckland is already yesterday's date in New York
and not yet reached in Honolulu. So whether something can still be sold, when free
cancellation ends and when a stay is over are decided with the place's own time zone,
never with the server's, the traveler's or a global "today somewhere on Earth" bound
(which only serves as the cheap first check of a query, before the place is known).

Each rule answers with one UTC instant (`*_sold_until`, the deadlines): comparing `now`
with an instant is the same on every path (search, hold, booking), and is what gets
stored (times are UTC inside).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from travelguru.zones import zone


def local_now(tz_name: str, *, now: datetime) -> datetime:
    """`now` on the place's clock."""
    return now.astimezone(zone(tz_name))


def local_today(tz_name: str, *, now: datetime) -> date:
    """The calendar date at the place at `now`."""
    return local_now(tz_name, now=now).date()


@lru_cache(maxsize=4096)
def local_instant(day: date, at: time, tz_name: str) -> datetime:
    """The UTC instant of `at` o'clock on `day` at the place. A time skipped by a DST change
    reads with the offset before the change (PEP 495 `fold=0`), so it is still one instant.

    Kept (a pure function of its arguments): a search page asks the same few instants for
    every hotel of a city, and a zone conversion costs more than the rest of an offer."""
    return datetime.combine(day, at, tzinfo=zone(tz_name)).astimezone(UTC)


def day_end(day: date, tz_name: str) -> datetime:
    """The first UTC instant that is no longer `day` at the place."""
    return local_instant(day + timedelta(days=1), time.min, tz_name)


def stay_sold_until(*, check_in: date, tz_name: str) -> datetime:
    """A stay is sold until its check-in date ends at the hotel: a late arrival on the
    check-in day is still a stay (hotels keep the room), a day later it is not."""
    return day_end(check_in, tz_name)


def rental_sold_until(*, pick_up: date, opens_at: time, closes_at: time, tz_name: str) -> datetime:
    """A rental is sold until the office closes on the pick-up day (no one hands the keys
    over later); an office open past midnight (closing at or before it opens) until the
    pick-up day ends."""
    if closes_at > opens_at:
        return local_instant(pick_up, closes_at, tz_name)
    return day_end(pick_up, tz_name)


def hotel_free_cancellation_until(
    *, check_in: date, check_in_time: time, free_days: int | None, tz_name: str
) -> datetime | None:
    """Free cancellation ends `free_days` calendar days before check-in, at the hotel's
    check-in time on its clock (a DST change in between moves the UTC instant, not the
    hour the hotel names). None: the hotel offers none."""
    if free_days is None:
        return None
    return local_instant(check_in - timedelta(days=free_days), check_in_time, tz_name)


def started_detail(*, event: str, place: str, tz_name: str, now: datetime) -> str:
    """Why an item is no longer sold, in the place's terms (the traveler may be elsewhere):
    `event` names it ("Check-in on 2026-03-01")."""
    there = local_now(tz_name, now=now)
    return (
        f"{event} is past in {place}: it is {there:%Y-%m-%d %H:%M} there ({tz_name}). "
        "Search again for later dates."
    )
