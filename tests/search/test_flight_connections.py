"""Connections: same airport, between 45 minutes and 8 hours on the ground, nothing else."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.models import FlightLeg
from search.selectors.flights import MAX_CONNECTION, MIN_CONNECTION, Party, flight_offers_list
from tests.factories.catalog import AirportFactory, flight_fare

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("flight_index")]

DAY = datetime.now(UTC).date() + timedelta(days=20)
NOW = datetime.now(UTC)
FIRST_LANDS = datetime.combine(DAY, time(9, 0), tzinfo=UTC)


@pytest.fixture
def places() -> dict:
    return {
        code: AirportFactory.create(iata=code, timezone="UTC")
        for code in ("ORG", "HUB", "ALT", "DST")
    }


def _itineraries(day: date = DAY, **kwargs) -> list[list[str]]:
    results = flight_offers_list(
        origin="ORG",
        destination="DST",
        day=day,
        party=Party(adults=1),
        cabin="economy",
        now=NOW,
        **kwargs,
    )
    return [[leg.flight_number for leg in result.outbound.legs] for result in results]


def _connection(places: dict, gap_minutes: int, *, via: str = "HUB", to: str = "HUB") -> None:
    """ORG -> `via` landing 09:00, then `to` -> DST leaving `gap_minutes` later."""
    flight_fare(places["ORG"], places[via], FIRST_LANDS - timedelta(hours=1), minutes=60,
                leg__flight_number="FIRST")  # fmt: skip
    flight_fare(places[to], places["DST"], FIRST_LANDS + timedelta(minutes=gap_minutes),
                leg__flight_number="SECOND")  # fmt: skip


def test_the_limits_are_45_minutes_and_8_hours():
    assert timedelta(minutes=45) == MIN_CONNECTION
    assert timedelta(hours=8) == MAX_CONNECTION


@pytest.mark.parametrize(
    ("gap", "offered"),
    [(0, False), (44, False), (45, True), (90, True), (480, True), (481, False), (900, False)],
)
def test_a_connection_is_offered_only_within_the_limits(places, gap, offered):
    _connection(places, gap)

    assert _itineraries() == ([["FIRST", "SECOND"]] if offered else [])


def test_a_connection_must_be_at_the_same_airport(places):
    # given landing at HUB and leaving from ALT two hours later
    _connection(places, 120, via="HUB", to="ALT")

    assert _itineraries() == []


def test_a_second_leg_before_the_first_lands_is_not_a_connection(places):
    _connection(places, -30)

    assert _itineraries() == []


def test_a_connection_may_continue_after_midnight(places):
    # given a first leg landing 23:00 and a second leg leaving 01:00 the next day
    late = datetime.combine(DAY, time(22, 0), tzinfo=UTC)
    flight_fare(places["ORG"], places["HUB"], late, minutes=60, leg__flight_number="LATE")
    flight_fare(places["HUB"], places["DST"], late + timedelta(hours=3), leg__flight_number="NEXT")

    assert _itineraries() == [["LATE", "NEXT"]]


def test_each_first_leg_pairs_with_every_second_leg_in_its_window(places):
    for n, landing in enumerate(["08:00", "12:00"]):
        lands = datetime.combine(DAY, time.fromisoformat(landing), tzinfo=UTC)
        flight_fare(places["ORG"], places["HUB"], lands - timedelta(hours=1), minutes=60,
                    leg__flight_number=f"F{n}")  # fmt: skip
    for n, leaving in enumerate(["09:00", "13:00", "17:00", "21:00"]):
        departs = datetime.combine(DAY, time.fromisoformat(leaving), tzinfo=UTC)
        flight_fare(places["HUB"], places["DST"], departs, leg__flight_number=f"S{n}")

    # F0 lands 08:00: S0 (60 min), S1 (300 min); S2 at 540 min is too long.
    # F1 lands 12:00: S1 (60 min), S2 (300 min); S0 left before, S3 at 540 min is too long.
    assert sorted(_itineraries()) == [["F0", "S0"], ["F0", "S1"], ["F1", "S1"], ["F1", "S2"]]


@given(gap=st.integers(min_value=-120, max_value=14 * 60))
def test_a_connection_is_offered_iff_45_to_480_minutes(places, gap):
    # The database is not rolled back between hypothesis examples: remove what each one adds.
    _connection(places, gap)
    try:
        assert (_itineraries() == [["FIRST", "SECOND"]]) == (45 <= gap <= 480)
        assert _itineraries() in ([], [["FIRST", "SECOND"]])
    finally:
        FlightLeg.objects.filter(flight_number__in=["FIRST", "SECOND"]).delete()


def test_a_direct_flight_is_never_used_as_a_first_leg(places):
    # given ORG -> DST and DST -> HUB: reaching the destination ends the trip
    flight_fare(places["ORG"], places["DST"], FIRST_LANDS, leg__flight_number="DIRECT")
    flight_fare(places["DST"], places["HUB"], FIRST_LANDS + timedelta(hours=3))

    assert _itineraries() == [["DIRECT"]]


def test_each_hub_keeps_its_own_window(places):
    # given HUB reached at 06:00 and ALT at 16:00: second legs are read per hub, in that
    # hub's window, not in the window spanning both
    for code, landing in (("HUB", "06:00"), ("ALT", "16:00")):
        lands = datetime.combine(DAY, time.fromisoformat(landing), tzinfo=UTC)
        flight_fare(places["ORG"], places[code], lands - timedelta(hours=1), minutes=60,
                    leg__flight_number=f"TO{code}")  # fmt: skip
    for code, leaving in (("HUB", "07:00"), ("HUB", "14:00"), ("HUB", "15:00"),
                          ("ALT", "08:00"), ("ALT", "17:00"), ("ALT", "00:00+1")):  # fmt: skip
        clock, _, next_day = leaving.partition("+")
        departs = datetime.combine(DAY + timedelta(days=int(next_day or 0)),
                                   time.fromisoformat(clock), tzinfo=UTC)  # fmt: skip
        flight_fare(places[code], places["DST"], departs,
                    leg__flight_number=f"{code[0]}{clock.replace(':', '')}{next_day}")  # fmt: skip

    # HUB lands 06:00: 07:00 and 14:00 (480 min); 15:00 is too long.
    # ALT lands 16:00: 17:00 and 00:00 (480 min); 08:00 left before it landed.
    assert sorted(_itineraries()) == [
        ["TOALT", "A00001"], ["TOALT", "A1700"], ["TOHUB", "H0700"], ["TOHUB", "H1400"],
    ]  # fmt: skip
