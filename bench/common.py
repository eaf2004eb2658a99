"""What every bench section shares: the database, gunicorn, an open-loop load generator.

Latency figures come from an *open-loop* generator: requests are sent on a fixed schedule
(`rate` per second) whatever the server does, and each one's latency is measured from its
*scheduled* send time, so a stall that delays the following requests counts against all of
them (no coordinated omission). A pool of worker threads, each with its own keep-alive
connection, takes the scheduled requests in order.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var"
RAW = ROOT / "bench" / "results" / "raw"


# The bench is one IP and a few users: the per-IP/per-user limits would answer 429. A
# per-second window keeps the throttle's history (read and written per request) short.
THROTTLES_OFF = {"API_ANON_RATE": "100000/second", "API_USER_RATE": "100000/second"}


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "travelguru.settings.local")
    os.environ["DJANGO_DEBUG"] = "false"  # DEBUG keeps every query in memory
    os.environ.update(THROTTLES_OFF)
    os.environ["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"  # the test client
    import django

    django.setup()


_NO_DIGITS = str.maketrans("0123456789", "ghijklmnop")


def idempotency_key() -> str:
    """A fresh Idempotency-Key without digits: a random hex key sometimes holds a run of
    digits that passes Luhn, and the card-number guard (rightly) refuses the request."""
    import uuid

    return uuid.uuid4().hex.translate(_NO_DIGITS)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of `values`; nan when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
    }


# ---------------------------------------------------------------- database


def is_read(sql: str) -> bool:
    """A statement that reads: a SELECT, or a SELECT behind a WITH clause."""
    words = sql.split(None, 1)
    return bool(words) and words[0].upper() in ("SELECT", "WITH")


def is_mysql(url: str) -> bool:
    return urlparse(url).scheme.startswith("mysql")


def ensure_data(database_url: str, *, scale: int, seed: int, days: int, reload: bool) -> str:
    """Migrate and load demo data unless this database already has the same scale/seed/days.

    The marker file var/bench-data-<name>.json remembers what was loaded; loading scale 10
    takes minutes, so runs reuse it. Returns "loaded" or "reused"."""
    name = urlparse(database_url).path.strip("/").replace("/", "_")
    marker = VAR / f"bench-data-{name}.json"
    wanted = {"scale": scale, "seed": seed, "days": days, "url": database_url}
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_DEBUG": "false"}
    env.setdefault("DJANGO_SETTINGS_MODULE", "travelguru.settings.local")
    py = sys.executable
    run = lambda *args: subprocess.run([py, *args], cwd=ROOT, env=env, check=True)  # noqa: E731
    if not reload and marker.exists() and json.loads(marker.read_text()) == wanted:
        # Same day? the catalog is dated from the load day; a day-old load still has days-1.
        # Reused data still gets the migrations added since it was loaded (a no-op otherwise).
        run("manage.py", "migrate", "--noinput", "-v", "0")
        return "reused"
    VAR.mkdir(exist_ok=True)
    run("scripts/ensure_database.py")
    run("manage.py", "migrate", "--noinput", "-v", "0")
    run("manage.py", "createcachetable")
    run(
        "manage.py", "load_demo_data", "--replace", "--no-progress",
        "--scale", str(scale), "--seed", str(seed), "--days", str(days),
    )  # fmt: skip
    run("manage.py", "sync_search_index")
    marker.write_text(json.dumps(wanted))
    return "loaded"


# ---------------------------------------------------------------- gunicorn


class Gunicorn:
    """gunicorn on loopback with production-like settings (DEBUG off, throttles out of the way)."""

    def __init__(
        self,
        database_url: str,
        port: int,
        *,
        workers: int = 2,
        threads: int = 4,
        env: dict[str, str] | None = None,
        settings_module: str = "travelguru.settings.local",
    ):
        self.port = port
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_DEBUG": "false",
            "DJANGO_SETTINGS_MODULE": settings_module,
            **THROTTLES_OFF,
            **(env or {}),
        }
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "travelguru.wsgi", "--bind",
             f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
             "--log-level", "warning", "--timeout", "60"],
            cwd=ROOT, env=env, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                status, _ = request(port, "GET", "/healthz")
                if status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.close()
        raise SystemExit(f"gunicorn did not answer on port {port}")

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)

    def __enter__(self) -> Gunicorn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def request(
    port: int,
    method: str,
    path: str,
    body: dict | None = None,
    headers: dict[str, str] | None = None,
    conn: http.client.HTTPConnection | None = None,
) -> tuple[int, bytes]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    all_headers = {"Accept": "application/json", **(headers or {})}
    payload = None
    if body is not None:
        payload = json.dumps(body)
        all_headers["Content-Type"] = "application/json"
    conn.request(method, path, body=payload, headers=all_headers)
    response = conn.getresponse()
    data = response.read()
    if own:
        conn.close()
    return response.status, data


# ---------------------------------------------------------------- load generation


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)  # from the scheduled send time
    service_ms: list[float] = field(default_factory=list)  # from the actual send time
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0
    elapsed_s: float = 0.0

    @property
    def ok(self) -> int:
        return sum(n for s, n in self.statuses.items() if 200 <= s < 300)


def open_loop(
    call: Callable[[int, object], int],
    *,
    rate: float,
    duration: float,
    workers: int = 16,
    make_state: Callable[[], object] = lambda: None,
) -> LoadResult:
    """Send `rate` calls per second for `duration` seconds on a fixed schedule.

    `call(i, state)` does the i-th request with this worker's `state` (e.g. its keep-alive
    connection) and returns the HTTP status (or 0 on failure)."""
    total = max(1, int(rate * duration))
    start = time.perf_counter() + 0.05
    schedule: queue.Queue[int | None] = queue.Queue()
    for i in range(total):
        schedule.put(i)
    for _ in range(workers):
        schedule.put(None)
    result = LoadResult()
    lock = threading.Lock()

    def worker() -> None:
        state = make_state()
        while True:
            i = schedule.get()
            if i is None:
                return
            due = start + i / rate
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            sent = time.perf_counter()
            try:
                status = call(i, state)
            except Exception:  # noqa: BLE001 - a failed request is a figure, not a crash
                status = 0
                state = make_state()
            done = time.perf_counter()
            with lock:
                result.latencies_ms.append((done - due) * 1000)
                result.service_ms.append((done - sent) * 1000)
                if status:
                    result.statuses[status] = result.statuses.get(status, 0) + 1
                else:
                    result.errors += 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.elapsed_s = time.perf_counter() - start
    return result


def closed_loop(
    call: Callable[[int, object], bool],
    *,
    clients: int,
    duration: float,
    make_state: Callable[[int], object],
) -> tuple[int, int, list[float], float]:
    """`clients` threads each call back-to-back for `duration` s: (ok, failed, latencies, s)."""
    stop = time.perf_counter() + duration
    lock = threading.Lock()
    ok = failed = 0
    latencies: list[float] = []

    def worker(n: int) -> None:
        nonlocal ok, failed
        state = make_state(n)
        i = 0
        while time.perf_counter() < stop:
            started = time.perf_counter()
            try:
                good = call(i, state)
            except Exception:  # noqa: BLE001
                good = False
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if good:
                    ok += 1
                else:
                    failed += 1
            i += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return ok, failed, latencies, time.perf_counter() - started
