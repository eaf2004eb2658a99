"""The dashboard in a real browser: every chart drawn by Chart.js; a screenshot for people.

Saves test-results/analytics-dashboard.png (the CI keeps it as evidence).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from demo.analytics import load_demo_history
from tests.admin_browser import staff_logged_in
from tests.factories.accounts import UserFactory
from tests.factories.catalog import AirportFactory, HotelFactory, RentalOfficeFactory

pytestmark = pytest.mark.django_db(transaction=True)
RESULTS = Path(__file__).resolve().parents[2] / "test-results"


def test_staff_see_every_chart_drawn(live_server, browser):
    # given: a month of history and a staff member
    for code in ("CDG", "JFK", "LHR", "FCO", "NRT", "SYD"):
        airport = AirportFactory.create(iata=code)
        HotelFactory.create(city=airport.city, currency="EUR")
        RentalOfficeFactory.create(airport=airport, currency="EUR")
    load_demo_history(seed=42, now=timezone.now(), days=30)
    admin = UserFactory.create(username="boss", is_staff=True, is_superuser=True)

    # when: they log in to the admin and follow the link to the dashboard
    staff = staff_logged_in(browser, live_server.url, admin, width=1440, height=1000)
    page, errors, failed = staff.page, staff.errors, staff.failed
    page.click('a[href="/admin/analytics/dashboard/"]')
    page.wait_for_selector('canvas[data-drawn="true"]')

    # then
    drawn = page.locator('canvas[data-drawn="true"]')
    assert drawn.count() == 10
    assert page.evaluate("typeof window.Chart") == "function"
    assert (
        page.evaluate(
            "Object.values(Chart.instances).filter(c => c.data.datasets[0].data.length).length"
        )
        == 10
    )
    yesterday = (timezone.now().date() - timedelta(days=1)).isoformat()
    assert (
        page.evaluate(
            "Chart.getChart(document.querySelector('canvas[data-chart=activity]')).data.labels"
        )[-2]
        == yesterday
    )
    assert errors == []
    assert failed == []  # the vendored Chart.js, our script and stylesheet all load
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / "analytics-dashboard.png"), full_page=True)
    page.close()
    assert (RESULTS / "analytics-dashboard.png").stat().st_size > 20_000
