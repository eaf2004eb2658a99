"""The bench's pure parts: percentiles, the open-loop schedule, and the report it writes."""

from __future__ import annotations

import time

import pytest

from bench.common import open_loop, percentile, summary
from bench.report import render
from bench.run import parse


def test_percentile_is_nearest_rank():
    values = [float(x) for x in range(1, 101)]  # 1..100
    assert percentile(values, 50) == 50.0
    assert percentile(values, 95) == 95.0
    assert percentile(values, 99) == 99.0
    assert percentile([7.0], 99) == 7.0
    assert summary([3.0, 1.0, 2.0]) == {"n": 3, "p50": 2.0, "p95": 3.0, "p99": 3.0}


def test_open_loop_counts_latency_from_the_scheduled_time_not_the_send_time():
    """One server stall of 0.3 s delays the requests queued behind it: they count it."""

    def call(i: int, _state: object) -> int:
        if i == 0:
            time.sleep(0.3)
        return 200

    result = open_loop(call, rate=50, duration=0.2, workers=1)
    assert result.statuses == {200: 10}
    assert result.errors == 0
    # the 10th request was due at 0.18 s and could only start after 0.3 s
    assert max(result.latencies_ms) >= 100
    assert sorted(result.service_ms)[5] < 50  # each one alone was quick


def test_open_loop_counts_a_failed_call_as_an_error():
    def call(i: int, _state: object) -> int:
        if i % 2:
            raise ConnectionResetError
        return 503

    result = open_loop(call, rate=100, duration=0.1, workers=2)
    assert result.statuses == {503: 5}
    assert result.errors == 5
    assert result.ok == 0


def _figures() -> dict:
    row = lambda p: {"n": 10, "p50": p / 2, "p95": p, "p99": p * 1.5}  # noqa: E731
    way = lambda per_s, p50: {"ok": 100, "failed": 0, "per_s": per_s, **row(p50 * 2)}  # noqa: E731
    return {
        "meta": {
            "command": "make bench", "when": "2026-11-25 11:00 UTC", "commit": "abc1234",
            "machine": "2 CPUs", "scale": 10, "days": 30, "seed": 42, "database": "MariaDB",
        },
        "search": {
            "hotels (filters)": {
                "http": row(25.0), "floor": row(5.0), "statuses": {200: 10},
                "queries_per_request": [6], "example": None, "rate": 40,
            },
            "autocomplete": {
                "http": row(12.0), "floor": row(2.0), "statuses": {200: 9, 500: 1},
                "queries_per_request": [2], "example": None, "rate": 40,
            },
        },
        "queries": {
            "cars": {"results@5": 5, "queries@5": 4, "results@50": 50, "queries@50": 4,
                     "grows": False},
        },
        "booking": {
            "spread": {"A": way(200, 10), "B": way(170, 12), "C": way(60, 30), "oversold": 0},
            "hot row": {"A": way(100, 10), "B": way(50, 20), "C": way(40, 30), "oversold": 0},
            "lock timeout": {"status": 503, "seconds": 3.01},
        },
        "cold_start": {
            "package": row(700.0), "bare_zappa": row(500.0), "bare": row(400.0),
            "package_cpu": row(600.0), "bare_zappa_cpu": row(480.0), "bare_cpu": row(300.0),
            "package_runs_ms": [700], "bare_zappa_runs_ms": [500], "bare_runs_ms": [400],
            "importtime_top": [("django", 300.0)], "package_zip_mb": 25.7,
        },
    }  # fmt: skip


def test_report_states_each_figure_and_which_targets_are_met():
    text = render(_figures())
    assert "| hotels (filters) | 40 | 12.5 | 25.0 | 37.5 | 2.5 | 5.0 | 7.5 | 5.00 | 6 | 0 |" in text
    assert "| autocomplete | 40 | 6.0 | 12.0 | 18.0 | 1.0 | 2.0 | 3.0 | 6.00 | 2 | 1 |" in text
    assert "| hotels (filters) p95 <= 30 ms | 25.0 | met |" in text
    assert "| autocomplete p95 <= 10 ms | 12.0 | **missed** |" in text
    assert "| B/A throughput >= 0.8 | 0.85 | met |" in text
    assert "| C/A throughput >= 0.35 | 0.30 | **missed** |" in text
    assert "| hot row: B >= 0.7 x raw | 0.50 | **missed** |" in text
    assert "| lock not had in 3 s -> 409/503 | 503 | met |" in text
    assert "| cold start <= 800 ms | 350.0 | met |" in text
    assert (
        "| cold start <= 1.5 x bare (baseline: bare Django + DRF through Zappa's handler,"
        " like-for-like) | 1.40 (vs bare plain: 1.75) | met |"
    ) in text
    assert "| cars | 5 | 4 | 50 | 4 | no |" in text
    assert "25.7 MB zipped" in text


