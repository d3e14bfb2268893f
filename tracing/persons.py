"""The person register: search before create, create and edit persons, and the person page ("enrollment dashboard").

Persons are shared across kommuner. A tracer finds persons in two ways, as in DHIS2's search scopes:

* by the full fødselsnummer or D-nummer, exactly and in the whole country (``lookup_national_id``). Every such
  look-up is audited; a person outside the tracer's units shows only name, birth year and responsible kommune, and
  cannot be opened;
* by name (and birth date), fuzzily and only among the persons the tracer may open (``search_persons``).

Who may open a person (``read_person``, ``update_person``): a tracer or kommuneoverlege in the person's scope as
``tracing.access.person_scope_clause`` defines it (the units of an active case; without one, where the person had a
case, lives, or is in a cluster), and, so that creating a person never leads to a dead end, any case worker for an
*unenrolled manual person*: one registered by hand in Smittespor (source "manual") that has no case
and no cluster membership anywhere yet. As soon as the person is enrolled, the ordinary scope applies. Search by
name keeps to the ordinary scope, so the rule opens such a record to whoever holds its id or full number, never to
browsing by name.

A fødselsnummer never goes into a message, a log line or an audit detail here: messages are fixed sentences and
audit events name persons by surrogate id.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from auth.actor import Actor, audit_as
from auth.roles import CASE_WORK_ROLES
from data import national_id
from data.clock import today_oslo
from data.models import SEXES, AuditEvent, Case, FollowUp, Note, OrgUnit, Person, TestResult
from data.names import fold_name
from data.queries import persons as queries
from tracing.access import openable_clause, person_scope_clause, require_case_work, require_person
from tracing.errors import DomainError, StaleVersion

__all__ = [
    "ClusterRow",
    "ExposureRow",
    "NationalLookup",
    "PersonHit",
    "PersonInput",
    "PersonRecord",
    "can_open_person",
    "clean_person_input",
    "create_person",
    "find_duplicates",
    "lookup_national_id",
    "name_similarity",
    "openable_clause",
    "parse_national_id",
    "read_person",
    "require_openable_person",
    "search_persons",
    "synthetic_ids_allowed",
    "update_person",
]

SYNTHETIC_IDS_ENV = "SMITTESPOR_ALLOW_SYNTHETIC_IDS"

SEARCH_THRESHOLD = 0.75
"""Hits scoring below this are not shown (scores are 0..1; an exact name is 1, "Kari Nordman" for "Kari Nordmann" ~0.94)."""
DUPLICATE_THRESHOLD = 0.8
"""Name similarity from which a person with the same birth date counts as a possible duplicate."""
GOOD_MATCH = 0.9
"""When no candidate of the first probes reaches this, search widens to typo-tolerant prefixes."""
MAX_LIMIT = 100
MAX_CANDIDATES = 5000
_KEY_PROBE_CAP = 500
_WORD_PROBE_CAP = 100
_FALLBACK_PROBE_CAP = 300
_BIRTH_DATE_PROBE_CAP = 1000
_PROBE_TOKENS = 4
_WEAK_TOKEN = 0.7
_PARTIAL_TOKEN = 0.9
_QUERY_WEIGHT = 0.85

NAME_MAX = 100
NAME_KEY_MAX = 220
ADDRESS_MAX = 200
POST_PLACE_MAX = 100
EMAIL_MAX = 200
REASON_MAX = 500
OLDEST_AGE_YEARS = 130

_ELEVEN_DIGITS = re.compile(r"[0-9]{11}")
_NATIONAL_ID_INSIDE = re.compile(r"[0-9](?:[\s.-]?[0-9]){10}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]{2,}")
_POSTCODE = re.compile(r"[0-9]{4}")
_PHONE_SEPARATORS = re.compile(r"[\s().-]")
_NORWEGIAN_PHONE = re.compile(r"[0-9]{8}")
_INTERNATIONAL_PHONE = re.compile(r"\+[1-9][0-9]{6,14}")
_TOKEN = re.compile(r"[^\W_]+")

# The person fields a user edits, in form order (audit "changed" lists these names).
EDITABLE_FIELDS = (
    "first_name",
    "middle_name",
    "last_name",
    "national_id",
    "birth_date",
    "sex",
    "phone",
    "email",
    "address",
    "postcode",
    "post_place",
    "home_org_unit_id",
)


# --- inputs and results ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonInput:
    """A person as typed into the form or the API body. Optional fields default to None."""

    first_name: str
    last_name: str
    middle_name: str | None = None
    national_id: str | None = None
    birth_date: dt.date | None = None
    sex: str | None = None  # "female" / "male" / "unknown"; None: from the fødselsnummer, else unknown
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    postcode: str | None = None
    post_place: str | None = None
    home_org_unit_id: int | None = None

    def __repr__(self) -> str:  # never print the number
        return f"PersonInput(first_name={self.first_name!r}, last_name={self.last_name!r}, national_id=***)"


@dataclass(frozen=True)
class PersonHit:
    """A search or duplicate hit.

    ``in_scope`` False means the person exists outside the actor's units (found by full number): only name, birth
    year and responsible kommune (in ``home_org_unit_name``) are filled; ``birth_date`` and ``masked_national_id`` are
    None. ``person_id`` is the real id, but ``read_person`` refuses it, so the UI must not offer to open it.
    ``birth_year`` is an addition to the agreed contract (defaulted), so such a hit can still show the year.
    """

    person_id: int
    full_name: str
    birth_date: dt.date | None
    masked_national_id: str | None
    home_org_unit_name: str | None
    score: float
    in_scope: bool
    birth_year: int | None = None


@dataclass(frozen=True)
class NationalLookup:
    """The answer to a look-up by full number. ``person_id`` is None unless the actor may open the person."""

    found: bool
    person_id: int | None
    full_name: str | None
    birth_year: int | None
    responsible_kommune: str | None
    in_scope: bool


@dataclass(frozen=True)
class ExposureRow:
    """One exposure on the person page, seen from this person.

    In ``exposures_in`` the other person is the source (who exposed this person), in ``exposures_out`` the contact.
    When the actor may not open the other person, ``other_person_id`` and ``other_full_name`` are None and
    ``other_org_unit_name`` tells where that person is followed up.
    """

    exposure_id: int
    exposure_date: dt.date
    setting: str
    source_case_id: int
    contact_case_id: int | None
    other_person_id: int | None
    other_full_name: str | None
    other_org_unit_name: str | None
    cluster_id: int | None
    cluster_name: str | None
    can_open: bool


@dataclass(frozen=True)
class ClusterRow:
    """A cluster the person is a member of; ``can_open`` when the cluster's unit is one of the actor's."""

    cluster_id: int
    name: str
    kind: str
    status: str
    role: str
    start_date: dt.date | None
    end_date: dt.date | None
    org_unit_name: str
    can_open: bool


@dataclass(frozen=True)
class PersonRecord:
    """Everything the person page shows. Lists are newest first, except ``follow_ups`` (a schedule, by due date)."""

    person: Person
    cases: list[Case]
    test_results: list[TestResult]
    exposures_in: list[ExposureRow]
    exposures_out: list[ExposureRow]
    clusters: list[ClusterRow]
    follow_ups: list[FollowUp]
    notes: list[Note]
    history: list[AuditEvent]


# --- settings -------------------------------------------------------------------------------------------------------


def synthetic_ids_allowed() -> bool:
    """Whether synthetic (Tenor, month + 80) numbers are accepted: env SMITTESPOR_ALLOW_SYNTHETIC_IDS, default on.

    On by default because Smittespor only holds synthetic people for now; a production deployment sets it to
    "false" so test data cannot leak into a real register. Read at each call, so tests and operators can switch it.
    """
    value = os.environ.get(SYNTHETIC_IDS_ENV, "true").strip().lower()
    return value not in ("0", "false", "no", "off", "nei", "")


# --- validation (pure) ----------------------------------------------------------------------------------------------


def parse_national_id(value: str) -> national_id.NationalId:
    """Validate a number, turning NationalIdError into DomainError("fødselsnummer", ...) (no number in it)."""
    try:
        return national_id.parse(value, allow_synthetic=synthetic_ids_allowed())
    except national_id.NationalIdError as error:
        raise DomainError("fødselsnummer", str(error)) from None


def _text(value: object, field: str, label: str, max_length: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise DomainError(field, f"{label} må være tekst.")
    cleaned = " ".join(value.split())
    if not cleaned:
        return None
    if len(cleaned) > max_length:
        raise DomainError(field, f"{label} kan ikke være lenger enn {max_length} tegn.")
    return cleaned


def _name(value: object, field: str, label: str, *, required: bool) -> str | None:
    cleaned = _text(value, field, label, NAME_MAX)
    if cleaned is None:
        if required:
            raise DomainError(field, f"{label} må fylles ut.")
        return None
    if any(c.isdigit() for c in cleaned):
        # Also keeps a fødselsnummer typed into the wrong box out of the name (and so out of search and logs).
        raise DomainError(field, f"{label} kan ikke inneholde siffer.")
    if not any(c.isalpha() for c in cleaned):
        raise DomainError(field, f"{label} må inneholde bokstaver.")
    return cleaned


def normalise_phone(value: str) -> str:
    """8 digits (Norwegian, stored as typed without spaces), or +country code and number ("+46701234567").

    "+47 9xx xx xxx" and "0047..." are stored as the 8 digits, like the demo data and the contact register.
    """
    compact = _PHONE_SEPARATORS.sub("", value)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if compact.startswith("+47"):
        compact = compact[3:]
        if _NORWEGIAN_PHONE.fullmatch(compact):
            return compact
    elif _NORWEGIAN_PHONE.fullmatch(compact) or _INTERNATIONAL_PHONE.fullmatch(compact):
        return compact
    raise DomainError("telefon", "Telefonnummeret må ha 8 siffer, eller landkode med + foran (for eksempel +46 701234567).")


def _birth_date_value(value: object) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if not isinstance(value, dt.date):
        raise DomainError("fødselsdato", "Fødselsdatoen er ikke en gyldig dato.")
    return value


def clean_person_input(
    data: PersonInput,
    *,
    today: dt.date,
    current_sex: str | None = None,
) -> dict[str, Any]:
    """Validate ``data`` and return the Person column values (plus ``name_key``); raise DomainError on the first fault.

    Rules: first and last name required, no digits; a fødselsnummer/D-nummer is checked (synthetic ones per
    ``synthetic_ids_allowed``) and gives the birth date (a different typed birth date is refused) and, when no sex is
    given, the sex (the classic 9th-digit rule, see ``national_id.sex_of``); without a number a birth date is required
    (foreigners); the birth date is not in the future nor more than 130 years back; phone 8 digits or +country
    format; e-mail has a shape; postcode 4 digits. ``current_sex`` is kept when no sex is given and there is no number
    (editing a person must not lose a sex set earlier).
    """
    first = _name(data.first_name, "fornavn", "Fornavn", required=True)
    middle = _name(data.middle_name, "mellomnavn", "Mellomnavn", required=False)
    last = _name(data.last_name, "etternavn", "Etternavn", required=True)
    assert first is not None and last is not None
    name_key = fold_name(first, middle, last)
    if len(name_key) > NAME_KEY_MAX:
        raise DomainError("mellomnavn" if middle else "etternavn", f"Navnet kan ikke være lenger enn {NAME_KEY_MAX} tegn til sammen.")

    number: str | None = None
    parsed: national_id.NationalId | None = None
    if data.national_id is not None:
        if not isinstance(data.national_id, str):
            raise DomainError("fødselsnummer", "Fødselsnummeret må oppgis som tekst.")
        if data.national_id.strip():
            parsed = parse_national_id(data.national_id)
            number = parsed.value

    birth_date = _birth_date_value(data.birth_date)
    if parsed is not None and parsed.birth_date is not None:
        if parsed.birth_date > today:
            raise DomainError("fødselsnummer", "Fødselsdatoen i fødselsnummeret er fram i tid.")
        if birth_date is not None and birth_date != parsed.birth_date:
            raise DomainError("fødselsdato", "Fødselsdatoen stemmer ikke med fødselsnummeret.")
        birth_date = parsed.birth_date
    if birth_date is None and parsed is None:
        raise DomainError("fødselsdato", "Fødselsdato må fylles ut for personer uten fødselsnummer eller D-nummer.")
    if birth_date is not None:
        if birth_date > today:
            raise DomainError("fødselsdato", "Fødselsdatoen kan ikke være fram i tid.")
        if birth_date.year < today.year - OLDEST_AGE_YEARS:
            raise DomainError("fødselsdato", f"Fødselsdatoen kan ikke være mer enn {OLDEST_AGE_YEARS} år tilbake.")

    if data.sex is not None and data.sex not in SEXES:
        raise DomainError("kjønn", "Kjønn må være kvinne, mann eller ukjent.")
    sex = data.sex
    if sex is None:
        sex = national_id.sex_of(parsed) if parsed is not None else (current_sex or "unknown")

    phone = _text(data.phone, "telefon", "Telefonnummeret", 32)
    if phone is not None:
        phone = normalise_phone(phone)
    email = _text(data.email, "e-post", "E-postadressen", EMAIL_MAX)
    if email is not None and not _EMAIL.fullmatch(email):
        raise DomainError("e-post", "E-postadressen er ikke gyldig.")
    address = _text(data.address, "adresse", "Adressen", ADDRESS_MAX)
    postcode = _text(data.postcode, "postnummer", "Postnummeret", 16)
    if postcode is not None:
        postcode = postcode.replace(" ", "")
        if not _POSTCODE.fullmatch(postcode):
            raise DomainError("postnummer", "Postnummeret må ha 4 siffer.")
    post_place = _text(data.post_place, "poststed", "Poststedet", POST_PLACE_MAX)
    if data.home_org_unit_id is not None and (not isinstance(data.home_org_unit_id, int) or isinstance(data.home_org_unit_id, bool)):
        raise DomainError("hjemkommune", "Ukjent kommune.")

    return {
        "first_name": first,
        "middle_name": middle,
        "last_name": last,
        "national_id": number,
        "birth_date": birth_date,
        "sex": sex,
        "phone": phone,
        "email": email,
        "address": address,
        "postcode": postcode,
        "post_place": post_place,
        "home_org_unit_id": data.home_org_unit_id,
        "name_key": name_key,
    }


def clean_duplicate_reason(reason: str | None) -> str | None:
    """The "create anyway" reason: trimmed, at most 500 characters, and never holding a fødselsnummer (it is audited)."""
    cleaned = _text(reason, "begrunnelse", "Begrunnelsen", REASON_MAX)
    if cleaned is not None and _NATIONAL_ID_INSIDE.search(cleaned):
        raise DomainError("begrunnelse", "Begrunnelsen kan ikke inneholde et fødselsnummer.")
    return cleaned


# --- name similarity (pure) -----------------------------------------------------------------------------------------


def name_tokens(text: str) -> list[str]:
    """The folded words of a name or query ("Ødegård, Kari-Anne" -> ["odegard", "kari", "anne"]); digits dropped."""
    folded = fold_name(text or "", None, "")
    return [t for t in _TOKEN.findall(folded) if not t.isdigit()]


def token_similarity(query: str, candidate: str) -> float:
    """How alike two folded words are, 0..1: difflib's ratio, at least 0.9 for a typed beginning ("nordm"), and
    halved below 0.7 so unrelated names ("kari"/"kristin") do not add up to a hit."""
    if query == candidate:
        return 1.0
    ratio = SequenceMatcher(None, query, candidate, autojunk=False).ratio()
    if candidate.startswith(query):
        return max(ratio, _PARTIAL_TOKEN)
    return ratio if ratio >= _WEAK_TOKEN else ratio / 2


def name_similarity(
    query: Sequence[str],
    candidate: Sequence[str],
    similarity: Callable[[str, str], float] = token_similarity,
) -> float:
    """Token-set similarity of two names, 0..1, independent of word order.

    Each query word is paired with at most one candidate word (best pairs first). The score is mostly how well the
    query's words are covered (weighted by length), and a little how much of the candidate's name is covered, so
    "Kari Nordmann" ranks "Nordmann Kari" above "Nordmann Kari Anne".
    """
    if not query or not candidate:
        return 0.0
    pairs = sorted(
        ((similarity(q, c), i, j) for i, q in enumerate(query) for j, c in enumerate(candidate)),
        key=lambda p: (-p[0], p[1], p[2]),
    )
    q_best = [0.0] * len(query)
    c_best = [0.0] * len(candidate)
    used_q: set[int] = set()
    used_c: set[int] = set()
    for score, i, j in pairs:
        if i in used_q or j in used_c:
            continue
        used_q.add(i)
        used_c.add(j)
        q_best[i] = c_best[j] = score
    q_cov = sum(len(q) * s for q, s in zip(query, q_best)) / sum(len(q) for q in query)
    c_cov = sum(len(c) * s for c, s in zip(candidate, c_best)) / sum(len(c) for c in candidate)
    return _QUERY_WEIGHT * q_cov + (1 - _QUERY_WEIGHT) * c_cov


def search_score(name_score: float, candidate_birth: dt.date | None, birth_date: dt.date | None, *, has_name: bool) -> float:
    """Combine name similarity with the birth date: the same date lifts a hit, another date pushes it down.

    Without a name (birth date only) a hit is a person born that day. With a different birth date only an (almost)
    exact name stays above SEARCH_THRESHOLD, which catches a mistyped date without flooding the list.
    """
    if not has_name:
        return 1.0 if birth_date is not None and candidate_birth == birth_date else 0.0
    if birth_date is None:
        return name_score
    if candidate_birth == birth_date:
        return 0.3 + 0.7 * name_score
    if candidate_birth is None:
        return 0.9 * name_score
    return 0.75 * name_score


class _Scorer:
    """Scores candidates against one query, remembering word similarities (common names repeat a lot)."""

    def __init__(self, tokens: Sequence[str]) -> None:
        self.tokens = list(tokens)
        self._memo: dict[tuple[str, str], float] = {}
        self._names: dict[str, float] = {}

    def _similarity(self, q: str, c: str) -> float:
        key = (q, c)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = token_similarity(q, c)
        return found

    def name(self, name_key: str) -> float:
        found = self._names.get(name_key)
        if found is None:
            found = self._names[name_key] = name_similarity(self.tokens, _TOKEN.findall(name_key), self._similarity)
        return found


def _adjacent_swaps(prefix: str) -> list[str]:
    """The prefix with each pair of neighbouring letters swapped ("nro" -> "rno", "nor"): typing transpositions."""
    return [prefix[:i] + prefix[i + 1] + prefix[i] + prefix[i + 2 :] for i in range(len(prefix) - 1) if prefix[i] != prefix[i + 1]]


# --- access ---------------------------------------------------------------------------------------------------------


def can_open_person(session: Session, actor: Actor, person_id: int) -> bool:
    if not actor.has_any(CASE_WORK_ROLES):
        return False
    return person_id in queries.visible_person_ids(session, [person_id], openable_clause(actor))


# One rule for "may open": tracing.access owns it, so cases/ and clusters/ check exactly what this module does.
require_openable_person = require_person


def _actor_unit_id(actor: Actor) -> int | None:
    grants = actor.grants_for(CASE_WORK_ROLES) or actor.grants
    return grants[0].org_unit_id if grants else None


def _audit(session: Session, actor: Actor, action: str, person_id: int | None, detail: dict[str, Any] | None = None) -> None:
    audit_as(session, actor, action, entity="person", entity_id=person_id, org_unit_id=_actor_unit_id(actor), detail=detail)


# --- look-up by number ----------------------------------------------------------------------------------------------


def _full_name(first: str, middle: str | None, last: str) -> str:
    return " ".join(p for p in (first, middle, last) if p)


def _lookup(session: Session, actor: Actor, number: str, purpose: str | None = None) -> tuple[Person | None, NationalLookup]:
    """Find ``number`` (validated) nationally, decide scope, audit the look-up (person id, never the number)."""
    person = session.scalar(queries.person_by_national_id(number))
    detail: dict[str, Any] = {"found": person is not None, "person_id": person.id if person else None}
    if purpose:
        detail["purpose"] = purpose
    _audit(session, actor, "national_id_lookup", person.id if person else None, detail)
    if person is None:
        return None, NationalLookup(False, None, None, None, None, False)
    in_scope = can_open_person(session, actor, person.id)
    kommune = queries.kommune_name(session, queries.responsible_org_unit_id(session, person))
    return person, NationalLookup(
        found=True,
        person_id=person.id if in_scope else None,
        full_name=person.full_name,
        birth_year=person.birth_date.year if person.birth_date else None,
        responsible_kommune=kommune,
        in_scope=in_scope,
    )


def lookup_national_id(session: Session, actor: Actor, national_id: str) -> NationalLookup:
    """Exact look-up by fødselsnummer/D-nummer in the whole country, audited as "national_id_lookup".

    Shows that a person exists elsewhere (name, birth year, responsible kommune) without opening the record:
    ``person_id`` is only given when the actor may open the person.
    """
    require_case_work(actor)
    number = parse_national_id(national_id).value
    return _lookup(session, actor, number)[1]


def _hit_from_lookup(session: Session, person: Person, found: NationalLookup) -> PersonHit:
    if not found.in_scope:
        return PersonHit(
            person_id=person.id,
            full_name=person.full_name,
            birth_date=None,
            masked_national_id=None,
            home_org_unit_name=found.responsible_kommune,
            score=1.0,
            in_scope=False,
            birth_year=found.birth_year,
        )
    home = session.get(OrgUnit, person.home_org_unit_id) if person.home_org_unit_id else None
    return PersonHit(
        person_id=person.id,
        full_name=person.full_name,
        birth_date=person.birth_date,
        masked_national_id=national_id.mask(person.national_id) if person.national_id else None,
        home_org_unit_name=home.name if home else None,
        score=1.0,
        in_scope=True,
        birth_year=found.birth_year,
    )


# --- fuzzy search ---------------------------------------------------------------------------------------------------


def _candidates(
    session: Session,
    scope: Any,
    tokens: Sequence[str],
    birth_date: dt.date | None,
    scorer: _Scorer,
) -> dict[int, tuple[str, dt.date | None]]:
    """Candidate persons from indexed probes on ``name_key`` ("last first middle") and the birth date.

    Every probe is a range scan on an index, capped. First the cheap, narrow ones: the same birth date; a single
    word as the start of the key ("nordm" finds "nordmann kari"); for two or more words, each word as the last name
    followed by the first two letters of another ("Kari Nordmann" and "Nordmann Kari" both probe "nordmann ka" and
    "kari no"; "nordmann-" followed by a word "ka" finds a double last name). Only when none of those is a good match (a typo in the last name) come the wider probes, longest
    first, stopping at the first good match: the first five, four and three letters of a word, and the first three
    with two neighbouring letters swapped, each followed by a word starting with another word's first two letters.
    A typo in the first letters of every word is found through the birth date only.
    """
    found: dict[int, tuple[str, dt.date | None]] = {}
    queries.without_jit(session)

    def probe(prefix: str, word_start: str | None, cap: int) -> None:
        if len(found) >= MAX_CANDIDATES or not prefix:
            return
        stmt = queries.name_candidates(prefix, scope, word_start=word_start, limit=cap)
        for person_id, name_key, born in session.execute(stmt):
            found.setdefault(person_id, (name_key, born))

    if birth_date is not None:
        for person_id, name_key, born in session.execute(queries.birth_date_candidates(birth_date, scope, limit=_BIRTH_DATE_PROBE_CAP)):
            found.setdefault(person_id, (name_key, born))
    words = list(dict.fromkeys(tokens))[:_PROBE_TOKENS]
    if not words:
        return found
    pairs: list[tuple[str, str | None]] = [(w, None) for w in words] if len(words) == 1 else list(itertools.permutations(words, 2))
    for last, other in pairs:
        if other is None:
            probe(last, None, _WORD_PROBE_CAP)
        else:
            probe(f"{last} {other[:2]}", None, _KEY_PROBE_CAP)
            probe(f"{last}-", other[:2], _KEY_PROBE_CAP)  # a double last name: "knudsen-hansen thor"

    def good() -> bool:
        return any(scorer.name(key) >= GOOD_MATCH for key, _ in found.values())

    if good():
        return found
    for last, other in pairs:
        # Longer prefixes first: a dense three-letter range ("nor") could be cut off long before "nordmann".
        for prefix in dict.fromkeys((last[:5], last[:4], last[:3], *_adjacent_swaps(last[:3]))):
            probe(prefix, other[:2] if other else None, _FALLBACK_PROBE_CAP)
            if good():
                return found
    return found


def _ranked_hits(
    session: Session,
    scorer: _Scorer,
    birth_date: dt.date | None,
    candidates: dict[int, tuple[str, dt.date | None]],
    *,
    threshold: float,
    limit: int,
    require_birth_date: bool = False,
) -> list[PersonHit]:
    tokens = scorer.tokens
    scored: list[tuple[float, str, int]] = []
    for person_id, (name_key, born) in candidates.items():
        if require_birth_date and born != birth_date:
            continue
        name_score = scorer.name(name_key) if tokens else 0.0
        score = search_score(name_score, born, birth_date, has_name=bool(tokens))
        if score >= threshold:
            scored.append((score, name_key, person_id))
    scored.sort(key=lambda s: (-s[0], s[1], s[2]))
    top = scored[:limit]
    if not top:
        return []
    rows = {row.id: row for row in session.execute(queries.hit_rows(pid for _, _, pid in top))}
    hits = []
    for score, _, person_id in top:
        row = rows[person_id]
        hits.append(
            PersonHit(
                person_id=person_id,
                full_name=_full_name(row.first_name, row.middle_name, row.last_name),
                birth_date=row.birth_date,
                masked_national_id=national_id.mask(row.national_id) if row.national_id else None,
                home_org_unit_name=row.home_org_unit_name,
                score=round(score, 4),
                in_scope=True,
                birth_year=row.birth_date.year if row.birth_date else None,
            )
        )
    return hits


def search_persons(
    session: Session,
    actor: Actor,
    text: str,
    birth_date: dt.date | None = None,
    limit: int = 20,
) -> list[PersonHit]:
    """Search before create.

    * ``text`` of 11 digits (spaces allowed) is a fødselsnummer/D-nummer: exact, national, audited as
      "national_id_lookup" (see ``lookup_national_id``); a person outside the actor's units comes back with
      ``in_scope`` False and only name, birth year and kommune.
    * Other digits only are refused (no searching on part of a number).
    * Otherwise a fuzzy name search (æøå and diacritics folded, typos and word order tolerated), lifted by
      ``birth_date`` when given, among the persons the actor may open; best first, at most ``limit`` hits.
      Audited as "person_search" with the number of hits (not the text).
    """
    require_case_work(actor)
    text = text or ""
    compact = "".join(text.split())
    if _ELEVEN_DIGITS.fullmatch(compact):
        number = parse_national_id(compact).value
        person, found = _lookup(session, actor, number)
        return [_hit_from_lookup(session, person, found)] if person is not None else []
    if compact and all(c.isdigit() or c in ".-" for c in compact):
        raise DomainError("søk", "Skriv hele fødselsnummeret (11 siffer), eller søk på navn.")
    birth_date = _birth_date_value(birth_date)
    limit = max(1, min(int(limit), MAX_LIMIT))
    tokens = name_tokens(text)
    if not tokens and birth_date is None:
        return []
    scorer = _Scorer(tokens)
    candidates = _candidates(session, person_scope_clause(actor), tokens, birth_date, scorer)
    hits = _ranked_hits(session, scorer, birth_date, candidates, threshold=SEARCH_THRESHOLD, limit=limit)
    _audit(session, actor, "person_search", None, {"hits": len(hits), "with_birth_date": birth_date is not None})
    return hits


# --- duplicates -----------------------------------------------------------------------------------------------------


def _duplicates(
    session: Session,
    actor: Actor,
    *,
    number: str | None,
    first_name: str | None,
    middle_name: str | None,
    last_name: str | None,
    birth_date: dt.date | None,
    exclude_person_id: int | None = None,
    look_up_number: bool = True,
) -> list[PersonHit]:
    """Duplicates by number (an audited national look-up, unless ``look_up_number`` is off because the caller has
    checked the number already) and by similar name with the same birth date."""
    hits: list[PersonHit] = []
    if number is not None and look_up_number:
        person, found = _lookup(session, actor, number, purpose="duplicate_check")
        if person is not None and person.id != exclude_person_id:
            hits.append(_hit_from_lookup(session, person, found))
    tokens = name_tokens(" ".join(p for p in (first_name, middle_name, last_name) if p))
    if birth_date is None or not tokens:
        return hits
    scorer = _Scorer(tokens)
    candidates = _candidates(session, person_scope_clause(actor), tokens, birth_date, scorer)
    seen = {h.person_id for h in hits} | ({exclude_person_id} if exclude_person_id else set())
    candidates = {pid: c for pid, c in candidates.items() if pid not in seen}
    if number is not None and candidates:
        # Someone with another valid number is another person, however alike the names.
        stmt = select(Person.id, Person.national_id).where(Person.id.in_(sorted(candidates)))
        numbers = {pid: nid for pid, nid in session.execute(stmt)}
        candidates = {pid: c for pid, c in candidates.items() if numbers.get(pid) in (None, number)}
    # Same birth date and a similar name: search_score is 0.3 + 0.7 * name similarity for an equal date.
    threshold = 0.3 + 0.7 * DUPLICATE_THRESHOLD
    hits += _ranked_hits(session, scorer, birth_date, candidates, threshold=threshold, limit=MAX_LIMIT, require_birth_date=True)
    return hits


def find_duplicates(session: Session, actor: Actor, data: PersonInput) -> list[PersonHit]:
    """Possible duplicates of a person about to be created.

    The same fødselsnummer anywhere in the country (an audited look-up; a person outside the actor's units comes
    back with ``in_scope`` False, showing name, birth year and kommune only), then persons the actor may open with
    the same birth date (typed, or from the number) and a similar folded name. Persons with another number are not
    duplicates. Raises DomainError("fødselsnummer", ...) for an invalid number.
    """
    require_case_work(actor)
    parsed = None
    if isinstance(data.national_id, str) and data.national_id.strip():
        parsed = parse_national_id(data.national_id)
    birth_date = _birth_date_value(data.birth_date)
    if parsed is not None and parsed.birth_date is not None:
        birth_date = parsed.birth_date
    return _duplicates(
        session,
        actor,
        number=parsed.value if parsed else None,
        first_name=data.first_name if isinstance(data.first_name, str) else None,
        middle_name=data.middle_name if isinstance(data.middle_name, str) else None,
        last_name=data.last_name if isinstance(data.last_name, str) else None,
        birth_date=birth_date,
    )


# --- create and edit ------------------------------------------------------------------------------------------------


def _require_home_unit(session: Session, org_unit_id: int | None) -> None:
    """A home unit, when given, must be a kommune or bydel that exists. It may lie outside the actor's units."""
    if org_unit_id is None:
        return
    unit = session.get(OrgUnit, org_unit_id)
    if unit is None or unit.level < queries.KOMMUNE_LEVEL:
        raise DomainError("hjemkommune", "Ukjent kommune.")


