"""The traveler's journeys through the real app, browser to database."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from bookings.models import Booking, BookingStatus, Hold
from catalog.models import RoomNight
from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db(transaction=True)]


def sign_in(page, email: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_search_detail_sign_up_hold_pay_see_and_cancel_a_whole_trip(
    live_server, trip, open_page, shot
):
    page, console = open_page()
    console.allowed_statuses = {402}  # the declined card's answer, shown to the traveler
    base = live_server.url

    # Search flights from the home page's form.
    page.goto(base + "/")
    page.get_by_label("From (airport)").fill("JFK")
    page.get_by_label("To (airport)").fill("LHR")
    page.get_by_label("Departure").fill(trip.day.isoformat())
    page.get_by_label("Adults").fill("2")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/flights\?origin=JFK&destination=LHR"))
    card = page.locator("li.card.flight").first
    # Local times at each airport, with the zone's name; the arrival is the next day.
    # (en-GB names New York's winter zone "GMT-5"; en-US would say "EST".)
    expect(card.locator(".when").nth(0)).to_contain_text("17:00 GMT-5")
    expect(card.locator(".when").nth(0)).to_contain_text("(America/New_York)")
    expect(card.locator(".when").nth(1)).to_contain_text("05:00 GMT")
    expect(card.locator(".when").nth(1)).to_contain_text("(Europe/London)")
    expect(card.locator(".shift")).to_have_text("+1")
    expect(card).to_contain_text("US$900.00")
    expect(card).to_contain_text("Total for 2 travelers")
    shot(page, "01-flight-results")
    card.get_by_role("button", name="Add to trip").click()
    expect(page.locator("header")).to_contain_text("Trip (1)")

    # Hotels: search, open the hotel, add the room.
    page.get_by_role("link", name="Hotels").first.click()
    page.get_by_label("City").fill("London")
    page.get_by_label("Check-in").fill(trip.check_in.isoformat())
    page.get_by_label("Check-out").fill(trip.check_out.isoformat())
    page.get_by_label("Guests").fill("2")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".count")).to_have_text("1 result")
    shot(page, "02-hotel-results")
    page.get_by_role("link", name="Hotel Lumière").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hotel Lumière")
    expect(page.locator("li.card.room")).to_contain_text("£300.00")
    expect(page.get_by_role("heading", name="Guest ratings")).to_be_visible()
    expect(page.locator(".reviews-section")).to_contain_text("No reviews yet.")
    shot(page, "03-hotel-detail")
    page.locator("li.card.room").get_by_role("button", name="Add to trip").click()
    expect(page.locator("header")).to_contain_text("Trip (2)")

    # Deep link + Back: the detail page reloads from its URL, Back returns to the results.
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hotel Lumière")
    page.go_back()
    expect(page.locator(".count")).to_have_text("1 result")

    # A car at the arrival airport.
    page.goto(f"{base}/cars?location=LHR&pick_up={trip.check_in}&drop_off={trip.check_out}")
    expect(page.locator("li.card.car")).to_contain_text("Hertz")
    shot(page, "04-car-results")
    page.locator("li.card.car").get_by_role("button", name="Add to trip").click()
    expect(page.locator("header")).to_contain_text("Trip (3)")

    # The basket: holding needs an account, so sign up on the way.
    page.get_by_role("link", name=re.compile(r"^Trip")).click()
    expect(page.locator("li.card")).to_have_count(3)
    page.get_by_role("button", name="Hold these for 15 minutes").click()
    expect(page).to_have_url(re.compile(r"/signin\?next=%2Fbasket"))
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill("analytical-engine-1843")
    page.get_by_role("button", name="Create my account").click()
    expect(page).to_have_url(re.compile(r"/basket$"))
    page.get_by_role("button", name="Hold these for 15 minutes").click()
    countdown = page.locator(".hold .countdown")
    expect(countdown).to_have_text(re.compile(r"^Held for you: 1[45]:\d\d left$"))
    shot(page, "05-basket-held")
    hold = Hold.objects.get()
    assert hold.items.count() == 3

    # Checkout: two passengers (also the hotel's two guests), the first drives; a declined
    # card first.
    page.get_by_role("link", name="Continue to checkout").click()
    first = page.locator("fieldset.traveler").nth(0)
    expect(first.locator("legend")).to_have_text("Passenger 1 (adult) · Driver")
    first.get_by_label("First name").fill("Ada")
    first.get_by_label("Last name").fill("Lovelace")
    first.get_by_label("Birth date").fill("1985-12-10")
    second = page.locator("fieldset.traveler").nth(1)
    expect(second.locator("legend")).to_have_text("Passenger 2 (adult)")
    second.get_by_label("First name").fill("Charles")
    second.get_by_label("Last name").fill("Babbage")
    # No card number field anywhere: only test cards (tokens).
    assert page.locator("input[autocomplete^='cc-'], input[name*='card']").count() == 0
    page.get_by_label(re.compile("Card declined")).check()
    page.get_by_role("button", name=re.compile("^Pay")).click()
    expect(page.locator(".error.declined")).to_contain_text("Your card was declined.")
    expect(page.locator(".error.declined")).to_contain_text("Nothing was booked")
    shot(page, "06-payment-declined")
    assert not Booking.objects.exists()

    page.get_by_label(re.compile("Visa")).check()
    page.get_by_role("button", name=re.compile("^Pay")).click()
    expect(page).to_have_url(re.compile(r"/trips/TG-"))
    expect(page.locator(".success")).to_contain_text("Booked!")
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.items.count() == 3
    assert page.url.endswith(f"/trips/{booking.reference}?booked=1")
    expect(page.locator("header")).to_contain_text("Trip (0)")
    shot(page, "07-booked")

    # My trips lists it; cancelling shows the policy first.
    page.get_by_role("link", name="My trips").first.click()
    expect(page.locator("li.trip")).to_contain_text(booking.reference)
    shot(page, "08-my-trips")
    page.get_by_role("link", name=booking.reference).click()
    page.get_by_role("button", name="Cancel this booking…").click()
    policy = page.locator("ul.policy li")
    expect(policy).to_have_count(3)
    expect(policy.nth(0)).to_contain_text("full refund")
    expect(policy.nth(1)).to_contain_text("full refund")
    shot(page, "09-cancel-policy")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED  # nothing happens before confirming
    page.get_by_role("button", name="Yes, cancel the booking").click()
    expect(page.locator("h1 + p .badge")).to_have_text("Cancelled")
    shot(page, "10-cancelled")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_an_offer_sold_out_after_the_search_shows_as_sold_out(live_server, trip, open_page, shot):
    user = UserFactory(email="sam@example.com")
    page, console = open_page()
    console.allowed_statuses = {409}  # the hold's sold-out answer, shown to the traveler
    base = live_server.url
    stay = f"check_in={trip.check_in}&check_out={trip.check_out}&guests=2&rooms=1"
    page.goto(f"{base}/hotels/{trip.hotel.pk}?{stay}")
    page.locator("li.card.room").get_by_role("button", name="Add to trip").click()

    # Someone else takes the last room of the second night meanwhile.
    RoomNight.objects.filter(pk=trip.nights[1].pk).update(rooms_available=0)

    page.goto(f"{base}/signin?next=/basket")
    sign_in(page, user.email)
    expect(page).to_have_url(re.compile(r"/basket$"))
    page.get_by_role("button", name="Hold these for 15 minutes").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Sold out")
    shot(page, "01-hold-sold-out")
    assert not Hold.objects.exists()

    page.goto(f"{base}/hotels/{trip.hotel.pk}?{stay}")
    expect(page.locator("p.soldout")).to_have_text(
        "Sold out for these dates: no room is free on every night."
    )
    shot(page, "02-detail-sold-out")


def test_empty_results_and_bad_input_are_explained(live_server, trip, open_page, shot):
    page, console = open_page()
    console.allowed_statuses = {400}
    later = trip.day + timedelta(days=2)
    page.goto(f"{live_server.url}/flights?origin=JFK&destination=LHR&date={later}")
    expect(page.locator(".empty")).to_contain_text("No flights match this search.")
    shot(page, "01-no-flights")
    page.goto(f"{live_server.url}/flights?origin=JFK&destination=JFK&date={later}")
    expect(page.get_by_role("alert")).to_contain_text("The destination must differ")
    shot(page, "02-bad-search")


def test_language_follows_the_browser_and_can_be_switched(live_server, trip, open_page, shot):
    page, _ = open_page(locale="fr-FR")
    page.goto(f"{live_server.url}/flights?origin=JFK&destination=LHR&date={trip.day}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vols")
    expect(page.locator(".count")).to_have_text("1 résultat")
    expect(page.locator("li.card.flight")).to_contain_text("450,00\u00a0$US")
    shot(page, "01-french")
    page.get_by_label("Devise d'affichage").select_option("EUR")
    expect(page.locator("li.card.flight .price").first).to_contain_text("≈")
    page.get_by_label("Langue").select_option("es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vuelos")
    expect(page.locator(".count")).to_have_text("1 resultado")
    shot(page, "02-spanish")
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vuelos")


@pytest.mark.parametrize("path", ["flights", "hotel", "cars", "basket"])
def test_pages_fit_a_375_px_phone_without_sideways_scrolling(
    live_server, trip, open_page, shot, path
):
    page, _ = open_page(width=375, height=800)
    urls = {
        "flights": f"/flights?origin=JFK&destination=LHR&date={trip.day}",
        "hotel": f"/hotels/{trip.hotel.pk}?check_in={trip.check_in}&check_out={trip.check_out}",
        "cars": f"/cars?location=LHR&pick_up={trip.check_in}&drop_off={trip.check_out}",
        "basket": "/basket",
    }
    page.goto(live_server.url + urls[path])
    page.wait_for_load_state("networkidle")
    expect(page.locator("main h1")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, f"phone-{path}")


def test_the_search_form_works_from_the_keyboard(live_server, trip, open_page):
    page, _ = open_page()
    page.goto(live_server.url + "/flights")
    page.get_by_label("From (airport)").focus()
    page.keyboard.type("JFK")
    page.keyboard.press("Tab")
    page.keyboard.type("LHR")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_attribute("name", "date")  # Tab reached the departure date
    focused.fill(trip.day.isoformat())
    page.keyboard.press("Enter")
    expect(page.locator(".count")).to_have_text("1 result")
