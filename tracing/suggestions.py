"""Cluster suggestions (klyngeforslag): index cases of the last 14 days that share a place or an address but are
not yet together in one cluster.

Evidence comes from what tracers already type: the case's workplace or school and where it was infected (one
"place" vocabulary, so "Bekkedalen skole" typed in either field is the same place), and the person's address.
Values are normalised (case, punctuation, legal-form suffixes such as "AS", street-name spellings such as
"gt."/"gata"), and values that point at no single place ("Husstand", "Ukjent smittested", "Utlandet: ...",
"Pensjonist") are ignored.

A group is suggested when, within one org unit (the kommune, or the bydel when the actor works only in a bydel),
its cases come from at least two households (a family sharing a school or an address is household spread, not a
cluster) and no cluster has all of them as members. When an active cluster in the unit already carries the
evidence (its name holds the place, or its address is the address), accepting adds the missing cases to it
instead of creating a second cluster for the same place.

Every case-work role may look; only a kommuneoverlege may accept or dismiss. A dismissal is remembered with the
case ids it covered and returns only when a new case joins. A suggestion's ``key`` (kind, org unit, SHA-1 of the
normalised value) holds no personal data, so it may travel in element ids and the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auth.actor import Actor, audit_as
from auth.roles import CASE_WORK_ROLES
from data.clock import OSLO, to_oslo, today_oslo
from data.models import (
    Case,
    Cluster,
    ClusterMember,
    ClusterSuggestionDismissal,
    OrgUnit,
    Person,
    utcnow,
)
from data.queries.persons import without_jit
from tracing.access import person_scope_clause, require_case_work, scope_clause
from tracing.clusters import (
    ClusterInput,
    add_member_checked,
    create_cluster,
    require_cluster,
)
from tracing.errors import AccessDenied, DomainError

# The window and thresholds. 14 days: the follow-up window used for "active" chains (docs/decisions.md).
WINDOW_DAYS = 14
MIN_CASES = 2
MIN_HOUSEHOLDS = 2
DECIDING_ROLES = frozenset({"kommuneoverlege"})

SUGGESTION_KINDS = ("workplace", "school", "address", "event")
# When two pieces of evidence name exactly the same cases, the first in this order is shown.
_PRIORITY = {"school": 0, "workplace": 1, "event": 2, "address": 3}

GONE = "Forslaget finnes ikke lenger (det kan være tatt i bruk, avvist eller endret). Last inn siden på nytt."
DOCTORS_ONLY = "Bare kommuneoverlegen kan opprette eller avvise klynger fra forslag."


# --- normalisation -------------------------------------------------------------------------------------------------

# Values that name no single place: where a household, a trip or "nobody knows" was typed.
_GENERIC_PLACES = frozenset(
    {
        "husstand", "hjemme", "hjem", "familie", "familien", "ukjent", "ukjent smittested", "ukjent smittekilde",
        "ikke kjent", "vet ikke", "usikker", "ikke oppgitt", "nærmiljø", "nærmiljø sosial kontakt", "sosial kontakt",
        "annet", "ingen", "nei", "privat", "venner", "jobb", "arbeid", "arbeidsplass", "arbeidssted", "skole",
        "barnehage", "hjemmekontor", "student", "elev", "pensjonist", "ufør", "uføretrygdet", "arbeidsledig",
        "permittert", "sykemeldt", "hjemmeværende", "selvstendig", "selvstendig næringsdrivende", "frilans",
        "ikke i jobb", "ingen jobb", "ikke relevant",
    }
)
_GENERIC_PREFIXES = ("utlandet", "utland", "reise", "ukjent", "husstand", "nærmiljø")
_LEGAL_FORMS = frozenset({"as", "asa", "ans", "da", "ba", "sa", "enk", "nuf"})
_A_SLASH_S = re.compile(r"\ba\s*/\s*s\b", re.IGNORECASE)  # "A/S", the Danish spelling of AS
_WORK_PREFIX = re.compile(r"^\s*(arbeidsplass|arbeidssted|jobb|arbeid)\s*:\s*", re.IGNORECASE)
_PUNCTUATION = re.compile(r"[^\w\s]|_")
_SPACES = re.compile(r"\s+")
_HOUSE_LETTER = re.compile(r"(\d+)\s+([a-zæøå])(?=\s|$)")
_TRAILING_POSTCODE = re.compile(r",?\s*(\d{4})\s+[^\d,]+$")
_STREET_SUFFIXES = (("gaten", "gata"), ("gata", "gata"), ("gate", "gata"), ("gt", "gata"),
                    ("veien", "vei"), ("vegen", "vei"), ("veg", "vei"))

_NURSING_WORDS = ("sykehjem", "omsorgssenter", "behandlingssenter", "helsehus", "aldershjem", "pleiehjem", "omsorgsbolig")
_KINDERGARTEN_WORDS = ("barnehage", "bhg")
_SCHOOL_WORDS = ("skole", "vgs", "sfo", "aks", "gymnas", "videregående")
_CONCERT_WORDS = ("konsert",)
_PRIVATE_WORDS = ("bursdag", "konfirmasjon", "bryllup", "dåp", "privat")


def normalise_text(value: str | None) -> str:
    """Unicode-, case- and punctuation-folded text with single spaces; "" for nothing."""
    if not value:
        return ""
    text = unicodedata.normalize("NFKC", value).casefold()
    return _SPACES.sub(" ", _PUNCTUATION.sub(" ", text)).strip()


@lru_cache(maxsize=65536)  # the same workplaces and events come back case after case
def normalise_place(value: str | None) -> str | None:
    """The comparable form of a workplace, school or event, or None when it names no single place.

    "Arbeidsplass: Halvorsen AS", "halvorsen as" and "Halvorsen" are one place; "Husstand" and "Utlandet: Spania"
    are none.
    """
    if not value:
        return None
    text = normalise_text(_A_SLASH_S.sub("as", _WORK_PREFIX.sub("", value)))
    if len(text) < 2 or text.isdigit() or text in _GENERIC_PLACES or text.startswith(_GENERIC_PREFIXES):
        return None
    tokens = text.split(" ")
    if len(tokens) > 1 and tokens[-1] in _LEGAL_FORMS:
        tokens = tokens[:-1]
    return " ".join(tokens)


def _street_word(token: str) -> str:
    for suffix, replacement in _STREET_SUFFIXES:
        if token.endswith(suffix) and len(token) > len(suffix) or token == suffix:
            return token[: len(token) - len(suffix)] + replacement
    return token


@lru_cache(maxsize=65536)
def normalise_address(address: str | None, postcode: str | None = None) -> str | None:
    """The comparable form of a street address and postcode ("storgata 5a|0150"), or None without an address.

    "Storgt. 5 A" and "Storgata 5a" are one address; a postcode typed into the address ("Storgata 5, 0150 Oslo")
    counts when the postcode field is empty.
    """
    if not address or not address.strip():
        return None
    text = unicodedata.normalize("NFKC", address).strip()
    if match := _TRAILING_POSTCODE.search(text):
        postcode = postcode or match[1]
        text = text[: match.start()]
    text = _HOUSE_LETTER.sub(r"\1\2", normalise_text(text))
    if not text:
        return None
    street = " ".join(_street_word(t) for t in text.split(" "))
    digits = re.sub(r"\D", "", postcode or "")
    return f"{street}|{digits if len(digits) == 4 else ''}"


def _has_word(text: str, words: Iterable[str]) -> bool:
    tokens = text.split(" ")
    return any(w in text if len(w) > 4 else w in tokens for w in words)


@lru_cache(maxsize=4096)
def proposed_kind(value: str, kind: str) -> str:
    """The cluster kind for a suggestion of ``kind`` whose evidence reads ``value`` (one of CLUSTER_KINDS).

    Names decide where they can: "Maurtua barnehage" is a kindergarten, "Rosenhof sykehjem" a nursing home,
    "Konsert i Spektrum" a concert; otherwise a workplace stays a workplace, an event an event, an address "other".
    """
    text = normalise_text(value)
    if _has_word(text, _NURSING_WORDS):
        return "nursing_home"
    if _has_word(text, _KINDERGARTEN_WORDS):
        return "kindergarten"
    if _has_word(text, _SCHOOL_WORDS):
        return "school"
    if kind == "event" and _has_word(text, _CONCERT_WORDS):
        return "concert"
    if kind == "event" and _has_word(text, _PRIVATE_WORDS):
        return "private_gathering"
    return {"workplace": "workplace", "event": "event", "school": "school"}.get(kind, "other")


def suggestion_key(kind: str, org_unit_id: int, normalised: str) -> str:
    """Stable and free of personal data: the value is hashed (an address, or an event named after someone)."""
    digest = hashlib.sha1(normalised.encode("utf-8")).hexdigest()
    return f"{kind}:{org_unit_id}:{digest}"


# --- results ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestedCase:
    case_id: int
    person_id: int
    display_name: str | None  # None when the actor may not open the person (shown without name or link)
    reference_date: dt.date  # symptom onset, else test date, else the enrolment day
    status: str
    org_unit_name: str
    in_existing: bool  # already a member of the suggestion's existing cluster

    @property
    def can_open(self) -> bool:
        return self.display_name is not None


@dataclass(frozen=True)
class ExistingCluster:
    """An active cluster in the unit that already carries the evidence; accepting adds the missing cases to it."""

    id: int
    name: str
    members: int  # how many of the suggestion's cases are already in it


@dataclass(frozen=True)
class Suggestion:
    key: str
    kind: str  # one of SUGGESTION_KINDS
    value: str  # the evidence as typed (the most common spelling); an address only for authorised users
    org_unit_id: int
    org_unit_name: str
    cases: tuple[SuggestedCase, ...]
    households: int
    proposed_name: str
    proposed_kind: str
    existing: ExistingCluster | None
    can_act: bool  # the actor may accept or dismiss it
    also: tuple[str, ...] = ()  # other evidence kinds naming exactly the same cases

    @property
    def case_ids(self) -> tuple[int, ...]:
        return tuple(sorted(c.case_id for c in self.cases))

    @property
    def first_date(self) -> dt.date:
        return min(c.reference_date for c in self.cases)

    @property
    def last_date(self) -> dt.date:
        return max(c.reference_date for c in self.cases)


# --- the computation -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    case_id: int
    person_id: int
    status: str
    reference_date: dt.date
    household: str
    unit_name: str


@dataclass
class _Group:
    kind: str  # "place" or "address" while grouping
    unit_id: int
    normalised: str
    rows: dict[int, _Row] = field(default_factory=dict)  # by person: a person counts once
    spellings: Counter[str] = field(default_factory=Counter)
    as_workplace: bool = False
    places: Counter[str] = field(default_factory=Counter)  # for addresses: the cases' places (a nursing home?)

    def add(self, row: _Row) -> None:
        have = self.rows.get(row.person_id)
        if have is None or (row.reference_date, row.case_id) > (have.reference_date, have.case_id):
            self.rows[row.person_id] = row


def _kommune_path(path: str) -> str:
    parts = path.strip("/").split("/")
    return "/" + "/".join(parts[:3]) + "/" if len(parts) > 3 else path


def _window_clause(start: dt.date, today: dt.date):  # type: ignore[no-untyped-def]
    """Reference date = coalesce(symptom onset, test date, enrolment day in Oslo) within [start, today]."""
    begin = dt.datetime.combine(start, dt.time(0), tzinfo=OSLO)
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0), tzinfo=OSLO)
    return or_(
        func.coalesce(Case.symptom_onset, Case.test_date).between(start, today),
        and_(
            Case.symptom_onset.is_(None),
            Case.test_date.is_(None),
            Case.enrolled_at >= begin,
            Case.enrolled_at < end,
        ),
    )


def _case_filter(actor: Actor, start: dt.date, today: dt.date) -> list:  # type: ignore[type-arg]
    return [
        Case.kind == "index",
        Case.status != "cancelled",
        scope_clause(actor, OrgUnit.path),
        _window_clause(start, today),
        or_(Case.workplace_or_school.is_not(None), Case.infected_where.is_not(None), Person.address.is_not(None)),
    ]


def _group(session: Session, actor: Actor, start: dt.date, today: dt.date) -> tuple[dict[tuple[str, int, str], _Group], dict[int, OrgUnit]]:
    """One pass over the window's index cases (one query), grouped by (kind, org unit, normalised value)."""
    rows = session.execute(
        select(
            Case.id, Case.person_id, Case.status, Case.symptom_onset, Case.test_date, Case.enrolled_at,
            Case.workplace_or_school, Case.infected_where,
            Person.address, Person.postcode, Person.post_place, Person.household_key,
            OrgUnit.id, OrgUnit.path, OrgUnit.name,
        )
        .join(Person, Case.person_id == Person.id)
        .join(OrgUnit, Case.org_unit_id == OrgUnit.id)
        .where(*_case_filter(actor, start, today))
    ).all()
    # The suggestion's unit: the case's kommune when the actor works there, else the case's own (bydel) unit.
    kommune_paths = {_kommune_path(r[13]) for r in rows}
    units_by_path = {u.path: u for u in session.scalars(select(OrgUnit).where(OrgUnit.path.in_(kommune_paths)))} if rows else {}
    units: dict[int, OrgUnit] = {}
    groups: dict[tuple[str, int, str], _Group] = {}
    reached = {p: actor.reaches(p, CASE_WORK_ROLES) for p in units_by_path}

    def group(kind: str, unit_id: int, value: str) -> _Group:
        key = (kind, unit_id, value)
        if key not in groups:
            groups[key] = _Group(kind, unit_id, value)
        return groups[key]

    for (case_id, person_id, status, onset, test_date, enrolled_at, workplace, infected_where,
         address, postcode, post_place, household_key, own_unit_id, path, own_unit_name) in rows:
        kommune = units_by_path.get(_kommune_path(path))
        unit_id = kommune.id if kommune is not None and reached[kommune.path] else own_unit_id
        if kommune is not None and unit_id == kommune.id:
            units[kommune.id] = kommune
        reference = onset or test_date or to_oslo(enrolled_at).date()
        row = _Row(case_id, person_id, status, reference, household_key or f"p{person_id}", own_unit_name)
        places: dict[str, str] = {}
        for raw, is_workplace in ((workplace, True), (infected_where, False)):
            value = normalise_place(raw)
            if value is None:
                continue
            g = group("place", unit_id, value)
            g.add(row)
            if value not in places:
                g.spellings[_WORK_PREFIX.sub("", raw).strip()] += 1  # type: ignore[arg-type]
            g.as_workplace = g.as_workplace or is_workplace
            places[value] = raw  # type: ignore[assignment]
        addr = normalise_address(address, postcode)
        if addr is not None:
            g = group("address", unit_id, addr)
            g.add(row)
            readable = ", ".join(x for x in (address.strip(), " ".join(y for y in (postcode, post_place) if y)) if x)  # type: ignore[union-attr]
            g.spellings[readable] += 1
            g.places.update(places.values())
    missing = {g.unit_id for g in groups.values()} - set(units)
    if missing:
        units.update({u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(missing)))})
    return groups, units


