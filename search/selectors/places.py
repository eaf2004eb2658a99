"""Autocomplete for airports and cities, answered by the search engine."""

from __future__ import annotations

from search.engines import get_engine
from search.engines.base import Destination
from search.models import DocumentKind

MAX_SUGGESTIONS = 50


def airport_suggestions(*, text: str, limit: int = MAX_SUGGESTIONS) -> list[Destination]:
    return get_engine().destinations(text=text, kinds=[DocumentKind.AIRPORT], limit=limit)


def city_suggestions(*, text: str, limit: int = MAX_SUGGESTIONS) -> list[Destination]:
    return get_engine().destinations(text=text, kinds=[DocumentKind.CITY], limit=limit)
