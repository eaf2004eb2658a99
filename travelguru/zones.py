"""IANA time zones by name, kept for the life of the process."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo


@lru_cache(maxsize=1024)
def zone(tz_name: str) -> ZoneInfo:
    """`ZoneInfo(tz_name)`, kept: ZoneInfo's own cache keeps only the last 8 zones alive, so
    a flight page with a dozen airports' zones read and parsed tz files on every request."""
    return ZoneInfo(tz_name)
