"""The API's JSON parser: DRF's, bounded in depth and refusing text that is not text.

Its checks are the standalone functions of travelguru.json_limits, so another JSONParser
subclass (a stricter charset policy, say) can call them the same way.
"""

from __future__ import annotations

import io
from typing import Any

from rest_framework import exceptions, parsers, renderers

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


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        raw = stream.read() if stream is not None else b""
        try:
            json_depth_check(raw)
        except JsonTooDeep:
            raise JsonTooDeepError() from None
        try:
            data = super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:  # a limit raised past what the stack holds: still a 400
            raise JsonTooDeepError() from None
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        # In UTF-8 a surrogate can only be spelt as an escape; other charsets are walked.
        if encoding.lower().replace("_", "-") not in ("utf-8", "utf8") or may_hold_surrogate(raw):
            path = lone_surrogate_path(data)
            if path is not None:
                raise InvalidTextError(path)
        return data


class JSONRenderer(renderers.JSONRenderer):
    """DRF's renderer (UTF-8, non-ASCII as is) that cannot fail on text it cannot encode.

    The parser refuses lone surrogates, so none should reach an answer; if one ever does
    (echoed by an error message, say), it is written as a `\\ud800` escape, still valid
    JSON, instead of the UnicodeEncodeError that was a bare 500."""

    def render(self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None):  # type: ignore[no-untyped-def]
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            fallback = renderers.JSONRenderer()
            fallback.ensure_ascii = True
            return fallback.render(data, accepted_media_type, renderer_context)