def test_cold_start_ratios_to_both_baselines_are_printed():
    text = render(_figures())
    like = "Ratio package / bare through Zappa (like-for-like, p50): 1.40 (wall), 1.25 (CPU)."
    plain = "Ratio package / bare plain (for information, p50): 1.75 (wall), 2.00 (CPU)."
    assert like in text
    assert plain in text
    assert "| bare Django + DRF (one JSON view) plain, Django's WSGI handler" in text


def test_cold_start_figures_without_the_like_for_like_baseline_say_which_they_use():
    """Raw figures from before the bare-through-Zappa process existed."""
    figures = _figures()
    for key in ("bare_zappa", "bare_zappa_cpu", "bare_zappa_runs_ms"):
        del figures["cold_start"][key]

    text = render(figures)

    row = "| cold start <= 1.5 x bare (baseline: bare Django + DRF plain) | 1.75 | **missed** |"
    assert row in text
    assert "like-for-like" not in text


def test_report_leaves_out_the_sections_not_run():
    figures = _figures()
    del figures["booking"], figures["cold_start"]
    text = render(figures)
    assert "Hold + book" not in text
    assert "Cold start" not in text
    assert "B/A" not in text


def test_quick_run_uses_scale_1_and_rejects_unknown_sections():
    assert parse(["--quick"]).scale == 1
    assert parse([]).scale == 10
    assert parse(["--only", "search,queries"]).sections == ["search", "queries"]
    with pytest.raises(SystemExit):
        parse(["--only", "search,nope"])


def test_booking_post_target_is_the_booking_alone_loop_at_the_target_rate():
    figures = _figures()
    p99 = lambda ms: {"n": 10, "p50": ms / 3, "p95": ms / 2, "p99": ms}  # noqa: E731
    loop = {"seconds": 10, "service": p99(20.0), "statuses": {201: 10}, "errors": 0, "oversold": 0}
    figures["booking"]["open loop bookings"] = [
        {**loop, "requests_per_s": 200, "from_schedule": p99(90.0)},
        {**loop, "requests_per_s": 50, "from_schedule": p99(30.0)},
    ]
    figures["booking"]["per iteration"] = {
        "A": {"cpu_ms": 0.8, "round_trips": 18.0},
        "B": {"cpu_ms": 8.0, "round_trips": 31.0},
        "C": {"cpu_ms": 16.0, "round_trips": 61.0},
    }

    text = render(figures)

    assert "| booking POST p99 <= 50 ms at 200 req/s | 90.0 | **missed** |" in text
    assert "at 50 req/s" not in text  # the quarter-rate loop is a figure, not the target
    assert "booking POSTs alone at 50 requests/s" in text
    assert "A 0.80 ms (18 round trips), B 8.00 ms (31 round trips)" in text


def test_report_shows_the_sqlite_run_next_to_mariadbs_with_its_own_targets():
    figures = _figures()
    sqlite = {k: figures[k] for k in ("search", "queries")}
    sqlite["meta"] = {**figures["meta"], "database": "SQLite"}
    sqlite["search"] = {
        "hotels (filters)": {
            **sqlite["search"]["hotels (filters)"],
            "http": {"n": 1, "p50": 20, "p95": 40, "p99": 50},
        }
    }
    figures["sqlite"] = sqlite
    figures["search_cpu"] = {"cars": {"cpu_ms": 3.25, "wall_ms": 9.0, "queries": 7, "n": 50}}

    text = render(figures)

    assert "## The same search sections on SQLite" in text
    assert "### Search latency on SQLite" in text
    assert "| hotels (filters) p95 <= 30 ms | 25.0 | met |" in text
    assert "| SQLite: hotels (filters) p95 <= 30 ms | 40.0 | **missed** |" in text
    assert "| SQLite: cars: queries do not grow |  | met |" in text
    assert "| cars | 3.2 | 9.0 | 7 | 50 |" in text


def test_a_failed_sqlite_run_is_said_not_hidden():
    figures = _figures()
    figures["sqlite"] = {"skipped": "the SQLite run failed (exit 1)"}

    assert "Skipped: the SQLite run failed (exit 1)" in render(figures)


def test_report_states_the_booking_post_cpu_and_its_round_trips():
    figures = _figures()
    figures["booking_post_cpu"] = {
        "database": "mysql", "n": 200, "cpu_ms_min": 6.81, "cpu_ms_median": 7.9,
        "wall_ms_median": 12.0, "statements": 18, "round_trips": 19, "db_ms_median": 3.0,
        "server_cpu_ms_mean": 3.64, "statement_list": [],
    }  # fmt: skip

    text = render(figures)

    assert "## One booking POST in-process" in text
    assert "CPU min 6.8 / median 7.9 ms per POST; 18 statements" in text
    assert "19 round trips; the database server's CPU meanwhile 3.6 ms" in text
    del figures["booking_post_cpu"]
    assert "One booking POST" not in render(figures)


