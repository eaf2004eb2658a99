"""Search latency through gunicorn next to the same SQL run raw (the floor).

Each endpoint's queries are picked from the loaded catalog (`pick_queries`). The floor is
derived once per query: the request runs in-process under CaptureQueriesContext, the
SELECTs it sent are kept (writes, i.e. the analytics event INSERT and savepoints, are left
out), and the floor replays exactly those statements through a raw DB-API cursor, one
request's worth per scheduled arrival. HTTP and floor run at the same open-loop arrival
rate, interleaved in rounds (HTTP, floor, HTTP, floor ...), so both see the same machine.
"""

from __future__ import annotations

import http.client
import random
from datetime import timedelta
from urllib.parse import urlencode

from bench.common import Gunicorn, is_read, open_loop, summary

# name -> list of (path, params); the request i uses variant i % len
Queries = dict[str, list[tuple[str, dict]]]


MULTI_CITY = "flights, multi-city (3 slices)"
FLIGHT_CALENDAR = "flights, price calendar (7 days)"
HOTEL_CALENDAR = "hotels, price calendar (a month)"


def pick_queries(only: tuple[str, ...] = ()) -> Queries:
    """Realistic searches over the loaded catalog (needs django set up); with `only`, the
    rows whose name holds one of those words (`--search-rows flights`)."""
    from django.db.models import Count
    from django.test import Client

    from catalog.models import Airport, City, RentalOffice
    from search.apis.common import today_anywhere

    day = today_anywhere() + timedelta(days=10)
    client = Client()
    cities = list(City.objects.annotate(n=Count("hotels")).filter(n__gt=0).order_by("-n")[:5])
    hotels = [
        ("/api/hotels/search", {
            "city": c.name, "check_in": str(day), "check_out": str(day + timedelta(days=2)),
            "guests": 2, "min_stars": 3, "sort": "price",
        })
        for c in cities
    ]  # fmt: skip
    airports = list(Airport.objects.order_by("id").values_list("iata", flat=True)[:30])
    flights: list[tuple[str, dict]] = []
    rng = random.Random(7)
    pairs = [(a, b) for a in airports for b in airports if a != b]
    rng.shuffle(pairs)
    for origin, destination in pairs[:200]:
        params = {"origin": origin, "destination": destination, "date": str(day), "max_stops": 1}
        response = client.get("/api/flights/search", params)
        if response.status_code != 200:
            continue
        results = response.json().get("results", [])
        if any(r["outbound"]["stops"] >= 1 for r in results):
            flights.append(("/api/flights/search", params))
        if len(flights) >= 5:
            break
    office_airports = list(
        RentalOffice.objects.exclude(airport=None)
        .values_list("airport__iata", flat=True)
        .distinct()[:5]
    )
    cars = [
        ("/api/cars/search", {
            "location": iata, "pick_up": str(day), "drop_off": str(day + timedelta(days=3)),
        })
        for iata in office_airports
    ]  # fmt: skip
    autocomplete = [
        ("/api/cities", {"q": q}) for q in ("par", "lon", "new", "ber", "tok", "san")
    ] + [("/api/airports", {"q": q}) for q in ("lo", "ams", "fra", "ma")]
    # Three slices over routes the one-way row found: there, back three days later, and
    # there again three days after that (each slice a whole one-way search).
    multi_city: list[tuple[str, dict]] = []
    for _, params in flights:
        there = f"{params['origin']},{params['destination']}"
        back = f"{params['destination']},{params['origin']}"
        days = (day, day + timedelta(days=3), day + timedelta(days=6))
        trip: dict[str, list[str] | int] = {
            "slices": [f"{route},{d}" for route, d in zip((there, back, there), days, strict=True)],
            "max_stops": 1,
        }
        if client.get("/api/flights/multi-city", trip).json().get("count"):
            multi_city.append(("/api/flights/multi-city", trip))
    flight_calendars = [
        ("/api/flights/calendar", {k: params[k] for k in ("origin", "destination", "date")})
        for _, params in flights
    ]
    hotel_calendars = [
        (
            "/api/hotels/calendar",
            {k: params[k] for k in ("city", "check_in", "check_out", "guests")},
        )  # fmt: skip
        for _, params in hotels
    ]
    queries: Queries = {
        "hotels (filters)": hotels,
        "flights (connections)": flights,
        MULTI_CITY: multi_city,
        FLIGHT_CALENDAR: flight_calendars,
        HOTEL_CALENDAR: hotel_calendars,
        "cars": cars,
        "autocomplete": autocomplete,
    }
    if hotels:
        queries["hotels, same query repeated (cached)"] = hotels[:1]
    return {
        name: variants
        for name, variants in queries.items()
        if variants and (not only or any(word in name for word in only))
    }


