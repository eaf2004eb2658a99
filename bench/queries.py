"""Queries per request for each search endpoint at two result sizes (must not grow).

In-process (Django's test client) under CaptureQueriesContext: the same search with a
small page and a large one (page_size 5 and 50, or the autocomplete's 5 and 50), after one
warm-up request. A count that grows with the page is an N+1.
"""

from __future__ import annotations

from bench.search_latency import Queries, forget_answers

SIZES = (5, 50)


def run(queries: Queries) -> dict[str, dict]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    out: dict[str, dict] = {}
    for name, variants in queries.items():
        if "cached" in name:
            continue
        path, params = variants[0]
        row: dict[str, int] = {}
        for size in SIZES:
            client.get(path, {**params, "page_size": size})
            forget_answers()  # the search itself, not its cached answer
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(path, {**params, "page_size": size})
            body = response.json() if response.status_code == 200 else {}
            results = body.get("results", body if isinstance(body, list) else [])
            row[f"results@{size}"] = len(results)
            row[f"queries@{size}"] = len(ctx.captured_queries)
        row["grows"] = row[f"queries@{SIZES[1]}"] > row[f"queries@{SIZES[0]}"]
        out[name] = row
    return out
