"""Card numbers must never reach our storage or logs (invariant 5).

The front-end sends only provider tokens. This middleware runs before any view, serializer,
form or logger of ours reads a request, on every path (the API, the admin, the pages), and
refuses, without reading further:

- a card number (travelguru.card_numbers) in the path or the query string (as Django
  decodes it, and as the raw string decodes as UTF-8): 400;
- a card number in any header (User-Agent is logged; Idempotency-Key, X-Session-Id and
  cookies are stored), except a few whose values are machine-made digests or credentials
  that nobody types and we neither store nor log, and the Referer, which is only logged and
  masked there (UNSCANNED_HEADERS): 400. Refused rather than masked: a stored header (an
  idempotency key, a session id) that we rewrote would mean something else;
- a body in a media type or charset the path does not take: the API takes only
  `application/json` in UTF-8 (no charset, or charset=utf-8); other paths (the admin's
  forms) take that and `application/x-www-form-urlencoded` or `multipart/form-data`, in
  UTF-8 as well: 415 for anything else. DRF would otherwise parse `*/*` or `application/*`
  as JSON, and Django and DRF decode a body (and Django a query string) in whatever
  charset the request names, cp037 and utf-7 included, where a card number's bytes are
  not digits;
- a card number in a body we accept, read exactly as the parser will read it: JSON decoded
  from UTF-8 and walked field by field (keys and values, at any depth), forms as Django
  parses them (multipart parts' transfer encodings included), and the raw text as well: 400.

The API's parser (travelguru.parsers.JSONParser) holds the same media type and
charset rule and decodes with `load_json_body`, so there is no gap between what is checked
here and what a view gets.

A refused request is still written to the access log; travelguru.log_masking masks it there.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.http import parse_header_parameters

# Re-exported: what counts as a card number lives in one place.
from travelguru.card_numbers import (  # noqa: F401
    contains_card_number,
    looks_like_card_number,
    luhn_valid,
    might_hold_card,
    strings_in,
)
from travelguru.errors import PROBLEM_CONTENT_TYPE, problem

API_PREFIX = "/api/"
API_MEDIA_TYPES = frozenset({"application/json"})
FORM_MEDIA_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
# Outside the API: the admin's forms, and JSON for any DRF view mounted elsewhere.
PAGE_MEDIA_TYPES = API_MEDIA_TYPES | FORM_MEDIA_TYPES

# Signed by the provider and never from a browser; event ids and timestamps are long
# numbers. Its body is exempt, not its address. Amazon SNS posts its JSON as text/plain.
EXEMPT_PATHS = frozenset({"/api/payments/stripe/webhook", "/api/notifications/ses-events"})

# Machine-made values: hex digests and trace ids hold long digit runs that pass Luhn by
# chance (about 1 in 500 X-Amzn-Trace-Id values would), and none is stored or logged.
UNSCANNED_HEADERS = frozenset(
    {
        "HTTP_AUTHORIZATION",
        "HTTP_STRIPE_SIGNATURE",
        "HTTP_IF_NONE_MATCH",
        "HTTP_IF_MATCH",
        "HTTP_X_AMZN_TRACE_ID",
        "HTTP_X_AMZ_CF_ID",
        "HTTP_TRACEPARENT",
        "HTTP_TRACESTATE",
        "HTTP_SENTRY_TRACE",
        "HTTP_CONTENT_LENGTH",
        # Masked in the logs, not refused: the browser writes it from the page's address,
        # where the traveler app keeps what was typed into a search form. Refusing it would
        # fail every call from that page; nothing of ours stores it, and every log that
        # has it masks it (travelguru.log_masking) or redacts it (the WAF log).
        "HTTP_REFERER",
    }
)


def is_utf8(charset: str | None) -> bool:
    """No charset (UTF-8 by default), or a name of UTF-8 itself ("utf-8", "UTF8", "utf_8")."""
    if charset is None:
        return True
    try:
        return codecs.lookup(charset).name == "utf-8"
    except LookupError:
        return False


def media_type_refusal(content_type: str, accepted: Iterable[str]) -> str | None:
    """Why a body declared as `content_type` is refused, or None if it is accepted."""
    accepted = sorted(accepted)
    try:
        media_type, params = parse_header_parameters(content_type)
    except ValueError:  # longer than Django reads
        media_type, params = "", {}
    if media_type not in accepted:
        shown = media_type[:100] or "nothing"
        return f"Request bodies must be {' or '.join(accepted)}; this one was declared {shown}."
    if not is_utf8(params.get("charset")):
        return (
            f"Request bodies must be UTF-8 (send no charset, or charset=utf-8); this one "
            f"was declared charset={params['charset'][:40]}."
        )
    return None


def load_json_body(raw: bytes) -> Any:
    """The JSON document a body holds, decoded the one way the API decodes it (UTF-8,
    strict JSON); ValueError for anything else. The API's parser calls this too."""

    def refuse_constant(name: str) -> Any:
        raise ValueError(f"{name} is not valid JSON")

    try:
        return json.loads(raw.decode("utf-8"), parse_constant=refuse_constant)
    except RecursionError:
        raise ValueError("the document is nested too deeply") from None


