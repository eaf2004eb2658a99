"""Every error the API answers is `application/problem+json` (RFC 9457).

Domain code raises a `DomainError` subclass with a stable machine-readable `code`; one DRF
exception handler turns those, DRF's own exceptions and validation errors into problems.
Django-level 404/500 (outside DRF) use the same shape.
"""

from __future__ import annotations

from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://travelguru.example/problems/"


class DomainError(Exception):
    """A business rule said no. Subclasses set `code`, `status` and `title`."""

    code = "domain-error"
    status = status.HTTP_409_CONFLICT
    title = "The request conflicts with the current state"

    def __init__(
        self, detail: str | None = None, *, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        self.detail = detail or self.title
        self.extra = extra
        self.headers = headers or {}  # e.g. Retry-After on a 429
        super().__init__(self.detail)


class NotFound(DomainError):
    code = "not-found"
    status = status.HTTP_404_NOT_FOUND
    title = "Not found"


class InvalidInput(DomainError):
    """Input that parses but cannot be served (e.g. an unknown airport code)."""

    code = "invalid-input"
    status = status.HTTP_400_BAD_REQUEST
    title = "Invalid input"

    def __init__(self, detail: str | None = None, *, field: str | None = None, **extra: Any):
        super().__init__(detail, **extra)
        if field:
            self.extra.setdefault("errors", {field: [self.detail]})


def problem(
    *, status_code: int, title: str, detail: str, code: str, **extra: Any
) -> dict[str, Any]:
    return {
        "type": TYPE_BASE + code,
        "title": title,
        "status": status_code,
        "detail": detail,
        "code": code,
        **extra,
    }


def _flatten(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error structure → {"field.sub": ["message", ...]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = "non_field_errors" if key == "non_field_errors" else str(key)
            flat.update(_flatten(value, f"{prefix}.{name}" if prefix else name))
    elif isinstance(errors, list):
        if all(not isinstance(item, dict | list) for item in errors):
            flat.setdefault(prefix or "non_field_errors", []).extend(str(e) for e in errors)
        else:
            for index, item in enumerate(errors):
                flat.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat.setdefault(prefix or "non_field_errors", []).append(str(errors))
    return flat


def _problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    response = Response(body, status=body["status"], content_type=PROBLEM_CONTENT_TYPE)
    for key, value in (headers or {}).items():
        response[key] = value
    return response


# Seconds a client should wait before retrying when the database is away.
DATABASE_RETRY_AFTER = "5"


def database_unavailable_problem() -> dict[str, Any]:
    return problem(
        status_code=503,
        title="Service unavailable",
        detail="The database is not reachable; try again in a few seconds.",
        code="database-unavailable",
    )


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, OperationalError | InterfaceError):
        # Cannot connect, or the connection died mid-request. Lock waits never get here
        # (bookings turns them into inventory-busy). Django drops the broken connection at
        # the end of the request, so the next one reconnects by itself.
        return _problem_response(
            database_unavailable_problem(), {"Retry-After": DATABASE_RETRY_AFTER}
        )
    if isinstance(exc, DomainError):
        return _problem_response(
            problem(
                status_code=exc.status, title=exc.title, detail=exc.detail, code=exc.code,
                **exc.extra,
            ),
            exc.headers,
        )  # fmt: skip
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        return _problem_response(
            problem(
                status_code=400,
                title="Invalid input",
                detail="; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items()),
                code="validation-error",
                errors=errors,
            )
        )
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "wait", None) is not None:
            headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
        if getattr(exc, "auth_header", None):  # set by DRF on 401: how to authenticate
            headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return _problem_response(
            problem(
                status_code=exc.status_code,
                title=str(exc.default_detail),
                detail=str(detail),
                code=str(exc.default_code).replace("_", "-"),
            ),
            headers,
        )
    return None


def _json_problem(status_code: int, title: str, detail: str, code: str) -> JsonResponse:
    return JsonResponse(
        problem(status_code=status_code, title=title, detail=detail, code=code),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
    )


class DatabaseUnavailableMiddleware:
    """The same 503 for paths outside DRF (admin, /healthz's neighbours, the home page)."""

    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        response = JsonResponse(
            database_unavailable_problem(), status=503, content_type=PROBLEM_CONTENT_TYPE
        )
        response["Retry-After"] = DATABASE_RETRY_AFTER
        return response


def not_found_view(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_problem(404, "Not found", f"Nothing at {request.path}.", "not-found")


def server_error_view(request: HttpRequest) -> JsonResponse:
    return _json_problem(500, "Internal error", "Something went wrong on our side.", "internal")


def bad_request_view(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    from django.core.exceptions import RequestDataTooBig

    if isinstance(exception, RequestDataTooBig):  # a body over DATA_UPLOAD_MAX_MEMORY_SIZE
        from django.conf import settings

        from travelguru.security import request_too_large

        return request_too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return _json_problem(400, "Bad request", "The request could not be understood.", "bad-request")
