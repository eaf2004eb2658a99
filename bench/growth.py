"""Search as the catalog grows: the same searches at two scales, on MariaDB (issue 20).

Each scale has its own database (loaded once, like the main bench data). A child process per
scale and round (Django serves one database per process) runs every search endpoint in-process
through Django's test client, one request after another with cached answers forgotten (as the
latency table's uncached rows), and reads per request:

- wall time (p50/p95 over every variant and repeat; a cheap query is repeated for a second,
  `passes`, so its p95 is not one sample) and CPU time;
- statements (CaptureQueriesContext);
- rows examined: the session's `Handler_read_*` counters before and after the request
  (`SHOW SESSION STATUS`), less what reading them costs by itself. Every row the storage
  engine hands to the server counts once, whichever index it came through: a figure that
  grows with the catalog when a query scans instead of seeking.

The local engine's candidate queries (autocomplete, a city's hotels, an airport's car offices,
the flight legs of a route and day) are run alone the same way, and each is EXPLAINed: the
index that serves it is shown next to its figures. A flight search does not embed the last
one (the local engine's legs are the schedule, which its fare query reads by the same
conditions): it stays as the engine's own answer to other callers.

The rounds alternate scales (10, 50, 10, 50 ...) so a busy spell on the shared machine falls
on both. The goal: p95 at the large scale <= 1.25 x p95 at the small one, per endpoint.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse

from bench.common import ROOT, VAR, is_read, percentile

GOAL_RATIO = 1.25
PASS_SECONDS, MOST_PASSES = 1.0, 60
HOTELS_P95_MS = 30.0
HANDLER_PREFIX = "Handler_read_"


# ---------------------------------------------------------------- helpers with logic


def handler_reads(rows: list[tuple[str, str]] | list[list[str]]) -> dict[str, int]:
    """The `Handler_read_*` counters of a `SHOW SESSION STATUS` answer, by name."""
    out: dict[str, int] = {}
    for name, value in rows:
        if name.startswith(HANDLER_PREFIX):
            out[name[len(HANDLER_PREFIX) :]] = int(value)
    return out


def reads_between(
    before: dict[str, int], after: dict[str, int], own: dict[str, int] | None = None
) -> dict[str, int]:
    """Per-counter growth from `before` to `after`, less `own` (what reading them costs)."""
    own = own or {}
    return {k: max(0, after.get(k, 0) - before.get(k, 0) - own.get(k, 0)) for k in after}


def rows_examined(delta: dict[str, int]) -> int:
    """Rows the storage engine handed over: every Handler_read_* counter but `key` (an index
    lookup started, not a row) summed; first/next/prev/last/rnd/rnd_next each yield a row."""
    return sum(n for name, n in delta.items() if name != "key")


def growth_ratio(small: float, large: float) -> float:
    """p95 at the large scale over p95 at the small one (nan if either is missing)."""
    if not small or small != small or large != large:
        return float("nan")
    return large / small


def explain_keys(rows: list[dict]) -> list[str]:
    """`table: key (type, rows)` per EXPLAIN row; a scan without an index says so."""
    out = []
    for row in rows:
        table = row.get("table") or "-"
        key = row.get("key") or ("no index (full scan)" if row.get("type") == "ALL" else "-")
        out.append(f"{table}: {key} ({row.get('type')}, ~{row.get('rows')} rows)")
    return out


# ---------------------------------------------------------------- in the child process


def _status(cursor) -> dict[str, int]:
    cursor.execute("SHOW SESSION STATUS LIKE 'Handler_read%%'")
    return handler_reads(cursor.fetchall())


class Meter:
    """Wall, CPU, statements and rows examined around calls on this process's connection."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        with connection.cursor() as c:
            a = _status(c)
            b = _status(c)
        self.own = reads_between(a, b)

    def __call__(self, fn):
        from django.test.utils import CaptureQueriesContext

        with self.connection.cursor() as c:
            before = _status(c)
        cpu, wall = time.process_time(), time.perf_counter()
        with CaptureQueriesContext(self.connection) as ctx:
            result = fn()
        wall_ms = (time.perf_counter() - wall) * 1000
        cpu_ms = (time.process_time() - cpu) * 1000
        with self.connection.cursor() as c:
            after = _status(c)
        delta = reads_between(before, after, self.own)
        return result, {
            "wall_ms": wall_ms,
            "cpu_ms": cpu_ms,
            "queries": len(ctx.captured_queries),
            "rows": rows_examined(delta),
            "sql": [(q["sql"]) for q in ctx.captured_queries],
        }


