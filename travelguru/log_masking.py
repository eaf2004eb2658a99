"""No log line we write holds a card number or a secret carried in a URL.

The request guard (travelguru.cards) refuses such requests, but a refused request is still
logged: gunicorn's and Zappa's access lines carry the raw request line (query string
included), the Referer and the User-Agent, and Django's own warnings name the path. So
every log record is masked as a last line of defence:

- a card number (travelguru.card_numbers' rule) becomes "[card number removed]", also when
  it is percent-encoded ("4242%204242…", "%34%32…") or '+'-spaced as in a query string;
- the value of a URL parameter that is a credential (`access_token=`, `token=`,
  `refresh=`, `password=`…) becomes "[removed]".

`configure_logging` (Django's LOGGING_CONFIG) installs a record factory, so records reach
every handler masked, those we do not configure included (Lambda's runtime handler, test
capture); `MaskingFilter` does the same for loggers outside Django (gunicorn's).
"""

from __future__ import annotations

import logging
import logging.config
import re
from typing import Any

from travelguru.card_numbers import CARD_MASK, card_spans

SECRET_MASK = "[removed]"  # noqa: S105 (what replaces a secret, not one)
# URL parameters whose values are credentials. Matched on the decoded text, so
# "access%5Ftoken=" is caught too.
_SECRET_PARAM = re.compile(
    r"(?i)(?<![A-Za-z0-9_])(?:access_token|refresh_token|id_token|auth_token|token|refresh|"
    r"access|code|password|passwd|secret|client_secret|api_key|apikey|key|signature|sig|"
    r"session|sessionid|jwt)=([^&\s\"'#;]*)"
)
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")


def _decoded(text: str) -> tuple[str, list[tuple[int, int]]]:
    """`text` with %XX escapes (UTF-8) and '+' decoded, and for each decoded character the
    span of `text` it came from, so a match in the decoded text masks the raw characters."""
    chars: list[str] = []
    spans: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] == "%" and _ESCAPE.match(text, i):
            start, raw = i, bytearray()
            while (m := _ESCAPE.match(text, i)) is not None:
                raw.append(int(m.group(1), 16))
                i = m.end()
            for ch in raw.decode("utf-8", errors="replace"):
                chars.append(ch)
                spans.append((start, i))
        else:
            chars.append(" " if text[i] == "+" else text[i])
            spans.append((i, i + 1))
            i += 1
    return "".join(chars), spans


def mask_sensitive(text: str) -> str:
    """`text` with card numbers and URL credentials masked; unchanged when it has none."""
    if not text:
        return text
    decoded, origin = _decoded(text) if ("%" in text or "+" in text) else (text, None)
    found: list[tuple[int, int, str]] = [(a, b, CARD_MASK) for a, b in card_spans(decoded)]
    found += [(m.start(1), m.end(1), SECRET_MASK) for m in _SECRET_PARAM.finditer(decoded)]
    found = [(a, b, mask) for a, b, mask in found if b > a]
    if not found:
        return text
    if origin is not None:  # back to raw positions: whole escape runs are masked
        found = [(origin[a][0], origin[b - 1][1], mask) for a, b, mask in found]
    out, cursor = [], 0
    for start, end, mask in sorted(found):
        if start < cursor:  # overlaps the previous mask: extend it
            cursor = max(cursor, end)
            continue
        out += [text[cursor:start], mask]
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def mask_record(record: logging.LogRecord) -> None:
    """Mask a record in place: its message, and the traceback and stack it carries."""
    if getattr(record, "_masked", False):
        return
    record._masked = True
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: leave it to the handler to report
        return
    masked = mask_sensitive(message)
    if masked != message:
        record.msg, record.args = masked, ()
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_sensitive(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_sensitive(record.stack_info)


class MaskingFilter(logging.Filter):
    """Masks every record it sees and lets it through."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


_base_factory = logging.getLogRecordFactory()


def _masking_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    mask_record(record)
    return record


def install_record_factory() -> None:
    """Every record made from now on, by any logger, is masked when it is made. A factory
    and not a handler filter: handlers we do not configure (Lambda's, pytest's) get masked
    records too."""
    if logging.getLogRecordFactory() is not _masking_factory:
        logging.setLogRecordFactory(_masking_factory)


def configure_logging(config: dict[str, Any]) -> None:
    """Django's LOGGING_CONFIG: the masking record factory, then dictConfig as usual."""
    install_record_factory()
    if config:
        logging.config.dictConfig(config)
