"""Decorators for other apps' API views: one line per view records its event.

Each wraps a DRF view method, lets it answer, then calls an `analytics.services` recorder
with what the answer says (only successful answers count; a replayed idempotent answer is
not a second booking). They read the response the traveler gets, so they cannot disagree
with it, and they never touch the view's own logic or transactions.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from analytics import services

View = Callable[..., Any]
PAYMENT_FAILURE_CODES = {"payment-declined", "payment-timeout", "payment-provider-error"}


def search_recorded(product: str) -> Callable[[View], View]:
    """Record a search of `product` (flight, hotel, car) with its latency in ms."""

    def decorate(method: View) -> View:
        @functools.wraps(method)
        def wrapper(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            response = method(self, request, *args, **kwargs)
            if response.status_code == 200:
                services.event_search_record(
                    session_id=services.session_id_from(request),
                    product=product,
                    params=request.query_params,
                    results_count=response.data.get("count", 0),
                    results=response.data.get("results") or (),
                    latency_ms=(time.perf_counter() - started) * 1000,
                    now=timezone.now(),
                )
            return response

        return wrapper

    return decorate


def offer_view_recorded(method: View) -> View:
    @functools.wraps(method)
    def wrapper(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        response = method(self, request, *args, **kwargs)
        if response.status_code == 200:
            services.event_offer_view_record(
                session_id=services.session_id_from(request),
                product=response.data.get("kind", ""),
                price=response.data.get("price"),
                now=timezone.now(),
            )
        return response

    return wrapper


def hold_recorded(method: View) -> View:
    @functools.wraps(method)
    def wrapper(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        response = method(self, request, *args, **kwargs)
        if response.status_code == 201:
            services.event_hold_record(
                session_id=services.session_id_from(request),
                hold=response.data,
                now=timezone.now(),
            )
        return response

    return wrapper


def booking_recorded(method: View) -> View:
    """Record a confirmed booking (201) or a failed payment (402, or a 502/504 raised)."""

    @functools.wraps(method)
    def wrapper(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        session_id = services.session_id_from(request)
        try:
            response = method(self, request, *args, **kwargs)
        except Exception as exc:
            code = getattr(exc, "code", "")
            if code in PAYMENT_FAILURE_CODES:
                services.event_payment_failure_record(
                    session_id=session_id, code=code, now=timezone.now()
                )
            raise
        if response.get("Idempotent-Replayed"):
            return response
        data = response.data or {}
        if response.status_code == 201:
            services.event_booking_record(session_id=session_id, booking=data, now=timezone.now())
        elif data.get("code") in PAYMENT_FAILURE_CODES:
            services.event_payment_failure_record(
                session_id=session_id,
                code=data["code"],
                decline_code=str(data.get("decline_code", "")),
                now=timezone.now(),
            )
        return response

    return wrapper


def cancellation_recorded(method: View) -> View:
    @functools.wraps(method)
    def wrapper(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        response = method(self, request, *args, **kwargs)
        if response.status_code == 200:
            services.event_cancellation_record(
                session_id=services.session_id_from(request),
                booking=response.data,
                now=timezone.now(),
            )
        return response

    return wrapper
