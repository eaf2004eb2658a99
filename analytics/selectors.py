"""Aggregations behind the analytics dashboard, its CSV downloads and the export.

Every selector takes an inclusive range of UTC days and answers a `Table` (column names and
rows of plain values), so the same numbers feed a chart, a CSV file and a test. The SQL is
plain GROUP BY / ORDER BY … LIMIT … OFFSET, which SQLite and MariaDB answer alike.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from analytics.models import Event, EventKind, Product

PRODUCTS = [p.value for p in Product]
PERCENTILES = (50, 90, 95, 99)
LEAD_BUCKETS = ((0, 3), (4, 7), (8, 14), (15, 30), (31, 60), (61, 90), (91, None))
STAY_BUCKETS = ((1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 6), (7, 7), (8, 14), (15, None))


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[Any, ...]] = field(default_factory=list)


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00 UTC, the day after end 00:00 UTC)."""
    return (
        datetime.combine(start, time(), tzinfo=UTC),
        datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC),
    )


def events_between(*, start: date, end: date, kind: str | None = None) -> QuerySet[Event]:
    low, high = day_bounds(start, end)
    events = Event.objects.filter(occurred_at__gte=low, occurred_at__lt=high)
    return events.filter(kind=kind) if kind else events


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def activity_per_day(*, start: date, end: date) -> Table:
    """Searches and booked items per day and product (every day of the range, zeros too)."""
    counts = (
        events_between(start=start, end=end)
        .filter(kind__in=[EventKind.SEARCH, EventKind.BOOKING])
        .annotate(day=TruncDate("occurred_at"))
        .values_list("day", "kind", "product")
        .annotate(n=Count("id"))
    )
    found = {(day, kind, product): n for day, kind, product, n in counts}
    columns = ["day"] + [f"{kind}es_{p}" if kind == "search" else f"{kind}s_{p}"
                         for kind in ("search", "booking") for p in PRODUCTS]  # fmt: skip
    rows = [
        (
            day.isoformat(),
            *(found.get((day, kind, p), 0) for kind in ("search", "booking") for p in PRODUCTS),
        )  # fmt: skip
        for day in _days(start, end)
    ]
    return Table(columns, rows)


def destination_labels(codes: Iterable[str]) -> dict[str, str]:
    """IATA code -> its city's name for the codes that are airports; one query.

    Flights and cars are searched by airport, hotels by city: naming airports by their
    city lets "Paris" count CDG, ORY and Paris hotels together.
    """
    from catalog.models import Airport

    codes = {c for c in codes if len(c) == 3 and c.isupper()}
    if not codes:
        return {}
    return dict(Airport.objects.filter(iata__in=codes).values_list("iata", "city__name"))


def top_destinations(*, start: date, end: date, kind: str, limit: int = 10) -> Table:
    """Most searched (kind=search) or booked (kind=booking) destinations, any product."""
    counts = (
        events_between(start=start, end=end, kind=kind)
        .exclude(destination="")
        .values_list("destination")
        .annotate(n=Count("id"))
        .order_by("-n", "destination")[: limit * 3]
    )
    labels = destination_labels(dest for dest, _ in counts)
    merged: Counter[str] = Counter()
    for dest, n in counts:
        merged[labels.get(dest, dest)] += n
    ranked = sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return Table(["destination", kind + "es" if kind == "search" else kind + "s"], ranked)


def funnel(*, start: date, end: date) -> Table:
    """Searches -> holds -> bookings (holds and bookings counted once per trip)."""
    events = events_between(start=start, end=end)
    stages = events.aggregate(
        searches=Count("id", filter=Q(kind=EventKind.SEARCH)),
        holds=Count("group_key", filter=Q(kind=EventKind.HOLD), distinct=True),
        bookings=Count("group_key", filter=Q(kind=EventKind.BOOKING), distinct=True),
    )
    first = stages["searches"]
    rows = [
        (stage, n, round(100 * n / first, 2) if first else None)
        for stage, n in (
            ("search", stages["searches"]),
            ("hold", stages["holds"]),
            ("booking", stages["bookings"]),
        )
    ]
    return Table(["stage", "count", "percent_of_searches"], rows)


def _bucket_label(low: int, high: int | None) -> str:
    if high is None:
        return f"{low}+"
    return str(low) if low == high else f"{low}-{high}"


def _histogram(values: Iterable[int], buckets: tuple[tuple[int, int | None], ...]) -> list:
    counts = Counter(values)
    return [
        (
            _bucket_label(low, high),
            sum(n for v, n in counts.items() if v >= low and (high is None or v <= high)),
        )
        for low, high in buckets
    ]


def lead_time_distribution(*, start: date, end: date) -> Table:
    """Booked items by days between booking and the start of the trip."""
    values = (
        events_between(start=start, end=end, kind=EventKind.BOOKING)
        .exclude(lead_days=None)
        .values_list("lead_days")
        .annotate(n=Count("id"))
    )
    flat = [v for v, n in values for _ in range(n)]
    return Table(["lead_days", "booked_items"], _histogram(flat, LEAD_BUCKETS))


