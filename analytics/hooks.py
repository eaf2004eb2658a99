"""Decorators for other apps' API views: one line per view records its event.

Each wraps a DRF view method, lets it answer, then calls an `analytics.services` recorder
with what the answer says (only successful answers count; a replayed idempotent answer is
not a second booking). They read the response the traveler gets, so they cannot disagree
with it, and they never touch the view's own logic or transactions.

The recorder runs when the server closes the response (`after_response`): under gunicorn
that is after the body has been sent, so the traveler never waits for our INSERT. Under
Zappa the handler closes the response before returning it to API Gateway, so there the
INSERT is part of the request (about one commit's time; see bench/analytics_overhead.py).
`ANALYTICS_RECORDING=false` switches all of it off.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from analytics import services
from travelguru.django_private import on_response_close

logger = logging.getLogger(__name__)

View = Callable[..., Any]
PAYMENT_FAILURE_CODES = {"payment-declined", "payment-timeout", "payment-provider-error"}


def after_response(response: Any, record: Callable[[], None]) -> None:
    """Run `record` when the response is closed (after it was sent), never raising.

    Every WSGI server calls a response's `close()` once the body is out, before
    `request_finished` closes the DB connection (travelguru.django_private).
    """

    def run() -> None:
        try:
            record()
        except Exception:  # analytics must never break (or slow) the traveler's request
            logger.exception("analytics: could not record an event")

    if not on_response_close(response, run):
        run()


@dataclass(frozen=True)
class Answer:
    """A successful answer as a recorder sees it."""

    request: Any
    data: Any
    now: datetime
    latency_ms: float

    @property
    def session_id(self) -> str:
        return services.session_id_from(self.request)


def recorded(status: int, record: Callable[[Answer], None]) -> Callable[[View], View]:
    """A view decorator that passes every `status` answer to `record` once it is sent.

    A replayed idempotent answer (Idempotent-Replayed) is the first one again, already
    recorded, so it is passed over.
    """

    def decorate(method: View) -> View:
        @functools.wraps(method)
        def wrapper(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            if not settings.ANALYTICS_RECORDING:
                return method(self, request, *args, **kwargs)
            started = time.perf_counter()
            response = method(self, request, *args, **kwargs)
            if response.status_code == status and not response.get("Idempotent-Replayed"):
                answer = Answer(
                    request=request,
                    data=response.data,
                    latency_ms=(time.perf_counter() - started) * 1000,
                    now=timezone.now(),
                )
                after_response(response, lambda: record(answer))
            return response

        return wrapper

    return decorate


def search_recorded(product: str) -> Callable[[View], View]:
    """Record a search of `product` (flight, hotel, car) with its latency in ms."""
    return recorded(
        200,
        lambda answer: services.event_search_record(
            session_id=answer.session_id,
            product=product,
            params=answer.request.query_params,
            results_count=answer.data.get("count", 0),
            results=answer.data.get("results") or (),
            latency_ms=answer.latency_ms,
            now=answer.now,
        ),
    )


offer_view_recorded = recorded(
    200,
    lambda answer: services.event_offer_view_record(
        session_id=answer.session_id,
        product=answer.data.get("kind", ""),
        price=answer.data.get("price"),
        now=answer.now,
    ),
)

hold_recorded = recorded(
    201,
    lambda answer: services.event_hold_record(
        session_id=answer.session_id, hold=answer.data, now=answer.now
    ),
)

cancellation_recorded = recorded(
    200,
    lambda answer: services.event_cancellation_record(
        session_id=answer.session_id, booking=answer.data, now=answer.now
    ),
)


def booking_recorded(method: View) -> View:
    """Record a confirmed booking (201) or a failed payment (402, or a 502/504 raised)."""

    @functools.wraps(method)
    def wrapper(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        if not settings.ANALYTICS_RECORDING:
            return method(self, request, *args, **kwargs)
        session_id = services.session_id_from(request)
        try:
            response = method(self, request, *args, **kwargs)
        except Exception as exc:
            code = getattr(exc, "code", "")
            if code in PAYMENT_FAILURE_CODES:
                # No response object to wait for: record now (the request failed anyway).
                after_response(
                    None,
                    lambda: services.event_payment_failure_record(
                        session_id=session_id, code=code, now=timezone.now()
                    ),
                )
            raise
        if response.get("Idempotent-Replayed"):
            return response
        now, data = timezone.now(), response.data or {}
        if response.status_code == 201:
            after_response(
                response,
                lambda: services.event_booking_record(session_id=session_id, booking=data, now=now),
            )
        elif data.get("code") in PAYMENT_FAILURE_CODES:
            after_response(
                response,
                lambda: services.event_payment_failure_record(
                    session_id=session_id,
                    code=data["code"],
                    decline_code=str(data.get("decline_code", "")),
                    now=now,
                ),
            )
        return response

    return wrapper
