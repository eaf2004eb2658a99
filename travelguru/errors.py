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

    code: str = "domain-error"
    status: int = status.HTTP_409_CONFLICT
    title: str = "The request conflicts with the current state"

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


class InvalidFields(DomainError):
    """Input that breaks a business rule on named fields (a taken email, an unknown sub-score).

    Services raise it instead of a serializer's validation error, which is HTTP's business;
    the answer is the one a serializer's error gets, so a client cannot tell which layer
    refused: 400 `validation-error`, a detail naming each field, and `errors` per field."""

    code = "validation-error"
    status = status.HTTP_400_BAD_REQUEST
    title = "Invalid input"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        fields = {
            field: [str(message) for message in messages] for field, messages in errors.items()
        }
        super().__init__(_fields_detail(fields), errors=fields)


def _fields_detail(errors: dict[str, list[str]]) -> str:
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())


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


class ProblemResponse(Response):
    """A problem is JSON whatever renderer the view negotiated: the schema view's first
    renderer is YAML, and a YAML body under a problem+json content type is no problem."""

    @property
    def rendered_content(self):
        from travelguru.parsers import JSONRenderer

        self.accepted_renderer = JSONRenderer()
        self.accepted_media_type = PROBLEM_CONTENT_TYPE
        return super().rendered_content


def _problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    response = ProblemResponse(body, status=body["status"], content_type=PROBLEM_CONTENT_TYPE)
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
                detail=_fields_detail(errors),
                code=getattr(exc, "problem_code", "validation-error"),
                errors=errors,
            )
        )
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "wait", None) is not None:
            headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
        if getattr(exc, "auth_header", None):  # set by DRF on 401: how to authenticate
            headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
        code = _exception_code(exc)
        return _problem_response(
            problem(
                status_code=exc.status_code,
                title=problem_title(exc.status_code, code),
                detail=_human_detail(exc.detail),
                code=code,
            ),
            headers,
        )
    return None


# One fixed title per problem type (RFC 9457: the title does not change from occurrence to
# occurrence). DRF's own default_detail is a message template ("Method \"{method}\" not
# allowed."), not a title. Codes not listed get the HTTP status phrase.
_TITLES = {
    "bad-request": "Bad request",
    "parse-error": "Malformed request body",
    "json-too-deep": "JSON nested too deeply",
    "authentication-failed": "Authentication failed",
    "token-not-valid": "Invalid or expired token",
    "user-not-found": "Authentication failed",
    "user-inactive": "Authentication failed",
    "not-authenticated": "Authentication required",
    "permission-denied": "Permission denied",
    "not-found": "Not found",
    "method-not-allowed": "Method not allowed",
    "not-acceptable": "Not acceptable",
    "unsupported-media-type": "Unsupported media type",
    "throttled": "Too many requests",
}


def problem_title(status_code: int, code: str) -> str:
    from http import HTTPStatus

    if code in _TITLES:
        return _TITLES[code]
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return "Error"


def _exception_code(exc: exceptions.APIException) -> str:
    """The code of this occurrence (simplejwt says token_not_valid on an AuthenticationFailed)."""
    detail = exc.detail
    if isinstance(detail, dict):
        detail = detail.get("detail", "")
    code = getattr(detail, "code", None) or exc.default_code
    return str(code).replace("_", "-")


def _human_detail(detail: Any) -> str:
    """A sentence for people, whatever shape the exception carried: simplejwt's InvalidToken
    carries {"detail", "code", "messages"}; never a Python repr of it."""
    if isinstance(detail, dict):
        if "detail" in detail:
            return _human_detail(detail["detail"])
        return " ".join(_human_detail(v) for v in detail.values())
    if isinstance(detail, list):
        return " ".join(_human_detail(item) for item in detail)
    return str(detail)


def _json_problem(status_code: int, title: str, detail: str, code: str) -> JsonResponse:
    return JsonResponse(
        problem(status_code=status_code, title=title, detail=detail, code=code),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
    )


class DatabaseUnavailableMiddleware:
    """The same 503 for paths outside DRF (admin, /healthz's neighbours, the home page)."""

    def __init__(self, get_response):
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


# The Swagger UI page is HTML by design (that page only, not what lies under it).
_API_HTML_PAGES = frozenset({"/api/docs/"})


class ApiProblemMiddleware:
    """Every error answered under /api/ is problem+json, whatever produced it.

    DRF's handler covers its views, handler404/500 cover Django when DEBUG is off; with
    DEBUG on (`manage.py runserver`) Django answers an unmatched URL or a crash with its
    HTML debug page instead, and any non-DRF view (the schema's, the healthz neighbours')
    may answer a plain error of its own. This replaces such an answer with the problem of
    the same status, keeping the headers that tell the client what to do next."""

    _KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate", "Vary")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith("/api/")
            or request.path in _API_HTML_PAGES
            or response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE)
        ):
            return response
        status_code = response.status_code
        if status_code == 404:
            replaced = not_found_view(request)
        elif status_code == 500:
            replaced = server_error_view(request)
        else:
            from http import HTTPStatus

            try:
                code = HTTPStatus(status_code).name.lower().replace("_", "-")
            except ValueError:
                code = "error"
            title = problem_title(status_code, code)
            replaced = _json_problem(status_code, title, f"{title}.", code)
        for header in self._KEPT_HEADERS:
            if header in response:
                replaced[header] = response[header]
        return replaced