def length_of_stay(*, start: date, end: date) -> Table:
    """Booked hotel stays by number of nights."""
    values = (
        events_between(start=start, end=end, kind=EventKind.BOOKING)
        .filter(product=Product.HOTEL)
        .exclude(nights=None)
        .values_list("nights")
        .annotate(n=Count("id"))
    )
    flat = [v for v, n in values for _ in range(n)]
    return Table(["nights", "hotel_bookings"], _histogram(flat, STAY_BUCKETS))


def _cents(value: Decimal | None) -> Decimal:
    # SQLite sums decimals without their scale: 80 rather than 80.00.
    return (value or Decimal("0")).quantize(Decimal("0.01"))


def revenue(*, start: date, end: date) -> Table:
    """Booked amounts per currency and product, and what was refunded of them by now."""
    booked = events_between(start=start, end=end, kind=EventKind.BOOKING)
    sums = booked.values_list("currency", "product").annotate(total=Sum("amount"), n=Count("id"))
    refunds = (
        Event.objects.filter(
            kind=EventKind.CANCELLATION,
            group_key__in=booked.values("group_key"),
        )
        .values_list("currency", "product")
        .annotate(total=Sum("amount"))
    )
    refunded = {(c, p): _cents(total) for c, p, total in refunds}
    rows = sorted(
        (currency, product, n, _cents(total), refunded.get((currency, product), _cents(None)))
        for currency, product, total, n in sums
    )
    return Table(["currency", "product", "booked_items", "booked", "refunded"], rows)


def cancellation_rate(*, start: date, end: date) -> Table:
    """Of the bookings made in the range, how many are cancelled by now, per product."""
    booked = events_between(start=start, end=end, kind=EventKind.BOOKING)
    cancelled_keys = Event.objects.filter(
        kind=EventKind.CANCELLATION, group_key__in=booked.values("group_key")
    ).values("group_key")
    per_product = booked.values_list("product").annotate(
        bookings=Count("group_key", distinct=True),
        cancelled=Count("group_key", distinct=True, filter=Q(group_key__in=cancelled_keys)),
    )
    found = {p: (b, c) for p, b, c in per_product}
    totals = booked.aggregate(
        bookings=Count("group_key", distinct=True),
        cancelled=Count("group_key", distinct=True, filter=Q(group_key__in=cancelled_keys)),
    )
    rows = []
    for label, (b, c) in [
        *((p, found.get(p, (0, 0))) for p in PRODUCTS),
        ("all", (totals["bookings"], totals["cancelled"])),
    ]:
        rows.append((label, b, c, round(100 * c / b, 2) if b else None))
    return Table(["product", "bookings", "cancelled", "cancellation_percent"], rows)


def failed_payments(*, start: date, end: date) -> Table:
    """Failed payment attempts per day and reason (decline code or failure)."""
    counts = (
        events_between(start=start, end=end, kind=EventKind.PAYMENT_FAILURE)
        .annotate(day=TruncDate("occurred_at"))
        .values_list("day", "detail")
        .annotate(n=Count("id"))
    )
    per_day: dict[date, dict[str, int]] = defaultdict(dict)
    reasons: set[str] = set()
    for day, reason, n in counts:
        per_day[day][reason] = n
        reasons.add(reason)
    ordered = sorted(reasons)
    rows = [
        (day.isoformat(), *(per_day[day].get(r, 0) for r in ordered)) for day in _days(start, end)
    ]
    return Table(["day", *ordered], rows)


def search_latency_percentiles(*, start: date, end: date) -> Table:
    """p50/p90/p95/p99 search latency (ms) per product, nearest-rank method.

    Each percentile is one `ORDER BY latency_ms LIMIT 1 OFFSET k` query: exact, the same on
    SQLite and MariaDB, and it never loads the range's latencies into memory.
    """
    searches = events_between(start=start, end=end, kind=EventKind.SEARCH).exclude(latency_ms=None)
    counts = dict(searches.values_list("product").annotate(n=Count("id")))
    rows = []
    for product in PRODUCTS:
        n = counts.get(product, 0)
        ordered = searches.filter(product=product).order_by("latency_ms")
        values = []
        for p in PERCENTILES:
            if not n:
                values.append(None)
                continue
            rank = max(1, math.ceil(p / 100 * n))
            values.append(ordered.values_list("latency_ms", flat=True)[rank - 1])
        rows.append((product, n, *values))
    return Table(["product", "searches", *(f"p{p}_ms" for p in PERCENTILES)], rows)


CHARTS = {
    "activity": ("Searches and bookings per day", activity_per_day),
    "top_searched": (
        "Top searched destinations",
        lambda **k: top_destinations(kind=EventKind.SEARCH, **k),
    ),
    "top_booked": (
        "Top booked destinations",
        lambda **k: top_destinations(kind=EventKind.BOOKING, **k),
    ),
    "funnel": ("Conversion funnel", funnel),
    "lead_time": ("Booking lead time (days)", lead_time_distribution),
    "length_of_stay": ("Length of stay (nights)", length_of_stay),
    "revenue": ("Revenue by currency and product", revenue),
    "cancellations": ("Cancellation rate", cancellation_rate),
    "failed_payments": ("Failed payments per day", failed_payments),
    "latency": ("Search latency percentiles (ms)", search_latency_percentiles),
}


def chart_table(*, chart: str, start: date, end: date) -> Table:
    """The table behind one chart of the dashboard (KeyError for an unknown chart)."""
    return CHARTS[chart][1](start=start, end=end)