_NUMBER_TAKEN = "Det finnes allerede en person med dette fødselsnummeret. Søk opp personen i stedet."


def create_person(
    session: Session,
    actor: Actor,
    data: PersonInput,
    *,
    duplicate_reason: str | None = None,
    today: dt.date | None = None,
) -> Person:
    """Register a person by hand (source "manual"), after search before create.

    Refused when the number is already registered (DomainError "fødselsnummer"), and when possible duplicates
    (same birth date, similar name, among persons the actor may open) exist and no ``duplicate_reason`` is given
    (DomainError "duplikat"); the reason and the duplicates' ids are audited with "person_created". The home kommune
    may lie outside the actor's units: until the person is enrolled, any case worker may open them by id (see the
    module docstring), so the creator can go on to register a case.
    """
    require_case_work(actor)
    today = today or today_oslo()
    fields = clean_person_input(data, today=today)
    reason = clean_duplicate_reason(duplicate_reason)
    _require_home_unit(session, fields["home_org_unit_id"])
    if fields["national_id"] is not None and queries.national_id_taken(session, fields["national_id"]):
        raise DomainError("fødselsnummer", _NUMBER_TAKEN)
    duplicates = _duplicates(
        session,
        actor,
        number=fields["national_id"],
        look_up_number=False,  # checked just above
        first_name=fields["first_name"],
        middle_name=fields["middle_name"],
        last_name=fields["last_name"],
        birth_date=fields["birth_date"],
    )
    if duplicates and reason is None:
        raise DomainError(
            "duplikat",
            "Mulige duplikater finnes. Åpne en eksisterende person, eller oppgi en begrunnelse for å opprette likevel.",
        )
    person = Person(**fields, source="manual")
    session.add(person)
    try:
        session.flush()
    except IntegrityError:
        # Another user registered the same number a moment ago; the original error holds the number, so drop it.
        raise DomainError("fødselsnummer", _NUMBER_TAKEN) from None
    detail: dict[str, Any] | None = None
    if reason is not None:
        detail = {"duplicate_reason": reason, "possible_duplicate_ids": [h.person_id for h in duplicates]}
    audit_as(
        session, actor, "person_created", entity="person", entity_id=person.id,
        org_unit_id=person.home_org_unit_id or _actor_unit_id(actor), detail=detail,
    )
    return person


