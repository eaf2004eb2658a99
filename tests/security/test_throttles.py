"""Per-IP and per-traveler API throttles: 429 problem with Retry-After, counted in the
database (travelguru.RateCounter) so every Lambda instance sees the same count."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.test import APIRequestFactory
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import User
from tests.factories.accounts import UserFactory
from travelguru.models import RateCounter
from travelguru.security import AnonymousRateThrottle

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(monkeypatch):
    """Production's throttles with small rates (the test settings switch them off)."""
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "3/min", "user": "4/min"},
    )


def test_one_ip_over_its_rate_gets_429_with_retry_after_and_others_do_not(api_client, rates):
    answers = [
        api_client.get("/api/airports?q=par", REMOTE_ADDR="198.51.100.1").status_code
        for _ in range(4)
    ]
    blocked = api_client.get("/api/airports?q=par", REMOTE_ADDR="198.51.100.1")
    other = api_client.get("/api/airports?q=par", REMOTE_ADDR="198.51.100.2")

    assert answers == [200, 200, 200, 429]
    assert blocked.status_code == 429
    assert blocked["Content-Type"] == "application/problem+json"
    assert blocked.json()["code"] == "throttled"
    assert 0 < int(blocked["Retry-After"]) <= 60
    assert other.status_code == 200


def test_a_traveler_over_their_rate_is_throttled_on_every_ip(client_of, rates):
    greedy, patient = UserFactory.create(), UserFactory.create()
    client = client_of(greedy)
    answers = [
        client.get("/api/bookings", REMOTE_ADDR=f"198.51.100.{n}").status_code for n in range(5)
    ]
    neighbour = client_of(patient).get("/api/bookings", REMOTE_ADDR="198.51.100.4")

    assert answers == [200, 200, 200, 200, 429]
    assert neighbour.status_code == 200  # same IP, another traveler


def test_the_default_cache_is_shared_not_per_process():
    backend = settings.CACHES["default"]["BACKEND"]

    assert backend in (
        "django.core.cache.backends.db.DatabaseCache",
        "django.core.cache.backends.redis.RedisCache",
    )
    assert not isinstance(caches["default"], LocMemCache)


def test_a_count_is_kept_in_the_database_not_in_the_throttle_object(rates):
    """Two Lambda instances are two processes with their own throttle objects and cache
    clients; the count one of them writes must stop the other. Fresh throttle instances
    with fresh cache clients stand in (the child-process test below does it for real)."""
    request = APIRequestFactory().get("/api/airports", REMOTE_ADDR="198.51.100.9")
    request.user = None

    def allowed() -> bool:
        throttle = AnonymousRateThrottle()
        throttle.cache = caches.create_connection("default")
        return throttle.allow_request(request, view=None)

    assert [allowed(), allowed(), allowed()] == [True, True, True]
    assert allowed() is False
    assert RateCounter.objects.get(key="throttle_anon_198.51.100.9").hits == 3


_CHILD = r"""
import json, sys, django
django.setup()
from rest_framework.test import APIRequestFactory
from rest_framework.throttling import SimpleRateThrottle
from travelguru.security import AnonymousRateThrottle
SimpleRateThrottle.THROTTLE_RATES = {"anon": "3/min"}
request = APIRequestFactory().get("/api/airports", REMOTE_ADDR=sys.argv[1])
request.user = None
print(json.dumps([AnonymousRateThrottle().allow_request(request, None) for _ in range(3)]))
"""


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
def test_a_count_written_by_another_process_stops_this_one(rates):
    """Two Lambda instances for real: a child process spends an IP's budget through its own
    database connection; this process then refuses that IP."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    from django.db import connection

    db = connection.settings_dict
    url = f"mysql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 3306}/{db['NAME']}"
    ip = f"198.51.100.{os.getpid() % 250}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "travelguru.settings.test", "DATABASE_URL": url}

    child = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _CHILD, ip], cwd=Path(__file__).resolve().parents[2], env=env,
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    request = APIRequestFactory().get("/api/airports", REMOTE_ADDR=ip)
    request.user = None

    assert json.loads(child.stdout.strip().splitlines()[-1]) == [True, True, True]
    assert AnonymousRateThrottle().allow_request(request, view=None) is False


def test_registrations_per_ip_are_throttled_with_retry_after(api_client, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"register": "2/hour"})

    def register(n: int):
        return api_client.post(
            "/api/auth/register",
            {"email": f"new{n}@example.com", "password": "a-long-unusual-passphrase",
             "first_name": "N", "last_name": "N"},
            format="json", REMOTE_ADDR="198.51.100.77",
        )  # fmt: skip

    answers = [register(n) for n in range(3)]

    assert [a.status_code for a in answers] == [202, 202, 429]
    assert 0 < int(answers[2]["Retry-After"]) <= 3600
    assert not User.objects.filter(email="new2@example.com").exists()


def test_stripes_webhook_is_not_throttled_per_ip(api_client, rates, settings):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test_secret"

    answers = [
        api_client.generic(
            "POST", "/api/payments/stripe/webhook", b"{}", content_type="application/json",
            HTTP_STRIPE_SIGNATURE="t=1,v1=00", REMOTE_ADDR="198.51.100.99",
        ).status_code
        for _ in range(5)
    ]  # fmt: skip

    assert answers == [400] * 5  # refused by signature every time, never 429
