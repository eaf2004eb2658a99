"""The search sync at the bench's horizon: what a full CloudSearch rebuild sends, and when.

The CloudSearch engine runs in-process against a document endpoint that takes every upload
and answers like an empty domain (so the sync is a full rebuild: every published document
of every kind). Counted: documents per kind, uploads (batches), bytes uploaded, the CPU this
process spent building and serialising them (`time.process_time`), and the wall time
without any network. The run time is then projected with CloudSearch's documented upload
rate (one batch every 10 seconds; faster is throttled) against the scheduled function's
time budget and Lambda timeout, giving how many scheduled runs a rebuild takes.
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

from bench.common import ROOT

UPLOAD_INTERVAL_S = 10.0  # CloudSearch limits: one document batch every 10 seconds


class _Domain:
    """A document and search client in one: uploads are counted, searches find nothing."""

    def __init__(self) -> None:
        self.uploads: list[int] = []

    def upload_documents(self, *, documents: bytes, contentType: str) -> dict:  # noqa: N803
        self.uploads.append(len(documents))
        return {"status": "success", "adds": 0, "deletes": 0}

    def search(self, **params: Any) -> dict:
        return {"hits": {"found": 0, "hit": []}}


def run() -> dict[str, Any]:
    from django.conf import settings

    from search.engines.cloudsearch import BATCH_TARGET_BYTES, CloudSearchEngine
    from search.models import SyncCheckpoint, SyncState
    from search.services.indexing import sync_index

    domain = _Domain()
    engine = CloudSearchEngine(domain, domain, upload_interval=0)  # projected, not waited
    name = "bench-cloudsearch"
    SyncCheckpoint.objects.filter(engine=name).delete()
    SyncState.objects.filter(engine=name).delete()
    cpu, wall = time.process_time(), time.perf_counter()
    report = sync_index(writer=engine, engine_name=name, full=True)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    SyncCheckpoint.objects.filter(engine=name).delete()
    SyncState.objects.filter(engine=name).delete()
    zappa = json.loads((ROOT / "zappa_settings.json").read_text())
    timeout = zappa["base"].get("timeout_seconds", 30)
    budget = float(settings.SEARCH_SYNC_BUDGET_SECONDS)
    batches = len(domain.uploads)
    # Each run uploads back to back at the documented rate: the first at once, then one
    # every interval while the budget lasts.
    per_run = 1 + int(budget // UPLOAD_INTERVAL_S)
    return {
        "documents": dict(report.upserted),
        "documents_total": sum(report.upserted.values()),
        "batches": batches,
        "bytes": sum(domain.uploads),
        "largest_batch": max(domain.uploads, default=0),
        "batch_target": BATCH_TARGET_BYTES,
        "cpu_s": round(cpu, 2),
        "wall_s": round(wall, 2),
        "upload_projection_s": round(batches * UPLOAD_INTERVAL_S, 1),
        "timeout_s": timeout,
        "budget_s": budget,
        "batches_per_run": per_run,
        "runs": math.ceil(batches / per_run) if batches else 0,
    }


def lines(figures: dict[str, Any], days: Any) -> list[str]:
    """The report's table (bench/report.py)."""
    f = figures
    kinds = ", ".join(f"{n} {kind}" for kind, n in f["documents"].items())
    return [
        f"## Search sync: a full CloudSearch rebuild at {days} days",
        "",
        "In-process against a counting document endpoint (no network). Projection: "
        f"CloudSearch takes one batch every {UPLOAD_INTERVAL_S:.0f} s; a scheduled run "
        f"starts no batch after its {f['budget_s']:.0f} s budget (Lambda timeout "
        f"{f['timeout_s']} s) and the resume schedule carries on from the checkpoints.",
        "",
        "| documents | batches | MB uploaded | largest batch MB | CPU s | wall s "
        "| upload time at the documented rate s | batches per run | scheduled runs |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {f['documents_total']} | {f['batches']} | {f['bytes'] / 1e6:.1f} "
        f"| {f['largest_batch'] / 1e6:.2f} | {f['cpu_s']} | {f['wall_s']} "
        f"| {f['upload_projection_s']} | {f['batches_per_run']} | {f['runs']} |",
        "",
        f"Documents: {kinds}.",
        "",
    ]