def update_person(
    session: Session,
    actor: Actor,
    person_id: int,
    data: PersonInput,
    expected_version: int,
    *,
    today: dt.date | None = None,
) -> Person:
    """Save an edited person (all fields, as in the form), refusing a stale edit with StaleVersion.

    ``expected_version`` is the version the user loaded; if someone saved in between, nothing is written. A new
    number must not belong to another person. Audited "person_updated" with the changed field names only; an edit
    that changes nothing writes nothing.
    """
    person = require_openable_person(session, actor, person_id)
    if person.version != expected_version:
        raise StaleVersion()
    today = today or today_oslo()
    fields = clean_person_input(data, today=today, current_sex=person.sex)
    if fields["home_org_unit_id"] != person.home_org_unit_id:
        _require_home_unit(session, fields["home_org_unit_id"])
    number = fields["national_id"]
    if number is not None and number != person.national_id:
        if queries.national_id_taken(session, number, except_person_id=person.id):
            raise DomainError("fødselsnummer", "Fødselsnummeret tilhører en annen person i registeret.")
    changed = [name for name in EDITABLE_FIELDS if getattr(person, name) != fields[name]]
    if not changed:
        return person
    for name, value in fields.items():
        setattr(person, name, value)
    if "home_org_unit_id" in changed:
        session.expire(person, ["home_org_unit"])
    try:
        session.flush()
    except StaleDataError:
        raise StaleVersion() from None
    except IntegrityError:
        raise DomainError("fødselsnummer", "Fødselsnummeret tilhører en annen person i registeret.") from None
    _audit(session, actor, "person_updated", person.id, {"changed": changed})
    return person


