"""`make surge`: locust ramps searching and booking travelers from 1 to SURGE_USERS against
gunicorn + MariaDB on this machine, then checks the books (issue 9.7). Figures, not a test.

1. a fresh MariaDB database (SURGE_DB_NAME) with `load_demo_data --days 30` and its index;
2. SURGE_USERS travelers with ready JWTs (logging in is not what is measured), and the
   cities, routes and airports to ask for;
3. gunicorn (2 workers per CPU, 4 threads each) on 127.0.0.1:SURGE_PORT;
4. locust headless, ramping SURGE_SPAWN_RATE users/s to SURGE_USERS, for SURGE_RUN_TIME;
5. bench/surge/check.py on the database: no oversold or lost unit, one charge per booking;
6. bench/results/surge-<date>.md and .csv: throughput, p50/p95/p99, errors per endpoint.
Exits non-zero only if the books are wrong (or nothing ran), never because of timings.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
PORT = int(os.environ.get("SURGE_PORT", "18720"))
DB = os.environ.get("SURGE_DB_NAME", "tg_surge")
USERS = int(os.environ.get("SURGE_USERS", "200"))
SPAWN_RATE = float(os.environ.get("SURGE_SPAWN_RATE", "2"))
RUN_TIME = os.environ.get("SURGE_RUN_TIME", "130s")
DAYS = os.environ.get("SURGE_DEMO_DAYS", "30")
LOCUST = Path(os.environ.get("LOCUST", ROOT / "var/locust-venv/bin/locust"))
SURGE_DIR = ROOT / "var/surge"
RESULTS = ROOT / "bench/results"
CPUS = os.cpu_count() or 1
WORKERS = 2 * CPUS
THREADS = 4
# Longer than any traveler's think time (3 s): with gunicorn's default of 2 s the server
# closes idle connections just as clients reuse them (RemoteDisconnected, status 0), a
# measuring artefact. Behind a load balancer the rule is the same: server idle > client's.
KEEP_ALIVE = 10

ENV = {
    **os.environ,
    "DATABASE_URL": f"mysql://root@127.0.0.1:3306/{DB}",
    "DJANGO_SETTINGS_MODULE": "travelguru.settings.local",
    "DJANGO_DEBUG": "false",
    "JWT_ACCESS_MINUTES": "120",
    # Booking travelers each get their own account; a few hold again after a sold-out.
    "MAX_ACTIVE_HOLDS": os.environ.get("MAX_ACTIVE_HOLDS", "5"),
    # 200 travelers share 127.0.0.1: per-IP throttles (where present) would measure
    # themselves, not the app. On AWS the clients are many addresses.
    "API_ANON_RATE": "1000000/minute",
    "API_USER_RATE": "1000000/minute",
}
PY = sys.executable


def manage(*args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=ENV, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip


def prepare() -> None:
    subprocess.run(
        ["mysql", "-h", "127.0.0.1", "-u", "root", "-e", f"DROP DATABASE IF EXISTS `{DB}`"],
        check=True,
    )
    subprocess.run([PY, "scripts/ensure_database.py"], cwd=ROOT, env=ENV, check=True)
    manage("migrate", "--noinput", "-v", "0")
    manage("createcachetable")
    manage("load_demo_data", "--days", DAYS, "--no-progress")
    manage("sync_search_index")


def django_setup() -> None:
    os.environ.update({k: ENV[k] for k in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE",
                                           "DJANGO_DEBUG", "JWT_ACCESS_MINUTES")})  # fmt: skip
    import django

    django.setup()


def travelers_and_catalog() -> None:
    from django.db.models import Count
    from django.utils import timezone

    from accounts.models import User
    from accounts.tokens import session_start
    from catalog.models import FlightLeg, Hotel, RentalOffice
    from search.apis.common import today_anywhere

    users = [
        User(username=f"surge{i}", email=f"surge{i}@travelguru.example",
             first_name="Surge", last_name=f"Traveler{i}", email_verified_at=timezone.now())
        for i in range(USERS)
    ]  # fmt: skip
    for user in users:
        user.set_unusable_password()
    User.objects.bulk_create(users)
    users = list(User.objects.filter(username__startswith="surge").order_by("pk"))
    tokens = [session_start(user=u, now=timezone.now()).access for u in users]
    cities = list(
        Hotel.objects.values("city_id").annotate(hotels=Count("id")).order_by("hotels", "city_id")
    )
    routes = sorted(
        set(FlightLeg.objects.values_list("origin__iata", "destination__iata").distinct()[:200])
    )
    catalog = {
        "today": today_anywhere().isoformat(),
        "cities": [str(c["city_id"]) for c in cities],
        # The cities with the fewest hotels: booking travelers fight over their rooms.
        "busy_cities": [str(c["city_id"]) for c in cities[:3]],
        "routes": routes,
        "car_airports": sorted(set(RentalOffice.objects.values_list("airport__iata", flat=True))),
    }
    SURGE_DIR.mkdir(parents=True, exist_ok=True)
    (SURGE_DIR / "tokens.json").write_text(json.dumps(tokens))
    (SURGE_DIR / "catalog.json").write_text(json.dumps(catalog, indent=1))


def serve() -> subprocess.Popen:
    log = (SURGE_DIR / "gunicorn.log").open("wb")
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "travelguru.wsgi", "--bind", f"127.0.0.1:{PORT}",
         "--workers", str(WORKERS), "--threads", str(THREADS), "--timeout", "30",
         "--backlog", "512", "--keep-alive", str(KEEP_ALIVE)],
        cwd=ROOT, env=ENV, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    for _ in range(120):
        try:
            if requests.get(f"http://127.0.0.1:{PORT}/healthz", timeout=2).ok:
                return proc
        except requests.RequestException:  # not listening yet, or busy booting workers
            pass
        time.sleep(0.5)
    proc.terminate()
    proc.wait(timeout=30)
    raise SystemExit("gunicorn did not start; see var/surge/gunicorn.log")


def swarm() -> None:
    subprocess.run(
        [str(LOCUST), "-f", str(ROOT / "bench/surge/locustfile.py"), "--headless",
         "-H", f"http://127.0.0.1:{PORT}", "-u", str(USERS), "-r", str(SPAWN_RATE),
         "-t", RUN_TIME, "--stop-timeout", "10", "--csv", str(SURGE_DIR / "locust"),
         "--only-summary", "--loglevel", "WARNING"],
        cwd=ROOT, env={**os.environ, "SURGE_DIR": str(SURGE_DIR)}, check=False,
    )  # fmt: skip


def report(started: datetime, baseline: dict, inventory: list[str], payments: list[str]) -> Path:
    from django.db.models import Count

    from bookings.models import Booking, Hold, SandboxCharge

    stats = list(csv.DictReader((SURGE_DIR / "locust_stats.csv").open()))
    outcomes = json.loads((SURGE_DIR / "outcomes.json").read_text())
    statuses: dict[str, dict[int, int]] = {}
    for row in outcomes:
        statuses.setdefault(row["endpoint"], {})[row["status"]] = row["count"]
    stamp = started.strftime("%Y-%m-%d-%H%M")
    RESULTS.mkdir(exist_ok=True)
    columns = ["endpoint", "requests", "errors", "req_per_s", "p50_ms", "p95_ms", "p99_ms",
               "max_ms", "statuses"]  # fmt: skip
    rows = []
    for s in stats:
        codes = sorted(statuses.get(s["Name"], {}).items())
        name = "TOTAL" if s["Name"] == "Aggregated" else f"{s['Type']} {s['Name']}"
        rows.append({
            "endpoint": name, "requests": s["Request Count"], "errors": s["Failure Count"],
            "req_per_s": f"{float(s['Requests/s']):.1f}", "p50_ms": s["50%"],
            "p95_ms": s["95%"], "p99_ms": s["99%"],
            "max_ms": f"{float(s['Max Response Time']):.0f}",
            "statuses": " ".join(f"{k}:{v}" for k, v in codes),
        })  # fmt: skip
    with (RESULTS / f"surge-{stamp}.csv").open("w", newline="") as out:
        writer = csv.DictWriter(out, columns)
        writer.writeheader()
        writer.writerows(rows)
    holds = dict(Hold.objects.values_list("status").annotate(n=Count("id")))
    lines = [
        f"# Surge {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"locust {RUN_TIME}, 1 -> {USERS} users at {SPAWN_RATE}/s (3 searching : 1 booking), "
        f"loopback; gunicorn {WORKERS} workers x {THREADS} threads (keep-alive {KEEP_ALIVE} s) "
        f"on {CPUS} CPUs "
        f"(shared machine), MariaDB, `load_demo_data --days {DAYS}`, sandbox payments.",
        "Errors = 5xx, timeouts and unexpected answers; 409 (sold out / price changed), "
        "402 and 429 (too many holds) on holds/bookings are the business saying no.",
        "",
        "| endpoint | requests | errors | req/s | p50 ms | p95 ms | p99 ms | max ms | statuses |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
        *(f"| {r['endpoint']} | {r['requests']} | {r['errors']} | {r['req_per_s']} | "
          f"{r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {r['max_ms']} | {r['statuses']} |"
          for r in rows),
        "",
        "## The books afterwards (bench/surge/check.py)",
        "",
        f"- bookings confirmed in this run: "
        f"{Booking.objects.filter(created_at__gte=started).count()}; on this database since "
        f"its demo load (earlier runs included): "
        f"{SandboxCharge.objects.filter(succeeded=True).count()} sandbox charges, "
        f"holds by status {holds}",
        f"- inventory (available >= 0; available + held + booked = available before the "
        f"run, for each of {len(baseline)} fares, room nights and car days): "
        f"{'OK' if not inventory else f'{len(inventory)} VIOLATIONS'}",
        f"- payments (one succeeded charge per confirmed booking and currency, none orphan, "
        f"none pending): {'OK' if not payments else f'{len(payments)} VIOLATIONS'}",
        *(f"  - {p}" for p in (inventory + payments)[:50]),
        "",
    ]  # fmt: skip
    path = RESULTS / f"surge-{stamp}.md"
    path.write_text("\n".join(lines))
    return path


def main() -> int:
    if not LOCUST.exists():
        raise SystemExit(f"{LOCUST} missing: `make surge` installs it")
    started = datetime.now(UTC)
    prepare()
    django_setup()
    travelers_and_catalog()
    from bench.surge.check import inventory_snapshot, inventory_violations, payment_violations

    baseline = inventory_snapshot()
    server = serve()
    try:
        swarm()
    finally:
        server.terminate()
        server.wait(timeout=30)
    inventory = inventory_violations(baseline)
    payments = payment_violations(since=started)
    path = report(started, baseline, inventory, payments)
    print(path.read_text())
    return 1 if inventory or payments else 0


if __name__ == "__main__":
    sys.exit(main())
