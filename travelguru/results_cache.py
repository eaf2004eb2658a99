"""Search answers kept in memory for a repeated identical search, never past a change.

A repeated search (the same validated query, page and page size) is answered from a
bounded in-process LRU (`RESULT_CACHE_SIZE` answers per process, each for at most
`RESULT_TTL_SECONDS`, like the CDN's `max-age`). The key holds a *version* of what the
answers of that kind (hotel, flight, car) are made of, shared by every process and Lambda
instance so that each sees a change at once. The versions live in a table of their own
(`travelguru.models.ResultsVersion`, a row per kind): one SELECT per search reads one, one
UPDATE per change sets fresh ones, both written out (`travelguru.sql`) as the throttle's
counter is. Django's database cache would take six round trips to set a key (a COUNT for
culling, then a SELECT and an UPDATE in a transaction of their own).

- inventory changes (holds, bookings, cancellations, expiries: the one place bookings
  change availability, `bookings.services.inventory`), rating changes
  (`reviews.services.rating_recompute`) and catalog edits in the admin or by the demo
  loader call `results_changed(...)`, which sets a fresh version **after the commit**
  (`transaction.on_commit`): set earlier, a search could store the old rows under the
  new version;
- a re-index (`sync_index`) sets fresh versions of every kind when it is done.

A version is a fresh random token, never a counter: two concurrent writers cannot bring
an old version back. A kind with no row (never changed, or a flushed table) is at version
"", and its next change writes the row: a lost row only costs misses. The version is read
*before* the answer is computed, so an answer is only ever stored under a version at
least as old as the rows it was computed from.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.conf import settings
from django.db import DatabaseError, transaction

from travelguru.models import ResultsVersion
from travelguru.sql import Query, Select, Table, execute, marks, statement

logger = logging.getLogger(__name__)

KINDS = ("hotel", "flight", "car", "place")  # place: airport and city autocomplete
# Answers kept per process; settings.SEARCH_RESULTS_CACHE_SIZE overrides (0: none kept).
RESULT_CACHE_SIZE = 256
RESULT_TTL_SECONDS = 60.0
_INVENTORY_KINDS = {"FlightFare": "flight", "RoomNight": "hotel", "CarDay": "car"}


class _Version(NamedTuple):
    version: str


# Written out: a search reads one version and a change sets them, where building the
# statements with the ORM cost more CPU than running them.
@statement()
def _version_query() -> Query[_Version]:
    table = Table(ResultsVersion)
    row = Select(_Version, version=table.c.version)
    return Query(f"SELECT {row} FROM {table} WHERE {table.c.kind} = %s", row)  # noqa: S608 # nosec B608


@statement()
def _bump_sql() -> str:
    """Parameters: the new version, then a kind per KINDS (the list padded by repeating one)."""
    table = Table(ResultsVersion)
    return (
        f"UPDATE {table} SET {table.c.version} = %s WHERE {table.c.kind} IN ({marks(len(KINDS))})"  # noqa: S608 # nosec B608
    )


@dataclass(frozen=True, slots=True)
class _Entry:
    value: Any
    expires: float  # time.monotonic()


_answers: OrderedDict[Hashable, _Entry] = OrderedDict()
_lock = threading.Lock()


def results_version(kind: str) -> str | None:
    """The current version of `kind`'s answers (None: it could not be read). A kind never
    changed (or whose row was lost) is at version "": its first change writes a row."""
    try:
        rows = _version_query().fetch([kind])
    except DatabaseError:  # answer without the cache, never fail the search for it
        logger.exception("search cache: could not read the results version")
        return None
    return rows[0].version if rows else ""


def _bump(kinds: tuple[str, ...]) -> None:
    padded = [*kinds, *[kinds[0]] * (len(KINDS) - len(kinds))]
    try:
        missing = execute(_bump_sql(), [uuid.uuid4().hex, *padded]) < len(set(kinds))
        if missing:  # the first change of a kind, or its row was lost: write the row
            ResultsVersion.objects.bulk_create(
                [ResultsVersion(kind=kind, version=uuid.uuid4().hex) for kind in set(kinds)],
                ignore_conflicts=True,
            )
            execute(_bump_sql(), [uuid.uuid4().hex, *padded])
    except DatabaseError:
        # The previous versions stay readable: cached answers may now outlive this change
        # by up to RESULT_TTL_SECONDS, the same as the CDN's copies.
        logger.exception("search cache: could not bump the results version of %s", kinds)


def results_changed(*kinds: str) -> None:
    """What `kinds` of search answers show changed: once committed, no cached one is used.

    Call it inside the writing transaction; with no kind, every kind."""
    bumped = kinds or KINDS
    transaction.on_commit(lambda: _bump(bumped))


def inventory_changed(model: type) -> None:
    """Availability of `model`'s rows (FlightFare, RoomNight, CarDay) is being changed in
    this transaction: `results_changed` for the kind of search that shows them."""
    results_changed(_INVENTORY_KINDS[model.__name__])


def results_changed_now(*kinds: str) -> None:
    """As `results_changed`, at once: for writers that run outside a transaction (re-index)."""
    _bump(kinds or KINDS)


def cached(
    kind: str, key: Hashable, compute: Callable[[], tuple[Any, float | None]]
) -> tuple[Any, bool]:
    """(answer, was cached) for `key` under the current version of `kind`.

    `compute()` gives (answer, seconds it stays true at most, or None for the default
    TTL); an answer of None is not kept (an error)."""
    version = results_version(kind)
    if version is None:
        return compute()[0], False
    full_key = (kind, version, key)
    now = time.monotonic()
    with _lock:
        entry = _answers.get(full_key)
        if entry is not None:
            if entry.expires > now:
                _answers.move_to_end(full_key)
                return entry.value, True
            del _answers[full_key]
    value, ttl = compute()
    if value is None:
        return value, False
    ttl = RESULT_TTL_SECONDS if ttl is None else min(ttl, RESULT_TTL_SECONDS)
    size = getattr(settings, "SEARCH_RESULTS_CACHE_SIZE", RESULT_CACHE_SIZE)
    if ttl > 0 and size > 0:
        with _lock:
            _answers[full_key] = _Entry(value, now + ttl)
            _answers.move_to_end(full_key)
            while len(_answers) > size:
                _answers.popitem(last=False)
    return value, False


def clear() -> None:
    """Forget every answer kept by this process."""
    with _lock:
        _answers.clear()
