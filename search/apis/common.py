"""Input rules shared by the search endpoints: travel dates, paging, comma lists."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from travelguru.pagination import PageNumberPagination


def today_anywhere(now: datetime | None = None) -> date:
    """The earliest calendar date still "today" somewhere on Earth (UTC-12).

    A traveler in Honolulu may search for today while it is tomorrow in UTC; dates before
    this one are in the past for everyone. Departures already gone are filtered later.
    """
    now = now or timezone.now()
    return (now - timedelta(hours=12)).date()


def horizon_end(today: date) -> date:
    """The last date inventory may be searched or sold for."""
    return today + timedelta(days=settings.INVENTORY_HORIZON_DAYS)


class TravelDateField(serializers.DateField):
    """A date that is neither in the past nor beyond the inventory horizon."""

    default_error_messages = {
        "past": "This date is in the past.",
        "beyond_horizon": "We sell up to {days} days ahead; choose a date until {last}.",
    }

    def to_internal_value(self, value: Any) -> date:
        day = super().to_internal_value(value)
        today = today_anywhere()
        if day < today:
            self.fail("past")
        last = horizon_end(today)
        if day > last:
            self.fail("beyond_horizon", days=settings.INVENTORY_HORIZON_DAYS, last=last)
        return day


class CommaListField(serializers.ListField):
    """`amenities=wifi,pool` (or repeated `amenities=wifi&amenities=pool`) as a list."""

    def get_value(self, dictionary: Any) -> Any:
        if hasattr(dictionary, "getlist") and self.field_name in dictionary:
            raw = dictionary.getlist(self.field_name)
            return [part.strip() for item in raw for part in item.split(",") if part.strip()]
        return super().get_value(dictionary)


def index_freshness() -> dict[str, str | None]:
    """`indexed_at`: when the search index was last refreshed (results may lag it)."""
    from search.engines import get_engine

    moment = get_engine().indexed_at()
    return {"indexed_at": moment.isoformat() if moment else None}


@dataclass(frozen=True)
class PageAnswer:
    """One page of a result list, before it becomes a response (the cacheable part)."""

    count: int
    results: list[Any]
    extra: dict[str, Any]
    number: int
    has_next: bool
    has_previous: bool


def page_answer(
    *,
    view: APIView,
    request: Request,
    items: Sequence[Any],
    serializer_class: type[serializers.Serializer],
    extra: dict[str, Any] | None = None,
    expand: Callable[[list[Any]], list[Any]] | None = None,
    page_context: Callable[[list[Any]], dict[str, Any]] | None = None,
) -> PageAnswer:
    """Page a computed result list and serialize the page shown.

    `expand(page)` turns the shown page's items into what the serializer takes, and
    `page_context(page)` gives the serializer what only that page needs (batched reads for
    the page, not for every result)."""
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(items, request, view=view) or []  # type: ignore[arg-type]
    if expand is not None:
        page = expand(page)
    context = page_context(page) if page_context else {}
    shown = paginator.page
    return PageAnswer(
        count=shown.paginator.count,
        results=list(serializer_class(page, many=True, context=context).data),
        extra=extra or {},
        number=shown.number,
        has_next=shown.has_next(),
        has_previous=shown.has_previous(),
    )


def page_response(request: Request, answer: PageAnswer) -> Response:
    """`count`, `next`, `previous`, `results` (+ extra keys), links built for this request
    exactly as DRF's PageNumberPagination builds them."""
    url = request.build_absolute_uri()
    param = PageNumberPagination.page_query_param
    previous = None
    if answer.has_previous:
        number = answer.number - 1
        previous = (
            remove_query_param(url, param)
            if number == 1
            else replace_query_param(url, param, number)
        )
    body = {
        "count": answer.count,
        "next": replace_query_param(url, param, answer.number + 1) if answer.has_next else None,
        "previous": previous,
        "results": answer.results,
        **answer.extra,
    }
    return Response(body)


def paginated(**kwargs: Any) -> Response:
    """`page_answer` as a response (see there for the arguments)."""
    return page_response(kwargs["request"], page_answer(**kwargs))


def _key_part(value: Any, fold: bool) -> Hashable:
    if isinstance(value, str):
        return " ".join(value.casefold().split()) if fold else value
    if isinstance(value, list | tuple):
        return tuple(_key_part(v, fold) for v in value)
    return value  # dates, numbers, Decimals: hashable, equal when equal


def cached_page(
    *,
    request: Request,
    kind: str,
    query: dict[str, Any],
    answer: Callable[[], tuple[PageAnswer, float | None]],
    fold: Sequence[str] = (),
) -> Response:
    """The page for `query` from the search results cache (`travelguru.results_cache`), or computed.

    The key is the validated query (parameter order, defaults and spelling normalised; the
    free-text fields in `fold` compared case-insensitively): page and page size are in it,
    the links are built per request. `answer()` gives the page and how many seconds it
    stays true at most (None: the cache's TTL)."""
    from travelguru import results_cache as cache

    key = tuple(sorted((name, _key_part(value, name in fold)) for name, value in query.items()))
    page, _ = cache.cached(kind, key, answer)
    return page_response(request, page)


class PublicCacheMixin:
    """Search answers that API Gateway/CloudFront (and browsers) may keep for a short while.

    `Cache-Control: public, max-age=N` on a 200 to a request without credentials; the
    answer depends only on the URL (query string) and these request headers, hence
    `Vary: Accept, Accept-Encoding, Origin` (Origin: the CORS headers differ per origin).
    A request carrying Authorization or a cookie keeps the API default (no-store): its
    answer is never shared. A hold re-checks price and availability, so a result list up
    to N seconds old costs at most a 409 on hold, never a wrong sale.
    """

    cache_max_age: int = 60

    def finalize_response(self, request, response, *args, **kwargs):
        from django.utils.cache import patch_vary_headers

        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if (
            request.method in ("GET", "HEAD")
            and response.status_code == 200
            and not request.headers.get("Authorization")
            and not request.headers.get("Cookie")
        ):
            response.headers["Cache-Control"] = f"public, max-age={self.cache_max_age}"
            patch_vary_headers(response, ("Accept", "Accept-Encoding", "Origin"))
        return response
