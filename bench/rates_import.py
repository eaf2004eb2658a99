"""A 10,000-row rates import through the background task's path: rows per second.

Makes its own data (one hotel, 10 room types x 1,000 nights, so every row of the file
names an existing night) in the database given, writes a CSV changing every price and
allotment, and runs the job as the Lambda invocation would (`import_job_task`, in-process
off Lambda): a dry run, the import, then the same file again (all rows unchanged).
Figures, not pass/fail; the target is the Lambda's 15-minute limit for an asynchronous
invocation, with a wide margin.

    .venv/bin/python bench/rates_import.py --database-url mysql://root@127.0.0.1:3306/tg_x \
        --output bench/results/rates-import.md
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, setup_django  # noqa: E402

LINES = 10
NIGHTS = int(os.environ.get("BENCH_IMPORT_NIGHTS", "1000"))  # per line (a smoke run: fewer)
START = date(2031, 1, 1)


def _data() -> None:
    from catalog.models import Hotel, RoomNight, RoomType
    from tests.factories.catalog import HotelFactory

    RoomNight.objects.filter(room_type__hotel__code="BENCHIMP").delete()
    RoomType.objects.filter(hotel__code="BENCHIMP").delete()
    Hotel.objects.filter(code="BENCHIMP").delete()
    hotel = HotelFactory.create(code="BENCHIMP", currency="EUR")
    types = RoomType.objects.bulk_create(
        RoomType(hotel=hotel, code=f"RT{i}", name=f"Room {i}", capacity=2) for i in range(LINES)
    )
    RoomNight.objects.bulk_create(
        (
            RoomNight(
                room_type=rt,
                city_id=hotel.city_id,
                date=START + timedelta(days=d),
                price=Decimal("100.00"),
                rooms_total=10,
                rooms_available=7,
            )  # fmt: skip
            for rt in types
            for d in range(NIGHTS)
        ),
        batch_size=2000,
    )


def _file() -> bytes:
    lines = ["hotel,room_type,date,price,allotment,stop_sell,min_stay"]
    for i in range(LINES):
        for d in range(NIGHTS):
            day = START + timedelta(days=d)
            lines.append(f"BENCHIMP,RT{i},{day.isoformat()},{110 + d % 7}.50,12,false,1")
    return ("\n".join(lines) + "\n").encode()


def _timed(content: bytes, *, dry_run: bool, user) -> tuple[float, dict]:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from catalog.import_tasks import import_job_task
    from catalog.imports import import_job_create
    from catalog.models import ImportJob

    job = import_job_create(
        user=user, kind="room_nights", upload=SimpleUploadedFile("bench.csv", content),
        dry_run=dry_run, now=timezone.now(),
    )  # fmt: skip
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        import_job_task(job.pk)
        seconds = time.perf_counter() - started
    job = ImportJob.objects.get(pk=job.pk)
    assert job.status == "done", job.errors[:3]  # noqa: S101
    return seconds, {**job.counts, "queries": len(queries.captured_queries)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--database-url", required=True)
    p.add_argument("--output", type=Path)
    args = p.parse_args()
    setup_django(args.database_url)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    settings.MEDIA_ROOT = ROOT / "var" / "bench-media"
    call_command("migrate", verbosity=0)
    _data()
    user, _ = get_user_model().objects.get_or_create(
        email="bench-import@travelguru.example",
        defaults={"username": "bench-import", "is_staff": True},
    )
    content = _file()
    rows = LINES * NIGHTS
    results = []
    for label, dry_run in (("dry run", True), ("import", False), ("same file again", False)):
        seconds, counts = _timed(content, dry_run=dry_run, user=user)
        results.append((label, seconds, counts))
        print(f"{label}: {rows} rows in {seconds:.1f} s = {rows / seconds:,.0f} rows/s, {counts}")
    engine = "MariaDB" if args.database_url.startswith("mysql") else "SQLite"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,  # noqa: S607
                            capture_output=True, text=True, check=False).stdout.strip()  # fmt: skip
    lines = [
        "# Rates import: 10,000 rows through the background task",
        "",
        f"`python bench/rates_import.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC (commit "
        f"{commit}), {engine}, Python {platform.python_version()}, a shared 2-CPU machine.",
        f"A {len(content) / 1e6:.2f} MB CSV of {rows:,} room nights ({LINES} room types x "
        f"{NIGHTS} nights, 3 of 10 rooms sold on each), every price and allotment changed; "
        "the job run as the Lambda invocation runs it (`import_job_task`).",
        "",
        "| run | seconds | rows/s | new | updated | unchanged | queries |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, seconds, c in results:
        lines.append(f"| {label} | {seconds:.1f} | {rows / seconds:,.0f} | {c['new']} | "
                     f"{c['updated']} | {c['unchanged']} | {c['queries']} |")  # fmt: skip
    text = "\n".join(lines) + "\n"
    if args.output:
        args.output.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
