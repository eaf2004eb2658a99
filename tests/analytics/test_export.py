"""export_analytics against moto's S3 server on loopback, reading back what was written."""

from __future__ import annotations

import csv
import gzip
import io
import json
import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from analytics.export import BOOKING_COLUMNS, EVENT_COLUMNS, analytics_export
from analytics.models import Event, EventKind
from tests.factories.analytics import EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def s3(moto_s3_endpoint, aws_test_credentials, settings):
    """A fresh bucket on the moto server; settings point the real boto3 code path at it."""
    settings.ANALYTICS_S3_ENDPOINT_URL = moto_s3_endpoint
    settings.ANALYTICS_BUCKET = f"analytics-{uuid.uuid4().hex[:12]}"
    settings.ANALYTICS_PREFIX = ""
    client = boto3.client("s3", region_name=settings.AWS_REGION, endpoint_url=moto_s3_endpoint)
    client.create_bucket(
        Bucket=settings.ANALYTICS_BUCKET,
        CreateBucketConfiguration={"LocationConstraint": settings.AWS_REGION},
    )
    client.bucket = settings.ANALYTICS_BUCKET
    return client


def keys(s3) -> list[str]:
    listed = s3.list_objects_v2(Bucket=s3.bucket)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def read_csv(s3, key: str) -> list[dict[str, str]]:
    body = s3.get_object(Bucket=s3.bucket, Key=key)["Body"].read()
    text = gzip.decompress(body).decode()
    rows = list(csv.reader(io.StringIO(text)))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]], rows[0]


def test_export_writes_one_gzip_csv_per_day_and_table_plus_manifests(s3, small_history):
    summary = analytics_export(
        since=datetime(2026, 11, 1).date(), until=datetime(2026, 11, 3).date()
    )

    assert keys(s3) == [
        "bookings/dt=2026-11-01/bookings.csv.gz",
        "bookings/dt=2026-11-02/bookings.csv.gz",
        "bookings/dt=2026-11-03/bookings.csv.gz",
        "events/dt=2026-11-01/events.csv.gz",
        "events/dt=2026-11-02/events.csv.gz",
        "events/dt=2026-11-03/events.csv.gz",
        "manifests/bookings.json",
        "manifests/events.json",
    ]
    # Nov 1: 3 searches, 2 hold items, 2 booked items (7); Nov 2: 2 searches, 1 hold item,
    # 1 booked item, 2 cancelled items, 2 failed payments (8); Nov 3: search, booking, failure.
    assert (summary.days, summary.events, summary.booked_items, summary.keys) == (3, 18, 4, 8)
    events, header = read_csv(s3, "events/dt=2026-11-01/events.csv.gz")
    assert header == EVENT_COLUMNS
    assert [(e["kind"], e["product"], e["destination"]) for e in events] == [
        ("search", "hotel", "Paris"),
        ("search", "flight", "JFK"),
        ("hold", "hotel", ""),
        ("hold", "car", ""),
        ("booking", "hotel", "Paris"),
        ("booking", "car", "LHR"),
        ("search", "hotel", "Paris"),
    ]
    assert events[1]["latency_ms"] == "100.0"
    assert events[0]["occurred_at"] == "2026-11-01T00:00:00+00:00"


def test_booking_facts_carry_their_cancellation(s3, small_history):
    analytics_export(since=datetime(2026, 11, 1).date(), until=datetime(2026, 11, 1).date())

    rows, header = read_csv(s3, "bookings/dt=2026-11-01/bookings.csv.gz")

    assert header == BOOKING_COLUMNS
    assert [
        (r["booking_key"], r["position"], r["product"], r["destination"], r["nights"],
         r["lead_days"], r["amount"], r["currency"], r["cancelled"], r["cancelled_at"],
         r["refunded"])
        for r in rows
    ] == [
        ("b1", "0", "hotel", "Paris", "2", "10", "200.00", "EUR", "true",
         "2026-11-02T12:00:00+00:00", "100.00"),
        ("b1", "1", "car", "LHR", "2", "10", "80.00", "EUR", "true",
         "2026-11-02T12:00:00+00:00", "80.00"),
    ]  # fmt: skip


def test_manifest_points_quicksight_at_every_day(s3, settings):
    analytics_export(since=datetime(2026, 11, 1).date(), until=datetime(2026, 11, 1).date())

    body = s3.get_object(Bucket=s3.bucket, Key="manifests/events.json")["Body"].read()

    assert json.loads(body) == {
        "fileLocations": [{"URIPrefixes": [f"s3://{s3.bucket}/events/"]}],
        "globalUploadSettings": {
            "format": "CSV", "delimiter": ",", "textqualifier": '"', "containsHeader": "true",
        },
    }  # fmt: skip


def test_re_running_a_day_replaces_it(s3, small_history):
    day = datetime(2026, 11, 2).date()
    analytics_export(since=day, until=day)
    Event.objects.filter(kind=EventKind.PAYMENT_FAILURE).delete()
    EventFactory.create(kind=EventKind.SEARCH, occurred_at=datetime(2026, 11, 2, 18, tzinfo=UTC))

    analytics_export(since=day, until=day)

    events, _ = read_csv(s3, "events/dt=2026-11-02/events.csv.gz")
    assert len(events) == 7  # 8 written first, minus the 2 failures, plus the new search
    assert not [e for e in events if e["kind"] == "payment_failure"]
    assert len(keys(s3)) == 4


def test_a_day_without_events_is_written_as_a_header_only_file(s3):
    day = datetime(2026, 1, 1).date()

    analytics_export(since=day, until=day)

    assert read_csv(s3, "events/dt=2026-01-01/events.csv.gz") == ([], EVENT_COLUMNS)
    assert read_csv(s3, "bookings/dt=2026-01-01/bookings.csv.gz") == ([], BOOKING_COLUMNS)


def test_the_command_exports_yesterday_by_default_and_says_what_it_did(s3, capsys):
    yesterday = timezone.now() - timedelta(days=1)
    EventFactory.create(kind=EventKind.SEARCH, occurred_at=yesterday)
    EventFactory.create(kind=EventKind.SEARCH, occurred_at=timezone.now())  # today: not yet

    call_command("export_analytics")

    day = yesterday.date().isoformat()
    out = capsys.readouterr().out
    assert out.strip() == (
        f"Exported 1 day(s) {day}..{day}: 1 events, 0 booked items, 4 objects to "
        f"s3://{s3.bucket}/ (manifests/events.json, manifests/bookings.json)."
    )
    assert len(read_csv(s3, f"events/dt={day}/events.csv.gz")[0]) == 1


def test_the_command_takes_since(s3, small_history, capsys):
    call_command("export_analytics", "--since", "2026-11-01", "--until", "2026-11-03")

    assert "Exported 3 day(s) 2026-11-01..2026-11-03: 18 events, 4 booked items" in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "yesterday"], "Not a date"),
        (["--since", "2026-11-05", "--until", "2026-11-01"], "is after"),
    ],
)
def test_the_command_refuses_bad_dates(s3, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("export_analytics", *args)
    assert keys(s3) == []


def test_the_command_needs_a_bucket(settings):
    settings.ANALYTICS_BUCKET = ""

    with pytest.raises(CommandError, match="Set ANALYTICS_BUCKET"):
        call_command("export_analytics")
