"""What every API request pays whatever the endpoint: statements and CPU per request.

Small endpoints (config, autocomplete, two authenticated reads) through Django's test client
in this process, in two modes interleaved round by round so both see the same machine load:

- `now`: the throttles as configured (travelguru.security.CountedRateThrottle: one UPDATE
  of accounts.RateCounter per allowed request);
- `drf-cache`: the same throttle classes running DRF's own SimpleRateThrottle logic, which
  keeps each client's request history in the Django cache (the database cache by default):
  the throttling before decision 53, as the baseline.

The throttle rates are the bench's (100000/second, bench/common.py): nobody is refused and
DRF's history holds the last second's requests. CPU is time.process_time() of this process
(the client, Django and the database driver; not the database server). Queries are counted
with CaptureQueriesContext on one request per mode and endpoint.

    DATABASE_URL=mysql://root@127.0.0.1:3306/tgo_bench .venv/bin/python bench/request_overhead.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import setup_django  # noqa: E402

N = int(os.environ.get("BENCH_N", "100"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def main() -> None:
    setup_django(os.environ.get("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"))
    from django.core.management import call_command
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework.throttling import SimpleRateThrottle

    from accounts.models import User
    from accounts.tokens import session_start
    from travelguru.security import CountedRateThrottle

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    request_started.disconnect(reset_queries)  # keep the log of the one counted request
    user, _ = User.objects.get_or_create(
        username="bench-overhead", defaults={"email": "bench-overhead@example.com"}
    )
    access = session_start(user=user, now=timezone.now()).access
    auth = {"HTTP_AUTHORIZATION": f"Bearer {access}"}
    cases = [
        ("GET /api/config", "/api/config", {}),
        ("GET /api/airports?q=lon", "/api/airports?q=lon", {}),
        ("GET /api/me (Bearer)", "/api/me", auth),
        ("GET /api/bookings (Bearer)", "/api/bookings", auth),
    ]
    ours = (CountedRateThrottle.allow_request, CountedRateThrottle.wait)
    drf = (SimpleRateThrottle.allow_request, SimpleRateThrottle.wait)

    def mode(name: str) -> None:
        allow, wait = ours if name == "now" else drf
        CountedRateThrottle.allow_request, CountedRateThrottle.wait = allow, wait  # type: ignore[method-assign]

    client = Client()
    modes = ("drf-cache", "now")
    cpu: dict[tuple[str, str], list[float]] = {}
    wall: dict[tuple[str, str], list[float]] = {}
    queries: dict[tuple[str, str], int] = {}
    for label, url, extra in cases:
        for name in modes:
            mode(name)
            for _ in range(20):  # warm: connections, caches, the throttle's row or history
                status = client.get(url, **extra).status_code
                if status != 200:
                    raise SystemExit(f"{label} ({name}) answered {status}")
            with CaptureQueriesContext(connection) as captured:
                client.get(url, **extra)
            queries[label, name] = len(captured.captured_queries)
    for _ in range(ROUNDS):
        for label, url, extra in cases:
            for name in modes:
                mode(name)
                started_cpu, started = time.process_time(), time.perf_counter()
                for _ in range(N):
                    client.get(url, **extra)
                cpu.setdefault((label, name), []).append((time.process_time() - started_cpu) / N)
                wall.setdefault((label, name), []).append((time.perf_counter() - started) / N)
    mode("now")

    print(f"{connection.vendor}, {ROUNDS} rounds x {N} requests per endpoint and mode (medians)")
    print(f"{'endpoint':28s} {'mode':10s} {'queries':>7s} {'cpu ms':>7s} {'wall ms':>8s}")
    for label, _, _ in cases:
        for name in modes:
            key = (label, name)
            cpu_ms, wall_ms = (
                statistics.median(cpu[key]) * 1000,
                statistics.median(wall[key]) * 1000,
            )
            print(f"{label:28s} {name:10s} {queries[key]:7d} {cpu_ms:7.2f} {wall_ms:8.2f}")


if __name__ == "__main__":
    main()