def test_the_orm_floor_is_reported_next_to_the_ratios_to_raw_sql():
    figures = _figures()
    way = figures["booking"]["spread"]["A"]
    figures["booking"]["spread"]["O"] = {**way, "per_s": 50.0}
    figures["booking"]["hot row"]["O"] = {**way, "per_s": 40.0}
    figures["booking"]["per iteration"] = {
        "A": {"cpu_ms": 1.0, "round_trips": 18.0},
        "O": {"cpu_ms": 5.0, "round_trips": 20.0},
        "B": {"cpu_ms": 10.0, "round_trips": 37.0},
        "C": {"cpu_ms": 20.0, "round_trips": 55.0},
    }

    text = render(figures)

    assert "| spread | O | 100 | 0 | 50.0 |" in text
    assert "| spread | B | 100 | 0 | 170.0 | 12.0 | 36.0 | 0.85 | 3.40 |" in text
    assert "spread: O/A 0.25 (the ORM itself), B/O 3.40 (the services' own work)" in text
    assert "hot row: O/A 0.40" in text
    assert "O 5.00 ms (20 round trips)" in text
    assert "O/A 5.00, B/O 2.00, C/O 4.00" in text
    assert "| B/A throughput >= 0.8 | 0.85 | met |" in text  # the targets stay issue 10's


def test_report_states_the_session_check_next_to_simplejwts_authentication():
    figures = _figures()
    row = lambda q, cpu: {"queries": q, "cpu_us": cpu, "wall_us": cpu * 2, "cpu_us_rounds": []}  # noqa: E731
    figures["auth"] = {
        "database": "mysql", "n": 500, "rounds": 5,
        "steps": {
            "authentication": {"simplejwt": row(1, 400.0), "session": row(1, 250.0)},
            "GET /api/me": {"simplejwt": row(2, 2000.0), "session": row(2, 1900.0)},
        },
    }  # fmt: skip

    text = render(figures)

    assert "## Authentication per request: session check vs simplejwt (mysql)" in text
    assert "| authentication | simplejwt | 1 | 400 | 800 |  |" in text
    assert "| authentication | session | 1 | 250 | 500 | -150 |" in text
    assert "| GET /api/me | session | 2 | 1900 | 3800 | -100 |" in text
    del figures["auth"]
    assert "Authentication per request" not in render(figures)
    assert parse(["--only", "auth"]).sections == ["auth"]


def test_a_three_slice_trip_is_judged_against_twice_the_one_way_search():
    figures = _figures()
    row = lambda p: {"n": 10, "p50": p / 2, "p95": p, "p99": p * 1.5}  # noqa: E731
    line = {"floor": row(5.0), "statuses": {200: 10}, "queries_per_request": [4],
            "example": None, "rate": 40}  # fmt: skip
    figures["search"]["flights (connections)"] = {"http": row(40.0), **line}
    figures["search"]["flights, multi-city (3 slices)"] = {"http": row(90.0), **line}

    text = render(figures)

    assert (
        "| flights, multi-city (3 slices) p95 <= 2 x one-way p95 (80.0 ms) | 90.0 | **missed**"
        " (p50 x2.25, its SQL alone x1.00 at p95; the same 4 statements as one way, reading"
        " every slice's fare rows: at 40/s the database's and the request's work for three"
        " directions queue where one direction's does not) |" in text
    )
    figures["search"]["flights, multi-city (3 slices)"]["queries_per_request"] = [12]
    assert "12 statements against 4: its SQL grows with the slices" in render(figures)


def test_search_rows_pick_rows_by_words():
    assert parse(["--search-rows", "multi-city,calendar"]).search_rows == ("multi-city", "calendar")
    assert parse([]).search_rows == ()


def test_search_rows_are_measured_in_rounds_interleaved_across_rows(monkeypatch):
    """Multi-city is judged against one way: each round of one meets the same moment of the
    machine's load as a round of the other, not one row the calm and the next a burst."""
    from contextlib import nullcontext
    from types import SimpleNamespace

    from bench import search_latency
    from bench.common import LoadResult

    rows: dict[str, list[tuple[str, dict[str, str]]]] = {
        "flights (connections)": [("/one", {})],
        "flights, multi-city": [("/multi", {})],
    }
    order: list[str] = []

    def fake_open_loop(call, **_kwargs):
        return LoadResult(latencies_ms=[1.0], service_ms=[1.0], statuses={200: 1})

    def http_call(_port, variants):
        order.append(variants[0][0])
        return lambda i, conn: 200

    monkeypatch.setattr(search_latency, "pick_queries", lambda only: rows)
    monkeypatch.setattr(search_latency, "capture_sql", lambda variants, cached: [["SELECT 1"]])
    monkeypatch.setattr(
        search_latency, "Gunicorn", lambda *a, **k: nullcontext(SimpleNamespace(port=1))
    )
    monkeypatch.setattr(search_latency, "_http_call", http_call)
    monkeypatch.setattr(search_latency, "open_loop", fake_open_loop)
    monkeypatch.setattr(search_latency.http.client, "HTTPConnection", lambda *a, **k: None)
    out = search_latency.run("sqlite://", 1, rate=1, duration=0.1, rounds=3)

    measured = order[2:]  # after the warm-up's, one per server
    assert measured == ["/one", "/multi"] * 3
    assert set(out) == set(rows)
    assert all(row["http"]["n"] == 3 for row in out.values())
