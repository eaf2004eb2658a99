"""Issue 20's bench helpers: rows examined from Handler_read_*, the growth ratio, EXPLAIN's
index, a server process's CPU from /proc, statement counts, and the goals the report says."""

from __future__ import annotations

import math
import time

from hypothesis import given
from hypothesis import strategies as st

from bench.booking_db import lines as booking_db_lines
from bench.booking_db import proc_cpu_seconds, statements_between, status_counts
from bench.common import is_read
from bench.growth import (
    explain_keys,
    growth_ratio,
    handler_reads,
    hotels_p95_reason,
    missed_reason,
    reads_between,
    rows_examined,
    scale_url,
)
from bench.growth import (
    lines as growth_lines,
)
from bench.run import parse

SHOW = [
    ("Handler_read_first", "2"),
    ("Handler_read_key", "10"),
    ("Handler_read_last", "0"),
    ("Handler_read_next", "40"),
    ("Handler_read_prev", "0"),
    ("Handler_read_retry", "0"),
    ("Handler_read_rnd", "3"),
    ("Handler_read_rnd_deleted", "0"),
    ("Handler_read_rnd_next", "100"),
    ("Handler_write", "7"),
]


def test_handler_reads_keeps_only_the_read_counters():
    reads = handler_reads(SHOW)
    assert reads["next"] == 40
    assert reads["rnd_next"] == 100
    assert "write" not in reads
    assert "Handler_write" not in reads


def test_rows_examined_is_the_growth_less_what_reading_the_counters_costs():
    before = handler_reads(SHOW)
    after = {**before, "key": 15, "next": 90, "rnd_next": 130}
    own = {"rnd_next": 10}  # the SHOW itself scans its status table
    delta = reads_between(before, after, own)
    assert delta["next"] == 50
    assert delta["rnd_next"] == 20
    # an index lookup started is not a row handed over
    assert rows_examined(delta) == 70


@given(st.dictionaries(st.sampled_from(["key", "next", "rnd_next"]), st.integers(0, 10**6)))
def test_no_counter_goes_negative(counts):
    assert all(v == 0 for v in reads_between(counts, counts, {"next": 5}).values())


def test_growth_ratio_is_large_over_small_and_nan_without_a_baseline():
    assert growth_ratio(20.0, 25.0) == 1.25
    assert math.isnan(growth_ratio(0.0, 25.0))
    assert math.isnan(growth_ratio(float("nan"), 25.0))


def test_explain_names_the_index_or_says_the_table_is_scanned():
    keys = explain_keys(
        [
            {"table": "search_searchdocument", "type": "ref", "key": "kind_1", "rows": 12},
            {"table": "catalog_hotel", "type": "ALL", "key": None, "rows": 9000},
        ]
    )
    assert keys[0] == "search_searchdocument: kind_1 (ref, ~12 rows)"
    assert keys[1].startswith("catalog_hotel: no index (full scan)")


def test_each_scale_has_its_own_database():
    url = "mysql://root@127.0.0.1:3306/tg_bench"
    assert scale_url(url, 10) == "mysql://root@127.0.0.1:3306/tg_bench_s10"
    assert scale_url(url, 50) == "mysql://root@127.0.0.1:3306/tg_bench_s50"


def test_server_cpu_is_user_plus_system_ticks_even_with_a_space_in_the_name():
    stat = "1234 (my sqld) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 30"
    assert proc_cpu_seconds(stat, 100) == 3.0


def test_statements_count_the_work_not_show_or_set():
    before = status_counts([("Com_select", "1"), ("Com_insert", "0"), ("Version", "x")])
    after = status_counts(
        [("Com_select", "4"), ("Com_insert", "5"), ("Com_show_status", "9"), ("Version", "x")]
    )
    assert statements_between(before, after) == 8


def _growth(p95_large: float, rows_large: int) -> dict:
    row = {"p50": 10.0, "p95": 20.0, "cpu_p50": 5.0, "queries": 6, "rows_p50": 100,
           "rows_max": 120}  # fmt: skip
    big = {**row, "p95": p95_large, "rows_p50": rows_large, "ratio": p95_large / 20.0,
           "explain": [["search_searchdocument: idx (ref, ~5 rows)"]]}  # fmt: skip
    return {
        "scales": [10, 50], "days": 30, "goal": 1.25, "loads": {},
        "by_scale": {
            10: {"catalog": {"hotels": 1}, "endpoints": {"hotels (filters)": row},
                 "candidates": {"hotels of a city": row}},
            50: {"catalog": {"hotels": 5}, "endpoints": {"hotels (filters)": big},
                 "candidates": {"hotels of a city": big}},
        },
    }  # fmt: skip


