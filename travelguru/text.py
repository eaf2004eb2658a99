"""Text folding shared by the index and the queries, so both sides compare alike.

"Zürich", "ZURICH" and "zurich" fold to the same words; punctuation splits words. The
local engine stores a document's words as " word word … " so a prefix `p` of any word is
found with `contains(" " + p)` on every database.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^0-9a-z]+")
# Letters NFKD does not decompose into a base letter plus accents.
_SPECIAL = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "ı": "i"})


def fold(text: str) -> str:
    """Lower-case ASCII words separated by single spaces."""
    text = unicodedata.normalize("NFKD", text.lower().translate(_SPECIAL))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(_NOT_WORD.split(text)).strip()


def words(text: str) -> list[str]:
    return [word for word in fold(text).split(" ") if word]


def indexed_text(*parts: str) -> str:
    """The stored form: every distinct word once, space before and after each."""
    seen: dict[str, None] = {}
    for part in parts:
        for word in words(part or ""):
            seen.setdefault(word, None)
    return " " + " ".join(seen) + " "
