"""GET /api/airports?q= and GET /api/cities?q=: autocomplete, best match first."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from search.apis.common import (
    PageAnswer,
    PublicCacheMixin,
    cached_page,
    index_freshness,
    page_answer,
)
from search.selectors.places import airport_suggestions, city_suggestions
from travelguru.serializers import page_of, parse_query, problem_responses

# Suggestions per (kind, normalised text, index refresh time), least recently used out
# first. The refresh time is in the key, so a re-index (by any process: the scheduled sync
# runs elsewhere) makes every older entry unreachable; no stale suggestion outlives it.
SUGGESTION_CACHE_SIZE = 1024
_suggestions: OrderedDict[tuple[str, str, str | None], list[Any]] = OrderedDict()
_suggestions_lock = threading.Lock()


def cached_suggestions(
    kind: str, text: str, indexed_at: str | None, fetch: Callable[[str], list[Any]]
) -> list[Any]:
    if indexed_at is None:  # never indexed: nothing to tell a re-index apart by
        return list(fetch(text))
    key = (kind, " ".join(text.casefold().split()), indexed_at)
    with _suggestions_lock:
        if key in _suggestions:
            _suggestions.move_to_end(key)
            return _suggestions[key]
    found = list(fetch(text))
    with _suggestions_lock:
        _suggestions[key] = found
        _suggestions.move_to_end(key)
        while len(_suggestions) > SUGGESTION_CACHE_SIZE:
            _suggestions.popitem(last=False)
    return found


def _airports(text: str) -> list[Any]:
    return airport_suggestions(text=text)


def _cities(text: str) -> list[Any]:
    return city_suggestions(text=text)


def _cached_page(
    view: APIView, request: Request, query: dict[str, Any], kind: str, fetch: Callable
) -> Response:
    """The serialized page from the search answer cache (travelguru.results_cache, kind "place": a
    re-index or a catalog edit makes it unreachable), else from the suggestions."""

    def answer() -> tuple[PageAnswer, None]:
        freshness = index_freshness()
        items = cached_suggestions(kind, query["q"], freshness["indexed_at"], fetch)
        return page_answer(
            view=view,
            request=request,
            items=items,
            serializer_class=view.OutputSerializer,  # type: ignore[attr-defined]
            extra=freshness,
        ), None  # fmt: skip

    return cached_page(
        request=request, kind="place", query={"of": kind, **query}, fold=("q",), answer=answer
    )


class _QuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        min_length=1,
        max_length=100,
        trim_whitespace=True,
        help_text="Code, name or city; word prefixes match, accents are ignored",
    )
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=50)

    class Meta:
        ref_name = "AutocompleteInput"


def _autocomplete_schema(name: str, output: type[serializers.Serializer]) -> Callable:
    """The schema of an autocomplete endpoint answering a page (`name`) of `output`."""
    return extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True, description="e.g. `lon`, `JFK`, `zuri`"),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int, description="Up to 50 (default 20)"),
        ],
        responses={
            200: page_of(
                name, output(many=True), indexed_at=serializers.DateTimeField(allow_null=True)
            ),
            **problem_responses(400, 404),
        },
    )


class AirportAutocompleteApi(PublicCacheMixin, APIView):
    """Airports whose IATA code, name or city starts with `q`; an exact code ranks first."""

    cache_max_age = 300

    class OutputSerializer(serializers.Serializer):
        code = serializers.CharField(help_text="IATA code")
        name = serializers.CharField()
        city = serializers.CharField(source="city_name")
        city_id = serializers.IntegerField(allow_null=True)
        country_code = serializers.CharField()
        timezone = serializers.CharField(help_text="IANA time zone")
        latitude = serializers.FloatField()
        longitude = serializers.FloatField()

    @_autocomplete_schema("AirportPage", OutputSerializer)
    def get(self, request: Request) -> Response:
        query = parse_query(_QuerySerializer, request)
        return _cached_page(self, request, query, "airport", _airports)


class CityAutocompleteApi(PublicCacheMixin, APIView):
    """Cities we fly to or have hotels in, for hotel search's `city`."""

    cache_max_age = 300

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        country_code = serializers.CharField()
        timezone = serializers.CharField(help_text="IANA time zone")
        latitude = serializers.FloatField()
        longitude = serializers.FloatField()
        airports = serializers.ListField(child=serializers.CharField(), help_text="IATA codes")

    @_autocomplete_schema("CityPage", OutputSerializer)
    def get(self, request: Request) -> Response:
        query = parse_query(_QuerySerializer, request)
        return _cached_page(self, request, query, "city", _cities)
