"""The rates grid and the bulk change in a real browser, as a revenue manager uses them.

Saves test-results/rates-grid.png and test-results/rates-bulk-preview.png (the CI keeps
them as evidence).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from catalog.models import RoomNight
from tests.admin_browser import staff_logged_in
from tests.factories.accounts import UserFactory
from tests.factories.catalog import HotelFactory, RoomTypeFactory, room_nights

pytestmark = pytest.mark.django_db(transaction=True)
RESULTS = Path(__file__).resolve().parents[2] / "test-results"
COLOURS = {  # catalog/static/catalog/rates.css
    "open": "rgb(223, 243, 223)",
    "low": "rgb(255, 241, 194)",
    "sold-out": "rgb(248, 210, 210)",
    "closed": "rgb(93, 93, 93)",
}


def test_revenue_manager_reads_the_grid_and_previews_then_applies_a_change(live_server, browser):
    # given: a hotel with a month of nights in every state
    first = timezone.now().date().replace(day=1)
    hotel = HotelFactory.create(name="Hotel Lutetia", currency="EUR")
    double = RoomTypeFactory.create(hotel=hotel, name="Double", capacity=2)
    suite = RoomTypeFactory.create(hotel=hotel, name="Suite", capacity=4)
    room_nights(double, first, 28, price=Decimal("120.00"), rooms_total=10, rooms_available=10)
    nights = room_nights(suite, first, 28, price=Decimal("300.00"), rooms_total=5)
    RoomNight.objects.filter(pk=nights[4].pk).update(rooms_available=0)
    RoomNight.objects.filter(pk=nights[5].pk).update(rooms_available=1)
    RoomNight.objects.filter(pk=nights[6].pk).update(stop_sell=True)
    boss = UserFactory.create(username="revenue", is_staff=True, is_superuser=True)

    # when: they log in (password, then the code from their app) and open the hotel's grid
    staff = staff_logged_in(browser, live_server.url, boss, width=1600, height=900)
    page, errors, failed = staff.page, staff.errors, staff.failed
    page.goto(f"{live_server.url}/admin/catalog/hotel/{hotel.pk}/change/")
    page.click("text=Rates and availability")
    page.wait_for_selector("table.rates-grid")

    # then: every state has its colour
    for state, colour in COLOURS.items():
        cell = page.locator(f"td[data-state='{state}']").first
        assert cell.evaluate("c => getComputedStyle(c).backgroundColor") == colour, state
    assert page.locator("tr[data-line] th").all_inner_texts() == ["Double", "Suite"]
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / "rates-grid.png"), full_page=True)

    # and the next month, then back
    page.click("a.rates-next")
    page.wait_for_selector(".rates-empty, table.rates-grid")
    following = (first + timedelta(days=32)).replace(day=1)
    assert page.locator(".rates-month").inner_text() == following.strftime("%B %Y")
    page.click("a.rates-prev")
    assert page.locator(".rates-month").inner_text() == first.strftime("%B %Y")

    # when: they raise weekend prices by 10% over the first week, preview first
    page.click("a.rates-bulk")
    page.fill("#id_end", (first + timedelta(days=6)).isoformat())
    for weekday in range(1, 6):
        page.uncheck(f"input[name=weekdays][value='{weekday}']")
    page.select_option("#id_price_mode", "percent")
    page.fill("#id_price_value", "10")
    page.click("input[name=_preview]")
    page.wait_for_selector("table.rates-preview")

    # then: the preview lists each weekend night, before -> after, and nothing changed yet
    weekend = [first + timedelta(days=i) for i in range(7)]
    weekend = [d for d in weekend if d.isoweekday() > 5]
    rows = page.locator("table.rates-preview tbody tr")
    assert rows.count() == 2 * len(weekend)
    assert page.locator("text=price: 120.00 → 132.00").count() == len(weekend)
    assert RoomNight.objects.filter(price=Decimal("132.00")).count() == 0
    page.screenshot(path=str(RESULTS / "rates-bulk-preview.png"), full_page=True)

    # when: they apply it
    page.click("input[name=_apply]")
    page.wait_for_selector(".rates-applied")

    # then
    assert page.locator(".rates-applied").inner_text() == (
        f"Changed {2 * len(weekend)} rows; 0 refused."
    )
    assert RoomNight.objects.filter(price=Decimal("132.00")).count() == len(weekend)
    assert errors == []
    assert failed == []
    page.close()
    assert (RESULTS / "rates-grid.png").stat().st_size > 10_000
