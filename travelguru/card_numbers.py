"""What counts as a payment card number, for the request guard and the log masks alike.

Pure functions with no Django import: gunicorn's logger class (travelguru.gunicorn_conf)
loads this before Django is set up, and both the guard and every log mask must agree on
one rule.

A card number is 13-19 digits passing the Luhn check, written in groups split by a few
separator characters: any whitespace (tabs, line breaks and no-break spaces too), dashes of
every kind, or dots ("4242 4242 4242 4242", "4242-4242-4242-4242", "4242.4242…"). Any run of
whole consecutive groups is a candidate, so a card followed by its security code ("4242 …
4242 123") is still found. A group of more than 19 digits is an order number or another
long id, never a card. Digits are any Unicode decimal digits (full-width ones included):
a card written in them is still a card.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

MIN_DIGITS, MAX_DIGITS = 13, 19
# One to three separator characters between groups ("4242 - 4242" included).
_SEPARATORS = r"[\s\-\u2010-\u2015\u2212.]"
_RUN = re.compile(rf"(?<!\d)\d+(?:{_SEPARATORS}{{1,3}}\d+)*(?!\d)")
# 13 digits with at most a few separators between them: one search in C that most texts
# (dates, prices, versions, ids) fail, before any run is looked at in Python.
_ENOUGH_DIGITS = re.compile(rf"\d(?:{_SEPARATORS}{{0,3}}\d){{{MIN_DIGITS - 1}}}")
_GROUP = re.compile(r"\d+")
# A UUID (hold ids, Stripe ids) holds digit runs that can pass Luhn by chance; one with a
# hex letter in it is an id. An all-digit "UUID" is a card number dressed up as one.
_UUID = re.compile(
    r"(?<![0-9A-Fa-f])[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}(?![0-9A-Fa-f])"
)
_HEX_LETTER = re.compile(r"[a-fA-F]")


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _id_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _UUID.finditer(text) if _HEX_LETTER.search(m.group())]


def might_hold_card(text: str) -> bool:
    """False when `text` surely holds no card number (enough digits close together); one
    regex search, so callers can check many texts at once, joined by a NUL."""
    return _ENOUGH_DIGITS.search(text) is not None


def card_spans(text: str) -> list[tuple[int, int]]:
    """Where `text` holds a card number: (start, end) of each run of groups that does."""
    spans: list[tuple[int, int]] = []
    if not _ENOUGH_DIGITS.search(text):
        return spans
    ids: list[tuple[int, int]] | None = None
    for run in _RUN.finditer(text):
        if run.end() - run.start() < MIN_DIGITS:  # most runs: a date, a price, a version
            continue
        groups = _GROUP.findall(run.group())
        if sum(map(len, groups)) < MIN_DIGITS or not _holds_card(groups):
            continue
        if ids is None:
            ids = _id_spans(text)
        if not any(start <= run.start() and run.end() <= end for start, end in ids):
            spans.append(run.span())
    return spans


def _holds_card(groups: list[str]) -> bool:
    for first in range(len(groups)):
        digits = ""
        for group in groups[first:]:
            digits += group
            if len(digits) > MAX_DIGITS:
                break
            if len(digits) >= MIN_DIGITS and luhn_valid(digits):
                return True
    return False


def looks_like_card_number(text: str) -> bool:
    return bool(card_spans(text))


def strings_in(value: Any) -> Iterator[str]:
    """Every key and scalar of a parsed JSON document, as text; iterative, so a document
    nested deeper than Python's recursion limit is walked as well as a flat one."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int | float):
            yield str(item)
        elif isinstance(item, dict):
            for key, child in item.items():
                yield str(key)
                stack.append(child)
        elif isinstance(item, list | tuple):
            stack.extend(item)


def contains_card_number(data: Any) -> bool:
    return any(looks_like_card_number(s) for s in strings_in(data))


CARD_MASK = "[card number removed]"


def mask_card_numbers(text: str) -> str:
    spans = card_spans(text)
    for start, end in reversed(spans):
        text = text[:start] + CARD_MASK + text[end:]
    return text