def _explain(sql: str, params: tuple | list | None = None) -> list[str]:
    from django.db import connection

    with connection.cursor() as c:
        c.execute("EXPLAIN " + sql, params)
        names = [d[0] for d in c.description]
        return explain_keys([dict(zip(names, row, strict=False)) for row in c.fetchall()])


def _summary(samples: list[dict]) -> dict:
    walls = [s["wall_ms"] for s in samples]
    return {
        "n": len(samples),
        "p50": percentile(walls, 50),
        "p95": percentile(walls, 95),
        "cpu_p50": percentile([s["cpu_ms"] for s in samples], 50),
        "cpu_p95": percentile([s["cpu_ms"] for s in samples], 95),
        "queries": max((s["queries"] for s in samples), default=0),
        "rows_p50": percentile([s["rows"] for s in samples], 50),
        "rows_max": max((s["rows"] for s in samples), default=0),
        "answer_p50": percentile([s.get("answer", 0) for s in samples], 50),
    }


def answer_size(result) -> int:
    """What the answer holds: an endpoint's `count` (every match, not the page), or the
    number of a candidate query's hits."""
    if isinstance(result, list):
        return len(result)
    body = getattr(result, "json", None)
    if body is None:
        return 0
    data = body()
    return int(data.get("count", 0)) if isinstance(data, dict) else len(data)


def week_of_itineraries(client, params: dict) -> int:
    """The itineraries a flight calendar's week compares: the one-way search's count for
    each of its days (a day already over at the origin answers 400 and has none)."""
    day = date.fromisoformat(params["date"])
    total = 0
    for n in range(-3, 4):
        asked = {**params, "date": str(day + timedelta(days=n)), "page_size": 1}
        response = client.get("/api/flights/search", asked)
        if response.status_code == 200:
            total += int(response.json().get("count", 0))
    return total


def _candidates() -> dict[str, list]:
    """The local engine's candidate calls, over the loaded catalog: name -> [callables]."""
    from datetime import UTC, datetime, timedelta
    from datetime import time as dtime

    from django.db.models import Count

    from catalog.models import Airport, City, RentalOffice
    from search.apis.common import today_anywhere
    from search.engines.base import HotelQuery, LegQuery
    from search.engines.local import LocalEngine
    from search.models import DocumentKind

    engine = LocalEngine()
    day = today_anywhere() + timedelta(days=10)
    cities = list(City.objects.annotate(n=Count("hotels")).filter(n__gt=0).order_by("-n")[:5])
    airports = list(Airport.objects.order_by("id").values_list("iata", flat=True)[:5])
    offices = list(
        RentalOffice.objects.exclude(airport=None)
        .values_list("airport__iata", flat=True)
        .distinct()[:5]
    )
    start = datetime.combine(day, dtime.min, tzinfo=UTC)
    return {
        "autocomplete (cities)": [
            lambda q=q: engine.destinations(text=q, kinds=[DocumentKind.CITY], limit=8)
            for q in ("par", "lon", "new", "ber", "tok")
        ],
        "autocomplete (airports)": [
            lambda q=q: engine.destinations(text=q, kinds=[DocumentKind.AIRPORT], limit=8)
            for q in ("lo", "ams", "fra", "ma")
        ],
        "hotels of a city (3+ stars)": [
            lambda c=c: engine.hotels(HotelQuery(city_id=c.pk, min_stars=3)) for c in cities
        ],
        "car offices of an airport": [
            lambda a=a: engine.car_offices(airport_code=a) for a in offices
        ],
        "flight legs of a route and day": [
            lambda a=a, b=b: list(
                engine.flight_legs(
                    LegQuery(
                        departs_from=start,
                        departs_until=start + timedelta(days=1),
                        origins=[a],
                        destination=b,
                    )
                )
            )  # fmt: skip
            for a, b in zip(airports, reversed(airports), strict=True)
            if a != b
        ],
    }


