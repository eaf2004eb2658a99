"""A support agent in Chromium: finds a booking by the traveler's email, opens it, gives part
of the money back with a reason, and sees the refund on the booking's timeline.

Saves test-results/support-timeline.png (the CI keeps it as evidence)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from accounts import roles
from audit.models import AuditEntry
from bookings.models import Payment, Refund
from tests.admin_browser import staff_logged_in
from tests.factories.accounts import UserFactory
from tests.factories.offers import hotel_offer
from tests.factories.trips import trip_for

pytestmark = [pytest.mark.mariadb, pytest.mark.django_db(transaction=True)]
RESULTS = Path(__file__).resolve().parents[2] / "test-results"


def test_support_agent_finds_a_booking_by_email_and_refunds_part_of_it(
    live_server, browser, room_type, day
):
    # given: a traveler's two-night stay (210 EUR) and a support agent on Paris time
    roles.roles_sync()
    booking = trip_for(UserFactory.create(email="marie.curie@example.com"),
                       hotel_offer(room_type, day, 2))  # fmt: skip
    trip_for(UserFactory.create(email="someone.else@example.com"), hotel_offer(room_type, day, 1))
    agent = UserFactory.create(username="agent", is_staff=True, time_zone="Europe/Paris")
    agent.groups.add(Group.objects.get(name=roles.SUPPORT_AGENT))

    # when: they search by the traveler's email and open the one booking found
    staff = staff_logged_in(browser, live_server.url, agent, width=1400, height=1000)
    page = staff.page
    page.goto(f"{live_server.url}/admin/bookings/booking/")
    page.fill("#searchbar", "marie.curie@example.com")
    page.press("#searchbar", "Enter")
    results = page.locator("#result_list tbody tr")
    expect(results).to_have_count(1)
    page.get_by_role("link", name=booking.reference).click()

    # and give 25.50 EUR back, saying why
    page.get_by_role("link", name="Partial refund").click()
    page.fill("#id_amount", "25.50")
    page.select_option("#id_currency", "EUR")
    page.fill("#id_reason", "Breakfast was not served")
    page.get_by_role("button", name="Partial refund").click()

    # then: the booking page says so and its timeline shows the refund, in Paris time
    expect(page.locator("ul.messagelist")).to_contain_text(
        f"Refunded 25.50 EUR on {booking.reference}."
    )
    refund_row = page.locator("#timeline tr.timeline-refund")
    expect(refund_row).to_contain_text("25.50 EUR")
    expect(refund_row).to_contain_text("Breakfast was not served")
    expect(refund_row).to_contain_text("(Europe/Paris)")
    expect(page.locator("#timeline tr.timeline-audit")).to_contain_text("booking.refund_partial")
    RESULTS.mkdir(exist_ok=True)
    page.locator("#timeline").scroll_into_view_if_needed()
    page.screenshot(path=str(RESULTS / "support-timeline.png"), full_page=True)
    assert staff.errors == []
    assert staff.failed == []
    assert Refund.objects.get().amount == Decimal("25.50")
    assert Payment.objects.get(booking=booking).refunded_amount == Decimal("25.50")
    assert AuditEntry.objects.get().reason == "Breakfast was not served"
