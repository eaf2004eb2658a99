"""Request counters shared by every process: the API throttles (travelguru.security) and the
login limits (accounts.services) count in the same table, one row per key.

Plumbing below every app: the project's throttles and an app's login rules both need it,
and neither owns the other.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F

from travelguru.models import RateCounter
from travelguru.sql import Table, adapt_datetimes, execute, statement

# One new counter in this many also deletes the counters whose window ended a day ago, so
# the table holds about a day's clients; the deletion is an indexed range on window_ends.
RATE_COUNTER_PURGE_ONE_IN = 64
RATE_COUNTER_KEPT = timedelta(days=1)
RATE_KEY_MAX_LENGTH = RateCounter._meta.get_field("key").max_length or 191


def rate_hit(
    *, key: str, limit: int, period: int, now: datetime, _retry: bool = True
) -> float | None:
    """Count one request against `key`'s budget of `limit` per `period` seconds.

    Returns None when the request is allowed, else the seconds until the window ends (the
    answer's Retry-After). A window starts at the key's first request and lasts `period`,
    so a client gets at most `limit` requests in it (2 x limit across a window's end, where
    DRF's own sliding log would have been exact). The common case, a request within
    budget, is one UPDATE in autocommit: the row lock serialises concurrent requests of the
    same client, and `hits < limit` in the WHERE means no request is ever over-counted past
    the budget. The rest (first request, new window, over budget) reads the row. A key too
    long for the column (a forwarded-for address is what the client says) is hashed.
    """
    key = _rate_key(key)
    if _rate_counter_count(key=key, limit=limit, now=now):
        return None
    counter = RateCounter.objects.filter(key=key)
    row = counter.values_list("window_ends", "hits").first()
    if row is not None and row[0] > now and row[1] >= limit:
        return (row[0] - now).total_seconds()
    if row is not None:  # the window has ended: this request opens the next one
        opened = counter.filter(window_ends__lte=now).update(
            window_ends=now + timedelta(seconds=period), hits=1
        )
    else:
        opened = _rate_counter_create(key=key, window_ends=now + timedelta(seconds=period), now=now)
    if opened:
        return None
    if not _retry:  # lost the race twice within one request: refuse rather than loop
        return float(period)
    # Another request of this client opened the window first: count against it.
    return rate_hit(key=key, limit=limit, period=period, now=now, _retry=False)


def _rate_key(key: str) -> str:
    if len(key) > RATE_KEY_MAX_LENGTH:
        return "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


# Written out: every API request runs it, and the ORM spent more CPU building the UPDATE
# than the database running it.
@statement()
def _count_sql() -> str:
    """Parameters: key, now, limit."""
    t, c = Table(RateCounter), Table(RateCounter).c
    return (
        f"UPDATE {t} SET {c.hits} = {c.hits} + 1"  # noqa: S608 # nosec B608
        f" WHERE {c.key} = %s AND {c.window_ends} > %s AND {c.hits} < %s"
    )


def _rate_counter_count(*, key: str, limit: int, now: datetime) -> bool:
    """Count one request in `key`'s open window if it is within budget (one UPDATE)."""
    return execute(_count_sql(), [key, *adapt_datetimes(now), limit]) == 1


def _rate_counter_create(*, key: str, window_ends: datetime, now: datetime) -> bool:
    try:
        with transaction.atomic():
            RateCounter.objects.create(key=key, window_ends=window_ends, hits=1)
    except IntegrityError:  # created meanwhile by a concurrent request of the same client
        return False
    if secrets.randbelow(RATE_COUNTER_PURGE_ONE_IN) == 0:
        RateCounter.objects.filter(window_ends__lt=now - RATE_COUNTER_KEPT).delete()
    return True


def rate_give_back(*, key: str) -> None:
    """Return one request to `key`'s budget (a login that turned out right)."""
    RateCounter.objects.filter(key=_rate_key(key), hits__gt=0).update(hits=F("hits") - 1)