def cpu_split(variants: list, repeats: int) -> dict[str, float]:
    """CPU of a hotel search request, split: offer-id signing (`offer_encode`), the output
    serializer (less the signing it calls), JSON rendering, and the rest (search, SQL,
    middleware). Median per request, ms; the timers' own cost is in the rest."""
    import statistics

    from django.test import Client
    from rest_framework.renderers import JSONRenderer

    from bench.search_latency import forget_answers
    from search.apis import hotels as api

    spent = {"signing": 0.0, "serializer": 0.0, "rendering": 0.0}

    def timer(part: str, fn):
        def wrapped(*args, **kwargs):
            started = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[part] += time.process_time() - started

        return wrapped

    patched = [
        (api, "offer_encode", api.offer_encode, "signing"),
        (api.HotelSearchApi.OutputSerializer, "to_representation",
         api.HotelSearchApi.OutputSerializer.to_representation, "serializer"),
        (JSONRenderer, "render", JSONRenderer.render, "rendering"),
    ]  # fmt: skip
    for owner, name, fn, part in patched:
        setattr(owner, name, timer(part, fn))
    client = Client()
    rows: dict[str, list[float]] = {"total": [], **{k: [] for k in spent}, "rest": []}
    try:
        for _ in range(repeats):
            for path, params in variants:
                forget_answers()
                for k in spent:
                    spent[k] = 0.0
                started = time.process_time()
                client.get(path, params)
                total = time.process_time() - started
                serializer = spent["serializer"] - spent["signing"]
                rows["total"].append(total * 1000)
                rows["signing"].append(spent["signing"] * 1000)
                rows["serializer"].append(serializer * 1000)
                rows["rendering"].append(spent["rendering"] * 1000)
                rows["rest"].append((total - spent["serializer"] - spent["rendering"]) * 1000)
    finally:
        for owner, name, fn, _part in patched:
            setattr(owner, name, fn)
    return {k: statistics.median(v) for k, v in rows.items()}


def _forget_suggestions() -> None:
    """Autocomplete's own in-process suggestions (search.apis.places), if any."""
    try:
        from search.apis import places
    except ImportError:
        return
    store = getattr(places, "_suggestions", None)
    if store is not None:
        with places._suggestions_lock:
            store.clear()


def passes(repeats: int, *, seconds: float = PASS_SECONDS, most: int = MOST_PASSES):
    """Pass numbers over every variant: `repeats` of them, then more while `seconds` have not
    gone by (at most `most` in all). A p95 over a few dozen samples is their largest or next
    largest, one scheduling hiccup of a shared machine; a query of a millisecond gets a few
    hundred samples for the same second, a search of 50 ms about as many as it did."""
    started = time.monotonic()
    n = 0
    while n < repeats or (n < most and time.monotonic() - started < seconds):
        yield n
        n += 1