def _window_persons(actor: Actor, start: dt.date, today: dt.date):  # type: ignore[no-untyped-def]
    """The persons of the window's index cases, as a sub-query (set-based: no long IN lists)."""
    return (
        select(Case.person_id)
        .join(Person, Case.person_id == Person.id)
        .join(OrgUnit, Case.org_unit_id == OrgUnit.id)
        .where(*_case_filter(actor, start, today))
    )


def _memberships(session: Session, persons) -> dict[int, set[int]]:  # type: ignore[no-untyped-def]
    """Person id -> the clusters they are members of, for the window's persons."""
    out: dict[int, set[int]] = {}
    for cluster_id, person_id in session.execute(
        select(ClusterMember.cluster_id, ClusterMember.person_id).where(ClusterMember.person_id.in_(persons))
    ):
        out.setdefault(person_id, set()).add(cluster_id)
    return out


@dataclass(frozen=True)
class _ClusterFacts:
    id: int
    name: str
    path: str
    place: str | None  # the normalised name
    street: str | None  # the normalised address without the postcode


def _active_clusters(session: Session, actor: Actor) -> list[_ClusterFacts]:
    """The active clusters of the actor's units, normalised once; few per kommune."""
    out = []
    for cid, name, address, path in session.execute(
        select(Cluster.id, Cluster.name, Cluster.address, OrgUnit.path)
        .join(OrgUnit, Cluster.org_unit_id == OrgUnit.id)
        .where(Cluster.status == "active", scope_clause(actor, OrgUnit.path))
    ):
        street = normalise_address(address)
        out.append(_ClusterFacts(cid, name, path, normalise_place(name), street.split("|")[0] if street else None))
    return out


