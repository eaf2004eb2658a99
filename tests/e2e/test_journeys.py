"""The traveler's journeys through the real app, browser to database."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from analytics.models import Event, EventKind
from bookings.models import Booking, BookingStatus, Hold
from catalog.models import RoomNight
from tests.factories.accounts import PASSWORD, UserFactory
from tests.flows import emailed_link
from travelguru.money import Money

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db(transaction=True)]


def fill_travelers(page) -> None:
    first = page.locator("fieldset.traveler").nth(0)
    first.get_by_label("First name").fill("Ada")
    first.get_by_label("Last name").fill("Lovelace")
    first.get_by_label("Birth date").fill("1985-12-10")
    second = page.locator("fieldset.traveler").nth(1)
    second.get_by_label("First name").fill("Charles")
    second.get_by_label("Last name").fill("Babbage")


def sign_in(page, email: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_search_detail_sign_up_hold_pay_see_and_cancel_a_whole_trip(
    live_server, trip, open_page, shot
):
    page, console = open_page()
    # The declined card's answer, and paying before the email is verified: both shown.
    console.allowed_statuses = {402, 403}
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
    # Signed in at once; the page says a link is on its way.
    expect(page).to_have_url(re.compile(r"/check-email\?email=ada%40example.com&next=%2Fbasket"))
    expect(page.locator(".check-email")).to_contain_text("We sent a message to ada@example.com")
    expect(page.locator("header")).to_contain_text("Sign out")
    page.get_by_role("link", name="Continue").click()
    expect(page).to_have_url(re.compile(r"://[^/]+/basket$"))
    page.get_by_role("button", name="Hold these for 15 minutes").click()
    countdown = page.locator(".hold .countdown")
    expect(countdown).to_have_text(re.compile(r"^Held for you: 1[45]:\d\d left$"))
    shot(page, "05-basket-held")
    hold = Hold.objects.get()
    assert hold.items.count() == 3

    # Checkout before the email is verified: nothing is charged, the link can be resent.
    page.get_by_role("link", name="Continue to checkout").click()
    fill_travelers(page)
    page.get_by_label(re.compile("Visa")).check()
    page.get_by_role("button", name=re.compile("^Pay")).click()
    expect(page.locator(".error.unverified")).to_contain_text("Confirm your email address first")
    page.get_by_role("button", name="Send the link again").click()
    expect(page.locator(".resend")).to_contain_text("We sent the link again")
    assert not Booking.objects.exists()
    page.goto(base + "/verify-email?" + urlencode(emailed_link("ada@example.com", "verify_email")))
    expect(page.locator(".success")).to_contain_text("Your email address is confirmed")
    page.get_by_role("link", name="Continue").click()
    expect(page).to_have_url(re.compile(r"://[^/]+/basket$"))

    # Checkout: two passengers (also the hotel's two guests: its one room's lead guest is
    # the first), the first drives; a declined card first.
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
    # Analytics saw one anonymous visit, from the searches through the hold to the booking.
    kinds = [EventKind.SEARCH, EventKind.HOLD, EventKind.BOOKING, EventKind.PAYMENT_FAILURE]
    events = Event.objects.filter(kind__in=kinds)
    assert set(events.values_list("kind", flat=True)) == set(kinds)
    [visit] = set(events.values_list("session_id", flat=True))
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", visit)


def test_an_offer_sold_out_after_the_search_shows_as_sold_out(live_server, trip, open_page, shot):
    user = UserFactory.create(email="sam@example.com")
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
    expect(page).to_have_url(re.compile(r"://[^/]+/basket$"))
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
    # Changing the sort from the keyboard reloads the results and keeps the focus there.
    page.get_by_label("Sort by").focus()
    page.keyboard.press("ArrowDown")
    expect(page).to_have_url(re.compile(r"sort=duration"))
    expect(page.locator(".count")).to_have_text("1 result")
    expect(page.locator(":focus")).to_have_attribute("name", "sort")


def book_past_stay(trip, user):
    """A stay booked through the real services, then moved into the past (it is over)."""
    from django.utils import timezone

    from bookings.models import BookingItem
    from bookings.services.bookings import TravelerIn, booking_create
    from bookings.services.holds import hold_create
    from search.offers import HotelOffer

    now = timezone.now()
    offer = HotelOffer(
        room_type_id=trip.room_type.pk, check_in=trip.check_in, check_out=trip.check_out,
        rooms=1, guests=1, price=Money.of("300.00", "GBP"),
    )  # fmt: skip
    hold = hold_create(user=user, offers=[offer], now=now)
    booking = booking_create(
        user=user, hold_id=hold.pk, payment_token="tok_visa", now=now,
        travelers=[TravelerIn(type="adult", first_name=user.first_name, last_name="Guest")],
    )  # fmt: skip
    BookingItem.objects.filter(booking=booking).update(
        service_start=now - timedelta(days=5), service_end=now - timedelta(days=2)
    )
    # Booked before it began (a review of an item booked once it was over is refused).
    Booking.objects.filter(pk=booking.pk).update(created_at=now - timedelta(days=6))
    return booking


def test_a_guest_reviews_a_finished_stay_and_others_page_and_vote_on_reviews(
    live_server, trip, open_page, shot
):
    from django.utils import timezone

    from bookings.services.reviews import booking_item_review
    from reviews.models import Review, ReviewStatus
    from reviews.services import review_approve

    staff = UserFactory.create(email="staff@example.com", is_staff=True)
    for i in range(6):  # six approved reviews: two pages of five
        guest = UserFactory.create(email=f"guest{i}@example.com", first_name=f"Guest{i}")
        booked = book_past_stay(trip, guest)
        review = booking_item_review(
            user=guest, booking_reference=booked.reference, position=None, rating=5 - i % 2,
            sub_scores={"cleanliness": 5}, title=f"Stay number {i}",
            text="Quiet room, friendly staff and a short walk to the river.", now=timezone.now(),
        )  # fmt: skip
        review_approve(review, staff=staff, now=timezone.now())
    ada = UserFactory.create(email="ada@example.com", first_name="Ada")
    booking = book_past_stay(trip, ada)

    page, _ = open_page()
    page.goto(f"{live_server.url}/signin?next=/trips/{booking.reference}")
    sign_in(page, ada.email)
    form = page.locator("form.review-form")
    expect(form).to_contain_text("Review: Hotel Lumière")
    form.get_by_label("Overall rating").select_option("4")
    form.get_by_label("Cleanliness").select_option("5")
    form.get_by_label("Title").fill("Lovely stay")
    form.get_by_label("Your review").fill("Bright room, great breakfast, very helpful staff.")
    shot(page, "01-review-form")
    form.get_by_role("button", name="Send review").click()
    expect(page.get_by_role("status").filter(has_text="Thank you!")).to_be_visible()
    mine = Review.objects.get(booking_item__booking=booking)
    assert (mine.rating, mine.title, mine.status) == (4, "Lovely stay", ReviewStatus.PENDING)
    assert mine.sub_scores == {"cleanliness": 5}

    # The hotel page: rating breakdown and reviews, five a page, helpful votes.
    page.goto(f"{live_server.url}/hotels/{trip.hotel.pk}")
    breakdown = page.locator(".breakdown")
    expect(breakdown).to_contain_text("4.5/5 (6 reviews)")
    expect(breakdown.get_by_label("5 stars: 3")).to_be_visible()
    reviews = page.locator("li.review")
    expect(reviews).to_have_count(5)
    expect(page.locator(".reviews-section .pager")).to_contain_text("Page 1 of 2")
    page.locator(".reviews-section").get_by_role("link", name="Next").click()
    expect(reviews).to_have_count(1)
    expect(reviews.first).to_contain_text("Stay number 0")
    reviews.first.get_by_role("button", name="Helpful").click()
    expect(reviews.first).to_contain_text("1 found this helpful")
    shot(page, "02-hotel-reviews")
    assert Review.objects.get(title="Stay number 0").helpful_count == 1


def test_a_hotels_approved_reply_shows_under_its_review_with_its_date(
    live_server, trip, open_page, shot
):
    from datetime import UTC, datetime

    from django.utils import timezone

    from bookings.services.reviews import booking_item_review
    from reviews.models import ManagedProperty, Subject
    from reviews.replies import reply_approve, reply_create
    from reviews.services import review_approve

    # given: a public review of the hotel, and its manager's reply, approved
    staff = UserFactory.create(email="staff@example.com", is_staff=True)
    guest = UserFactory.create(email="guest@example.com", first_name="Grace")
    booked = book_past_stay(trip, guest)
    review = booking_item_review(
        user=guest, booking_reference=booked.reference, position=None, rating=4,
        sub_scores={}, title="Nice but noisy", now=timezone.now(),
        text="Lovely room, though the street was loud until late at night.",
    )  # fmt: skip
    review_approve(review, staff=staff, now=timezone.now())
    ManagedProperty.objects.create(user=staff, subject=Subject.HOTEL, subject_id=trip.hotel.pk)
    written = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
    reply = reply_create(manager=staff, review_id=review.pk, now=written,
                         text="Thank you, Grace: our quieter rooms face the garden.")  # fmt: skip
    reply_approve(reply, staff=staff, now=timezone.now())

    # when / then: under the review, signed by the hotel, dated, in each language
    for locale, signed, date in [("en-GB", "Reply from Hotel Lumière", "3 Nov 2026"),
                                 ("fr-FR", "Réponse de Hotel Lumière", "3 nov. 2026")]:  # fmt: skip
        page, _ = open_page(locale=locale)
        page.goto(f"{live_server.url}/hotels/{trip.hotel.pk}")
        answer = (
            page.locator("li.review").filter(has_text="Nice but noisy").locator(".review-reply")
        )
        expect(answer).to_contain_text(signed)
        expect(answer).to_contain_text("our quieter rooms face the garden")
        expect(answer.locator("time")).to_have_text(date)
        expect(answer.locator("time")).to_have_attribute("datetime", written.isoformat())
        shot(page, f"reply-{locale}")


def hold_a_car(page, base, trip, email):
    """Sign in, put the LHR car in the basket and hold it; the page ends on /basket."""
    page.goto(f"{base}/signin?next=/basket")
    sign_in(page, email)
    expect(page).to_have_url(re.compile(r"://[^/]+/basket$"))
    page.goto(f"{base}/cars?location=LHR&pick_up={trip.check_in}&drop_off={trip.check_out}")
    page.locator("li.card.car").get_by_role("button", name="Add to trip").click()
    page.get_by_role("link", name=re.compile(r"^Trip")).click()
    page.get_by_role("button", name="Hold these for 15 minutes").click()


def test_the_countdown_runs_out_and_the_trip_can_be_held_again(
    live_server, trip, open_page, shot, settings
):
    settings.HOLD_TTL_SECONDS = 3
    user = UserFactory.create(email="kim@example.com")
    page, _ = open_page()
    hold_a_car(page, live_server.url, trip, user.email)
    countdown = page.locator(".hold .countdown")
    expect(countdown).to_have_text(re.compile(r"^Held for you: 0:0[1-3] left$"))
    expect(countdown).to_have_class(re.compile("urgent"))
    expect(page.locator("header .held")).to_contain_text(re.compile(r"Hold 0:0\d"))
    expect(page.locator("p.expired")).to_contain_text("Your hold has expired", timeout=8000)
    expect(page.locator("header #hold-left")).to_have_count(0)  # the header timer is gone too
    shot(page, "01-hold-expired")
    expect(page.get_by_role("button", name="Hold these for 15 minutes")).to_be_enabled()
    page.goto(f"{live_server.url}/checkout")
    expect(page.locator(".empty")).to_contain_text("There is no active hold to pay for.")


FAKE_STRIPE_JS = """
window.Stripe = function (key) {
  window.__stripeKey = key;
  return {
    elements: () => ({
      create: () => ({
        mount: (el) => { const f = document.createElement('div'); f.className = 'fake-card';
                         f.textContent = 'Stripe card field'; el.appendChild(f); },
      }),
    }),
    createPaymentMethod: async () => ({ paymentMethod: { id: 'pm_card_visa' } }),
  };
};
"""


def test_with_stripe_the_checkout_uses_stripe_elements_and_sends_only_its_token(
    live_server, trip, open_page, shot, settings
):
    settings.PAYMENT_PROVIDER = "stripe"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_e2e"
    user = UserFactory.create(email="lin@example.com")
    page, console = open_page()
    console.allowed_statuses = {402}
    # Stripe.js comes from js.stripe.com (allowed by the CSP only in this mode); offline,
    # a stand-in answers for it, and the booking request is caught before it leaves.
    page.route(
        "https://js.stripe.com/v3/",
        lambda route: route.fulfill(body=FAKE_STRIPE_JS, content_type="text/javascript"),
    )
    sent: list[dict] = []

    def booking(route):
        if route.request.method != "POST":
            return route.continue_()
        sent.append(route.request.post_data_json)
        return route.fulfill(
            status=402,
            content_type="application/problem+json",
            body='{"title": "Payment declined", "status": 402, "code": "payment-declined",'
            ' "detail": "The card was declined."}',
        )

    page.route("**/api/bookings", booking)
    hold_a_car(page, live_server.url, trip, user.email)
    page.get_by_role("link", name="Continue to checkout").click()
    expect(page.locator(".fake-card")).to_have_text("Stripe card field")
    assert page.evaluate("window.__stripeKey") == "pk_test_e2e"
    expect(page.locator("fieldset.test-cards")).to_have_count(0)
    traveler = page.locator("fieldset.traveler")
    traveler.get_by_label("First name").fill("Lin")
    traveler.get_by_label("Last name").fill("Wu")
    traveler.get_by_label("Birth date").fill("1990-01-01")
    page.get_by_role("button", name=re.compile("^Pay")).click()
    expect(page.locator(".error.declined")).to_contain_text("Your card was declined.")
    shot(page, "01-stripe-checkout")
    assert len(sent) == 1
    assert sent[0]["payment_token"] == "pm_card_visa"
    assert set(sent[0]) == {"hold_id", "travelers", "payment_token"}


EXPIRE_ACCESS = """() => {
  const auth = JSON.parse(localStorage.getItem('tg.auth'));
  localStorage.setItem('tg.auth', JSON.stringify({ ...auth, access: 'expired' }));
}"""


def test_two_tabs_refresh_into_one_session_and_signing_out_ends_it(live_server, trip, open_page):
    """Refresh tokens work once: two tabs whose access token expired together must not
    both spend the stored refresh token (a second use would end the session)."""
    from accounts.models import LoginSession, SessionEndReason

    user = UserFactory.create(email="tabs@example.com")
    page, console = open_page()
    console.allowed_statuses = {401}  # the expired access token's answers before the refresh
    base = live_server.url
    page.goto(f"{base}/signin?next=/trips")
    sign_in(page, user.email)
    expect(page.get_by_text("No bookings yet.")).to_be_visible()
    other = page.context.new_page()  # a second tab: same localStorage

    # when: both tabs load with an expired access token
    page.evaluate(EXPIRE_ACCESS)
    page.evaluate("location.reload()")
    other.goto(f"{base}/trips")

    # then: both show the trips, on one live session, its token exchanged once
    expect(page.get_by_text("No bookings yet.")).to_be_visible()
    expect(other.get_by_text("No bookings yet.")).to_be_visible()
    session = LoginSession.objects.get()
    assert (session.generation, session.ended_at) == (1, None)

    # and signing out ends the session on the server, not only in this browser
    access = page.evaluate("JSON.parse(localStorage.getItem('tg.auth')).access")
    with page.expect_response("**/api/auth/logout") as logout:
        page.get_by_role("button", name="Sign out").click()
    assert logout.value.status == 204
    session.refresh_from_db()
    assert session.end_reason == SessionEndReason.LOGOUT
    me = page.request.get(f"{base}/api/me", headers={"Authorization": f"Bearer {access}"})
    assert me.status == 401
