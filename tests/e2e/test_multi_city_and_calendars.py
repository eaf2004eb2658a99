"""Multi-city trips and the strips of lowest prices per day, in the real app."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.factories.catalog import flight_fare

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db(transaction=True)]


def test_a_multi_city_trip_is_searched_line_by_line_and_added_as_one(
    live_server, trip, open_page, shot
):
    # given a flight back from London three days after the outbound
    back_day = trip.day + timedelta(days=3)
    flight_fare(trip.lhr, trip.jfk, datetime.combine(back_day, time(10), tzinfo=UTC),
                minutes=480, leg__flight_number="BA117", price=Decimal("300.00"))  # fmt: skip
    page, _ = open_page()

    # when the traveler opens the multi-city form from the flights page
    page.goto(live_server.url + "/flights")
    page.get_by_role("link", name="Multi-city trip").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Multi-city flights")
    slices = page.locator("fieldset.slice")
    expect(slices).to_have_count(2)
    # a third line can be added and taken away again
    page.get_by_role("button", name="Add a flight").click()
    expect(slices).to_have_count(3)
    expect(slices.nth(2).locator("legend")).to_have_text("Flight 3")
    slices.nth(2).get_by_role("button", name="Remove this flight").click()
    expect(slices).to_have_count(2)
    for line, (origin, destination, day) in enumerate(
        [("JFK", "LHR", trip.day), ("lhr", "jfk", back_day)]
    ):
        slices.nth(line).get_by_label("From (airport)").fill(origin)
        slices.nth(line).get_by_label("To (airport)").fill(destination)
        slices.nth(line).get_by_label("Departure").fill(day.isoformat())
    page.get_by_role("button", name="Search").click()

    # then one offer of both flights at one price, added to the trip as one item
    expect(page).to_have_url(re.compile(r"/flights/multi-city\?slices=JFK%2CLHR%2C"))
    card = page.locator("li.card.flight.multi")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Flight 1")
    expect(card).to_contain_text("BA178")
    expect(card).to_contain_text("Flight 2")
    expect(card).to_contain_text("BA117")
    expect(card).to_contain_text("US$750.00")
    shot(page, "01-multi-city-results")
    card.get_by_role("button", name="Add to trip").click()
    expect(page.locator("header")).to_contain_text("Trip (1)")


def test_a_multi_city_line_out_of_date_order_is_pointed_at(live_server, trip, open_page, shot):
    page, console = open_page()
    console.allowed_statuses = {400}
    before = trip.day - timedelta(days=1)
    slices = f"slices=JFK,LHR,{trip.day}&slices=LHR,JFK,{before}"

    page.goto(f"{live_server.url}/flights/multi-city?{slices}")

    expect(page.get_by_role("alert")).to_contain_text("cannot leave before flight 1")
    second = page.locator("fieldset.slice").nth(1)
    expect(second.get_by_label("Departure")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("fieldset.slice").nth(0).get_by_label("Departure")).not_to_have_attribute(
        "aria-invalid", "true"
    )
    shot(page, "01-bad-trip")


def test_the_flight_strip_shows_the_lowest_fare_per_day_and_moves_the_search(
    live_server, trip, open_page, shot
):
    # given a cheaper flight two days later
    later = trip.day + timedelta(days=2)
    flight_fare(trip.jfk, trip.lhr, datetime.combine(later, time(22), tzinfo=UTC),
                minutes=420, leg__flight_number="BA999", price=Decimal("300.00"))  # fmt: skip
    page, _ = open_page()

    page.goto(f"{live_server.url}/flights?origin=JFK&destination=LHR&date={trip.day}")

    strip = page.get_by_role("navigation", name="Lowest fares around this day")
    days = strip.locator("a.day")
    expect(days).to_have_count(7)
    chosen = strip.locator(f'a[data-date="{trip.day}"]')
    expect(chosen).to_have_attribute("aria-current", "date")
    expect(chosen).to_contain_text("US$450.00")
    cheaper = strip.locator(f'a[data-date="{later}"]')
    expect(cheaper).to_contain_text("US$300.00")
    expect(cheaper).to_have_class(re.compile(r"\blowest\b"))
    expect(strip.locator(f'a[data-date="{trip.day + timedelta(days=1)}"]')).to_contain_text("—")
    shot(page, "01-flight-strip")

    cheaper.click()
    expect(page).to_have_url(re.compile(f"date={later}"))
    expect(page.locator("li.card.flight")).to_contain_text("BA999")


def test_the_hotel_strip_shows_the_lowest_stay_per_check_in_day(live_server, trip, open_page, shot):
    page, _ = open_page()
    city = quote("London, GB")

    page.goto(
        f"{live_server.url}/hotels?city={city}&check_in={trip.check_in}"
        f"&check_out={trip.check_out}&guests=2"
    )

    strip = page.get_by_role("navigation", name="Lowest prices by check-in day")
    expect(strip.locator("a.day").first).to_have_attribute(
        "data-date", trip.check_in.replace(day=1).isoformat()
    )
    chosen = strip.locator(f'a[data-date="{trip.check_in}"]')
    expect(chosen).to_have_attribute("aria-current", "date")
    expect(chosen).to_contain_text("£300.00")  # three nights of the one room sold
    expect(strip.locator(f'a[data-date="{trip.check_in + timedelta(days=1)}"]')).to_contain_text(
        "—"
    )
    shot(page, "01-hotel-strip")
