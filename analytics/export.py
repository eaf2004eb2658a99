"""Export analytics to S3 for QuickSight: one gzip CSV per day and table, plus manifests.

Keys are `events/dt=YYYY-MM-DD/events.csv.gz` and `bookings/dt=YYYY-MM-DD/bookings.csv.gz`
(Hive-style partitions that Athena and Glue understand too), and one QuickSight manifest
per table under `manifests/`. A day is always written whole under a fixed key, so
re-running it replaces it (a day with no events gets a header-only file, so stale rows
cannot survive a re-run). Files are built in a spooled temporary file, never in module
state, and the boto3 client is created only when an export runs.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings

from analytics.models import Event, EventKind
from analytics.selectors import events_between

EVENT_COLUMNS = [
    "event_id", "occurred_at", "kind", "session_id", "product", "origin", "destination",
    "start_date", "end_date", "lead_days", "nights", "party_size", "results_count",
    "latency_ms", "amount", "currency", "group_key", "position", "detail",
]  # fmt: skip
BOOKING_COLUMNS = [
    "booked_at", "booking_key", "position", "product", "origin", "destination", "start_date",
    "end_date", "nights", "lead_days", "party_size", "amount", "currency", "cancelled",
    "cancelled_at", "refunded",
]  # fmt: skip
SPOOL_BYTES = 16 * 1024 * 1024


def s3_client() -> Any:
    """The S3 client for the analytics bucket (imported and built only when exporting)."""
    import boto3

    return boto3.client(
        "s3",
        region_name=settings.AWS_REGION,
        endpoint_url=settings.ANALYTICS_S3_ENDPOINT_URL or None,
    )


def partition_key(table: str, day: date) -> str:
    return f"{settings.ANALYTICS_PREFIX}{table}/dt={day.isoformat()}/{table}.csv.gz"


def manifest(*, bucket: str, table: str) -> dict[str, Any]:
    """A QuickSight S3 manifest covering every day of `table`."""
    return {
        "fileLocations": [{"URIPrefixes": [f"s3://{bucket}/{settings.ANALYTICS_PREFIX}{table}/"]}],
        "globalUploadSettings": {
            "format": "CSV",
            "delimiter": ",",
            "textqualifier": '"',
            "containsHeader": "true",
        },
    }


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def event_rows(day: date) -> Iterator[list[Any]]:
    events = events_between(start=day, end=day).order_by("occurred_at", "id")
    for row in events.values_list(*(["id"] + EVENT_COLUMNS[1:])).iterator(chunk_size=2000):
        yield [_cell(v) for v in row]


def booking_rows(day: date) -> Iterator[list[Any]]:
    """One row per booked item of the day, with its cancellation as known now."""
    booked = list(
        events_between(start=day, end=day, kind=EventKind.BOOKING).order_by("occurred_at", "id")
    )
    cancellations = {
        (e.group_key, e.position): e
        for e in Event.objects.filter(
            kind=EventKind.CANCELLATION, group_key__in={b.group_key for b in booked}
        )
    }
    for b in booked:
        c = cancellations.get((b.group_key, b.position))
        yield [
            _cell(v)
            for v in (
                b.occurred_at, b.group_key, b.position, b.product, b.origin, b.destination,
                b.start_date, b.end_date, b.nights, b.lead_days, b.party_size, b.amount,
                b.currency, "true" if c else "false", c.occurred_at if c else None,
                c.amount if c else None,
            )
        ]  # fmt: skip


def _gzip_csv(columns: list[str], rows: Iterator[list[Any]]) -> tuple[Any, int]:
    """(file positioned at 0, number of rows) of a gzip-compressed CSV with a header."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (returned)
    count = 0
    with gzip.GzipFile(fileobj=spool, mode="wb", mtime=0) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(row)
            count += 1
        text.flush()
        text.detach()
    spool.seek(0)
    return spool, count


@dataclass
class ExportSummary:
    days: int = 0
    events: int = 0
    booked_items: int = 0
    keys: int = 0


def analytics_export(
    *,
    since: date,
    until: date,
    bucket: str | None = None,
    client: Any = None,
    on_day: Callable[[date], None] | None = None,
) -> ExportSummary:
    """Write every day from `since` to `until` (inclusive) and the manifests to the bucket.

    Idempotent: each day's objects are replaced whole. `on_day` is called after each day
    (the command's progress bar).
    """
    bucket = bucket or settings.ANALYTICS_BUCKET
    client = client or s3_client()
    summary = ExportSummary()
    day = since
    while day <= until:
        for table, columns, rows in (
            ("events", EVENT_COLUMNS, event_rows(day)),
            ("bookings", BOOKING_COLUMNS, booking_rows(day)),
        ):
            body, count = _gzip_csv(columns, rows)
            with body:
                client.upload_fileobj(
                    body,
                    bucket,
                    partition_key(table, day),
                    ExtraArgs={"ContentType": "application/gzip"},
                )
            summary.keys += 1
            if table == "events":
                summary.events += count
            else:
                summary.booked_items += count
        summary.days += 1
        if on_day:
            on_day(day)
        day += timedelta(days=1)
    for table in ("events", "bookings"):
        client.put_object(
            Bucket=bucket,
            Key=f"{settings.ANALYTICS_PREFIX}manifests/{table}.json",
            Body=json.dumps(manifest(bucket=bucket, table=table), indent=2).encode(),
            ContentType="application/json",
        )
        summary.keys += 1
    return summary
