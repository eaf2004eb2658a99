"""What one hold + book costs the database, way A (raw SQL) against way B (the services).

The shared MariaDB on :3306 serves other engineers and CI, so its process CPU is not ours:
this section starts its OWN mariadbd (mariadb-install-db into var/bench-mariadb, its own
socket, a port on loopback, the shared server's character set and durability settings),
loads a small catalog into it, measures, and stops it at the end. Nothing else talks to
that server, so the CPU its process spends during a run is the bench's alone.

One client, one iteration after another (A, B, A, B ... in chunks, so a busy spell on the
machine falls on both). Per iteration:

- server CPU: user + system time of the private mariadbd process (/proc/<pid>/stat);
- statements (Com_select/insert/update/delete and kin) and round trips (`Questions`: BEGIN,
  COMMIT, SET autocommit and savepoints included), from the session's status;
- rows locked: `information_schema.INNODB_TRX.trx_rows_locked` read just before each
  COMMIT (a separate pass: the extra read would count in the CPU and the lock time);
- hot-row lock time: every iteration books the same room night; from the statement that
  locks it (SELECT ... FOR UPDATE or the UPDATE) to the end of that transaction's COMMIT,
  measured in the client (a separate pass too).

Goals (issue 20): B's server CPU <= 1.5 x A's; B's hot-row lock time <= 2 x A's.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, VAR

CPU_GOAL, LOCK_GOAL = 1.5, 2.0
DATADIR = VAR / "bench-mariadb"
DATABASE = "tg_bench_private"
# Work statements, as the session status counts them (SHOW, SET and transaction control
# are round trips but not statements of the work).
STATEMENT_COUNTERS = (
    "Com_select", "Com_insert", "Com_update", "Com_delete", "Com_insert_select",
    "Com_replace", "Com_update_multi", "Com_delete_multi",
)  # fmt: skip


# ---------------------------------------------------------------- helpers with logic


def proc_cpu_seconds(stat: str, ticks: int) -> float:
    """utime + stime of a /proc/<pid>/stat line, in seconds (the name may hold spaces)."""
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / ticks


def status_counts(rows) -> dict[str, int]:
    """A `SHOW SESSION STATUS` answer as {name: int}, numeric values only."""
    out = {}
    for name, value in rows:
        try:
            out[name] = int(value)
        except (TypeError, ValueError):
            continue
    return out


def statements_between(before: dict[str, int], after: dict[str, int]) -> int:
    return sum(after.get(k, 0) - before.get(k, 0) for k in STATEMENT_COUNTERS)


# ---------------------------------------------------------------- the private server


class PrivateMariaDB:
    """mariadbd on its own datadir, socket and loopback port; stopped on exit."""

    def __init__(self, port: int, extra: tuple[str, ...] = ()) -> None:
        self.port = port
        self.extra = extra  # more server options (e.g. --performance-schema=ON to profile)
        self.sock = DATADIR / "mysqld.sock"
        self.pidfile = DATADIR / "mysqld.pid"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mysql://root@127.0.0.1:{self.port}/{DATABASE}"

    def __enter__(self) -> PrivateMariaDB:
        data = DATADIR / "data"
        if not (data / "mysql").exists():
            shutil.rmtree(DATADIR, ignore_errors=True)
            DATADIR.mkdir(parents=True)
            subprocess.run(  # noqa: S603 - fixed arguments
                [shutil.which("mariadb-install-db") or "mariadb-install-db", "--no-defaults",
                 f"--datadir={data}", "--user=root", "--auth-root-authentication-method=normal",
                 "--skip-test-db"],
                check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
        server = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [server, "--no-defaults", f"--datadir={data}", "--user=root",
             f"--socket={self.sock}", f"--port={self.port}", "--bind-address=127.0.0.1",
             f"--pid-file={self.pidfile}", f"--log-error={DATADIR / 'error.log'}",
             "--skip-name-resolve", "--character-set-server=utf8mb4",
             "--collation-server=utf8mb4_general_ci", "--innodb-buffer-pool-size=256M",
             "--innodb-flush-log-at-trx-commit=1", *self.extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        import MySQLdb

        deadline = time.monotonic() + 60
        while True:
            try:
                conn = MySQLdb.connect(host="127.0.0.1", port=self.port, user="root")
                conn.cursor().execute(
                    f"CREATE DATABASE IF NOT EXISTS {DATABASE} CHARACTER SET utf8mb4"
                )
                conn.close()
                break
            except MySQLdb.OperationalError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.__exit__()
                    raise SystemExit("the private mariadbd did not start") from None
                time.sleep(0.3)
        return self

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("the private server is not running")
        return self.process.pid

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # mariadbd shuts down cleanly on SIGTERM
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()


# ---------------------------------------------------------------- in the child process


def _cpu(pid: int) -> float:
    return proc_cpu_seconds(Path(f"/proc/{pid}/stat").read_text(), os.sysconf("SC_CLK_TCK"))


class _Clock:
    """Hot-row lock time and rows locked per transaction, from hooks on the client side."""

    def __init__(self, table: str, *, rows: bool) -> None:
        self.table = table
        self.rows = rows
        self.started: float | None = None
        self.held_ms: list[float] = []
        self.locked: list[int] = []
        self.inside = 0  # statements sent while the row is locked
        self.round_trips: list[int] = []  # per transaction, its COMMIT included

    def saw(self, sql: str) -> None:
        head = sql.lstrip()[:6].upper()
        if (
            self.started is None
            and self.table in sql
            and ("FOR UPDATE" in sql.upper() or head == "UPDATE")
        ):
            self.started = time.perf_counter()
        if self.started is not None:
            self.inside += 1

    def before_commit(self, raw) -> None:
        if self.rows:
            c = raw.cursor()
            c.execute(
                "SELECT trx_rows_locked FROM information_schema.INNODB_TRX"
                " WHERE trx_mysql_thread_id = CONNECTION_ID()"
            )
            row = c.fetchone()
            c.close()
            self.locked.append(int(row[0]) if row else 0)

    def after_commit(self) -> None:
        if self.started is not None:
            self.held_ms.append((time.perf_counter() - self.started) * 1000)
            self.round_trips.append(self.inside + 1)
            self.started = None
            self.inside = 0


class _ClockedCursor:
    """Way A's cursor, seen by a _Clock (raw_iteration sends BEGIN/COMMIT as statements)."""

    def __init__(self, cursor, raw, clock: _Clock) -> None:
        self._cursor, self._raw, self._clock = cursor, raw, clock

    def execute(self, sql, params=None):
        if sql in ("COMMIT", "ROLLBACK"):
            self._clock.before_commit(self._raw)
            result = self._cursor.execute(sql)
            self._clock.after_commit()
            return result
        self._clock.saw(sql)
        return self._cursor.execute(sql, params)

    def __getattr__(self, name):
        return getattr(self._cursor, name)