def measure(repeats: int) -> dict:
    """In the child: every search endpoint and candidate query, `repeats` times per variant."""
    from django.db import connection
    from django.test import Client

    from bench.search_latency import forget_answers, is_cached, pick_queries

    keep = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = 300  # one session: its counters are ours
    client = Client()
    meter = Meter()
    out: dict = {"endpoints": {}, "candidates": {}}
    queries = pick_queries()
    try:
        for name, variants in queries.items():
            if is_cached(name) and name != "autocomplete":  # the repeated search: its cache
                continue
            samples = []
            for path, params in variants:
                client.get(path, params)  # warm: lazily loaded state does not count
            # A calendar's answer is a week of lowest prices, each taken over every itinerary
            # of its day: what grows with the catalog is that week of itineraries.
            compared = {
                str(params): week_of_itineraries(client, params)
                for path, params in variants
                if path == "/api/flights/calendar"
            }
            for _ in passes(repeats):
                for path, params in variants:
                    forget_answers()  # the search itself: a cached answer does not grow
                    _forget_suggestions()
                    response, figures = meter(lambda p=path, q=params: client.get(p, q))
                    if response.status_code != 200:
                        raise SystemExit(f"{path} {params} answered {response.status_code}")
                    answer = compared.get(str(params), answer_size(response))
                    samples.append({**figures, "answer": answer})
            out["endpoints"][name] = _summary(samples)
        for name, calls in _candidates().items():
            samples = []
            for call in calls:
                call()
            for _ in passes(repeats):
                for call in calls:
                    result, figures = meter(call)
                    samples.append({**figures, "answer": answer_size(result)})
            selects = [s for s in samples[-1]["sql"] if is_read(s)]
            out["candidates"][name] = {
                **_summary(samples),
                "explain": [_explain(sql) for sql in selects[:2]],
            }
        if "hotels (filters)" in queries:
            out["hotels_cpu_split"] = cpu_split(queries["hotels (filters)"], repeats)
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = keep
    from catalog.models import Hotel, RoomNight
    from search.models import SearchDocument

    out["catalog"] = {
        "hotels": Hotel.objects.count(),
        "room nights": RoomNight.objects.count(),
        "search documents": SearchDocument.objects.count(),
    }
    return out


# ---------------------------------------------------------------- in the bench process


def scale_url(database_url: str, scale: int) -> str:
    """This scale's database: the bench database's name with `_s<scale>` after it (its own
    days, fewer than the main bench data's: scale 50 is millions of rows to load)."""
    url = urlparse(database_url)
    return url._replace(path=f"{url.path.rstrip('/')}_s{scale}").geturl()


def _child(url: str, repeats: int, out: Path) -> dict:
    command = [
        sys.executable, "-c",
        "import json, sys; sys.path.insert(0, sys.argv[1]);"
        "from bench.common import setup_django; setup_django(sys.argv[2]);"
        "from bench.growth import measure;"
        "open(sys.argv[4], 'w').write(json.dumps(measure(int(sys.argv[3]))))",
        str(ROOT), url, str(repeats), str(out),
    ]  # fmt: skip
    subprocess.run(command, cwd=ROOT, check=True)  # noqa: S603 - our own code
    return json.loads(out.read_text())


def _merge(runs: list[dict]) -> dict:
    """Rounds of one scale as one: the figures of every round's samples are not kept, so
    take the per-round summaries' medians (the worst round's p95 would punish noise)."""
    import statistics

    merged: dict = {"catalog": runs[-1]["catalog"]}
    if "hotels_cpu_split" in runs[0]:
        merged["hotels_cpu_split"] = {
            k: statistics.median(r["hotels_cpu_split"][k] for r in runs)
            for k in runs[0]["hotels_cpu_split"]
        }
    for part in ("endpoints", "candidates"):
        merged[part] = {}
        for name in runs[0][part]:
            rows = [r[part][name] for r in runs if name in r[part]]
            merged[part][name] = {
                k: statistics.median(row[k] for row in rows)
                if isinstance(rows[0][k], (int, float))
                else rows[-1][k]
                for k in rows[0]
            }
    return merged


def run(database_url: str, *, scales: tuple[int, int], seed: int, days: int, repeats: int,
        rounds: int, reload: bool) -> dict:  # fmt: skip
    from bench.common import ensure_data

    urls = {s: scale_url(database_url, s) for s in scales}
    loads = {}
    for scale, url in urls.items():
        started = time.perf_counter()
        loads[scale] = {
            "data": ensure_data(url, scale=scale, seed=seed, days=days, reload=reload),
            "seconds": time.perf_counter() - started,
        }
    per_scale: dict[int, list[dict]] = {s: [] for s in scales}
    for r in range(rounds):
        for scale in scales:
            print(f"bench: growth, scale {scale}, round {r + 1}/{rounds}", flush=True)
            out = VAR / f"bench-growth-{scale}.json"
            per_scale[scale].append(_child(urls[scale], repeats, out))
    merged = {s: _merge(runs) for s, runs in per_scale.items()}
    small, large = scales
    for part in ("endpoints", "candidates"):
        for name, row in merged[large][part].items():
            base = merged[small][part].get(name)
            row["ratio"] = growth_ratio(base["p95"], row["p95"]) if base else float("nan")
    return {"scales": list(scales), "loads": loads, "by_scale": merged, "goal": GOAL_RATIO,
            "days": days}  # fmt: skip


