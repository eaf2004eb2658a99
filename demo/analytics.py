"""Demo analytics history: months of plausible, anonymous events so the dashboard has a
story on a fresh `make run` (load_demo_data calls this after the catalog).

Deterministic for a seed: the same seed and day give the same rows. Destinations, cities
and currencies come from the loaded catalog; volumes grow slowly with a weekly rhythm;
about 9% of searches lead to a hold, 60% of holds to a booking, and 8% of bookings are
cancelled later. Written with bulk INSERTs; demo rows are told apart by their session ids
(`demo-…`) so a reload replaces them and leaves real events alone.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection, transaction

from analytics.models import Event, EventKind, Product
from travelguru.sql import Table

SESSION_PREFIX = "demo-"
BATCH = 2000
BASE_SEARCHES_PER_DAY = 220
PRODUCT_MIX = ((Product.FLIGHT, 0.45), (Product.HOTEL, 0.4), (Product.CAR, 0.15))
LATENCY_MEDIAN_MS = {Product.FLIGHT: 140.0, Product.HOTEL: 70.0, Product.CAR: 35.0}
LEAD_DAYS = ((0, 3, 0.12), (4, 14, 0.28), (15, 45, 0.33), (46, 90, 0.19), (91, 200, 0.08))
NIGHTS = ((1, 0.14), (2, 0.22), (3, 0.22), (4, 0.14), (5, 0.1), (7, 0.1), (10, 0.05), (14, 0.03))
PARTY = ((1, 0.38), (2, 0.42), (3, 0.1), (4, 0.1))
DECLINES = (("card_declined", 0.7), ("insufficient_funds", 0.2), ("payment-timeout", 0.1))


def _pick(rng: random.Random, weighted) -> object:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _catalog() -> dict[str, list]:
    """(code or city, currency) choices per product, most popular first."""
    from catalog.models import Airport, Hotel, RentalOffice

    airports = list(
        Airport.objects.order_by("-city__population", "iata").values_list("iata", "city__currency")[
            :60
        ]
    )
    cities = list(
        Hotel.objects.order_by("-city__population", "city__name")
        .values_list("city__name", "currency")
        .distinct()[:40]
    )
    offices = list(
        RentalOffice.objects.order_by("-airport__city__population", "airport__iata")
        .values_list("airport__iata", "currency")
        .distinct()[:40]
    )
    return {Product.FLIGHT: airports, Product.HOTEL: cities, Product.CAR: offices}


def _popular(rng: random.Random, choices: list) -> tuple:
    """Zipf-like: the n-th most populous place is searched about 1/n^0.8 as often."""
    return rng.choices(choices, cum_weights=_cumulative(len(choices)))[0]


def _cumulative(n: int, _cache: dict[int, list[float]] = {}) -> list[float]:  # noqa: B006
    if n not in _cache:
        total, weights = 0.0, []
        for i in range(n):
            total += 1 / (i + 1) ** 0.8
            weights.append(total)
        _cache[n] = weights
    return _cache[n]


def _price(rng: random.Random, product: str, party: int, nights: int | None) -> Decimal:
    if product == Product.FLIGHT:
        each = rng.uniform(80, 650) * (1.8 if nights else 1)
        value = each * party
    elif product == Product.HOTEL:
        value = rng.uniform(70, 320) * (nights or 1) * (1 if party <= 2 else 2)
    else:
        value = rng.uniform(30, 95) * (nights or 1)
    return Decimal(str(round(value, 2)))


def history_events(*, seed: int, end: date, days: int) -> list[Event]:
    """The demo events for the `days` days before `end` (exclusive)."""
    rng = random.Random(seed)  # noqa: S311 (seeded demo data, not secrets)
    places = _catalog()
    if not all(places.values()):
        return []
    events: list[Event] = []
    booking_no = 0
    start = end - timedelta(days=days)
    for offset in range(days):
        day = start + timedelta(days=offset)
        trend = 1 + 0.004 * offset
        weekly = 1.22 if day.weekday() in (5, 6) else (1.08 if day.weekday() == 0 else 1.0)
        searches = int(BASE_SEARCHES_PER_DAY * trend * weekly * rng.uniform(0.85, 1.15))
        midnight = datetime.combine(day, time(), tzinfo=UTC)
        for _ in range(searches):
            session = f"{SESSION_PREFIX}{rng.getrandbits(48):012x}"
            at = midnight + timedelta(seconds=rng.randrange(86_400))
            product = _pick(rng, PRODUCT_MIX)
            low, high = _pick(rng, [((lo, hi), w) for lo, hi, w in LEAD_DAYS])  # type: ignore[misc]
            lead = rng.randint(low, high)
            begin = day + timedelta(days=lead)
            party = _pick(rng, PARTY)
            nights: int | None
            if product == Product.FLIGHT:
                nights = rng.choice((None, None, 3, 4, 5, 7, 7, 10, 14))
                origin, _c = _popular(rng, places[Product.FLIGHT])
                destination, _c = _popular(rng, places[Product.FLIGHT])
                currency = "USD"  # the demo airlines sell in dollars
                if destination == origin:
                    continue
                party_size: int | None = party
            elif product == Product.HOTEL:
                nights = _pick(rng, NIGHTS)  # type: ignore[assignment]
                origin, (destination, currency) = "", _popular(rng, places[Product.HOTEL])
                party_size = party
            else:
                nights = rng.randint(1, 10)
                origin, (destination, currency) = "", _popular(rng, places[Product.CAR])
                party_size = None
            end_day = begin + timedelta(days=nights) if nights else None
            latency = LATENCY_MEDIAN_MS[product] * math.exp(rng.gauss(0, 0.45))
            results = 0 if rng.random() < 0.05 else rng.randint(1, 60)
            common = {
                "session_id": session, "product": product, "origin": origin,
                "destination": destination, "start_date": begin, "end_date": end_day,
                "nights": nights, "party_size": party_size,
            }  # fmt: skip
            events.append(
                Event(
                    kind=EventKind.SEARCH, occurred_at=at, lead_days=lead, results_count=results,
                    latency_ms=round(latency, 3), **common,
                )
            )  # fmt: skip
            if not results or rng.random() > 0.38:
                continue
            price = _price(rng, product, party_size or 1, nights)
            money = {"amount": price, "currency": currency}
            at += timedelta(seconds=rng.randint(20, 600))
            events.append(Event(kind=EventKind.OFFER_VIEW, occurred_at=at, session_id=session,
                                product=product, **money))  # fmt: skip
            if rng.random() > 0.24:
                continue
            at += timedelta(seconds=rng.randint(20, 300))
            booking_no += 1
            lead_then = (begin - at.date()).days
            item = {**common, "lead_days": lead_then, **money, "position": 0}
            events.append(
                Event(kind=EventKind.HOLD, occurred_at=at, group_key=f"demo-h{booking_no}", **item)
            )
            attempt = rng.random()
            if attempt < 0.07:
                events.append(
                    Event(kind=EventKind.PAYMENT_FAILURE, session_id=session,
                          occurred_at=at + timedelta(seconds=40), detail=_pick(rng, DECLINES))
                )  # fmt: skip
                if rng.random() < 0.5:
                    continue  # gave up
            elif attempt > 0.67:
                continue  # let the hold expire
            booked_at = at + timedelta(seconds=rng.randint(60, 400))
            key = f"demo-b{booking_no}"
            events.append(
                Event(kind=EventKind.BOOKING, occurred_at=booked_at, group_key=key,
                      **{**item, "lead_days": (begin - booked_at.date()).days})
            )  # fmt: skip
            cancel_day = booked_at + timedelta(
                days=rng.randint(1, 30), seconds=rng.randint(0, 9999)
            )
            if rng.random() < 0.08 and cancel_day.date() < min(end, begin):
                refund = (price * Decimal(rng.choice(("1", "1", "0.5", "0")))).quantize(
                    Decimal("0.01")
                )
                events.append(
                    Event(kind=EventKind.CANCELLATION, occurred_at=cancel_day, session_id=session,
                          product=product, group_key=key, position=0, amount=refund,
                          currency=currency)
                )  # fmt: skip
    # A late-night search may be followed by a hold after midnight: history stops at `end`.
    cutoff = datetime.combine(end, time(), tzinfo=UTC)
    return [e for e in events if e.occurred_at < cutoff]


def load_demo_history(*, seed: int, now: datetime, days: int = 120) -> int:
    """Replace the demo events with `days` days of history up to yesterday; returns rows."""
    events = history_events(seed=seed, end=now.date(), days=days)
    with transaction.atomic():
        Event.objects.filter(session_id__startswith=SESSION_PREFIX).delete()
        Event.objects.filter(group_key__startswith=SESSION_PREFIX).delete()
        _insert(events)
    return len(events)


def _insert(events: list[Event]) -> None:
    """Multi-row INSERTs through the DB-API's executemany.

    `bulk_create` compiles every row of every statement (SQLite allows few rows per
    statement), which dominates a load of tens of thousands of events; executemany with
    values adapted once per column type compiles the statement once.
    """
    ops = connection.ops
    fields = [f for f in Event._meta.concrete_fields if not f.primary_key]
    adapters = []
    for f in fields:
        kind = f.get_internal_type()
        if kind == "DateTimeField":
            adapters.append(ops.adapt_datetimefield_value)
        elif kind == "DateField":
            adapters.append(ops.adapt_datefield_value)
        elif kind == "DecimalField":
            adapters.append(lambda v: ops.adapt_decimalfield_value(v, 12, 2))
        else:
            adapters.append(None)
    table = Table(Event)
    columns = table.columns(*(f.name for f in fields))
    placeholders = ", ".join(["%s"] * len(fields))
    # Our own quoted table and column names; every value is a query parameter.
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 # nosec B608
    attnames = [f.attname for f in fields]
    with connection.cursor() as cursor:
        for i in range(0, len(events), BATCH):
            rows = []
            for event in events[i : i + BATCH]:
                row = []
                for name, adapt in zip(attnames, adapters, strict=True):
                    value = getattr(event, name)
                    row.append(adapt(value) if adapt and value is not None else value)
                rows.append(row)
            cursor.executemany(sql, rows)
