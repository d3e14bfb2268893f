"""Name folding shared by the store, the demo generator and person search."""

from __future__ import annotations

import unicodedata

_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ß": "ss", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "œ": "oe"})


def fold_name(first: str, middle: str | None, last: str) -> str:
    """The search key of a name: "last first middle", lower case, æ->ae, ø->o, å->a, diacritics stripped.

    Stored as ``Person.name_key``; person search and duplicate checks fold their query the very same way, so a
    search for "Odegard" finds "Ødegård".
    """
    raw = " ".join(part for part in (last, first, middle) if part)
    folded = unicodedata.normalize("NFKD", raw.lower().translate(_FOLD))
    stripped = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(stripped.split())