# ---------------------------------------------------------------- report


def _f(x: float | None, digits: int = 1) -> str:
    return "–" if x is None or x != x else f"{x:.{digits}f}"


# What an endpoint's answer is taken over, where it is not its matches: a calendar's days
# are each the lowest of its day's itineraries (`week_of_itineraries`).
ANSWER_OVER = {
    "flights, price calendar (7 days)": (
        "itineraries in the week, each priced to find its day's lowest",
        "an itinerary",
    ),
}
MATCHES = ("matches, each read to be counted and ranked", "a match")


def missed_reason(low: dict, big: dict, name: str = "") -> str:
    """Why a growth goal was missed: the answer itself grew (every match is read to be
    counted in the facets and ranked: no index makes a correct answer read fewer rows), the
    work grew beyond the answer, or neither (noise)."""
    over, one = ANSWER_OVER.get(name, MATCHES)
    grew = big["rows_p50"] / low["rows_p50"] if low.get("rows_p50") else None
    if not grew or grew <= 1.5:
        return " (same rows examined: noise or CPU on this shared machine)"
    small, large = low.get("answer_p50") or 0, big.get("answer_p50") or 0
    answer_grew = large / small if small else None
    if answer_grew and answer_grew >= 1.5 and grew <= 1.5 * answer_grew:
        return (
            f" (rows examined x{grew:.1f} with the answer x{answer_grew:.1f}: {small:,.0f} ->"
            f" {large:,.0f} {over}, so a correct answer"
            f" reads {low['rows_p50']:,.0f} -> {big['rows_p50']:,.0f} rows"
            f" ({low['rows_p50'] / small:,.1f} -> {big['rows_p50'] / large:,.1f} {one}: what"
            f" {one} costs did not grow): not met without changing the answer)"
        )
    return f" (rows examined x{grew:.1f}: the work grows with the catalog)"


def hotels_p95_reason(row: dict) -> str:
    """Why hotel search's p95 is over the goal: the typical request (p50) is over it, or a
    few slow ones are, and then whether those spent CPU (a full garbage collection of the
    process's heap did, before it was frozen) or waited (a core, the database)."""
    cpu = f"CPU p50 {_f(row['cpu_p50'])} / p95 {_f(row['cpu_p95'])} ms"
    if row["p50"] > HOTELS_P95_MS:
        return (
            f"wall p50 {_f(row['p50'])} ms is over too, {cpu}: "
            + ("the CPU alone is over" if row["cpu_p50"] > HOTELS_P95_MS
               else "the rest is waiting for a core or for the database")
        )  # fmt: skip
    return (
        f"wall p50 {_f(row['p50'])} ms is under, {cpu}: a few slow requests, "
        + ("which spent the CPU" if row["cpu_p95"] > HOTELS_P95_MS
           else "which waited for a core or for the database")
    )  # fmt: skip


