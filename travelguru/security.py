"""HTTP hardening the API needs on every response: a body size limit and strict headers.

Django's SecurityMiddleware already sends X-Content-Type-Options, Referrer-Policy, HSTS
(production) and the clickjacking middleware X-Frame-Options; JSON answers also get a CSP
that lets them load nothing and be framed by nobody. The traveler app's own CSP (the HTML
pages at /) is set where those pages are served, not here.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from travelguru.errors import PROBLEM_CONTENT_TYPE, problem
from travelguru.rate_counter import rate_hit

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
_STRICT_PREFIXES = ("/api/", "/healthz")
# The Swagger UI page loads its script and styles; it keeps Django's defaults.
_HTML_PAGES = ("/api/docs/",)


def request_too_large(limit: int) -> JsonResponse:
    return JsonResponse(
        problem(
            status_code=413,
            title="Request body too large",
            detail=f"Request bodies are limited to {limit} bytes.",
            code="request-too-large",
            limit=limit,
        ),
        status=413,
        content_type=PROBLEM_CONTENT_TYPE,
    )


class RequestSizeLimitMiddleware:
    """413 problem for a body announced larger than DATA_UPLOAD_MAX_MEMORY_SIZE.

    Runs before anything reads the body. A body without Content-Length (chunked) is still
    capped by Django when `request.body` is read, and that answer is a 413 too
    (travelguru.errors.bad_request_view).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return request_too_large(limit)
        return self.get_response(request)


class ApiSecurityHeadersMiddleware:
    """A locked-down CSP and no-store caching for API (JSON) answers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(_STRICT_PREFIXES) and not request.path.startswith(_HTML_PAGES):
            response.headers.setdefault("Content-Security-Policy", API_CSP)
            if request.method not in ("GET", "HEAD") or "Authorization" in request.headers:
                # Personal answers (bookings, tokens) are never kept by shared caches.
                response.headers.setdefault("Cache-Control", "no-store")
        return response


class CountedRateThrottle(SimpleRateThrottle):
    """DRF's rate throttle, counted in the database with one UPDATE per allowed request.

    DRF's own keeps each client's request history (a list of up to `rate` timestamps) in
    the Django cache; on the database cache every request then paid a read, a COUNT(*)
    cull check and a locked read-and-write of that pickled list on every request. Here the
    count is a row of travelguru.RateCounter, shared by every process alike.
    Scopes, rates (THROTTLE_RATES), keys and Retry-After are DRF's.
    """

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self._wait = rate_hit(
            key=self.key, limit=self.num_requests, period=self.duration, now=timezone.now()
        )
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


class AnonymousRateThrottle(CountedRateThrottle, AnonRateThrottle):
    """Per client IP, for requests without a login (IP as DRF sees it: NUM_PROXIES)."""

    scope = "anon"


class TravelerRateThrottle(CountedRateThrottle, UserRateThrottle):
    """Per logged-in traveler; anonymous requests are left to AnonymousRateThrottle."""

    scope = "user"

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)
