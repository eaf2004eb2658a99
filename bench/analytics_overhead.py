"""What recording analytics events costs a search request: figures, not a pass/fail test.

The same hotel and car searches run, with recording on and off (ANALYTICS_RECORDING),
interleaved request by request so that both modes see the same caches and machine load:

1. through Django's test client, which closes the response inside the call, so the event's
   INSERT is counted in full (what a Lambda invocation pays: Zappa closes the response
   before returning it);
2. through two gunicorn servers on loopback (BENCH_PORT: on, BENCH_PORT+1: off), timed by
   an HTTP client until the body has arrived (what a traveler waits for when the INSERT
   runs after the body was sent).

Prints medians, means and p95 per mode, their difference, and the INSERT measured alone.

    make bench-analytics                          # SQLite file var/bench-analytics.sqlite3
    make bench-analytics BENCH_DATABASE_URL=mysql://root@127.0.0.1:3306/tg_bench BENCH_PORT=18501
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "travelguru.settings.local")
os.environ["DJANGO_DEBUG"] = "false"  # DEBUG keeps every query in memory: not production-like

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

N = int(os.environ.get("BENCH_N", "200"))
PORT = int(os.environ.get("BENCH_PORT", "8701"))
CITY = "Benchville"


def catalog() -> tuple[dict, dict]:
    """A city with 40 hotels and an airport with a car of every class (made once per database)."""
    from django.db import transaction

    from catalog.models import City
    from search.apis.common import today_anywhere
    from search.services.indexing import sync_index

    day = today_anywhere() + timedelta(days=30)
    if not City.objects.filter(name=CITY).exists():
        with transaction.atomic():
            _create(day)
        sync_index(full=True)
    hotel = {"city": CITY, "check_in": day, "check_out": day + timedelta(days=3), "guests": 2}
    car = {"location": "BNQ", "pick_up": day, "drop_off": day + timedelta(days=3)}
    return hotel, car


def _create(day) -> None:
    from catalog.models import CarClass, Transmission
    from tests.factories.catalog import (
        AirportFactory,
        CityFactory,
        HotelFactory,
        RentalCarFactory,
        RentalOfficeFactory,
        RoomTypeFactory,
        car_days,
        room_nights,
    )

    city = CityFactory(name=CITY, geonameid=8_999_001)
    airport = AirportFactory(iata="BNQ", city=city)
    for _ in range(40):
        hotel = HotelFactory(city=city, currency="EUR")
        for _ in range(2):
            room_nights(RoomTypeFactory(hotel=hotel), day, 5)
    office = RentalOfficeFactory(airport=airport, currency="EUR")
    for car_class in CarClass.values:
        for transmission in Transmission.values:
            car = RentalCarFactory(office=office, car_class=car_class, transmission=transmission)
            car_days(car, day, 5)


def timed(client: Client, path: str, params: dict, recording: bool) -> float:
    with override_settings(ANALYTICS_RECORDING=recording):
        started = time.perf_counter()
        response = client.get(path, params, HTTP_X_SESSION_ID="bench-session-0001")
        elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}: {response.content[:300]!r}")
    return elapsed


def summary(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[max(0, int(len(values) * 0.95) - 1)]
    return (
        f"median {statistics.median(values):7.2f} ms  mean {statistics.fmean(values):7.2f} ms"
        f"  p95 {p95:7.2f} ms"
    )


def insert_alone(repeat: int = 300) -> float:
    """Median ms of the recording service alone (build the row + its one INSERT)."""
    from analytics.services import event_search_record

    params = {"city": CITY, "check_in": "2026-12-01", "check_out": "2026-12-04", "guests": "2"}
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        event_search_record(
            session_id="bench-session-0001", product="hotel", params=params, results_count=40,
            latency_ms=12.5, now=timezone.now(),
        )  # fmt: skip
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _serve(port: int, recording: bool):
    import subprocess

    env = {**os.environ, "ANALYTICS_RECORDING": "true" if recording else "false"}
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "travelguru.wsgi", "--bind",
         f"127.0.0.1:{port}", "--workers", "1", "--threads", "1", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip


def _get(port: int, path: str, params: dict) -> float:
    import http.client
    from urllib.parse import urlencode

    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", f"{path}?{urlencode(params)}", headers={"X-Session-Id": "bench-gunicorn-1"})
    response = conn.getresponse()
    response.read()
    elapsed = (time.perf_counter() - started) * 1000
    conn.close()
    if response.status != 200:
        raise SystemExit(f"gunicorn on {port} answered {response.status} for {path}")
    return elapsed


def _wait_ready(port: int) -> None:
    import socket

    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"gunicorn did not start on port {port}")


def gunicorn_section(endpoints) -> None:
    from analytics.models import Event

    servers = {True: _serve(PORT, True), False: _serve(PORT + 1, False)}
    try:
        for port in (PORT, PORT + 1):
            _wait_ready(port)
        print(f"\n--- gunicorn (1 sync worker each) on 127.0.0.1:{PORT} (on) and :{PORT + 1} (off)")
        for name, path, params in endpoints:
            for _ in range(20):
                _get(PORT, path, params)
                _get(PORT + 1, path, params)
            before = Event.objects.count()
            on: list[float] = []
            off: list[float] = []
            for i in range(N):
                for recording in (True, False) if i % 2 else (False, True):
                    port = PORT if recording else PORT + 1
                    (on if recording else off).append(_get(port, path, params))
            time.sleep(0.5)  # let the last close() write its event
            recorded = Event.objects.count() - before
            diff = statistics.median(on) - statistics.median(off)
            print(f"\n{name} via gunicorn ({recorded} events recorded by the 'with' server)")
            print(f"  with recording     {summary(on)}")
            print(f"  without recording  {summary(off)}")
            share = 100 * diff / statistics.median(off)
            print(f"  overhead (median)  {diff:+7.2f} ms per search ({share:+.1f}%)")
    finally:
        for server in servers.values():
            server.terminate()
            server.wait(timeout=10)


def main() -> None:
    from analytics.models import Event

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    hotel, car = catalog()
    client = Client(HTTP_HOST="localhost")
    endpoints = (
        ("hotel search", "/api/hotels/search", hotel),
        ("car search", "/api/cars/search", car),
    )
    print(f"database: {connection.vendor}, {N} requests per mode and endpoint (interleaved)")
    print("--- Django test client (the INSERT is inside the timed call)")
    for name, path, params in endpoints:
        for _ in range(20):  # warm up both paths
            timed(client, path, params, True)
            timed(client, path, params, False)
        before = Event.objects.count()
        on: list[float] = []
        off: list[float] = []
        for i in range(N):
            order = (True, False) if i % 2 else (False, True)
            for recording in order:
                (on if recording else off).append(timed(client, path, params, recording))
        recorded = Event.objects.count() - before
        diff = statistics.median(on) - statistics.median(off)
        print(f"\n{name} ({recorded} events recorded during the 'with' runs)")
        print(f"  with recording     {summary(on)}")
        print(f"  without recording  {summary(off)}")
        share = 100 * diff / statistics.median(off)
        print(f"  overhead (median)  {diff:+7.2f} ms per search ({share:+.1f}%)")
    gunicorn_section(endpoints)
    alone = insert_alone()
    print(f"\nrecording service alone (row + one INSERT, autocommit): {alone:.3f} ms median")


if __name__ == "__main__":
    main()
