"""CPU time per search request, in-process: the figure a shared machine does not blur.

Each endpoint's queries (`search_latency.pick_queries`) are sent through Django's test
client in this one process, `repeats` times per variant after a warm-up, and the process
CPU time (`time.process_time`, which a busy neighbour does not inflate) and the queries
sent are counted per request. Search answers are cached in memory (travelguru.results_cache): every
row but the "cached" one forgets them before each request, so it measures the search
itself; the cached rows (`is_cached`: the repeated search, autocomplete) ask the same
queries again and again.

    python bench/search_cpu.py --database-url mysql://root@127.0.0.1:3306/tg_bench
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.search_latency import Queries, forget_answers, is_cached  # noqa: E402


def run(queries: Queries, *, repeats: int = 10) -> dict[str, dict]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    out: dict[str, dict] = {}
    for name, variants in queries.items():
        cached = is_cached(name)
        cpu: list[float] = []
        wall: list[float] = []
        counts: list[int] = []
        for path, params in variants:
            client.get(path, params)  # warm: imports, lazily loaded state
            for _ in range(repeats):
                if not cached:
                    forget_answers()
                with CaptureQueriesContext(connection) as ctx:
                    started_cpu, started = time.process_time(), time.perf_counter()
                    response = client.get(path, params)
                    cpu.append((time.process_time() - started_cpu) * 1000)
                    wall.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"{path} {params} answered {response.status_code}")
                counts.append(len(ctx.captured_queries))
        out[name] = {
            "cpu_ms": statistics.median(cpu),
            "wall_ms": statistics.median(wall),
            "queries": max(counts),
            "n": len(cpu),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    from bench.common import setup_django
    from bench.search_latency import pick_queries

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--database-url", required=True)
    p.add_argument("--repeats", type=int, default=10)
    args = p.parse_args(argv)
    setup_django(args.database_url)
    figures = run(pick_queries(), repeats=args.repeats)
    print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