def _carries(group: _Group, cluster: _ClusterFacts) -> bool:
    """Whether the cluster is the one for this evidence: its address is the address, or its name holds the place
    ("Utbrudd Halvorsen AS" for "Halvorsen AS")."""
    if group.kind == "address":
        return cluster.street is not None and cluster.street == group.normalised.split("|")[0]
    if not cluster.place:
        return False
    return f" {group.normalised} " in f" {cluster.place} " or f" {cluster.place} " in f" {group.normalised} "


def _openable(session: Session, actor: Actor, persons, wanted: set[int]) -> dict[int, str]:  # type: ignore[no-untyped-def]
    """Names of the persons the actor may open (tracing.access.person_scope_clause); others stay unnamed.

    One statement over the window's persons: on PostgreSQL, 5,000 persons take a fifth of the time that
    IN-list chunks of the same persons take.
    """
    names: dict[int, str] = {}
    for pid, first, middle, last in session.execute(
        select(Person.id, Person.first_name, Person.middle_name, Person.last_name).where(
            Person.id.in_(persons), person_scope_clause(actor)
        )
    ):
        if pid in wanted:
            names[pid] = " ".join(p for p in (first, middle, last) if p)
    return names


def _dismissed(session: Session, unit_ids: Iterable[int]) -> dict[tuple[int, str], set[int]]:
    ids = sorted(set(unit_ids))
    if not ids:
        return {}
    return {
        (d.org_unit_id, d.key): {int(x) for x in d.case_ids or ()}
        for d in session.scalars(select(ClusterSuggestionDismissal).where(ClusterSuggestionDismissal.org_unit_id.in_(ids)))
    }


