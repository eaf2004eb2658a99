import os
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient

from search.apis.common import today_anywhere
from tests.factories.accounts import UserFactory
from tests.factories.catalog import (
    FlightFareFactory,
    RentalCarFactory,
    RoomTypeFactory,
    car_days,
    room_nights,
)

# Database-backed examples vary in speed on a busy CI box: no per-example deadline.
settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.load_profile("default")


@pytest.fixture(autouse=True)
def _search_answers_forgotten():
    """Each test starts without search answers, airports or airlines kept in memory by an
    earlier one (their rows are gone, but ids and the shared cache's versions may come
    back)."""
    from catalog import references
    from travelguru import results_cache as cache

    cache.clear()
    references.forget()  # airports and airlines kept by id: ids come back after a rollback


@pytest.fixture(autouse=True)
def _no_random_rate_counter_purge(monkeypatch):
    """One new rate counter in 64 also deletes the day-old ones, at random: housekeeping that
    would put a stray DELETE in a test that compares two requests' statements or counts
    queries, once a run in a while. Tests of the purge itself force it."""
    from travelguru import rate_counter

    monkeypatch.setattr(rate_counter, "RATE_COUNTER_PURGE_ONE_IN", 2**62)


@pytest.fixture(autouse=True)
def _answers_match_the_schema(monkeypatch):
    """Every answer a test client gets from a documented operation is checked against the
    OpenAPI schema (tests/contract.py): a hand-built answer that leaves the schema fails the
    test that got it."""
    from django.test.client import Client

    from tests import contract

    request = Client.request

    def checked(self, **kwargs):
        response = request(self, **kwargs)
        contract.check(response.request["REQUEST_METHOD"], response.request["PATH_INFO"], response)
        return response

    monkeypatch.setattr(Client, "request", checked)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def pytest_collection_modifyitems(config, items):
    """`@pytest.mark.mariadb` tests need the real MariaDB; .ci/run runs the suite on both."""
    if connection.vendor == "mysql":
        return
    skip = pytest.mark.skip(reason=MARIADB_MISSING)
    for item in items:
        if "mariadb" in item.keywords:
            item.add_marker(skip)


MARIADB_MISSING = "need MariaDB (DATABASE_URL=mysql://root@127.0.0.1:3306/<db> make test)"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """One line for every test not run here and why (README: "Which tests run where"),
    instead of a line per skipped test."""
    reasons: Counter[str] = Counter()
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reasons[reason.removeprefix("Skipped: ")] += 1
    if reasons:
        counts = "; ".join(f"{n} {reason}" for reason, n in reasons.most_common())
        terminalreporter.write_line(f"Not run here: {counts}.")


# --- shared catalog and traveler fixtures (bookings, reviews) ---


@pytest.fixture
def day():
    return today_anywhere() + timedelta(days=20)


@pytest.fixture
def traveler():
    return UserFactory.create()


@pytest.fixture
def client_of():
    """An API client logged in as `user`."""

    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def room_type(day):
    """A double room in a EUR hotel, 3 rooms a night for 3 nights at 100/110/120."""
    room_type = RoomTypeFactory.create(hotel__currency="EUR", capacity=2)
    for i, price in enumerate(["100.00", "110.00", "120.00"]):
        room_nights(room_type, day + timedelta(days=i), 1, price=Decimal(price), rooms_total=3)
    return room_type


@pytest.fixture
def car(day):
    car = RentalCarFactory.create(office__currency="EUR")
    car_days(car, day, 3, price=Decimal("40.00"), cars_total=2)
    return car


@pytest.fixture
def fare():
    return FlightFareFactory.create(price=Decimal("450.00"), currency="USD", seats_total=4)


# --- a real browser: Debian's Chromium driven by Playwright (e2e journeys, dashboard) ---

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module; a missing browser fails, never skips (`make test`
    installs it). Playwright's sync API runs an asyncio loop in this thread while it is
    started, so it is stopped after the module: later tests' ORM calls must not see a
    running loop (Django would refuse them), and no second Playwright may start inside it.
    """
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: apt-get install -y chromium")
    # While the loop runs, the tests' own ORM calls (and the database flush between
    # transactional tests) are synchronous code in this thread: let Django allow them.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# --- AWS twins: moto's S3 server on loopback, driven by the real boto3 code path ---


@pytest.fixture(scope="session")
def moto_s3_endpoint():
    """One moto server (S3 API) on 127.0.0.1 and a free port, for the whole session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_test_credentials(monkeypatch):
    """Fake credentials, so boto3 never looks for (or uses) a real profile."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture(autouse=True)
def _fresh_suggestion_cache():
    """Autocomplete's in-process cache (search.apis.places) starts empty in every test."""
    from search.apis import places

    places._suggestions.clear()
    yield
    places._suggestions.clear()


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's admin_client, with the second factor every staff session needs."""
    from tests.factories.accounts import log_in_verified

    return log_in_verified(client, admin_user)
