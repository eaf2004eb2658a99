"""The API's one parser: JSON in UTF-8, declared as exactly `application/json`, bounded in
depth and refusing text that is not text; and a renderer that cannot fail on such text.

DRF's JSONParser is chosen for any Content-Type its media type "matches", which includes
`*/*` and `application/*`, and it decodes in whatever charset the request names. Both
widen what a view may receive past what the card-number guard (travelguru.cards) reads.
This parser takes only what the guard takes, and decodes it with the guard's own
function, so what is checked and what is parsed are one thing. Its depth and surrogate
checks are the standalone functions of travelguru.json_limits, which the depth-limit
middleware runs before the guard too.
"""

from __future__ import annotations

from typing import Any

import orjson
from rest_framework import exceptions, renderers
from rest_framework.parsers import JSONParser as DrfJSONParser
from rest_framework.utils import encoders

from travelguru.cards import API_MEDIA_TYPES, is_utf8, load_json_body, media_type_refusal
from travelguru.json_limits import (
    MAX_JSON_DEPTH,
    JsonTooDeep,
    json_depth_check,
    lone_surrogate_path,
    may_hold_surrogate,
)


class JsonTooDeepError(exceptions.ParseError):
    default_detail = f"Request bodies may nest arrays and objects at most {MAX_JSON_DEPTH} deep."
    default_code = "json_too_deep"


class InvalidTextError(exceptions.ValidationError):
    """A lone surrogate: named by where it is, never echoed (it cannot be encoded)."""

    default_code = "invalid_text"
    problem_code = "invalid-text"

    def __init__(self, path: str) -> None:
        super().__init__(
            {path: ["Not valid text: it holds an unpaired UTF-16 surrogate (\\uD800-\\uDFFF)."]}
        )


class JSONParser(DrfJSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        reason = media_type_refusal(media_type or "", API_MEDIA_TYPES)
        if reason is None and not is_utf8((parser_context or {}).get("encoding")):
            reason = "Request bodies must be UTF-8 (send no charset, or charset=utf-8)."
        if reason:
            raise exceptions.UnsupportedMediaType(media_type, detail=reason)
        raw = stream.read() if stream is not None else b""
        try:
            json_depth_check(raw)
        except JsonTooDeep:
            raise JsonTooDeepError() from None
        try:
            data = load_json_body(raw)
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        # In UTF-8 a surrogate can only be spelt as an escape.
        if may_hold_surrogate(raw):
            path = lone_surrogate_path(data)
            if path is not None:
                raise InvalidTextError(path)
        return data


class JSONRenderer(renderers.JSONRenderer):
    """DRF's renderer (UTF-8, non-ASCII as is), written by orjson where it can, that cannot
    fail on text it cannot encode.

    Every answer is rendered on the hot path, and a page of flight offers is tens of
    kilobytes: orjson writes it several times faster than the standard library. It writes
    what it knows natively (str, int, float, bool, None, dict, list and their subclasses,
    UUID) as DRF's encoder does, and hands everything else to that encoder's `default`
    (dates and times, Decimal, lazy text, querysets), so each value is spelt as before.
    What orjson refuses (non-string keys, integers past 64 bits, lone surrogates) and
    indented answers go through DRF's own path, unchanged. Two differences remain, both
    still valid JSON that parses to the same value: exponents are spelt `1e16`, not
    `1e+16`; and a non-finite float is written as null where the standard library raised.

    The parser refuses lone surrogates, so none should reach an answer; if one ever does
    (echoed by an error message, say), it is written as a `\\ud800` escape, still valid
    JSON, instead of the UnicodeEncodeError that was a bare 500."""

    def render(self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None):
        if (
            data is not None
            and self.get_indent(accepted_media_type, renderer_context or {}) is None
        ):
            try:
                text = orjson.dumps(data, default=_default, option=_ORJSON_OPTIONS)
            except orjson.JSONEncodeError:
                pass
            else:
                # As DRF: U+2028/U+2029 escaped, so the answer is also valid JavaScript.
                return text.replace(b"\xe2\x80\xa8", b"\\u2028").replace(
                    b"\xe2\x80\xa9", b"\\u2029"
                )
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            fallback = renderers.JSONRenderer()
            fallback.ensure_ascii = True
            return fallback.render(data, accepted_media_type, renderer_context)


# Dates and times go to DRF's encoder (its UTC "Z" and millisecond spelling), as does any
# value orjson would write its own way (dataclasses).
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _default(value: Any) -> Any:
    return _ENCODER.default(value)


_ENCODER = encoders.JSONEncoder()
