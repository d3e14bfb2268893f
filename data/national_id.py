"""Norwegian national identity numbers: fødselsnummer, D-nummer and H-nummer.

Smittespor identifies a person by the number Folkeregisteret (or the health
service) gave them, so every boundary that accepts one - forms, the API, CSV
imports, register responses - validates it here first. The module is stdlib
only so that it can be used anywhere, including in the migrations and the
demo-data generator.

Structure (Skatteetaten, "Fødselsnummer" and "D-nummer"; SSB for the century
table)::

    D D M M Y Y I I I K1 K2
    \\_date___/ \\ind/ check digits

* D-nummer: the first digit is raised by 4 (day 41..71).
* H-nummer (hjelpenummer, assigned by the health service): the third digit is
  raised by 4 (month 41..52).
* Synthetic numbers (Skatteetaten's Tenor test data): the month is raised by
  80 (81..92). Synthetic D-nummer have day + 40 *and* month + 80. There is no
  synthetic H-nummer (month + 40 + 80 does not fit in two digits).

Privacy: a fødselsnummer must never appear in an error message, a log line or
a repr. `NationalIdError` messages are fixed Norwegian sentences and
`NationalId` masks its value when printed.
"""

from __future__ import annotations

import datetime
import random
import re
from dataclasses import dataclass

__all__ = [
    "NationalId",
    "NationalIdError",
    "generate",
    "is_valid",
    "mask",
    "parse",
    "sex_of",
]

KIND_FNR = "fnr"
KIND_DNR = "dnr"
KIND_HNR = "hnr"
KINDS = (KIND_FNR, KIND_DNR, KIND_HNR)

# Mod-11 weights for the two check digits (Skatteetaten, "Fødselsnummer").
_K1_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_K2_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)

# Source: Skatteetaten, "Endringer i fødselsnummeret" / "Nye fødselsnummer fra
# 2032" (modulus 11 changes). Norway runs short of individnummer, so numbers
# issued from 2032 may use a first check digit k1 for which
# (weighted sum of the 9 first digits + k1) mod 11 is 0, 1, 2 or 3 instead of
# only 0; those numbers also stop encoding sex in the 9th digit. The second
# check digit stays classic mod 11 (remainder 0). Classic numbers are the
# remainder-0 case, so accepting {0, 1, 2, 3} accepts both generations.
_K1_ACCEPTED_REMAINDERS = frozenset({0, 1, 2, 3})

_ELEVEN_DIGITS = re.compile(r"[0-9]{11}")

# Individnummer ranges per birth-year range, from Skatteetaten/SSB's table:
#   000-499           -> 1900-1999
#   500-749, yy 54-99 -> 1854-1899
#   500-999, yy 00-39 -> 2000-2039
#   900-999, yy 40-99 -> 1940-1999
# Used by generate(); _century() is the same table read the other way.
_INDIVIDNUMMER_RANGES: tuple[tuple[int, int, tuple[range, ...]], ...] = (
    (1854, 1899, (range(500, 750),)),
    (1900, 1939, (range(0, 500),)),
    (1940, 1999, (range(0, 500), range(900, 1000))),
    (2000, 2039, (range(500, 1000),)),
)

_MSG_NOT_TEXT = "Fødselsnummeret må oppgis som tekst."
_MSG_NOT_DIGITS = "Fødselsnummeret kan bare inneholde siffer."
_MSG_LENGTH = "Fødselsnummeret må ha 11 siffer."
_MSG_CHECK_DIGITS = "Kontrollsifrene i fødselsnummeret stemmer ikke."
_MSG_BOTH_D_AND_H = "Fødselsnummeret kan ikke være både D-nummer og H-nummer."
_MSG_SYNTHETIC = "Syntetiske testnummer er ikke tillatt her."
_MSG_CENTURY = "Individnummeret i fødselsnummeret passer ikke med fødselsåret."
_MSG_DATE = "Fødselsdatoen i fødselsnummeret finnes ikke."

_MASKED = "*" * 11


class NationalIdError(ValueError):
    """A national identity number was rejected.

    The message is a Norwegian sentence meant for the user and, by design,
    never contains the number itself, so the exception can be logged or shown
    as-is. `field` names the form/API field the error belongs to.
    """

    def __init__(self, message: str, *, field: str = "fødselsnummer") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True, repr=False)
class NationalId:
    """A validated national identity number.

    `kind` is "fnr" (fødselsnummer), "dnr" (D-nummer) or "hnr" (H-nummer).
    `birth_date` is None only for an H-nummer whose individnummer does not
    give a century (see `parse`). Printing the object never shows the number.
    """

    value: str
    kind: str
    synthetic: bool
    birth_date: datetime.date | None

    def __repr__(self) -> str:
        return (
            f"NationalId(kind={self.kind!r}, synthetic={self.synthetic!r}, "
            f"value={_MASKED!r})"
        )

    __str__ = __repr__


