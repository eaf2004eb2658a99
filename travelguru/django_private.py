"""Every use of Django's private attributes, in one place, each with a test that fails loudly
when a Django upgrade changes it (tests/travelguru/test_django_private.py).

Django documents no public way to do either of these, and both pay for themselves (a service
that has just written rows hands them to its serializer without reading them back; analytics
records after the body is sent). Keeping them here means an upgrade has one module and one
test file to read, not a hunt through the apps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Model
from django.http import HttpResponseBase


def prefetched_rows_set(instance: Model, related_name: str, rows: Iterable[Model]) -> None:
    """Make `instance.<related_name>.all()` give `rows` without a query, exactly as
    prefetch_related leaves it: a queryset whose results are filled in (`.order_by()` or
    `.filter()` on it still query).

    Private: QuerySet._result_cache / _prefetch_done (what prefetch_related_objects sets)
    and Model._prefetched_objects_cache (what a related manager's get_queryset() reads).
    """
    queryset = getattr(instance, related_name).get_queryset()
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}  # type: ignore[attr-defined]
    instance._prefetched_objects_cache[related_name] = queryset  # type: ignore[attr-defined]


def on_response_close(response: Any, callback: Callable[[], None]) -> bool:
    """Call `callback` when the server closes `response` (after its body was sent, before
    `request_finished` closes the database connection). False, with nothing registered, for
    an object that is not a Django response: the caller decides what to do then.

    Private: HttpResponseBase._resource_closers, the list close() calls (Django uses it
    for file responses' file handles).
    """
    if not isinstance(response, HttpResponseBase):
        return False
    response._resource_closers.append(callback)  # type: ignore[attr-defined]
    return True
