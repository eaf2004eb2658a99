"""JSON a client sends is bounded before anything walks it: nesting depth and valid text.

Python's `json` parser (and every recursive walk of what it returns: the card guard,
serializers, the idempotency hash) recurses once per nesting level, so 2 KB of `[[[[…`
exhausts the interpreter's stack: a RecursionError, i.e. a 500, for anyone. Our bodies
nest four levels at most; `MAX_JSON_DEPTH` leaves room for any sane client (Stripe's
events included) and refuses the rest with a 400 before the first parse.

JSON may also spell a lone UTF-16 surrogate (`"\\ud800"`): Python accepts it as a `str`,
but it is not text: it cannot be encoded to UTF-8, so storing it (MariaDB, SQLite) or
echoing it in an error message fails later. `lone_surrogate_path` finds one anywhere,
keys included, so the parser can refuse it up front.

No DRF import here: the middleware runs on every request, before DRF is loaded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from travelguru.errors import PROBLEM_CONTENT_TYPE, problem

MAX_JSON_DEPTH = 32

# A JSON string (skipped: brackets inside it are text) or one bracket.
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_OPENERS = frozenset(b"[{")
_SURROGATE = re.compile("[\ud800-\udfff]")
# A surrogate can only come from a \uD800-\uDFFF escape (raw surrogate bytes are not UTF-8).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class JsonTooDeep(ValueError):
    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"JSON nested deeper than {limit} levels")


def json_depth_check(raw: bytes | str, limit: int = MAX_JSON_DEPTH) -> None:
    """Raise JsonTooDeep if the JSON text `raw` nests arrays/objects deeper than `limit`.

    A lexical scan, no recursion and no parse: brackets inside strings do not count. Bodies
    with fewer brackets than the limit (nearly all) are passed on two byte counts."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if data.count(b"[") + data.count(b"{") <= limit:
        return
    depth = 0
    for match in _TOKEN.finditer(data):
        token = match.group()
        if len(token) != 1:
            continue  # a string
        if token[0] in _OPENERS:
            depth += 1
            if depth > limit:
                raise JsonTooDeep(limit)
        else:
            depth = max(depth - 1, 0)


def json_too_deep_problem(limit: int = MAX_JSON_DEPTH) -> dict[str, Any]:
    return problem(
        status_code=400,
        title="JSON nested too deeply",
        detail=f"Request bodies may nest arrays and objects at most {limit} levels deep.",
        code="json-too-deep",
        limit=limit,
    )


def may_hold_surrogate(raw: bytes) -> bool:
    """False when the JSON text `raw` cannot decode to a surrogate (the cheap common case)."""
    return _SURROGATE_ESCAPE.search(raw) is not None


def _printable(key: str) -> str:
    return key.encode("utf-8", "backslashreplace").decode("utf-8")


def lone_surrogate_path(data: Any) -> str | None:
    """Where parsed JSON holds a lone surrogate ("travelers.0.first_name"), or None.

    Iterative (no recursion), keys and values alike; the path shows a bad key escaped."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return path or "non_field_errors"
        elif isinstance(value, dict):
            for key, item in value.items():
                name = _printable(key) if isinstance(key, str) else str(key)
                here = f"{path}.{name}" if path else name
                if isinstance(key, str) and _SURROGATE.search(key):
                    return here
                stack.append((here, item))
        elif isinstance(value, list):
            stack.extend(
                (f"{path}.{index}" if path else str(index), item)
                for index, item in enumerate(value)
            )
    return None


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def query_not_text(query_string: str) -> str | None:
    """The name of the first query parameter whose name or value is not UTF-8 once
    percent-decoded (an encoded surrogate such as %ED%A0%80, an overlong %C0%AF), or None.

    Django would decode such bytes to U+FFFD and carry on with a value nobody sent."""
    from urllib.parse import unquote_to_bytes

    raw = query_string.encode("latin-1", "replace")  # WSGI: the bytes as latin-1 text
    if raw.isascii() and b"%" not in raw:
        return None
    for pair in raw.split(b"&"):
        name, _, value = pair.partition(b"=")
        for part in (name, value):
            try:
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                return unquote_to_bytes(name).decode("utf-8", "replace") or "query"
    return None


class JsonDepthLimitMiddleware:
    """400 problem for a JSON body nested deeper than MAX_JSON_DEPTH, before anything
    (the card guard, DRF's parser) parses it. Every method and path: a body is a body.
    Also a 400 for an API query string that is not UTF-8 text (see query_not_text)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            name = query_not_text(request.META.get("QUERY_STRING", ""))
            if name is not None:
                message = "Not valid text: it is not UTF-8 once percent-decoded."
                return JsonResponse(
                    problem(
                        status_code=400,
                        title="Invalid input",
                        detail=f"{name}: {message}",
                        code="invalid-text",
                        errors={name: [message]},
                    ),
                    status=400,
                    content_type=PROBLEM_CONTENT_TYPE,
                )
        if _is_json(request.META.get("CONTENT_TYPE", "")):
            try:
                json_depth_check(request.body)
            except JsonTooDeep as exc:
                return JsonResponse(
                    json_too_deep_problem(exc.limit),
                    status=400,
                    content_type=PROBLEM_CONTENT_TYPE,
                )
        return self.get_response(request)