class _ClockedConnection:
    def __init__(self, raw, clock: _Clock) -> None:
        self._raw, self._clock = raw, clock

    def cursor(self):
        return _ClockedCursor(self._raw.cursor(), self._raw, self._clock)


def _session(cursor) -> dict[str, int]:
    cursor.execute("SHOW SESSION STATUS")
    return status_counts(cursor.fetchall())


def measure(url: str, pid: int, *, n: int, chunks: int) -> dict:
    """In the child (Django on the private server): A and B, `chunks` runs of `n` each."""
    from django.db import connection
    from django.utils import timezone

    from bench.booking_throughput import (
        _raw_connect,
        _reset,
        _rows,
        _users,
        offers_for,
        raw_iteration,
    )
    from bookings.services.bookings import TravelerIn, booking_create
    from bookings.services.holds import _offer_json, hold_create
    from catalog.models import RoomNight
    from travelguru.sql import Table

    connection.settings_dict["CONN_MAX_AGE"] = 300
    users = _users(1)
    nights = _rows(1)  # the hot row: every iteration books it
    _reset(nights)
    offers = offers_for(nights)
    offer, night = offers[0], nights[0]
    document = json.dumps(_offer_json(offer))
    traveler = [TravelerIn(type="adult", first_name="Bench", last_name="Traveler")]
    raw = _raw_connect(url)

    def a(conn) -> None:
        if not raw_iteration(conn, users[0].pk, document, offer.price, night.pk):
            raise RuntimeError("way A could not take the room")

    def b() -> None:
        hold = hold_create(user=users[0], offers=[offer], now=timezone.now())
        booking_create(
            user=users[0], hold_id=hold.pk, travelers=traveler,
            payment_token="tok_visa", now=timezone.now(),  # noqa: S106 - the sandbox test token
        )  # fmt: skip

    def timed(way: str) -> dict:
        _reset(nights)
        cursor = raw.cursor() if way == "A" else connection.cursor()
        before, cpu = _session(cursor), _cpu(pid)
        client = time.process_time()
        for _ in range(n):
            a(raw) if way == "A" else b()
        client = time.process_time() - client
        cpu = _cpu(pid) - cpu
        cursor = raw.cursor() if way == "A" else connection.cursor()
        after = _session(cursor)
        return {
            "server_cpu_ms": cpu * 1000 / n,
            "client_cpu_ms": client * 1000 / n,
            # the SHOW SESSION STATUS that read `after` counts once
            "round_trips": (after["Questions"] - before["Questions"] - 1) / n,
            "statements": statements_between(before, after) / n,
        }

    table = Table(RoomNight).name

    def clocked(way: str, *, rows: bool) -> _Clock:
        _reset(nights)
        clock = _Clock(table, rows=rows)
        if way == "A":
            conn = _ClockedConnection(raw, clock)
            for _ in range(n):
                a(conn)
            return clock

        def seen(execute, sql, params, many, context):
            clock.saw(sql)
            return execute(sql, params, many, context)

        # Django commits through the wrapper's private _commit (no statement to wrap): the
        # instance attribute stands in for it during this pass.
        wrapper: Any = connection
        wrapper.ensure_connection()
        original = wrapper._commit

        def commit():
            clock.before_commit(wrapper.connection)
            original()
            clock.after_commit()

        wrapper._commit = commit
        try:
            with connection.execute_wrapper(seen):
                for _ in range(n):
                    b()
        finally:
            del wrapper._commit
        return clock

    # warm: imports and first statements are not what is measured
    a(raw)
    b()
    # What the server spends doing nothing (its background threads), for comparison.
    idle_from = _cpu(pid)
    time.sleep(2)
    idle_ms_per_s = (_cpu(pid) - idle_from) * 1000 / 2
    runs: dict[str, list[dict]] = {"A": [], "B": []}
    held: dict[str, list[float]] = {"A": [], "B": []}
    inside: dict[str, list[int]] = {"A": [], "B": []}
    locked: dict[str, list[int]] = {"A": [], "B": []}
    for _ in range(chunks):
        for way in ("A", "B"):
            runs[way].append(timed(way))
    for way in ("A", "B"):
        clock = clocked(way, rows=False)
        held[way], inside[way] = clock.held_ms, clock.round_trips
        clock = clocked(way, rows=True)
        locked[way] = clock.locked
    _reset(nights)
    out: dict[str, Any] = {}
    for way in ("A", "B"):
        chunk_runs = runs[way]
        out[way] = {
            # CPU: the least of the chunks (what a busy neighbour cannot inflate much)
            "server_cpu_ms": min(r["server_cpu_ms"] for r in chunk_runs),
            "server_cpu_ms_median": statistics.median(r["server_cpu_ms"] for r in chunk_runs),
            "client_cpu_ms": min(r["client_cpu_ms"] for r in chunk_runs),
            "round_trips": min(r["round_trips"] for r in chunk_runs),
            "statements": min(r["statements"] for r in chunk_runs),
            "rows_locked": sum(locked[way]) / n,
            "transactions": len(locked[way]) / n,
            "lock_ms_p50": statistics.median(held[way]),
            "lock_round_trips": statistics.median(inside[way]),
            "lock_ms_p95": sorted(held[way])[int(0.95 * (len(held[way]) - 1))],
        }
    out["n"], out["chunks"], out["idle_ms_per_s"] = n, chunks, idle_ms_per_s
    return out


