"""CPU time and statements of one booking POST, in-process: what 200 POSTs/s must afford.

POST /api/bookings goes through Django's test client in this process: the whole middleware
stack, JWT authentication (Bearer), the throttle, DRF parsing and rendering, the
idempotency record, booking_create with the sandbox provider, and the analytics INSERT
(the test client closes the response as a WSGI server does, which runs it). Each POST books
its own hotel hold (one room, one night), made just before with hold_create and not timed,
with its own Idempotency-Key.

CPU is `time.process_time()` of this process around the POST: Django, DRF and the database
driver, not the database server (shown instead: the statements and their summed wall time,
from CaptureQueriesContext on separate POSTs, which the CPU runs do not pay for, and on
MariaDB the round trips, SET autocommit included, from the session's `Questions`; and
when the server runs on this machine, its process's CPU during the POSTs, per POST, which
counts whatever else it serves meanwhile). Figures
are the minimum and median over `--posts` POSTs after a warm-up.

    DATABASE_URL=mysql://root@127.0.0.1:3306/tg_x .venv/bin/python bench/booking_post_cpu.py
    ... bench/booking_post_cpu.py --profile 200   # cProfile of 200 POSTs, top functions

Instructions per POST, which the machine's load does not move (`--callgrind N`: N POSTs,
each inside `sys.call_tracing`, the only code valgrind counts; divide its total by N):

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect=sys_call_tracing \
        --callgrind-out-file=/tmp/post.out .venv/bin/python bench/booking_post_cpu.py \
        --send lambda-task --callgrind 20
    grep totals: /tmp/post.out   # / 20

The database needs the demo catalog (`manage.py load_demo_data --scale 1 --days 5` is
plenty): the bench raises the counts of the room nights it books so nothing sells out.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, THROTTLES_OFF, idempotency_key, setup_django  # noqa: E402

USERNAME = "bench-post-cpu"
NIGHTS = 50
TRAVELERS = [{"type": "adult", "first_name": "Bench", "last_name": "Traveler"}]


class Booker:
    """Holds made beforehand and a client that books them."""

    def __init__(self) -> None:
        from django.contrib.auth import get_user_model
        from django.test import Client
        from django.utils import timezone

        from accounts.tokens import session_start
        from bench.booking_throughput import offers_for
        from catalog.models import RoomNight
        from search.apis.common import today_anywhere

        user, _ = get_user_model().objects.get_or_create(
            username=USERNAME,
            defaults={
                "email": f"{USERNAME}@bench.travelguru.example",
                "email_verified_at": timezone.now(),  # only verified travelers book
            },
        )
        self.user = user
        day = today_anywhere() + timedelta(days=2)
        nights = list(RoomNight.objects.filter(date=day).order_by("id")[:NIGHTS])
        if not nights:
            raise SystemExit(f"no room nights on {day}: load the demo data first")
        RoomNight.objects.filter(pk__in=[n.pk for n in nights]).update(
            rooms_total=30_000, rooms_available=30_000
        )
        self.offers = offers_for(nights)
        access = session_start(user=user, now=timezone.now()).access
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {access}")
        self.n = 0

    def hold(self) -> str:
        from django.utils import timezone

        from bookings.services.holds import hold_create

        self.n += 1
        offer = self.offers[self.n % len(self.offers)]
        return str(hold_create(user=self.user, offers=[offer], now=timezone.now()).pk)

    def post(self, hold_id: str):
        return self.client.post(
            "/api/bookings",
            json.dumps({"hold_id": hold_id, "travelers": TRAVELERS, "payment_token": "tok_visa"}),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=idempotency_key(),
        )

    def booked(self, response) -> None:
        if response.status_code != 201:
            raise SystemExit(f"booking POST answered {response.status_code}: {response.content!r}")


def run(*, posts: int = 200, warm: int = 20) -> dict:
    """{cpu_ms_min, cpu_ms_median, wall_ms_median, statements, db_ms_median, n}."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    booker = Booker()
    for _ in range(warm):
        booker.booked(booker.post(booker.hold()))
    cpu: list[float] = []
    wall: list[float] = []
    server = _server_pid() if connection.vendor == "mysql" else None
    server_cpu = 0.0
    for _ in range(posts):
        hold_id = booker.hold()
        server_before = _cpu_of(server)
        started_cpu, started = time.process_time(), time.perf_counter()
        response = booker.post(hold_id)
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
        server_cpu += _cpu_of(server) - server_before
        booker.booked(response)
    counts: list[int] = []
    trips: list[int] = []
    db_ms: list[float] = []
    statements: list[str] = []
    spent = [0.0]

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[0] += time.perf_counter() - started

    for _ in range(max(9, posts // 20)):
        hold_id = booker.hold()
        spent[0] = 0.0
        before = _questions()
        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timed):
            booker.booked(booker.post(hold_id))
        if before is not None:
            trips.append(_questions() - before - _QUESTIONS_SELF[0])
        counts.append(len(captured.captured_queries))
        db_ms.append(spent[0] * 1000)
        statements = [q["sql"] for q in captured.captured_queries]
    return {
        "database": connection.vendor,
        "n": posts,
        "cpu_ms_min": min(cpu),
        "cpu_ms_median": statistics.median(cpu),
        "wall_ms_median": statistics.median(wall),
        "statements": statistics.median_low(counts),
        "round_trips": statistics.median_low(trips) if trips else None,
        "db_ms_median": statistics.median(db_ms),
        "server_cpu_ms_mean": server_cpu * 1000 / posts if server else None,
        "statement_list": statements,
    }


def _server_pid() -> int | None:
    """The local MariaDB/MySQL server's process id, if this machine runs it."""
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and (proc / "comm").read_text().strip() in (
                "mariadbd", "mysqld",
            ):  # fmt: skip
                return int(proc.name)
        except OSError:
            continue
    return None


def _cpu_of(pid: int | None) -> float:
    """User + system CPU seconds of process `pid` so far (0 without one)."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


_QUESTIONS_SELF = [0]  # what reading the counter adds to it (measured once)


def _questions() -> int | None:
    """MariaDB's count of this session's statements (every round trip: SET autocommit and
    COMMIT included), or None on another database."""
    from django.db import connection

    if connection.vendor != "mysql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SHOW SESSION STATUS LIKE 'Questions'")
        value = int(cursor.fetchone()[1])
    if not _QUESTIONS_SELF[0]:
        with connection.cursor() as cursor:
            cursor.execute("SHOW SESSION STATUS LIKE 'Questions'")
            _QUESTIONS_SELF[0] = int(cursor.fetchone()[1]) - value
    return value


def profile(posts: int, top: int, out: str | None = None) -> None:
    import cProfile
    import pstats

    booker = Booker()
    for _ in range(20):
        booker.booked(booker.post(booker.hold()))
    profiler = cProfile.Profile(time.process_time)
    for _ in range(posts):
        hold_id = booker.hold()
        profiler.enable()
        response = booker.post(hold_id)
        profiler.disable()
        booker.booked(response)
    if out:
        profiler.dump_stats(out)
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def callgrind(posts: int, warm: int = 30) -> None:
    """Warm up, then `posts` POSTs each inside `sys.call_tracing` (valgrind's
    --toggle-collect=sys_call_tracing counts them and nothing else: not the holds, not the
    start-up). Without valgrind it runs the same POSTs, counted by nothing."""
    booker = Booker()
    for _ in range(warm):
        booker.booked(booker.post(booker.hold()))
    for _ in range(posts):
        hold_id = booker.hold()
        booker.booked(sys.call_tracing(booker.post, (hold_id,)))
    print(f"{posts} POSTs counted (valgrind's total / {posts} = instructions per POST)")


def _send_as_lambda_task() -> None:
    """The dispatch production uses (a Zappa task per message), with the task recorded
    instead of invoking Lambda: the request pays what it pays on Lambda, and no more."""
    import types

    from django.conf import settings

    started: list[int] = []
    tasks = types.ModuleType("notifications.tasks")
    tasks.message_send_task = started.append  # type: ignore[attr-defined]
    sys.modules["notifications.tasks"] = tasks
    settings.NOTIFICATIONS_DISPATCH = "zappa"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"),
    )
    p.add_argument("--posts", type=int, default=200)
    p.add_argument("--profile", type=int, metavar="POSTS", help="cProfile this many POSTs")
    p.add_argument("--top", type=int, default=40)
    p.add_argument("--profile-out", help="also write the cProfile stats (pstats) here")
    p.add_argument("--statements", action="store_true", help="list one POST's statements")
    p.add_argument("--json", metavar="PATH", help="also write the figures (JSON) here")
    p.add_argument(
        "--callgrind",
        type=int,
        metavar="POSTS",
        help="this many POSTs for valgrind's callgrind to count (see above); the throttle's\n"
        "window is an hour: under valgrind a POST takes most of a second, and a per-second\n"
        "window would send most POSTs down the path that opens a new one",
    )
    p.add_argument(
        "--send",
        choices=["after-response", "lambda-task"],
        default="after-response",
        help="after-response (default, as `make run`): the message's send runs in this\n"
        "process after the response and is counted; lambda-task: as on Lambda, the send\n"
        "is a Zappa task for another invocation, recorded here and not run",
    )
    args = p.parse_args(argv)
    if args.callgrind:
        THROTTLES_OFF.update({"API_ANON_RATE": "10000000/hour", "API_USER_RATE": "10000000/hour"})
    setup_django(args.database_url)
    if args.send == "lambda-task":
        _send_as_lambda_task()
    if args.profile:
        profile(args.profile, args.top, args.profile_out)
        return 0
    if args.callgrind:
        callgrind(args.callgrind)
        return 0
    figures = run(posts=args.posts)
    if args.json:
        kept = {k: v for k, v in figures.items() if k != "statement_list"}
        Path(args.json).write_text(json.dumps({**kept, "send": args.send}))
    print(
        f"booking POST ({figures['database']}, {figures['n']} POSTs): CPU "
        f"min {figures['cpu_ms_min']:.2f} / median {figures['cpu_ms_median']:.2f} ms, "
        f"wall median {figures['wall_ms_median']:.2f} ms; {figures['statements']} statements "
        f"(BEGIN/COMMIT included), "
        + (f"{figures['round_trips']} round trips, " if figures["round_trips"] else "")
        + "their wall time "
        f"median {figures['db_ms_median']:.2f} ms"
    )
    if figures["server_cpu_ms_mean"] is not None:
        print(
            f"  the database server's CPU during the POSTs: {figures['server_cpu_ms_mean']:.2f} "
            "ms per POST (the whole server: other sessions on it count too)"
        )
    if args.statements:
        for sql in figures["statement_list"]:
            print("  ", sql[:160])
    return 0


if __name__ == "__main__":
    sys.exit(main())