def _digits(value: str) -> list[int]:
    return [ord(c) - 48 for c in value]


def _k1_remainder(digits: list[int]) -> int:
    """Remainder of the first check: 0 for classic numbers, 1..3 allowed from 2032."""
    return (sum(w * d for w, d in zip(_K1_WEIGHTS, digits)) + digits[9]) % 11


def _k2_remainder(digits: list[int]) -> int:
    return (sum(w * d for w, d in zip(_K2_WEIGHTS, digits)) + digits[10]) % 11


def _check_digits_ok(digits: list[int]) -> bool:
    return _k1_remainder(digits) in _K1_ACCEPTED_REMAINDERS and _k2_remainder(digits) == 0


def _century(yy: int, individnummer: int) -> int | None:
    """The century (1800, 1900, 2000) of a two-digit year, or None if undefined."""
    if individnummer <= 499:
        return 1900
    if individnummer <= 749 and yy >= 54:
        return 1800
    if yy <= 39:  # 500-999
        return 2000
    if individnummer >= 900:  # yy 40-99
        return 1900
    return None  # 500-749 with yy 40-53, or 750-899 with yy 40-99


def _normalise(value: object) -> str:
    """Remove whitespace and check the shape; raise NationalIdError otherwise."""
    if not isinstance(value, str):
        raise NationalIdError(_MSG_NOT_TEXT)
    compact = "".join(value.split())
    # ASCII digits only: str.isdigit() would also accept e.g. Arabic-Indic digits.
    if not all("0" <= c <= "9" for c in compact):
        raise NationalIdError(_MSG_NOT_DIGITS)
    if len(compact) != 11:
        raise NationalIdError(_MSG_LENGTH)
    return compact


def parse(value: str, *, allow_synthetic: bool = False) -> NationalId:
    """Validate a fødselsnummer, D-nummer or H-nummer and return its parts.

    Whitespace anywhere in `value` is ignored ("010180 12345" is accepted).
    Check digits follow both the classic rule and the 2032 rule (see
    `_K1_ACCEPTED_REMAINDERS`). Synthetic (Tenor, month + 80) numbers are
    refused unless `allow_synthetic` is set, so test data cannot leak into
    production registers.

    The birth century comes from the individnummer; a fødselsnummer or
    D-nummer whose individnummer/year combination has no defined century is
    refused. An H-nummer is a health-service internal number and is accepted
    without a defined century; its `birth_date` is then None (the day and month
    must still exist in some year, so 29.02 is allowed).

    The birth date is not compared with today, so the result does not depend on
    the clock; callers that care can compare `birth_date` themselves.

    Raises NationalIdError with a Norwegian message that never contains the
    number.
    """
    compact = _normalise(value)
    digits = _digits(compact)
    if not _check_digits_ok(digits):
        raise NationalIdError(_MSG_CHECK_DIGITS)

    day = digits[0] * 10 + digits[1]
    month = digits[2] * 10 + digits[3]
    yy = digits[4] * 10 + digits[5]
    individnummer = digits[6] * 100 + digits[7] * 10 + digits[8]

    kind = KIND_FNR
    if day >= 41:
        kind = KIND_DNR
        day -= 40
    synthetic = False
    if month >= 81:
        synthetic = True
        month -= 80
    elif month >= 41:
        if kind == KIND_DNR:
            raise NationalIdError(_MSG_BOTH_D_AND_H)
        kind = KIND_HNR
        month -= 40

    if synthetic and not allow_synthetic:
        raise NationalIdError(_MSG_SYNTHETIC)

    century = _century(yy, individnummer)
    if century is None:
        if kind != KIND_HNR:
            raise NationalIdError(_MSG_CENTURY)
        # 2000 is a leap year, so this accepts every day/month that exists.
        _date_or_error(2000, month, day)
        birth_date = None
    else:
        birth_date = _date_or_error(century + yy, month, day)

    return NationalId(value=compact, kind=kind, synthetic=synthetic, birth_date=birth_date)


def _date_or_error(year: int, month: int, day: int) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        # `from None`: keep the chained exception out of tracebacks and logs.
        raise NationalIdError(_MSG_DATE) from None


def is_valid(value: str, *, allow_synthetic: bool = False) -> bool:
    """True if `parse(value, allow_synthetic=...)` would succeed."""
    try:
        parse(value, allow_synthetic=allow_synthetic)
    except NationalIdError:
        return False
    return True