# ---------------------------------------------------------------- in the bench process


def _manage(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "false"}
    env.setdefault("DJANGO_SETTINGS_MODULE", "travelguru.settings.local")
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def run(*, port: int, n: int = 200, chunks: int = 3) -> dict:
    started = time.perf_counter()
    with PrivateMariaDB(port) as server:
        marker = DATADIR / "loaded.json"
        if not marker.exists():
            print("bench: booking DB cost: a small catalog in the private server", flush=True)
            _manage(server.url, "migrate", "--noinput", "-v", "0")
            _manage(server.url, "createcachetable")
            _manage(server.url, "load_demo_data", "--replace", "--no-progress",
                    "--scale", "1", "--days", "12")  # fmt: skip
            marker.write_text("{}")
        else:
            _manage(server.url, "migrate", "--noinput", "-v", "0")
        out_file = VAR / "bench-booking-db.json"
        command = [
            sys.executable, "-c",
            "import json, sys; sys.path.insert(0, sys.argv[1]);"
            "from bench.common import setup_django; setup_django(sys.argv[2]);"
            "from bench.booking_db import measure;"
            "open(sys.argv[6], 'w').write(json.dumps(measure(sys.argv[2], int(sys.argv[3]),"
            " n=int(sys.argv[4]), chunks=int(sys.argv[5]))))",
            str(ROOT), server.url, str(server.pid), str(n), str(chunks), str(out_file),
        ]  # fmt: skip
        subprocess.run(command, cwd=ROOT, check=True)  # noqa: S603 - our own code
        figures = json.loads(out_file.read_text())
    a, b = figures["A"], figures["B"]
    figures["cpu_ratio"] = b["server_cpu_ms"] / a["server_cpu_ms"] if a["server_cpu_ms"] else None
    figures["lock_ratio"] = b["lock_ms_p50"] / a["lock_ms_p50"] if a["lock_ms_p50"] else None
    figures["seconds"] = time.perf_counter() - started
    figures["server"] = "private mariadbd (var/bench-mariadb), stopped after the run"
    return figures