def test_growth_report_says_met_or_missed_with_the_reason():
    goals: list = []
    text = "\n".join(growth_lines(_growth(22.0, 110), goals))
    assert "goal met" in text
    assert "idx (ref" in text
    assert goals[0][2] == "goal met"
    goals = []
    growth_lines(_growth(60.0, 500), goals)
    assert goals[0][2].startswith("goal **missed**")
    assert "rows examined x5.0" in goals[0][2]


def test_a_miss_whose_answer_grew_as_much_as_its_rows_says_a_correct_answer_reads_them():
    small = {"rows_p50": 2_000, "answer_p50": 100}
    assert "noise" in missed_reason(small, {"rows_p50": 2_100, "answer_p50": 100})
    assert "the work grows with the catalog" in missed_reason(
        small, {"rows_p50": 10_000, "answer_p50": 110}
    )
    answer_bound = missed_reason(small, {"rows_p50": 9_000, "answer_p50": 500})
    assert "100 -> 500 matches" in answer_bound
    assert "2,000 -> 9,000 rows (20.0 -> 18.0 a match" in answer_bound
    assert "not met without changing the answer" in answer_bound
    # a flight calendar's answer is taken over the week's itineraries, not matches
    calendar = missed_reason(
        {"rows_p50": 3_000, "answer_p50": 2_000},
        {"rows_p50": 4_600, "answer_p50": 4_600},
        "flights, price calendar (7 days)",
    )
    assert "2,000 -> 4,600 itineraries in the week" in calendar
    assert "(1.5 -> 1.0 an itinerary" in calendar


def test_a_hotel_p95_miss_says_whether_the_typical_request_or_a_few_slow_ones_are_over():
    row = {"p50": 16.0, "p95": 60.0, "cpu_p50": 11.0, "cpu_p95": 55.0}
    assert "a few slow requests, which spent the CPU" in hotels_p95_reason(row)
    assert "which waited for a core" in hotels_p95_reason({**row, "cpu_p95": 14.0})
    typical = hotels_p95_reason({**row, "p50": 45.0})
    assert "wall p50 45.0 ms is over too" in typical
    assert "waiting for a core or for the database" in typical
    assert "the CPU alone is over" in hotels_p95_reason({**row, "p50": 45.0, "cpu_p50": 35.0})


def test_booking_db_report_says_whose_cpu_it_is_and_judges_both_goals():
    way = {"server_cpu_ms": 1.0, "server_cpu_ms_median": 1.1, "client_cpu_ms": 0.7,
           "statements": 14, "round_trips": 18, "transactions": 2, "rows_locked": 4,
           "lock_ms_p50": 1.0, "lock_ms_p95": 1.5}  # fmt: skip
    slower = {**way, "server_cpu_ms": 2.0, "lock_ms_p50": 1.5}
    figures = {"A": way, "B": slower, "cpu_ratio": 2.0, "lock_ratio": 1.5, "n": 10,
               "chunks": 2, "seconds": 30}  # fmt: skip
    goals: list = []
    text = "\n".join(booking_db_lines(figures, goals))
    assert "OWN mariadbd" in text
    assert "the bench's alone" in text
    assert goals[0][2].startswith("goal **missed**")
    assert goals[1][2] == "goal met"


def test_growth_compares_10_with_50_and_a_quick_run_small_scales():
    assert parse(["--only", "growth"]).growth_scales == "10,50"
    assert parse(["--quick", "--only", "growth"]).growth_scales == "1,5"
    assert parse(["--only", "growth,booking_db"]).sections == ["growth", "booking_db"]


def test_a_statement_behind_a_with_clause_is_a_read_the_bench_replays():
    assert is_read("WITH hub_window (part, hub) AS (VALUES (0, 1)) SELECT 1")
    assert is_read("\n   select id from t")
    assert not is_read("INSERT INTO t VALUES (1)")
    assert not is_read("UPDATE t SET x = 1")


def test_a_cheap_query_is_sampled_for_its_second_and_a_slow_one_its_repeats():
    from bench.growth import passes

    # A query that costs nothing: passes continue to the cap while the second lasts.
    assert len(list(passes(3, seconds=60, most=40))) == 40
    # A slow one: the repeats asked, and no more once the time is up.
    assert len(list(passes(3, seconds=0, most=40))) == 3
    # Time running out mid-way stops after the pass that crossed it.
    slow = []
    for n in passes(2, seconds=0.05, most=1000):
        slow.append(n)
        time.sleep(0.02)
    assert 3 <= len(slow) <= 5
