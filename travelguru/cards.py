"""Card numbers must never reach our storage or logs (invariant 5).

The front-end sends only provider tokens. Anything in a request body that looks like a
payment card number (13-19 digits, spaces or dashes allowed, passing the Luhn check) is
refused before any view, serializer or logger sees it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl

from django.http import HttpRequest, HttpResponse, JsonResponse

from travelguru.errors import PROBLEM_CONTENT_TYPE, problem

# 13-19 digits, each optionally followed by one space or dash.
_CANDIDATE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def looks_like_card_number(text: str) -> bool:
    if _UUID.fullmatch(text.strip()):  # ids such as hold ids are never card numbers
        return False
    for match in _CANDIDATE.finditer(text):
        digits = re.sub(r"[ -]", "", match.group())
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            return True
    return False


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, bool):
        return
    elif isinstance(value, int | float):
        yield str(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def contains_card_number(data: Any) -> bool:
    return any(looks_like_card_number(s) for s in _strings(data))


# Signed by the provider and never from a browser; event ids and timestamps are long numbers.
EXEMPT_PATHS = frozenset({"/api/payments/stripe/webhook"})


def _body_has_card_number(request: HttpRequest) -> bool:
    """JSON is walked field by field; a body that is not JSON (a form, text, or JSON that
    does not parse) is searched as text, so a card number cannot slip by in another shape."""
    raw = request.body or b""
    if request.content_type == "application/json":
        try:
            return contains_card_number(json.loads(raw or b"null"))
        except ValueError:  # malformed: the parser will answer it, but not with a card in it
            pass
    text = raw.decode("utf-8", errors="replace")
    if request.content_type == "application/x-www-form-urlencoded":
        text = "\n".join(f"{k}\n{v}" for k, v in parse_qsl(text, keep_blank_values=True))
    return looks_like_card_number_anywhere(text)


def looks_like_card_number_anywhere(text: str) -> bool:
    """Like looks_like_card_number, line by line (one field per line)."""
    return any(looks_like_card_number(line) for line in text.splitlines())


class CardNumberGuardMiddleware:
    """400 problem for any API write whose body holds something card-like."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method in ("POST", "PUT", "PATCH")
            and request.path.startswith("/api/")
            and request.path not in EXEMPT_PATHS
            and _body_has_card_number(request)
        ):
            return JsonResponse(
                problem(
                    status_code=400,
                    title="Card numbers are not accepted",
                    detail=(
                        "Send a payment token from the payment form, never a card "
                        "number. Nothing of this request was stored."
                    ),
                    code="card-number-refused",
                ),
                status=400,
                content_type=PROBLEM_CONTENT_TYPE,
            )
        return self.get_response(request)
