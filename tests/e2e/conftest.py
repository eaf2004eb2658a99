"""End-to-end: the built traveler app in Debian's Chromium against a live server.

Marked `mariadb` (run in the MariaDB leg of .ci/run, like the concurrency tests). The build
comes from `make frontend` (the Makefile's `test` target builds it first; the session builds
it when it is missing). Chromium must be installed: a missing browser fails, never skips.
Every page records console errors and CSP violations; a test fails if any appear beyond the
HTTP error statuses it expects. Screenshots go to test-results/e2e/.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from search.apis.common import today_anywhere
from search.services.indexing import sync_index
from tests.factories.catalog import (
    AirlineFactory,
    AirportFactory,
    CarVendorFactory,
    CityFactory,
    RentalCarFactory,
    RentalOfficeFactory,
    RoomTypeFactory,
    car_days,
    flight_fare,
    room_nights,
)

RESULTS = Path(settings.BASE_DIR) / "test-results" / "e2e"


@pytest.fixture(scope="session")
def frontend_build() -> Path:
    index = Path(settings.FRONTEND_DIST) / "index.html"
    if not index.exists():
        make = shutil.which("make")
        assert make, "make is needed to build the front-end"
        command = [make, "--no-print-directory", "frontend"]
        subprocess.run(command, cwd=settings.BASE_DIR, check=True)  # noqa: S603
    assert index.exists(), f"no front-end build at {index}"
    return index


class Console:
    """Console errors, uncaught exceptions and CSP violations seen by one page."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.allowed_statuses: set[int] = set()

    def unexpected(self) -> list[str]:
        allowed = self.allowed_statuses

        def expected(message: str) -> bool:
            found = re.search(r"status of (\d{3})", message)
            return bool(found and int(found.group(1)) in allowed)

        return [m for m in self.errors if not expected(m)]


# Reports every CSP violation to the console (as Chromium also does) so none goes unseen.
CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI);
});
"""


@pytest.fixture
def open_page(browser, frontend_build):
    """`open_page(width=1280, locale="en-GB")` -> (page, console); checked at teardown."""
    opened: list[tuple[object, Console]] = []

    def make(*, width: int = 1280, height: int = 900, locale: str = "en-GB"):
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale=locale, timezone_id="Europe/Paris"
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        console = Console()
        page.add_init_script(CSP_LISTENER)
        page.on(
            "console",
            lambda m: console.errors.append(m.text) if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: console.errors.append(f"uncaught: {e}"))
        opened.append((context, console))
        return page, console

    yield make
    for context, console in opened:
        context.close()  # type: ignore[attr-defined]
        assert console.unexpected() == [], "console errors or CSP violations"


UNLABELLED_CONTROLS = """
[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                  && !el.getAttribute('aria-labelledby'))
  .map((el) => el.name || el.outerHTML)
"""


@pytest.fixture
def shot(request):
    """`shot(page, "01-results")` saves test-results/e2e/<test>/01-results.png (and checks
    that every form control on the page has a label)."""
    folder = RESULTS / request.node.name.replace("[", "-").replace("]", "")
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        # Every journey step is also checked for form controls without a label.
        assert page.evaluate(UNLABELLED_CONTROLS) == [], f"unlabelled form controls on {name}"
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


class Trip:
    """The catalog one journey needs: JFK -> LHR, a London hotel, a car at LHR."""

    def __init__(self) -> None:
        self.day = today_anywhere() + timedelta(days=20)
        ny = CityFactory.create(
            name="New York", country_code="US", country_name="United States",
            timezone="America/New_York", currency="USD", latitude=40.71, longitude=-74.0,
        )  # fmt: skip
        london = CityFactory.create(
            name="London", country_code="GB", country_name="United Kingdom",
            timezone="Europe/London", currency="GBP", latitude=51.51, longitude=-0.13,
        )  # fmt: skip
        self.jfk = AirportFactory.create(iata="JFK", name="John F. Kennedy International", city=ny)
        self.lhr = AirportFactory.create(iata="LHR", name="Heathrow", city=london)
        airline = AirlineFactory.create(iata="BA", name="British Airways")
        # 22:00 UTC is 17:00 in New York (EST); 7 h later it is 05:00 the next day in London.
        self.fare = flight_fare(
            self.jfk, self.lhr, datetime.combine(self.day, time(22, 0), tzinfo=UTC),
            minutes=420, leg__airline=airline, leg__flight_number="BA178",
            price=Decimal("450.00"), currency="USD", seats_total=9, refundable=True,
        )  # fmt: skip
        self.check_in = self.day + timedelta(days=1)
        self.check_out = self.check_in + timedelta(days=3)
        self.room_type = RoomTypeFactory.create(
            hotel__name="Hotel Lumière", hotel__city=london, hotel__stars=4,
            hotel__currency="GBP", hotel__free_cancellation_days=2,
            name="Double room", capacity=2,
        )  # fmt: skip
        self.nights = room_nights(
            self.room_type, self.check_in, 3, price=Decimal("100.00"), rooms_total=10
        )
        office = RentalOfficeFactory.create(
            vendor=CarVendorFactory.create(code="ZE", name="Hertz"),
            airport=self.lhr,
            currency="GBP",
        )
        self.car = RentalCarFactory.create(office=office, model_name="VW Golf")
        car_days(self.car, self.check_in, 3, price=Decimal("40.00"), cars_total=2)
        sync_index(full=True)

    @property
    def hotel(self):
        return self.room_type.hotel


@pytest.fixture
def trip(transactional_db) -> Trip:
    return Trip()
