"""The API's one parser: JSON, in UTF-8, declared as exactly `application/json`.

DRF's JSONParser is chosen for any Content-Type its media type "matches", which includes
`*/*` and `application/*`, and it decodes in whatever charset the request names. Both
widen what a view may receive past what the card-number guard (travelguru.cards) reads.
This parser takes only what the guard takes, and decodes it with the guard's own
function, so what is checked and what is parsed are one thing.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.parsers import JSONParser

from travelguru.cards import API_MEDIA_TYPES, is_utf8, load_json_body, media_type_refusal


class StrictJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        reason = media_type_refusal(media_type or "", API_MEDIA_TYPES)
        if reason is None and not is_utf8((parser_context or {}).get("encoding")):
            reason = "Request bodies must be UTF-8 (send no charset, or charset=utf-8)."
        if reason:
            raise UnsupportedMediaType(media_type, detail=reason)
        try:
            return load_json_body(stream.read() if stream is not None else b"")
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