# ---------------------------------------------------------------- report


def lines(f: dict, goals: list[tuple[str, str, str]]) -> list[str]:
    """The section of latest.md; appends issue 20's goals to `goals`."""
    a, b = f["A"], f["B"]
    out = [
        "## What a hold + book costs the database: A (raw SQL) and B (the services)",
        "",
        "On the bench's OWN mariadbd (mariadb-install-db into var/bench-mariadb, own socket,"
        " a loopback port, stopped after the run; a scale-1 catalog), not the shared server"
        " on :3306: nothing else talks to it, so the server CPU below is the bench's alone."
        f" One client, A and B alternating in {f['chunks']} runs of {f['n']} iterations each"
        " (hold one room night + book it), every iteration on the same (hot) row. Server CPU:"
        " user + system time of the mariadbd process (/proc/<pid>/stat), the least of the"
        " runs; statements: Com_select/insert/update/delete; round trips: `Questions` (BEGIN,"
        " COMMIT, SET autocommit, savepoints too); rows locked: INNODB_TRX.trx_rows_locked"
        " read before each COMMIT; lock time: from the statement that locks the hot row to"
        " the end of its transaction's COMMIT, seen from the client (both in separate runs).",
        "",
        "| way | server CPU ms / iteration (min, median) | client CPU ms | statements |"
        " round trips | transactions | rows locked | hot-row lock p50 ms | p95 ms |"
        " round trips while locked |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for way, r in (("A raw SQL", a), ("B services", b)):
        out.append(
            f"| {way} | {r['server_cpu_ms']:.2f}, {r['server_cpu_ms_median']:.2f} |"
            f" {r['client_cpu_ms']:.2f} | {r['statements']:.0f} | {r['round_trips']:.0f} |"
            f" {r['transactions']:.0f} | {r['rows_locked']:.1f} | {r['lock_ms_p50']:.2f} |"
            f" {r['lock_ms_p95']:.2f} | {r.get('lock_round_trips', '–')} |"
        )
    cpu, lock = f["cpu_ratio"], f["lock_ratio"]
    cpu_ok, lock_ok = cpu is not None and cpu <= CPU_GOAL, lock is not None and lock <= LOCK_GOAL
    cpu_why = (
        ""
        if cpu_ok
        else f" ({b['statements']:.0f} statements and {b['round_trips']:.0f} round"
        f" trips against A's {a['statements']:.0f} and {a['round_trips']:.0f})"
    )
    lock_why = "" if lock_ok else " (the services' Python runs while the row is locked)"
    out += [
        "",
        f"B / A: server CPU {cpu:.2f} (goal <= {CPU_GOAL}), hot-row lock time {lock:.2f}"
        f" (goal <= {LOCK_GOAL}). Section time {f['seconds']:.0f} s, the private server's"
        " start and catalog included. The server idle spent"
        f" {f.get('idle_ms_per_s', float('nan')):.1f} ms of CPU per second (its background"
        " threads); lock times are wall time on a shared machine, so the round trips while"
        " locked are the figure noise cannot move.",
        "",
    ]
    goals.append((f"booking: B's DB server CPU <= {CPU_GOAL} x A's", f"{cpu:.2f}",
                  "goal met" if cpu_ok else f"goal **missed**{cpu_why}"))  # fmt: skip
    goals.append((f"booking: B's hot-row lock time <= {LOCK_GOAL} x A's", f"{lock:.2f}",
                  "goal met" if lock_ok else f"goal **missed**{lock_why}"))  # fmt: skip
    return out