def lines(g: dict, goals: list[tuple[str, str, str]]) -> list[str]:
    """The growth section of latest.md; appends issue 20's goals to `goals`."""
    small, large = g["scales"]
    by = g["by_scale"]
    out = [
        f"## Search as the catalog grows: --scale {small} against --scale {large} (MariaDB,"
        f" --days {g['days']})",
        "",
        "In-process (Django's test client), one request after another, search answers"
        " forgotten before each (autocomplete's too: a cached answer does not grow); p50/p95 of"
        " wall time over every variant and repeat (passes over the variants continue for"
        f" {PASS_SECONDS:g} s, at most {MOST_PASSES}: a p95 over a few dozen samples is their"
        " largest), the median of the rounds (scales alternate round by round). Rows"
        " examined: the session's Handler_read_* counters around the"
        " request (`key` left out: a lookup started, not a row), less what reading them costs."
        f" Goal: p95 at scale {large} <= {g['goal']} x p95 at scale {small}.",
        "",
        "Catalog: "
        + "; ".join(
            f"scale {s}: " + ", ".join(f"{n:,} {what}" for what, n in by[s]["catalog"].items())
            for s in g["scales"]
        )
        + ".",
        "",
    ]
    for s, load in g["loads"].items():
        if load["data"] == "loaded":
            out.append(f"Scale {s} loaded in this run: {load['seconds']:.0f} s (migrate, load,"
                       " search index).")  # fmt: skip
    out += [
        "",
        f"| endpoint | p50 @{small} | p95 @{small} | p50 @{large} | p95 @{large} |"
        f" p95 ratio | queries @{small} / @{large} | rows examined @{small} | @{large} |"
        f" CPU p50 @{small} / @{large} | CPU p95 ratio | goal |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]

    def rows_of(part: str) -> list[str]:
        rows = []
        for name, big in by[large][part].items():
            low = by[small][part].get(name, {})
            ratio = big.get("ratio", float("nan"))
            ok = ratio == ratio and ratio <= g["goal"]
            reason = missed_reason(low, big, name) if not ok and low else ""
            verdict = "goal met" if ok else f"goal **missed**{reason}"
            rows.append(
                f"| {name} | {_f(low.get('p50'))} | {_f(low.get('p95'))} | {_f(big['p50'])} |"
                f" {_f(big['p95'])} | {_f(ratio, 2)} | {low.get('queries', '–')} /"
                f" {big['queries']} | {low.get('rows_p50', '–'):,} | {big['rows_p50']:,} |"
                f" {_f(low.get('cpu_p50'))} / {_f(big['cpu_p50'])} |"
                f" {_f(growth_ratio(low.get('cpu_p95', 0), big.get('cpu_p95', 0)), 2)} |"
                f" {verdict} |"
            )
            goals.append((f"{name}: p95 @{large} / p95 @{small} <= {g['goal']}",
                          _f(ratio, 2), verdict))  # fmt: skip
        return rows

    out += rows_of("endpoints")
    hotels = by[small]["endpoints"].get("hotels (filters)")
    if hotels:
        ok = hotels["p95"] <= HOTELS_P95_MS
        goals.append((
            f"hotels (filters) p95 <= {HOTELS_P95_MS:g} ms at scale {small} (in-process, one"
            " request at a time)",
            _f(hotels["p95"]),
            "goal met" if ok else f"goal **missed** ({hotels_p95_reason(hotels)})",
        ))  # fmt: skip
    split = by[small].get("hotels_cpu_split")
    if split:
        share = lambda k: 100 * split[k] / split["total"] if split["total"] else 0  # noqa: E731
        out += [
            "",
            f"Hotels (filters) CPU per request at scale {small}, split (median, ms):"
            f" {split['total']:.1f} in all; offer-id signing {split['signing']:.1f}"
            f" ({share('signing'):.0f}%), the output serializer without the signing"
            f" {split['serializer']:.1f} ({share('serializer'):.0f}%), JSON rendering"
            f" {split['rendering']:.1f} ({share('rendering'):.0f}%), the rest (search, SQL,"
            f" middleware) {split['rest']:.1f} ({share('rest'):.0f}%).",
        ]
    out += [
        "",
        "### The local engine's candidate queries, alone",
        "",
        "Each called on the engine directly (no price or availability work), measured as"
        " above; the index is EXPLAIN's `key` for the candidate SELECT at the large scale.",
        "",
        f"| candidate query | p50 @{small} | p95 @{small} | p50 @{large} | p95 @{large} |"
        f" p95 ratio | queries @{small} / @{large} | rows examined @{small} | @{large} |"
        f" CPU p50 @{small} / @{large} | CPU p95 ratio | goal |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    out += rows_of("candidates")
    out += ["", "Index serving each candidate query (EXPLAIN at the large scale):", ""]
    for name, row in by[large]["candidates"].items():
        plans = "; then ".join(", ".join(plan) for plan in row.get("explain", []))
        out.append(f"- {name}: {plans or '–'}")
    out.append("")
    return out