def _individnummer_ranges(year: int) -> tuple[range, ...]:
    for first, last, ranges in _INDIVIDNUMMER_RANGES:
        if first <= year <= last:
            return ranges
    raise ValueError(f"birth year {year} has no individnummer range (valid: 1854-2039)")


def generate(
    birth_date: datetime.date,
    *,
    rng: random.Random,
    kind: str = KIND_FNR,
    synthetic: bool = True,
    sex: str | None = None,
    new_rule: bool = False,
) -> str:
    """Generate a valid number for `birth_date`, for demo data and tests.

    Synthetic by default (month + 80) because Smittespor must only ever hold
    synthetic people outside production. The individnummer is drawn with
    `rng` from the range that gives `birth_date`'s century (so the number
    parses back to the same date) and redrawn until the check digits work.

    `sex` "male" gives an odd 9th digit, "female" an even one, None either.
    With `new_rule=False` the number satisfies the classic mod-11 rule (an
    individnummer that would need a check digit of 10 is skipped). With
    `new_rule=True` the first check digit is one that is valid *only* under
    the 2032 rule (remainder 1, 2 or 3), so tests exercise that path; the
    second check digit is classic either way.

    Raises ValueError for an unknown `kind`/`sex`, a birth year outside
    1854-2039, or a synthetic H-nummer (which cannot be encoded).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    if sex not in (None, "male", "female"):
        raise ValueError(f"unknown sex {sex!r}; expected 'male', 'female' or None")
    if kind == KIND_HNR and synthetic:
        raise ValueError("there is no synthetic H-nummer (month + 40 + 80 does not fit in two digits)")

    year = birth_date.year
    candidates = [n for r in _individnummer_ranges(year) for n in r]
    if sex is not None:
        parity = 1 if sex == "male" else 0
        candidates = [n for n in candidates if n % 2 == parity]

    day = birth_date.day + (40 if kind == KIND_DNR else 0)
    month = birth_date.month + (40 if kind == KIND_HNR else 0) + (80 if synthetic else 0)
    prefix = f"{day:02d}{month:02d}{year % 100:02d}"

    # Drawing without replacement: random like "pick and retry", but it
    # always terminates.
    rng.shuffle(candidates)
    for individnummer in candidates:
        digits = _digits(f"{prefix}{individnummer:03d}")
        k1 = _pick_k1(digits, rng=rng, new_rule=new_rule)
        if k1 is None:
            continue
        digits.append(k1)
        k2 = (-sum(w * d for w, d in zip(_K2_WEIGHTS, digits))) % 11
        if k2 == 10:
            continue
        return "".join(map(str, digits)) + str(k2)
    # Unreachable in practice: hundreds of candidates, each fails with p ~ 2/11.
    raise ValueError("no individnummer gives valid check digits for this date")


def _pick_k1(digits: list[int], *, rng: random.Random, new_rule: bool) -> int | None:
    weighted = sum(w * d for w, d in zip(_K1_WEIGHTS, digits))
    if not new_rule:
        k1 = (-weighted) % 11
        return None if k1 == 10 else k1
    # (weighted + k1) % 11 == r  <=>  k1 == (r - weighted) % 11; skip 10.
    options = [(r - weighted) % 11 for r in sorted(_K1_ACCEPTED_REMAINDERS) if r != 0]
    options = [k1 for k1 in options if k1 != 10]
    return rng.choice(options) if options else None


def sex_of(value: str | NationalId) -> str:
    """Return "male" or "female" from the 9th digit (odd = male), the classic rule.

    Numbers issued from 2032 no longer encode sex, and they cannot always be
    told apart from classic ones, so this answer is only reliable for numbers
    issued before 2032. Prefer the sex registered in Folkeregisteret when there
    is one. Synthetic numbers are accepted (test data has a sex too).
    Raises NationalIdError for an invalid number.
    """
    compact = value.value if isinstance(value, NationalId) else parse(value, allow_synthetic=True).value
    return "male" if int(compact[8]) % 2 else "female"


def mask(value: str | NationalId) -> str:
    """Show the date part and hide the rest: "DDMMYY*****".

    Used in the UI so a tracer can tell two persons apart (and confirm a person
    on the phone by birth date) without the full number being on screen. The
    date digits are shown as stored (a D-nummer keeps its day + 40).
    Anything that is not 11 digits is masked completely rather than raising,
    since masking happens while rendering and must never leak nor crash.
    """
    raw = value.value if isinstance(value, NationalId) else value
    if not isinstance(raw, str):
        return _MASKED
    compact = "".join(raw.split())
    if not _ELEVEN_DIGITS.fullmatch(compact):
        return _MASKED
    return compact[:6] + "*****"