def _public_kind(group: _Group) -> str:
    if group.kind == "address":
        return "address"
    if proposed_kind(group.normalised, "workplace") in ("school", "kindergarten"):
        return "school"
    return "workplace" if group.as_workplace else "event"


def _readable(group: _Group) -> str:
    """The most common spelling (ties: the first alphabetically), so the card reads as the tracers wrote it."""
    return min(group.spellings.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def _proposal(group: _Group, kind: str, value: str) -> tuple[str, str]:
    if kind != "address":
        return value[:200], proposed_kind(value, kind)
    cluster_kind = proposed_kind(value, "address")
    if cluster_kind == "other" and group.places:
        nursing = sum(n for place, n in group.places.items() if proposed_kind(place, "workplace") == "nursing_home")
        if 2 * nursing > len(group.rows):
            cluster_kind = "nursing_home"
    return f"Adresse {value}"[:200], cluster_kind


def _compute(
    session: Session, actor: Actor, today: dt.date, *, min_cases: int = MIN_CASES, min_households: int = MIN_HOUSEHOLDS
) -> list[Suggestion]:
    require_case_work(actor)
    without_jit(session)  # PostgreSQL would spend seconds JIT-compiling the access sub-queries (docs/decisions.md)
    start = today - dt.timedelta(days=WINDOW_DAYS - 1)
    groups, units = _group(session, actor, start, today)
    candidates = [
        g for g in groups.values()
        if len(g.rows) >= max(2, min_cases) and len({r.household for r in g.rows.values()}) >= max(1, min_households)
    ]
    if not candidates:
        return []
    persons_in_window = _window_persons(actor, start, today)
    member_of = _memberships(session, persons_in_window)
    clusters = _active_clusters(session, actor)
    dismissed = _dismissed(session, (g.unit_id for g in candidates))

    kept: list[tuple[_Group, ExistingCluster | None, str]] = []
    for g in candidates:
        persons = list(g.rows)
        common = set.intersection(*(member_of.get(p, set()) for p in persons))
        if common:  # already together in one cluster
            continue
        key = suggestion_key("address" if g.kind == "address" else "place", g.unit_id, g.normalised)
        seen = dismissed.get((g.unit_id, key))
        if seen is not None and {r.case_id for r in g.rows.values()} <= seen:
            continue
        unit_path = units[g.unit_id].path
        best: ExistingCluster | None = None
        for cluster in clusters:
            if not cluster.path.startswith(unit_path) or not _carries(g, cluster):
                continue
            overlap = sum(1 for p in persons if cluster.id in member_of.get(p, ()))
            if best is None or (overlap, cluster.id) > (best.members, best.id):
                best = ExistingCluster(cluster.id, cluster.name, overlap)
        kept.append((g, best, key))

    names = _openable(session, actor, persons_in_window, {p for g, _b, _k in kept for p in g.rows}) if kept else {}
    out: list[Suggestion] = []
    for g, best, key in kept:
        kind = _public_kind(g)
        value = _readable(g)
        proposed_name, cluster_kind = _proposal(g, kind, value)
        unit = units[g.unit_id]
        cases = tuple(
            SuggestedCase(
                case_id=r.case_id,
                person_id=r.person_id,
                display_name=names.get(r.person_id),
                reference_date=r.reference_date,
                status=r.status,
                org_unit_name=r.unit_name,
                in_existing=best is not None and best.id in member_of.get(r.person_id, ()),
            )
            for r in sorted(g.rows.values(), key=lambda r: (r.reference_date, r.case_id))
        )
        out.append(
            Suggestion(
                key=key,
                kind=kind,
                value=value,
                org_unit_id=unit.id,
                org_unit_name=unit.name,
                cases=cases,
                households=len({r.household for r in g.rows.values()}),
                proposed_name=best.name if best else proposed_name,
                proposed_kind=cluster_kind,
                existing=best,
                can_act=actor.reaches(unit.path, DECIDING_ROLES),
            )
        )
    return _merge(out)


def _merge(suggestions: list[Suggestion]) -> list[Suggestion]:
    """One card per set of cases: evidence naming exactly the same cases is shown on the strongest card, and an
    address whose cases all share a suggested place adds nothing."""
    ranked = sorted(suggestions, key=lambda s: (_PRIORITY[s.kind], -len(s.cases), s.key))
    by_cases: dict[tuple[int, tuple[int, ...]], Suggestion] = {}
    place_cards: dict[int, set[int]] = {}  # case id -> the place cards (by number) that hold it
    for number, s in enumerate(ranked):
        ids = s.case_ids
        ident = (s.org_unit_id, ids)
        if ident in by_cases:
            first = by_cases[ident]
            if s.kind != first.kind and s.kind not in first.also:
                by_cases[ident] = _with_also(first, s.kind)
            continue
        if s.kind == "address" and set.intersection(*(place_cards.get(c, set()) for c in ids)):
            continue
        by_cases[ident] = s
        if s.kind != "address":
            for c in ids:  # case ids are unique across units, so the unit needs no part in this index
                place_cards.setdefault(c, set()).add(number)
    return sorted(by_cases.values(), key=lambda s: (-len(s.cases), -s.last_date.toordinal(), s.key))


def _with_also(s: Suggestion, kind: str) -> Suggestion:
    return replace(s, also=(*s.also, kind))


# --- the public functions ---------------------------------------------------------------------------------------------


def suggest_clusters(
    session: Session,
    actor: Actor,
    today: dt.date | None = None,
    *,
    min_cases: int = MIN_CASES,
    min_households: int = MIN_HOUSEHOLDS,
) -> list[Suggestion]:
    """The suggestions for the actor's case-work units, most cases first. The list names persons, so looking at
    it is audited ("cluster_suggestions_viewed" with counts only)."""
    suggestions = _compute(session, actor, today or today_oslo(), min_cases=min_cases, min_households=min_households)
    grant = actor.primary_grant
    audit_as(
        session,
        actor,
        "cluster_suggestions_viewed",
        entity="cluster_suggestion",
        org_unit_id=grant.org_unit_id if grant else None,
        detail={
            "suggestions": len(suggestions),
            "cases": sum(len(s.cases) for s in suggestions),
            "named": sum(1 for s in suggestions for c in s.cases if c.can_open),
        },
    )
    return suggestions


def _decided(session: Session, actor: Actor, key: str, today: dt.date | None) -> Suggestion:
    """The suggestion ``key`` as it stands now, if the actor may decide on it."""
    if not actor.grants_for(DECIDING_ROLES):
        raise AccessDenied(DOCTORS_ONLY)
    found = next((s for s in _compute(session, actor, today or today_oslo()) if s.key == key), None)
    if found is None:
        raise DomainError("forslag", GONE)
    if not found.can_act:
        raise AccessDenied(DOCTORS_ONLY)
    return found


def accept_suggestion(session: Session, actor: Actor, key: str, today: dt.date | None = None) -> Cluster:
    """Turn a suggestion into a cluster whose members are its cases (role "index"); when an active cluster already
    carries the evidence, the missing cases join that one instead, and those of its members who were registered as
    contacts or other participants become index members (they are index cases now). Audited "cluster_suggestion_accepted"."""
    today = today or today_oslo()
    s = _decided(session, actor, key, today)
    if s.existing is not None:
        cluster = require_cluster(session, actor, s.existing.id)
        created = False
    else:
        description = f"Opprettet fra klyngeforslag: {len(s.cases)} indekser med samme {_EVIDENCE_NOUN[s.kind]}."
        cluster = create_cluster(
            session,
            actor,
            ClusterInput(
                name=s.proposed_name,
                kind=s.proposed_kind,
                org_unit_id=s.org_unit_id,
                address=s.value if s.kind == "address" else None,
                start_date=s.first_date,
                description=description,
            ),
            today=today,
        )
        created = True
    before = {m.person_id for m in cluster.members}
    for case in s.cases:
        member = add_member_checked(session, actor, cluster, case.person_id, "index", if_missing=True)
        if member.role != "index":  # a contact or other participant who has since become one of its cases
            audit_as(
                session, actor, "cluster_member_role_changed", entity="cluster", entity_id=cluster.id,
                org_unit_id=cluster.org_unit_id, detail={"person_id": case.person_id, "from": member.role, "to": "index"},
            )
            member.role = "index"
    session.flush()
    added = len({c.person_id for c in s.cases} - before)
    audit_as(
        session,
        actor,
        "cluster_suggestion_accepted",
        entity="cluster",
        entity_id=cluster.id,
        org_unit_id=s.org_unit_id,
        detail={"key": s.key, "kind": s.kind, "cases": len(s.cases), "added": added, "created": created},
    )
    return cluster


_EVIDENCE_NOUN = {"workplace": "arbeidsplass", "school": "skole/barnehage", "address": "adresse", "event": "arrangement"}


def dismiss_suggestion(session: Session, actor: Actor, key: str, today: dt.date | None = None) -> ClusterSuggestionDismissal:
    """Hide a suggestion until a new case joins it: the case ids it had are stored with the key. Audited
    "cluster_suggestion_dismissed"."""
    s = _decided(session, actor, key, today)
    row = session.scalar(
        select(ClusterSuggestionDismissal).where(
            ClusterSuggestionDismissal.org_unit_id == s.org_unit_id, ClusterSuggestionDismissal.key == s.key
        )
    )
    if row is None:
        row = ClusterSuggestionDismissal(org_unit_id=s.org_unit_id, key=s.key)
        session.add(row)
    row.case_ids = list(s.case_ids)  # type: ignore[arg-type]
    row.dismissed_at = utcnow()
    row.dismissed_by_id = actor.user_id
    try:
        session.flush()
    except IntegrityError:  # another doctor dismissed it at the same moment
        raise DomainError("forslag", GONE) from None
    audit_as(
        session,
        actor,
        "cluster_suggestion_dismissed",
        entity="cluster_suggestion_dismissal",
        entity_id=row.id,
        org_unit_id=s.org_unit_id,
        detail={"key": s.key, "kind": s.kind, "cases": len(s.cases)},
    )
    return row
