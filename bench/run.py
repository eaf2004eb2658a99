"""`make bench`: load the bench data once, run every section, write bench/results/latest.md.

    python bench/run.py                # full: --scale 10 --days 30 on MariaDB (minutes)
    python bench/run.py --quick        # smoke: scale 1, a few seconds per section
    python bench/run.py --only search,queries --database-url sqlite:///var/bench.sqlite3
    python bench/run.py --reload       # reload the data even if the same scale/seed is there
    python bench/run.py --no-sqlite    # MariaDB only
    python bench/run.py --only auth --output bench/results/auth.md   # one section, no data

On MariaDB the search and queries sections are also run on SQLite (`--sqlite-url`, loaded
once and reused like MariaDB's), in a child process, and reported next to MariaDB's.

Figures, not pass/fail: the Targets table says which of issue 10's targets are met.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RAW, ROOT, VAR, ensure_data, is_mysql, setup_django  # noqa: E402

SECTIONS = (
    "search", "queries", "booking", "cold_start", "auth", "sync", "rates", "growth",
    "booking_db",
)  # fmt: skip
# Sections that measure their own few rows (or load their own databases) and need no catalog
# loaded in the bench database.
WITHOUT_DATA = {"auth", "growth", "booking_db"}


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="scale 1, short sections (smoke run)")
    p.add_argument("--scale", type=int, default=None)
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--reload", action="store_true")
    p.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "mysql://root@127.0.0.1:3306/tg_bench"),
    )
    p.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8710")))
    p.add_argument(
        "--sqlite-url",
        default=os.environ.get("BENCH_SQLITE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"),
        help="where the search and queries sections also run (MariaDB runs only)",
    )
    p.add_argument("--no-sqlite", action="store_true", help="do not run them on SQLite too")
    p.add_argument(
        "--growth-scales", default=None,
        help="the growth section's two scales (databases <bench db>_s<scale>): 10,50"
        " (--quick: 1,5)",
    )  # fmt: skip
    p.add_argument(
        "--growth-days", type=int, default=14,
        help="the growth databases' inventory days (the searches look 10-13 days ahead)",
    )  # fmt: skip
    p.add_argument("--growth-repeats", type=int, default=None)
    p.add_argument("--private-port", type=int, default=int(os.environ.get("BENCH_PRIVATE_PORT",
                   "3399")), help="the booking_db section's own mariadbd (loopback)")  # fmt: skip
    p.add_argument("--figures-out", help="also write the raw figures (JSON) here")
    p.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    p.add_argument("--output", default=str(ROOT / "bench" / "results" / "latest.md"))
    p.add_argument(
        "--search-rows",
        default="",
        help="comma-separated words: only the search rows whose name holds one (e.g. flights)",
    )
    args = p.parse_args(argv)
    args.search_rows = tuple(w for w in args.search_rows.split(",") if w)
    args.scale = args.scale or (1 if args.quick else 10)
    args.growth_scales = args.growth_scales or ("1,5" if args.quick else "10,50")
    args.sections = [s for s in args.only.split(",") if s]
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        p.error(f"unknown sections {sorted(unknown)}; choose from {SECTIONS}")
    return args


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
            check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _on_sqlite(args: argparse.Namespace) -> dict:
    """The search and queries sections on SQLite, in a child process (one database per
    Django process): its figures, or why there are none."""
    out = ROOT / "var" / "bench-sqlite-figures.json"
    out.unlink(missing_ok=True)
    only = ",".join(s for s in args.sections if s in ("search", "queries"))
    command = [
        sys.executable, str(Path(__file__).resolve()), "--only", only,
        "--database-url", args.sqlite_url, "--port", str(args.port + 2), "--no-sqlite",
        "--scale", str(args.scale), "--days", str(args.days), "--seed", str(args.seed),
        "--output", str(ROOT / "var" / "bench-sqlite.md"), "--figures-out", str(out),
        *(["--quick"] if args.quick else []), *(["--reload"] if args.reload else []),
        *(["--search-rows", ",".join(args.search_rows)] if args.search_rows else []),
    ]  # fmt: skip
    print(f"bench: search and queries on SQLite ({args.sqlite_url})", flush=True)
    done = subprocess.run(command, cwd=ROOT, check=False)  # noqa: S603 - our own script
    if done.returncode != 0 or not out.exists():
        return {"skipped": f"the SQLite run failed (exit {done.returncode})"}
    return json.loads(out.read_text())


def _bench_args(args: argparse.Namespace) -> str:
    given = [*(["--quick"] if args.quick else [])]
    if tuple(args.sections) != SECTIONS:
        given.append(f"--only {','.join(args.sections)}")
    if args.search_rows:
        given.append(f"--search-rows {','.join(args.search_rows)}")
    return f" BENCH_ARGS='{' '.join(given)}'" if given else ""


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    # SIGTERM unwinds like Ctrl-C, so the gunicorn the bench started is stopped with it
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    quick = args.quick
    url = args.database_url
    if set(args.sections) <= WITHOUT_DATA:
        data = "not needed"
    else:
        data = ensure_data(
            url, scale=args.scale, seed=args.seed, days=args.days, reload=args.reload
        )
    print(f"bench: data {data}", flush=True)
    setup_django(url)
    figures: dict = {
        "meta": {
            "command": "make bench" + _bench_args(args),
            "data": data,
            "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "commit": _commit(),
            "machine": f"{os.cpu_count()} CPUs, Python {platform.python_version()}",
            "scale": args.scale, "days": args.days, "seed": args.seed,
            "database": "MariaDB" if is_mysql(url) else "SQLite",
        }
    }  # fmt: skip
    if "search" in args.sections or "queries" in args.sections:
        from bench import search_latency

        queries = search_latency.pick_queries(args.search_rows)
        if "queries" in args.sections:
            from bench import queries as queries_section

            print("bench: queries per request", flush=True)
            figures["queries"] = queries_section.run(queries)
        if "search" in args.sections:
            from bench import search_cpu

            print("bench: search CPU per request (in-process)", flush=True)
            figures["search_cpu"] = search_cpu.run(queries, repeats=3 if quick else 10)
            print("bench: search latency", flush=True)
            figures["search"] = search_latency.run(
                url, args.port, rate=20 if quick else 40, duration=2 if quick else 6,
                rounds=2 if quick else 3, only=args.search_rows,
            )  # fmt: skip
        if is_mysql(url) and not args.no_sqlite:
            figures["sqlite"] = _on_sqlite(args)
    if "booking" in args.sections:
        from bench import booking_post_cpu

        print("bench: booking POST CPU (in-process)", flush=True)
        figures["booking_post_cpu"] = booking_post_cpu.run(posts=50 if quick else 200)
        # As on Lambda, where the confirmation's send is a task of its own: in a process of its
        # own, since the dispatch it installs is for the whole process.
        out = VAR / "bench-booking-post-lambda.json"
        subprocess.run(  # noqa: S603 - our own bench
            [sys.executable, str(ROOT / "bench" / "booking_post_cpu.py"), "--database-url", url,
             "--send", "lambda-task", "--posts", str(50 if quick else 200), "--json", str(out)],
            cwd=ROOT, check=True,
        )  # fmt: skip
        figures["booking_post_cpu_lambda"] = json.loads(out.read_text())
        if is_mysql(url):
            from bench import booking_throughput

            print("bench: booking throughput", flush=True)
            figures["booking"] = booking_throughput.run(
                url, args.port + 1, duration=2 if quick else 6, rounds=1 if quick else 2,
                open_rate=20 if quick else 100, open_duration=3 if quick else 10,
            )  # fmt: skip
        else:
            print("bench: booking throughput needs MariaDB (skipped)", flush=True)
    if "cold_start" in args.sections:
        from bench import cold_start

        print("bench: cold start", flush=True)
        figures["cold_start"] = cold_start.run(repeats=2 if quick else 5)

    if "auth" in args.sections:
        from bench import auth_cost

        print("bench: authentication per request (in-process)", flush=True)
        figures["auth"] = auth_cost.run(n=100 if quick else 500, rounds=3 if quick else 5)

    if "sync" in args.sections:
        from bench import search_sync

        print("bench: search sync (a full CloudSearch rebuild, in-process)", flush=True)
        figures["sync"] = search_sync.run()

    if "rates" in args.sections:
        from bench import rates_grid

        print("bench: admin rates grid (in-process)", flush=True)
        figures["rates"] = rates_grid.run(repeats=5 if quick else 20)

    if "growth" in args.sections:
        if is_mysql(url):
            from bench import growth

            print("bench: search as the catalog grows", flush=True)
            small, large = (int(x) for x in args.growth_scales.split(","))
            figures["growth"] = growth.run(
                url, scales=(small, large), seed=args.seed, days=args.growth_days,
                # Three rounds: the median of two is their mean, which one busy spell of
                # the shared machine moves; the median of three leaves it out.
                repeats=args.growth_repeats or (2 if quick else 10),
                rounds=1 if quick else 3, reload=args.reload,
            )  # fmt: skip
        else:
            print("bench: growth needs MariaDB (skipped)", flush=True)

    if "booking_db" in args.sections:
        from bench import booking_db

        print("bench: what a booking costs the database (own mariadbd)", flush=True)
        figures["booking_db"] = booking_db.run(
            port=args.private_port, n=40 if quick else 200, chunks=2 if quick else 3
        )

    from bench.report import render

    RAW.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    (RAW / f"{stamp}.json").write_text(json.dumps(figures, indent=1, default=str))
    if args.figures_out:
        Path(args.figures_out).write_text(json.dumps(figures, default=str))
    text = render(figures)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
