"""Export analytics days to S3 for QuickSight (a daily Zappa event runs this in production)."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from analytics.export import analytics_export

MAX_DAYS = 3660


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = (
        "Write events and booking facts as gzip CSV, one file per UTC day "
        "(events/dt=YYYY-MM-DD/…), plus QuickSight manifests, to ANALYTICS_BUCKET. "
        "Re-running a day replaces it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="First day to export (default: yesterday, UTC)")
        parser.add_argument("--until", help="Last day to export (default: yesterday, UTC)")
        parser.add_argument("--bucket", help="Override ANALYTICS_BUCKET")

    def handle(self, *args, **options) -> None:
        from tqdm import tqdm

        yesterday = timezone.now().date() - timedelta(days=1)
        until = _day(options["until"]) if options["until"] else yesterday
        since = _day(options["since"]) if options["since"] else min(yesterday, until)
        if since > until:
            raise CommandError(f"--since {since} is after the last day exported ({until}).")
        if (until - since).days >= MAX_DAYS:
            raise CommandError(f"Export at most {MAX_DAYS} days at once.")
        bucket = options["bucket"] or settings.ANALYTICS_BUCKET
        if not bucket:
            raise CommandError("Set ANALYTICS_BUCKET (or pass --bucket).")
        days = (until - since).days + 1
        with tqdm(total=days, desc="export", unit=" days", disable=None) as bar:
            summary = analytics_export(
                since=since, until=until, bucket=bucket, on_day=lambda _: bar.update(1)
            )
        self.stdout.write(
            f"Exported {summary.days} day(s) {since}..{until}: {summary.events} events, "
            f"{summary.booked_items} booked items, {summary.keys} objects to "
            f"s3://{bucket}/{settings.ANALYTICS_PREFIX} (manifests/events.json, "
            "manifests/bookings.json)."
        )