def is_cached(name: str) -> bool:
    """Rows measured with the search answer cache on: the repeated search (its point) and
    autocomplete (a few prefixes typed by everyone; it was measured with the
    suggestion cache warm before too). The other rows measure the search itself."""
    return "cached" in name or name == "autocomplete"


def forget_answers() -> None:
    """Forget the search answers this process cached (travelguru.results_cache), if any."""
    try:
        from travelguru import results_cache as cache
    except ImportError:  # code from before the cache (a baseline)
        return
    cache.clear()


def capture_sql(variants: list[tuple[str, dict]], *, cached: bool) -> list[list[str]]:
    """The SELECT statements each variant's request sends, as run (parameters inlined):
    those of a search answered from the cache when `cached`, else of the search itself."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    captured = []
    for path, params in variants:
        client.get(path, params)  # warm: lazily loaded state does not count
        if not cached:
            forget_answers()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path, params)
        if response.status_code != 200:
            raise SystemExit(f"{path} {params} answered {response.status_code}")
        captured.append([q["sql"] for q in ctx.captured_queries if is_read(q["sql"])])
    return captured


def _http_call(port: int, variants: list[tuple[str, dict]]):
    def call(i: int, conn: object) -> int:
        if not isinstance(conn, http.client.HTTPConnection):
            raise TypeError(conn)
        path, params = variants[i % len(variants)]
        # doseq: a repeated parameter (multi-city slices) is sent as the API reads it.
        query = urlencode(params, doseq=True)
        conn.request("GET", f"{path}?{query}", headers={"Accept": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status

    return call


def _floor_call(statements: list[list[str]]):
    from django.db import connection

    def call(i: int, _state: object) -> int:
        with connection.cursor() as cursor:
            for sql in statements[i % len(statements)]:
                cursor.execute(sql)
                cursor.fetchall()
        return 200

    return call


def run(
    database_url: str,
    port: int,
    *,
    rate: float,
    duration: float,
    rounds: int,
    only: tuple[str, ...] = (),
) -> dict[str, dict]:
    from django.db import connections

    queries = pick_queries(only)
    floors = {
        name: capture_sql(variants, cached=is_cached(name)) for name, variants in queries.items()
    }
    connections.close_all()
    out: dict[str, dict] = {}
    # The uncached rows measure the search itself: their gunicorn keeps no answers.
    with (
        Gunicorn(database_url, port, settings_module="bench.settings_uncached") as uncached,
        Gunicorn(database_url, port + 1) as cached,
    ):
        # warm-up: every variant a few times (imports, caches, DB buffer pool)
        all_variants = [v for vs in queries.values() for v in vs]
        for server in (uncached, cached):
            warm = _http_call(server.port, all_variants)
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            for i in range(3 * len(all_variants)):
                warm(i, conn)
        # Rounds interleaved across the rows (every row's first round, then every row's
        # second...): rows compared with each other (multi-city against one way) meet the
        # same moments of a shared machine's load, not one row the calm and the next a burst.
        http_lat: dict[str, list[float]] = {name: [] for name in queries}
        floor_lat: dict[str, list[float]] = {name: [] for name in queries}
        statuses: dict[str, dict[int, int]] = {name: {} for name in queries}
        for _ in range(rounds):
            for name, variants in queries.items():
                server = cached if is_cached(name) else uncached
                make_conn = lambda s=server: http.client.HTTPConnection(  # noqa: E731
                    "127.0.0.1", s.port, timeout=30
                )
                result = open_loop(
                    _http_call(server.port, variants), rate=rate, duration=duration,
                    workers=8, make_state=make_conn,
                )  # fmt: skip
                http_lat[name] += result.latencies_ms
                counted = statuses[name]
                for s, n in result.statuses.items():
                    counted[s] = counted.get(s, 0) + n
                counted[0] = counted.get(0, 0) + result.errors
                floor = open_loop(
                    _floor_call(floors[name]), rate=rate, duration=duration, workers=8
                )
                floor_lat[name] += floor.latencies_ms
                connections.close_all()
        for name, variants in queries.items():
            out[name] = {
                "http": summary(http_lat[name]),
                "floor": summary(floor_lat[name]),
                "statuses": statuses[name],
                "queries_per_request": [len(s) for s in floors[name]],
                "example": variants[0],
                "rate": rate,
            }
    return out