def _texts_of_header(value: str) -> Iterator[str]:
    yield value
    # WSGI hands headers over as Latin-1; a client may have sent UTF-8 (full-width digits).
    if not value.isascii():
        yield value.encode("latin-1", errors="ignore").decode("utf-8", errors="replace")
    if "%" in value or "+" in value:  # a Referer is a URL, its query percent-encoded
        yield unquote_plus(value)


def _address_texts(request: HttpRequest) -> Iterator[tuple[str, str]]:
    where = "address (path or query string)"
    yield where, request.path
    yield where, request.path_info
    # What Django decodes (in the request's declared charset, if it names one)...
    for key, values in request.GET.lists():
        yield where, key
        for value in values:
            yield where, value
    # ...and, when that charset is not UTF-8, what the raw string says in UTF-8, as anything
    # else reading it (a log line) would.
    raw = request.META.get("QUERY_STRING", "")
    if raw and not is_utf8(request.encoding):
        text = raw.encode("latin-1", errors="replace").decode("utf-8", errors="replace")
        for key, value in parse_qsl(text, keep_blank_values=True):
            yield where, key
            yield where, value


def _header_texts(request: HttpRequest) -> Iterator[tuple[str, str]]:
    for key, value in request.META.items():
        if not (key.startswith("HTTP_") or key == "CONTENT_TYPE") or key in UNSCANNED_HEADERS:
            continue
        if isinstance(value, str):
            name = key.removeprefix("HTTP_").replace("_", "-").title()
            for text in _texts_of_header(value):
                yield f"{name} header", text
    # Cookies as Django reads them: a quoted value's octal escapes ("\\064") are digits there.
    for name, value in request.COOKIES.items():
        yield "Cookie header", name
        yield "Cookie header", value


def _first_with_card(named_texts: Iterable[tuple[str, str]]) -> str | None:
    """Where the first text holding a card number came from; None if none does. Every
    text is screened at once first: nearly every request has no long digit run at all."""
    named = list(named_texts)
    if not might_hold_card("\x00".join(text for _, text in named)):
        return None
    return next((where for where, text in named if looks_like_card_number(text)), None)


def _declared_content_types(request: HttpRequest) -> list[str]:
    """Every Content-Type the request's readers may go by: Django reads CONTENT_TYPE, DRF
    falls back to HTTP_CONTENT_TYPE (Zappa sets both), so both must be acceptable."""
    meta = request.META
    types = [meta.get("CONTENT_TYPE", meta.get("HTTP_CONTENT_TYPE", ""))]
    if "HTTP_CONTENT_TYPE" in meta:
        types.append(meta["HTTP_CONTENT_TYPE"])
    return types


def _has_body(request: HttpRequest) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > 0
    except ValueError:  # Django reads no body then
        return False


