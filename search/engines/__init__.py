"""Search engines behind one narrow interface; `get_engine()` picks one by settings.

An engine answers *candidates* (ids, static attributes, ranking) for destinations, hotels
and car offices. Prices and availability for the asked dates are always computed from the
database by the selectors, so a stale index can hide or show an item but never sells one.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from django.conf import settings

from search.engines.base import SearchEngine

ENGINES = {
    "local": "search.engines.local.LocalEngine",
    "cloudsearch": "search.engines.cloudsearch.CloudSearchEngine",
}


@cache
def _engine_class(name: str) -> type[SearchEngine]:
    try:
        dotted = ENGINES[name]
    except KeyError:
        choices = sorted(ENGINES)
        raise LookupError(f"unknown SEARCH_BACKEND {name!r}; choose from {choices}") from None
    module, _, cls = dotted.rpartition(".")
    return getattr(import_module(module), cls)


def get_engine() -> SearchEngine:
    return _engine_class(settings.SEARCH_BACKEND)()