# --- the person page ------------------------------------------------------------------------------------------------


def _exposure_rows(rows: Sequence[Any], openable: set[int]) -> list[ExposureRow]:
    out = []
    for r in rows:
        can_open = r.other_person_id in openable
        out.append(
            ExposureRow(
                exposure_id=r.exposure_id,
                exposure_date=r.exposure_date,
                setting=r.setting,
                source_case_id=r.source_case_id,
                contact_case_id=r.contact_case_id,
                other_person_id=r.other_person_id if can_open else None,
                other_full_name=_full_name(r.first_name, r.middle_name, r.last_name) if can_open else None,
                other_org_unit_name=r.other_org_unit_name,
                cluster_id=r.cluster_id,
                cluster_name=r.cluster_name,
                can_open=can_open,
            )
        )
    return out


def read_person(session: Session, actor: Actor, person_id: int) -> PersonRecord:
    """The person page: profile, cases (newest first), tests, exposures both ways, clusters, follow-ups, notes and
    the history (audit events about the person and their cases, newest first, at most 200). Audited "person_viewed".

    Refused with AccessDenied for a person the actor may not open, including one found by a national look-up in
    another kommune. Any case worker may open an unenrolled manual person (see the module docstring). Persons on
    the other side of an exposure are named only when the actor may open them too.
    """
    person = require_openable_person(session, actor, person_id)
    _ = person.home_org_unit  # loaded now, so the page can show it after the session has closed
    cases = queries.cases_of(session, person.id)
    case_ids = [c.id for c in cases]
    ins = queries.exposures_in_rows(session, person.id)
    outs = queries.exposures_out_rows(session, case_ids)
    openable = queries.visible_person_ids(session, [r.other_person_id for r in (*ins, *outs)], openable_clause(actor))
    clusters = [
        ClusterRow(
            cluster_id=r.cluster_id,
            name=r.name,
            kind=r.kind,
            status=r.status,
            role=r.role,
            start_date=r.start_date,
            end_date=r.end_date,
            org_unit_name=r.org_unit_name,
            can_open=actor.reaches(r.org_unit_path, CASE_WORK_ROLES),
        )
        for r in queries.cluster_rows(session, person.id)
    ]
    record = PersonRecord(
        person=person,
        cases=cases,
        test_results=queries.person_test_results(session, person),
        exposures_in=_exposure_rows(ins, openable),
        exposures_out=_exposure_rows(outs, openable),
        clusters=clusters,
        follow_ups=queries.follow_ups_of(session, case_ids),
        notes=queries.notes_of(session, case_ids),
        history=queries.history_of(session, person.id, case_ids),
    )
    _audit(session, actor, "person_viewed", person.id)
    return record