def _json_body_has_card(raw: bytes) -> bool:
    # Without a backslash (no \u escape) every digit of the document is a digit of the
    # body: a body without a long enough digit run needs no walk.
    if b"\\" not in raw and not might_hold_card(raw.decode("utf-8", errors="replace")):
        return False
    try:
        return contains_card_number(load_json_body(raw))
    except ValueError:  # the parser answers 400 for it; it must not hold a card either
        return looks_like_card_number(raw.decode("utf-8", errors="replace"))


def _form_body_has_card(request: HttpRequest, raw: bytes) -> bool:
    text = raw.decode("utf-8", errors="replace")
    if looks_like_card_number(text):
        return True
    if request.content_type == "application/x-www-form-urlencoded":
        pairs = parse_qsl(text, keep_blank_values=True)
        if any(looks_like_card_number(k) or looks_like_card_number(v) for k, v in pairs):
            return True
    if request.method != "POST":  # Django parses forms of POSTs only
        return False
    # Exactly what the admin's forms will get: Django's parse, base64 parts decoded.
    for key, values in request.POST.lists():
        if looks_like_card_number(key) or any(looks_like_card_number(v) for v in values):
            return True
    for key, files in request.FILES.lists():
        for upload in files:
            content = upload.read()
            upload.seek(0)
            if looks_like_card_number(f"{key}\n{upload.name}") or looks_like_card_number(
                content.decode("utf-8", errors="replace")
            ):
                return True
    return False


def _unsupported_body_has_card(raw: bytes, declared: list[str]) -> bool:
    """Best effort on a body we refuse anyway: read as UTF-8 and in each charset it names."""
    charsets = {"utf-8"}
    for content_type in declared:
        try:
            charset = parse_header_parameters(content_type)[1].get("charset")
            if charset:
                "".encode(charset)  # a text encoding, not bz2 or base64
                charsets.add(charset)
        except (ValueError, LookupError, UnicodeError):
            continue
    for charset in charsets:
        try:
            text = raw.decode(charset, errors="replace")
        except (UnicodeError, LookupError):  # codecs that only decode strictly (idna)
            continue
        # A decoded UTF-7 body may hold lone surrogates: they are no digits, so drop them.
        if _json_body_has_card(text.encode("utf-8", errors="replace")) or any(
            looks_like_card_number(k) or looks_like_card_number(v)
            for k, v in parse_qsl(text, keep_blank_values=True)
        ):
            return True
    return False


def _card_refused(where: str) -> JsonResponse:
    return JsonResponse(
        problem(
            status_code=400,
            title="Card numbers are not accepted",
            detail=(
                f"The request's {where} holds what looks like a payment card number. Send "
                "a payment token from the payment form, never a card number. Nothing of "
                "this request was stored."
            ),
            code="card-number-refused",
        ),
        status=400,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def _unsupported(reason: str, accepted: Iterable[str]) -> JsonResponse:
    return JsonResponse(
        problem(
            status_code=415,
            title="Unsupported media type",
            detail=f"{reason} Nothing of this request was read or stored.",
            code="unsupported-media-type",
            accepted=[f"{media_type}; charset=utf-8" for media_type in sorted(accepted)],
        ),
        status=415,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def request_refusal(request: HttpRequest) -> JsonResponse | None:
    """The answer for a request that must not go further, or None."""
    if where := _first_with_card([*_address_texts(request), *_header_texts(request)]):
        return _card_refused(where)
    if not _has_body(request) or request.path in EXEMPT_PATHS:
        return None
    accepted = API_MEDIA_TYPES if request.path.startswith(API_PREFIX) else PAGE_MEDIA_TYPES
    declared = _declared_content_types(request)
    raw = request.body
    for content_type in declared:
        if reason := media_type_refusal(content_type, accepted):
            # Not ours to parse; still, a card number in it is named as such.
            if _unsupported_body_has_card(raw, declared):
                return _card_refused("body")
            return _unsupported(reason, accepted)
    if parse_header_parameters(declared[0])[0] in API_MEDIA_TYPES:
        has_card = _json_body_has_card(raw)
    else:
        has_card = _form_body_has_card(request, raw)
    return _card_refused("body") if has_card else None


class CardNumberGuardMiddleware:
    """400 (or 415) problem for any request that could carry a card number further."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return request_refusal(request) or self.get_response(request)
