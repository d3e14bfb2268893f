"""A deterministic synthetic outbreak for demos, screenshots and tests (``python app.py --demo``).

The generator builds a small synthetic population in three kommuner (Oslo with its bydeler, Bergen with its
bydeler, and little Rendalen), lets an epidemic run through it over the last six weeks up to ``today``, and
writes what contact tracers would have registered: index cases, close contacts, exposures, clusters, daily
follow-ups, notes and test results.

Why a simulation and not random rows: the graph views (chains, generations, R and k per cluster), the epicurves
and the worklists only look right when the data has the shape of a real outbreak - households that infect each
other, a concert that seeds a dozen chains, contacts that later test positive and are converted to index cases.

Determinism: every random draw comes from ``random.Random`` streams derived from ``seed`` and from Faker
instances seeded with ``seed``; the wall clock is read only for ``today``'s default, and every timestamp is
derived from ``today``. The same (seed, persons, today, staff) therefore gives the same rows - with the same
installed Faker version, whose name lists can change between releases.

Privacy: everybody here is synthetic - synthetic fødselsnummer (month + 80) and D-nummer, example.* e-mail
domains - and nothing in this module logs or prints a national id.

Speed: rows are built as plain dicts and written with bulk ``insert()`` statements and explicit primary keys;
on PostgreSQL the id sequences are moved past the inserted ids afterwards.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import itertools
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from faker import Faker
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from data import national_id
from data.clock import OSLO, today_oslo
from data.names import fold_name
from data.models import (
    Case,
    Cluster,
    ClusterMember,
    Exposure,
    FollowUp,
    MsisReport,
    Note,
    OrgUnit,
    Person,
    SelfRegistration,
    TestResult,
)

__all__ = ["DEMO_KOMMUNER", "DemoRefused", "DemoSummary", "generate", "wipe"]

DEMO_KOMMUNER = ("0301", "4601", "3424")  # Oslo (with bydeler), Bergen (with bydeler), Rendalen (small)
KOMMUNE_SHARES = {"0301": 0.6, "4601": 0.3, "3424": 0.1}
RULE_SET = "standard"

# The numbers of tracing/rules.py's "standard" rule set (data/ cannot import tracing/): demo cases are stored
# with that rule set, so they read like cases registered in the app.
ISOLATION_DAYS = 5  # isolation_end = (symptom_onset or test_date) + 5 days
QUARANTINE_DAYS = 7  # quarantine_end = exposure date + 7 days
CLOSE_AFTER_DAYS = 2  # a case whose isolation/quarantine ended more than 2 days ago is closed
FOLLOW_UP_AHEAD_DAYS = 2  # active cases have daily follow-ups scheduled up to today + 2

EPIDEMIC_DAYS = 42  # the outbreak starts six weeks before today
INDEX_SHARE = 0.17  # about this share of the population becomes an index case
_CURVE_MIDPOINT = -8  # logistic cumulative epicurve: daily incidence peaks about a week before today
_CURVE_SCALE = 6.0

_CLUSTER_TRACING_DAYS = 14
_QUARANTINE_COMPLIANCE = 0.75

_UTC = dt.timezone.utc


class DemoRefused(RuntimeError):
    """The store holds persons that did not come from the demo generator; a demo refresh would erase them."""


@dataclass(frozen=True)
class DemoSummary:
    seed: int
    persons: int
    index_cases: int
    contact_cases: int
    exposures: int
    clusters: int
    follow_ups_due_today: int
    follow_ups_overdue: int
    notes: int
    by_kommune: dict[str, dict[str, int]]  # kommune code -> counts


# ---------------------------------------------------------------------------------------------------------
# Names

def _ascii_word(value: str) -> str:
    return "".join(c for c in fold_name(value, None, "") if "a" <= c <= "z")


# ---------------------------------------------------------------------------------------------------------
# Wipe


# FK-safe order: children before parents.
_WIPE_ORDER = (Note, FollowUp, Exposure, ClusterMember, Cluster, MsisReport, SelfRegistration, TestResult, Case, Person)
# The tables generate() fills, parents before children.
_INSERTED = (Person, Cluster, Case, Exposure, ClusterMember, FollowUp, Note, TestResult)


def _refuse_unless_demo(session: Session) -> None:
    if session.scalar(select(Person.id).where(Person.source != "demo").limit(1)) is not None:
        raise DemoRefused(
            "Databasen inneholder personer som ikke er demodata; demodata kan bare lages i en database uten ekte data."
        )


def wipe(session: Session) -> None:
    """Delete all persons, cases and what hangs on them; refuse (deleting nothing) if any person is not demo data.

    Users, roles, the org-unit tree, the audit log, kommune settings and ingest cursors are left alone.
    """
    _refuse_unless_demo(session)
    for model in _WIPE_ORDER:
        session.execute(delete(model).execution_options(synchronize_session=False))
    session.expire_all()


# ---------------------------------------------------------------------------------------------------------
# Reference tables for the synthetic world

# Rough centroids, for believable map positions (households are jittered around them).
_CENTROIDS = {
    "030101": (59.905, 10.775), "030102": (59.925, 10.765), "030103": (59.937, 10.755), "030104": (59.928, 10.735),
    "030105": (59.918, 10.705), "030106": (59.925, 10.655), "030107": (59.955, 10.670), "030108": (59.955, 10.755),
    "030109": (59.940, 10.815), "030110": (59.960, 10.880), "030111": (59.960, 10.925), "030112": (59.930, 10.855),
    "030113": (59.890, 10.830), "030114": (59.860, 10.790), "030115": (59.835, 10.810), "030116": (59.912, 10.745),
    "030117": (60.000, 10.700),
    "460101": (60.420, 5.470), "460102": (60.395, 5.325), "460103": (60.310, 5.350), "460104": (60.350, 5.290),
    "460105": (60.380, 5.250), "460106": (60.290, 5.240), "460107": (60.370, 5.350), "460108": (60.465, 5.330),
    "0301": (59.913, 10.752), "4601": (60.392, 5.324), "3424": (61.830, 11.080),
}
_JITTER = {"0301": 0.012, "4601": 0.015, "3424": 0.06}
# (first, last) postcode and the post place, per kommune.
_POSTCODES = {"0301": ((150, 1295), "Oslo"), "4601": ((5003, 5267), "Bergen"), "3424": ((2484, 2485), "Rendalen")}
_LABS = {
    "0301": (
        "Oslo universitetssykehus, Mikrobiologisk avdeling", "Fürst Medisinsk Laboratorium", "Unilabs Laboratoriemedisin",
    ),
    "4601": ("Haukeland universitetssjukehus, Mikrobiologisk avdeling", "Fürst Medisinsk Laboratorium"),
    "3424": ("Sykehuset Innlandet, Mikrobiologisk avdeling",),
}
_IMPORT_COUNTRIES = ("Spania", "Sverige", "Polen", "Thailand", "Danmark", "Tyskland", "Litauen", "Storbritannia")
_FOREIGN_LOCALES = (("pl_PL", 40), ("lt_LT", 20), ("sv_SE", 20), ("ro_RO", 10), ("en_GB", 10))
_RISK_CONDITIONS = (
    "Hjerte- og karsykdom", "Diabetes", "Kronisk lungesykdom", "Nedsatt immunforsvar", "Kreftbehandling",
)

_VENUE_PREFIXES = {
    "kindergarten": ("Solsikken", "Blåklokka", "Maurtua", "Trollskogen", "Eventyrhagen", "Regnbuen", "Marihøna",
                     "Humla", "Tusenfryd", "Kvitveis", "Lønnebakken", "Furulunden", "Ekornes", "Smørblomsten"),
    "school": ("Solhaug", "Granly", "Bekkedalen", "Lindeli", "Haugen", "Bakkehaugen", "Furuset", "Åsly", "Nordli",
               "Skogly", "Bjørkelunden", "Vestli", "Elvebakken", "Fjellheim"),
    "nursing_home": ("Lindehjemmet", "Solbakken", "Fjellsiden", "Bjørkely", "Kløverhagen", "Furuly", "Rosenhof",
                     "Sjøstjerna", "Lyngheim", "Eikelund"),
}
_VENUE_SUFFIX = {
    "kindergarten": "barnehage",
    "primary": "skole",
    "lower_secondary": "ungdomsskole",
    "upper_secondary": "videregående skole",
    "nursing_home": "sykehjem",
}
# The exposure setting used for contact in a venue of each kind.
_VENUE_SETTING = {
    "kindergarten": "kindergarten", "school": "school", "workplace": "workplace", "nursing_home": "health_institution",
}
# Base infection probability per exposure setting (scaled by the epicurve controller).
_P_INFECT = {"household": 0.30, "kindergarten": 0.10, "school": 0.08, "workplace": 0.07, "health_institution": 0.20,
             "event": 0.15, "other": 0.10}

_FOLLOW_UP_OUTCOMES = (("reached", 76), ("not_reached", 12), ("symptoms", 7), ("needs_help", 5))
_NOTES = {
    "index": (
        "Ringt, ingen svar.",
        "Informert om isolasjon og når den avsluttes.",
        "Feber og hoste, ellers i fin form.",
        "Har fått hjelp til innkjøp via frivilligsentralen.",
        "Nærkontakter kartlagt i samtale.",
        "Ber om bekreftelse på isolasjon til arbeidsgiver.",
        "Sendt SMS med informasjon om isolasjon.",
        "Lagt igjen beskjed på telefonsvarer.",
        "Fastlege kontaktet etter avtale med pasienten.",
        "Mer slapp i dag, rådet til å ringe legevakten ved tung pust.",
        "Symptomfri de siste to dagene.",
    ),
    "contact": (
        "Ringt, ingen svar.",
        "Har symptomer, henvist til testing.",
        "Informert om karantene og testing.",
        "Testet negativt, fortsetter karantenen ut perioden.",
        "Foresatte kontaktet, barnet er i karantene hjemme.",
        "Sendt SMS med informasjon om karantene.",
        "Lagt igjen beskjed på telefonsvarer.",
        "Bestilt time på teststasjonen.",
        "Jobber hjemmefra i karanteneperioden.",
    ),
}
_FOLLOW_UP_NOTES = {
    "symptoms": ("Sår hals og hodepine.", "Feber siden i går.", "Hoster, ellers greit."),
    "needs_help": ("Trenger hjelp med innkjøp.", "Trenger hjelp til å hente medisiner.", "Ønsker å snakke med lege."),
    "not_reached": ("Ingen svar.", "Lagt igjen beskjed."),
}


# ---------------------------------------------------------------------------------------------------------
# Internal records


@dataclass(slots=True)
class _Unit:
    id: int
    code: str
    name: str
    weight: float


@dataclass(slots=True)
class _Venue:
    id: int
    kind: str  # kindergarten | school | workplace | nursing_home
    kommune: str
    unit: _Unit
    name: str
    address: str
    members: list[int] = field(default_factory=list)
    groups: dict[int, list[int]] = field(default_factory=dict)


@dataclass(slots=True)
class _Case:
    id: int
    person: int
    kind: str
    kommune: str
    org_unit_id: int
    enrol_day: int
    enrol_minute: int
    chain: int
    assigned_to: int | None
    generation: int = 1  # index cases: 1 for a chain's root (not stored; the graph code derives it)
    # index cases
    test_day: int | None = None
    onset_day: int | None = None
    method: str | None = None
    infected_where: str | None = None
    risk_group: str | None = None
    # contact cases
    q_start: int | None = None
    q_end: int | None = None
    converted_day: int | None = None
    converted_minute: int = 0

    @property
    def end_day(self) -> int:
        if self.kind == "index":
            start = self.onset_day if self.onset_day is not None else self.test_day
            assert start is not None
            return start + ISOLATION_DAYS
        assert self.q_end is not None
        return self.q_end


@dataclass(slots=True)
class _ClusterPlan:
    id: int
    kind: str
    kommune: str
    unit: _Unit
    name: str
    address: str
    seed_day: int
    venue: _Venue | None = None
    household: int | None = None
    event_day: int | None = None
    open_day: int | None = None  # first day whose exposures in the venue count for the cluster
    exposure_days: list[int] = field(default_factory=list)
    roles: dict[int, str] = field(default_factory=dict)  # person -> index | contact | other


@dataclass(slots=True, order=True)
class _Infection:
    """A pending index registration: the person tests positive on ``test_day``."""

    test_day: int
    seq: int
    person: int = field(compare=False)
    onset_day: int | None = field(compare=False)
    source_case: int | None = field(compare=False)
    infected_where: str | None = field(compare=False)
    cluster: _ClusterPlan | None = field(compare=False, default=None)


# ---------------------------------------------------------------------------------------------------------
# The generator


def generate(
    session: Session,
    *,
    seed: int = 2026,
    persons: int = 3000,
    today: dt.date | None = None,
    staff: Mapping[str, Sequence[int]] | None = None,
) -> DemoSummary:
    """Replace all demo data with a fresh synthetic outbreak of about ``persons`` persons; see the module doc.

    Assumes the schema exists and the org-unit tree is loaded. Raises DemoRefused (and changes nothing) when
    the store holds non-demo persons. ``staff`` maps a kommune code to app_user ids of its tracers, who are
    assigned cases and recorded as authors of follow-ups and notes.
    """
    if persons < 10:
        raise ValueError("persons must be at least 10")
    wipe(session)
    world = _World(session, seed=seed, persons=persons, today=today or today_oslo(), staff=staff or {})
    world.build_population()
    world.build_venues()
    world.plan_clusters()
    world.run_outbreak()
    world.finish_cases()
    return world.write(session)


class _World:
    def __init__(self, session: Session, *, seed: int, persons: int, today: dt.date,
                 staff: Mapping[str, Sequence[int]]) -> None:
        self.seed = seed
        self.n = persons
        self.today = today
        self.staff = {k: list(staff.get(k) or ()) for k in DEMO_KOMMUNER}
        # Separate streams, so that a change in one part does not reshuffle everything after it.
        self.rng_pop = random.Random(f"demo-population-{seed}")
        self.rng_nid = random.Random(f"demo-national-id-{seed}")
        self.rng = random.Random(f"demo-outbreak-{seed}")
        self.rng_fu = random.Random(f"demo-follow-up-{seed}")
        self.fake = Faker("no_NO")
        self.fake.seed_instance(seed)
        self.foreign_fakers = []
        for locale, _ in _FOREIGN_LOCALES:
            f = Faker(locale)
            f.seed_instance(seed)
            self.foreign_fakers.append(f)
        self._dates: dict[int, dt.date] = {}
        self._load_units(session)
        # Explicit primary keys from max(id) + 1 (1 after the wipe; PostgreSQL sequences are moved in write()).
        self.base = {m: _next_id(session, m) for m in _INSERTED}

        # persons (index = position in these lists)
        self.p_rows: list[dict[str, Any]] = []
        self.p_kommune: list[str] = []
        self.p_unit: list[_Unit] = []
        self.p_age: list[int] = []
        self.p_household: list[int] = []
        self.p_venue: list[_Venue | None] = []
        self.p_group: list[int | None] = []
        self.households: list[list[int]] = []
        self.by_kommune: dict[str, list[int]] = {k: [] for k in DEMO_KOMMUNER}
        self.by_unit: dict[int, list[int]] = {}
        self.nursing_home_residents: dict[str, list[list[int]]] = {k: [] for k in DEMO_KOMMUNER}
        self.nursing_home_sites: dict[str, list[tuple[_Unit, str]]] = {k: [] for k in DEMO_KOMMUNER}
        self.venues: list[_Venue] = []
        self.clusters: list[_ClusterPlan] = []

        # outbreak state
        self.cases: list[_Case] = []
        self.exposures: list[dict[str, Any]] = []
        self.test_results: list[dict[str, Any]] = []
        self.index_case_of: dict[int, _Case] = {}
        self.open_contact: dict[int, _Case] = {}
        self.infected: dict[int, int] = {}  # person -> planned test day (may lie after today)
        self.pending_onset: dict[int, int] = {}  # infected contacts who test positive only after today
        self.scheduled = {k: 0 for k in DEMO_KOMMUNER}
        self._seq = itertools.count()
        self._heap: list[_Infection] = []

    # --- dates and times -------------------------------------------------------------------------------

    def day(self, d: int) -> dt.date:
        got = self._dates.get(d)
        if got is None:
            got = self._dates[d] = self.today + dt.timedelta(days=d)
        return got

    def at(self, d: int, minute: int) -> dt.datetime:
        """An aware UTC datetime: Oslo wall-clock ``minute`` after midnight on day ``d`` (relative to today)."""
        if d >= 0:
            minute = min(minute, 7 * 60 + minute % 60)  # today: early morning, so "now" is rarely before it
        local = dt.datetime.combine(self.day(d), dt.time(minute // 60, minute % 60), tzinfo=OSLO)
        return local.astimezone(_UTC)

    def work_minute(self, rng: random.Random) -> int:
        return rng.randint(8 * 60, 15 * 60 + 59)

    # --- org units ---------------------------------------------------------------------------------------

    def _load_units(self, session: Session) -> None:
        rows = session.execute(
            select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.level, OrgUnit.parent_id, OrgUnit.population)
        ).all()
        by_code = {r.code: r for r in rows}
        missing = [k for k in DEMO_KOMMUNER if k not in by_code]
        if missing:
            raise RuntimeError(f"org units missing for kommune {', '.join(missing)}; load the reference data first")
        self.kommune_unit: dict[str, _Unit] = {}
        self.living_units: dict[str, list[_Unit]] = {}
        self.unit_cum: dict[str, list[float]] = {}
        for k in DEMO_KOMMUNER:
            kr = by_code[k]
            self.kommune_unit[k] = _Unit(kr.id, kr.code, kr.name, float(kr.population or 1))
            children = sorted((r for r in rows if r.parent_id == kr.id and r.level == 4), key=lambda r: r.code)
            units = [_Unit(r.id, r.code, r.name, float(r.population or 1)) for r in children] or [self.kommune_unit[k]]
            self.living_units[k] = units
            self.unit_cum[k] = list(itertools.accumulate(u.weight for u in units))

    def pick_unit(self, k: str, rng: random.Random) -> _Unit:
        cum = self.unit_cum[k]
        return self.living_units[k][bisect.bisect_right(cum, rng.random() * cum[-1])]

    def place(self, unit: _Unit, k: str, rng: random.Random) -> tuple[float, float]:
        lat, lon = _CENTROIDS.get(unit.code, _CENTROIDS[k])
        j = _JITTER[k]
        return round(lat + rng.uniform(-j, j), 5), round(lon + rng.uniform(-2 * j, 2 * j), 5)

    def street_address(self) -> str:
        """A Faker street name with a plain house number (Faker's numbers can have leading zeros)."""
        r = self.rng_pop
        letter = r.choice("ABC") if r.random() < 0.1 else ""
        return f"{self.fake.street_name()} {r.randint(1, 140)}{letter}"

    def postcode(self, k: str, rng: random.Random) -> tuple[str, str]:
        (lo, hi), place = _POSTCODES[k]
        return f"{rng.randint(lo, hi):04d}", place

    # --- population ------------------------------------------------------------------------------------

    def build_population(self) -> None:
        shares = [round(self.n * KOMMUNE_SHARES[k]) for k in DEMO_KOMMUNER[:-1]]
        counts = dict(zip(DEMO_KOMMUNER, [*shares, self.n - sum(shares)]))
        self.used_nids: set[str] = set()
        self.household_no = {k: 0 for k in DEMO_KOMMUNER}
        for k in DEMO_KOMMUNER:
            target = counts[k]
            # Nursing-home residents live at the nursing home: about 0.8 % of the population.
            residents = max(2, round(target * 0.008))
            homes = max(1, round(residents / 30))
            for h in range(homes):
                unit = self.pick_unit(k, self.rng_pop)
                self.nursing_home_sites[k].append((unit, self.street_address()))
                self.nursing_home_residents[k].append([])
            for i in range(residents):
                h = i % homes
                unit, address = self.nursing_home_sites[k][h]
                age = self.rng_pop.choice((80, 83, 85, 87, 88, 90, 92, 94, 97)) + self.rng_pop.randint(0, 2)
                sex = "female" if self.rng_pop.random() < 0.68 else "male"
                pid = self._add_household(k, unit, [(age, sex)], address=address, kind="institution")[0]
                self.nursing_home_residents[k][h].append(pid)
            made = residents
            while made < target:
                unit = self.pick_unit(k, self.rng_pop)
                members, htype = self._household_shape()
                members = members[: target - made]
                self._add_household(k, unit, members, kind=htype)
                made += len(members)

    def _household_shape(self) -> tuple[list[tuple[int, str]], str]:
        r = self.rng_pop
        sex = lambda: "female" if r.random() < 0.5 else "male"  # noqa: E731
        other = lambda s: "male" if s == "female" else "female"  # noqa: E731
        x = r.random()
        if x < 0.25:  # single adult
            return [(r.randint(20, 66), sex())], "single"
        if x < 0.35:  # single elderly, many of them 80+
            return [(r.randint(67, 98), "female" if r.random() < 0.62 else "male")], "single_elderly"
        if x < 0.57:  # couple without children at home
            a = r.randint(22, 88)
            s = sex()
            return [(a, s), (max(19, a + r.randint(-6, 6)), other(s) if r.random() < 0.92 else s)], "couple"
        if x < 0.93:  # family with children
            p = r.randint(26, 54)
            s = sex()
            adults = [(p, s)]
            if r.random() < 0.8:
                adults.append((max(20, p + r.randint(-5, 5)), other(s)))
            n_children = r.choices((1, 2, 3), weights=(40, 42, 18))[0]
            lo, hi = max(0, p - 44), min(19, p - 20)
            children = sorted(((r.randint(lo, hi), sex()) for _ in range(n_children)), reverse=True)
            return adults + children, "family"
        n = r.choice((2, 3, 3, 4))  # shared flat of young adults
        return [(r.randint(19, 31), sex()) for _ in range(n)], "shared"

    def _add_household(self, k: str, unit: _Unit, members: list[tuple[int, str]], *, kind: str,
                       address: str | None = None) -> list[int]:
        r = self.rng_pop
        self.household_no[k] += 1
        hh_index = len(self.households)
        hh_key = f"hh-{k}-{self.household_no[k]}"
        foreign = kind in ("single", "shared") and r.random() < 0.19
        faker = self.fake
        if foreign:
            weights = [w for _, w in _FOREIGN_LOCALES]
            faker = self.foreign_fakers[r.choices(range(len(_FOREIGN_LOCALES)), weights=weights)[0]]
            id_kind = "dnr" if r.random() < 0.5 else None
        else:
            id_kind = "fnr"
        if address is None:
            address = self.street_address()
        postcode, post_place = self.postcode(k, r)
        lat, lon = self.place(unit, k, r)
        family_last = faker.last_name()
        second_last = faker.last_name() if r.random() < 0.35 else None
        ids: list[int] = []
        for pos, (age, sex) in enumerate(members):
            pid = len(self.p_rows)
            child = age < 18 and kind == "family"
            if foreign:
                first = faker.first_name_male() if sex == "male" else faker.first_name_female()
                last = faker.last_name_male() if sex == "male" else faker.last_name_female()
                middle = None
            else:
                first = faker.first_name_male() if sex == "male" else faker.first_name_female()
                if kind in ("shared", "institution", "single", "single_elderly"):
                    last = faker.last_name()
                    middle = faker.last_name() if r.random() < 0.12 else None
                elif pos == 1 and second_last and not child:  # partner kept their own last name
                    last, middle = second_last, None
                else:
                    last = family_last
                    if child and second_last:  # children often carry the other parent's name as middle name
                        middle = second_last
                    else:
                        middle = faker.last_name() if r.random() < 0.08 else None
            birth = self.today - dt.timedelta(days=age * 365 + age // 4 + r.randint(0, 364))
            nid: str | None = None
            if id_kind is not None:
                while True:
                    nid = national_id.generate(birth, rng=self.rng_nid, kind=id_kind, synthetic=True, sex=sex)
                    if nid not in self.used_nids:
                        self.used_nids.add(nid)
                        break
            phone = None
            if age >= 13 and r.random() < (0.96 if age < 90 else 0.7):
                phone = f"{r.choice('49')}{r.randint(0, 9_999_999):07d}"
            email = None
            if age >= 18 and r.random() < 0.45:
                domain = r.choice(("example.com", "example.org", "example.net"))  # reserved: mail never goes out
                email = f"{_ascii_word(first)}.{_ascii_word(last)}{r.randint(1, 99)}@{domain}"
            created = self.at(-EPIDEMIC_DAYS - 1, 7 * 60)
            self.p_rows.append({
                "id": self.base[Person] + pid,
                "national_id": nid,
                "first_name": first,
                "middle_name": middle,
                "last_name": last,
                "name_key": fold_name(first, middle, last),
                "birth_date": birth,
                "sex": sex,
                "phone": phone,
                "email": email,
                "address": address,
                "postcode": postcode,
                "post_place": post_place,
                "home_org_unit_id": unit.id,
                "household_key": hh_key,
                "lat": lat,
                "lon": lon,
                "source": "demo",
                "created_at": created,
                "updated_at": created,
                "version": 1,
            })
            self.p_kommune.append(k)
            self.p_unit.append(unit)
            self.p_age.append(age)
            self.p_household.append(hh_index)
            self.p_venue.append(None)
            self.p_group.append(None)
            self.by_kommune[k].append(pid)
            self.by_unit.setdefault(unit.id, []).append(pid)
            ids.append(pid)
        self.households.append(ids)
        return ids

    # --- venues: kindergartens, schools, nursing homes, workplaces ---------------------------------------

    def build_venues(self) -> None:
        r = self.rng_pop
        self._group_ids = itertools.count()
        self._names_used: set[str] = set()
        for k in DEMO_KOMMUNER:
            unit_order = {u.id: i for i, u in enumerate(self.living_units[k])}
            people = sorted(self.by_kommune[k], key=lambda p: (unit_order.get(self.p_unit[p].id, 0), p))
            residents = {p for home in self.nursing_home_residents[k] for p in home}
            kids = [p for p in people if 1 <= self.p_age[p] <= 5 and r.random() < 0.9]
            primary = [p for p in people if 6 <= self.p_age[p] <= 12]
            lower = [p for p in people if 13 <= self.p_age[p] <= 15]
            upper = [p for p in people if 16 <= self.p_age[p] <= 18 and r.random() < 0.9]
            workers = [p for p in people if 20 <= self.p_age[p] <= 66 and p not in residents and r.random() < 0.8]
            r.shuffle(workers)
            staff_pool = list(workers)

            def take_staff(n: int) -> list[int]:
                got = staff_pool[:n]
                del staff_pool[:n]
                return got

            for kind, suffix, pupils, size, ratio, by_age in (
                ("kindergarten", "kindergarten", kids, 45, 6, False),
                ("school", "primary", primary, 260, 12, True),
                ("school", "lower_secondary", lower, 220, 12, True),
                ("school", "upper_secondary", upper, 450, 14, True),
            ):
                for chunk in _chunks(pupils, size):
                    venue = self._new_venue(kind, k, self.p_unit[chunk[0]], suffix)
                    groups: dict[Any, list[int]] = {}
                    for p in chunk:
                        key = self.p_age[p] if by_age else (self.p_age[p] >= 3)
                        groups.setdefault(key, []).append(p)
                    gids = []
                    for key in sorted(groups):
                        for sub in _chunks(groups[key], 25 if by_age else 18):
                            gids.append(self._add_group(venue, sub))
                    for i, s in enumerate(take_staff(max(2, round(len(chunk) / ratio)))):
                        self._add_to_group(venue, gids[i % len(gids)], s)
            for h, residents_h in enumerate(self.nursing_home_residents[k]):
                unit, address = self.nursing_home_sites[k][h]
                venue = self._new_venue("nursing_home", k, unit, "nursing_home", address=address)
                gids = [self._add_group(venue, ward) for ward in _chunks(residents_h, 10)]
                for i, s in enumerate(take_staff(max(3, round(len(residents_h) / 1.2)))):
                    self._add_to_group(venue, gids[i % len(gids)], s)
            while staff_pool:
                size = r.choices((3, 5, 8, 12, 20, 35, 60, 120), weights=(14, 16, 16, 16, 14, 11, 8, 5))[0]
                chunk = take_staff(size)
                venue = self._new_venue("workplace", k, self.p_unit[chunk[0]], "workplace")
                for team in _chunks(chunk, 8):
                    self._add_group(venue, team)

    def _new_venue(self, kind: str, k: str, unit: _Unit, suffix: str, address: str | None = None) -> _Venue:
        if kind == "workplace":
            base = self.fake.company()
            name = base
        else:
            prefixes = _VENUE_PREFIXES["school" if kind == "school" else kind]
            base = self.rng_pop.choice(prefixes)
            name = f"{base} {_VENUE_SUFFIX[suffix]}"
        n = 2
        unique = name
        while unique in self._names_used:
            unique = f"{name} {unit.name}" if n == 2 else f"{name} {unit.name} {n}"
            n += 1
        self._names_used.add(unique)
        venue = _Venue(len(self.venues), kind, k, unit, unique, address or self.street_address())
        self.venues.append(venue)
        return venue

    def _add_group(self, venue: _Venue, members: list[int]) -> int:
        gid = next(self._group_ids)
        venue.groups[gid] = []
        for p in members:
            self._add_to_group(venue, gid, p)
        return gid

    def _add_to_group(self, venue: _Venue, gid: int, p: int) -> None:
        venue.groups[gid].append(p)
        venue.members.append(p)
        self.p_venue[p] = venue
        self.p_group[p] = gid

    # --- clusters -------------------------------------------------------------------------------------

    def plan_clusters(self) -> None:
        """Pick the places and events where clusters will happen, and when they are seeded."""
        r = self.rng
        templates = {
            "0301": ("concert", "nursing_home", "kindergarten", "school", "school", "workplace", "private_gathering",
                     "household", "event"),
            "4601": ("concert", "nursing_home", "kindergarten", "school", "workplace", "private_gathering"),
            "3424": ("school", "nursing_home", "event"),
        }
        taken: set[int] = set()
        taken_households: set[int] = set()
        for k in DEMO_KOMMUNER:
            for kind in templates[k]:
                seed_day = r.randint(-34, -4)
                unit = self.kommune_unit[k]
                plan = _ClusterPlan(0, kind, k, unit, "", "", seed_day)
                if kind in ("nursing_home", "kindergarten", "school", "workplace"):
                    candidates = [v for v in self.venues if v.kommune == k and v.kind == kind and v.id not in taken
                                  and not v.name.endswith("videregående skole")]
                    if not candidates:
                        continue
                    venue = max(candidates, key=lambda v: (len(v.members), -v.id))
                    taken.add(venue.id)
                    plan.venue, plan.unit, plan.name, plan.address = venue, venue.unit, venue.name, venue.address
                elif kind == "household":
                    hh = max((h for h in range(len(self.households)) if self.p_kommune[self.households[h][0]] == k
                              and h not in taken_households), key=lambda h: (len(self.households[h]), -h), default=None)
                    if hh is None:
                        continue
                    taken_households.add(hh)
                    first = self.households[hh][0]
                    plan.household, plan.unit = hh, self.p_unit[first]
                    plan.name = f"Husstand {self.p_rows[first]['last_name']}, {plan.unit.name}"
                    plan.address = self.p_rows[first]["address"]
                else:
                    plan.event_day = seed_day - r.choice((2, 3))
                    when = self.day(plan.event_day).strftime("%d.%m")
                    if kind == "concert":
                        hall, plan.address = (("Spektrum", "Sonja Henies plass 2") if k == "0301"
                                              else ("Grieghallen", "Edvard Griegs plass 1"))
                        plan.name = f"Konsert {hall} {when}"
                    elif kind == "private_gathering":
                        plan.unit = self.pick_unit(k, r)
                        what = r.choice(("Bursdagsfeiring", "Privat fest", "Konfirmasjon"))
                        plan.name = f"{what} {plan.unit.name} {when}"
                        plan.address = self.street_address()
                    elif k == "3424":
                        plan.name = f"Bygdefest Åkrestrømmen {when}"
                        plan.address = "Åkrestrømmen grendehus"
                    else:
                        plan.unit = self.pick_unit(k, r)
                        plan.name = f"Fotballcup {plan.unit.name} {when}"
                        plan.address = f"{plan.unit.name} kunstgress"
                plan.id = self.base[Cluster] + len(self.clusters)
                self.clusters.append(plan)
        self.cluster_of_venue = {c.venue.id: c for c in self.clusters if c.venue is not None}
        self.cluster_of_household = {c.household: c for c in self.clusters if c.household is not None}

    # --- the outbreak -------------------------------------------------------------------------------------

    def target(self, k: str, d: int) -> float:
        """Cumulative number of infections the epicurve aims for in kommune ``k`` by day ``d``."""
        total = INDEX_SHARE * len(self.by_kommune[k])
        logistic = lambda x: 1.0 / (1.0 + math.exp(-(x - _CURVE_MIDPOINT) / _CURVE_SCALE))  # noqa: E731
        return total * logistic(d) / logistic(0)

    def run_outbreak(self) -> None:
        r = self.rng
        for k in DEMO_KOMMUNER:  # imported cases start the epidemic
            for _ in range(max(1, round(INDEX_SHARE * len(self.by_kommune[k]) / 120))):
                self._seed_community(k, r.randint(-EPIDEMIC_DAYS, -EPIDEMIC_DAYS + 4), imported=True)
        for plan in self.clusters:
            self._push(_Infection(plan.seed_day, next(self._seq), -1, None, None, None, plan))
        for d in range(-EPIDEMIC_DAYS, 1):
            for k in DEMO_KOMMUNER:
                # Community transmission nobody traced: keeps the curve going when chains die out.
                lag = 0.85 * self.target(k, d + 5) - self.scheduled[k]
                if lag > 0:
                    for _ in range(min(math.ceil(lag / 2), 2 + len(self.by_kommune[k]) // 150)):
                        self._seed_community(k, d, imported=r.random() < 0.15)
                elif r.random() < 0.04:
                    self._seed_community(k, d, imported=True)
            while self._heap and self._heap[0].test_day <= d:
                self._register_index(heapq.heappop(self._heap))

    def _push(self, infection: _Infection) -> None:
        heapq.heappush(self._heap, infection)

    def _seed_community(self, k: str, d: int, *, imported: bool) -> None:
        people = self.by_kommune[k]
        for _ in range(20):
            p = people[self.rng.randrange(len(people))]
            if p not in self.infected and self.p_age[p] >= (18 if imported else 1):
                break
        else:
            return
        where = f"Utlandet: {self.rng.choice(_IMPORT_COUNTRIES)}" if imported else "Ukjent smittested"
        onset = None if self.rng.random() < 0.12 else d - self.rng.choice((0, 1, 1, 2, 3))
        self.infected[p] = d
        self.scheduled[k] += 1
        self._push(_Infection(d, next(self._seq), p, onset, None, where))

    def _pick_cluster_seed(self, plan: _ClusterPlan) -> int | None:
        r = self.rng
        if plan.venue is not None:
            pool = plan.venue.members
            if plan.kind == "nursing_home":  # staff usually bring it in
                residents = {p for home in self.nursing_home_residents[plan.kommune] for p in home}
                pool = [p for p in pool if p not in residents] or pool
        elif plan.household is not None:
            pool = [p for p in self.households[plan.household] if self.p_age[p] >= 6]
        else:
            pool = [p for p in self.by_kommune[plan.kommune] if 18 <= self.p_age[p] <= 60]
        # Somebody not infected yet, and not in quarantine (they would not have been there).
        candidates = [p for p in pool if p not in self.infected and self._quarantine_end(p) < plan.seed_day - 5]
        return r.choice(candidates) if candidates else None

    def _quarantine_end(self, p: int) -> int:
        contact = self.open_contact.get(p)
        return contact.q_end if contact is not None else -10**6  # type: ignore[return-value]

    def _register_index(self, inf: _Infection) -> None:
        r = self.rng
        plan = inf.cluster
        if inf.person < 0:  # a planned cluster seed: choose who brings it in now
            assert plan is not None
            p = self._pick_cluster_seed(plan)
            if p is None:
                return
            self.infected[p] = inf.test_day
            self.scheduled[plan.kommune] += 1
            inf.person = p
            imported = r.random() < 0.3
            inf.infected_where = f"Utlandet: {r.choice(_IMPORT_COUNTRIES)}" if imported else "Ukjent smittested"
            if plan.event_day is not None:
                inf.onset_day = plan.event_day + r.choice((0, 1, 1))
                inf.infected_where = "Ukjent smittested"
            else:
                inf.onset_day = inf.test_day - r.choice((0, 1, 1, 2))
            plan.open_day = inf.test_day - 4
            plan.roles[p] = "index"
        p = inf.person
        if p in self.index_case_of:
            return
        t = inf.test_day
        source = self.cases[inf.source_case - self.base[Case]] if inf.source_case is not None else None
        case = self._new_case(p, "index", t, chain=source.chain if source else None)
        case.generation = source.generation + 1 if source else 1
        case.test_day = t
        case.onset_day = inf.onset_day
        case.method = r.choices(("PCR", "antigen", "selftest"), weights=(55, 30, 15))[0]
        case.infected_where = inf.infected_where
        case.risk_group = self._risk_group(p)
        self.index_case_of[p] = case
        contact = self.open_contact.pop(p, None)
        if contact is not None and t > contact.q_end + CLOSE_AFTER_DAYS:  # type: ignore[operator]
            contact = None  # an old contact case, closed as completed; this is a new history
        quarantined_from = None
        if contact is not None:
            contact.converted_day = t
            contact.converted_minute = case.enrol_minute
            # Quarantine works: a contact who keeps it meets only the household once it has begun.
            if r.random() < _QUARANTINE_COMPLIANCE:
                quarantined_from = contact.enrol_day
        self._positive_test(case)
        for cluster in self.clusters:  # a cluster's contact who tests positive is one of its cases
            if cluster.roles.get(p) == "contact":
                cluster.roles[p] = "index"
        self._trace_contacts(case, plan, quarantined_from)

    def _risk_group(self, p: int) -> str | None:
        r = self.rng
        age = self.p_age[p]
        if age >= 65:
            if r.random() < 0.7:
                if r.random() < 0.6:
                    return "Alder over 65 år"
                return f"Alder over 65 år, {r.choice(_RISK_CONDITIONS).lower()}"
            return None
        if age >= 18 and r.random() < 0.08:
            return r.choice(_RISK_CONDITIONS)
        if 20 <= age <= 42 and self.p_rows[p]["sex"] == "female" and r.random() < 0.04:
            return "Gravid"
        return None

    def _new_case(self, p: int, kind: str, day: int, *, chain: int | None) -> _Case:
        k = self.p_kommune[p]
        cid = self.base[Case] + len(self.cases)
        tracers = self.staff[k]
        assigned = self.rng.choice(tracers) if tracers and self.rng.random() < 0.92 else None
        minute = self.work_minute(self.rng)
        case = _Case(cid, p, kind, k, self.p_unit[p].id, day, minute, chain if chain is not None else cid, assigned)
        self.cases.append(case)
        return case

    def _window(self, case: _Case) -> tuple[int, int]:
        t = case.test_day
        assert t is not None
        start = (case.onset_day - 2) if case.onset_day is not None else t - 3
        return min(start, t), t

    def _trace_contacts(self, case: _Case, plan: _ClusterPlan | None, quarantined_from: int | None) -> None:
        """The tracing interview: list who the index case met while infectious, and who of them got infected."""
        r = self.rng
        p = case.person
        k = case.kommune
        w0, w1 = self._window(case)
        out = w1 if quarantined_from is None else min(w1, quarantined_from - 1)  # last day out of the house
        ratio = self.target(k, w1 + 5) / max(1, self.scheduled[k])
        p_mult = min(4.0, max(0.1, ratio))
        contacts: dict[int, tuple[int, str, _ClusterPlan | None]] = {}

        def add(c: int, day: int, setting: str, cl: _ClusterPlan | None = None) -> None:
            if c != p and c not in contacts and c not in self.index_case_of:
                contacts[c] = (day, setting, cl)

        household = self.households[self.p_household[p]]
        hh_cluster = self.cluster_of_household.get(self.p_household[p])
        for c in household:
            add(c, w1, "household", hh_cluster if hh_cluster and hh_cluster.roles else None)
        if plan is not None and plan.event_day is not None:
            size = {"concert": 0.03, "event": 0.02, "private_gathering": 0.006}[plan.kind] * len(self.by_kommune[k])
            lo = {"concert": 14, "event": 10, "private_gathering": 8}[plan.kind]
            attendees = self._event_attendees(plan, max(lo, round(size)))
            plan.exposure_days.append(plan.event_day)
            for c in attendees:
                add(c, plan.event_day, "event", plan)
        venue = self.p_venue[p]
        if venue is not None and out >= w0:
            cluster = self.cluster_of_venue.get(venue.id)
            # A registered cluster is traced wider (the whole class or ward) for two weeks after it was found.
            in_cluster = (cluster is not None and cluster.open_day is not None
                          and cluster.open_day <= w1 <= cluster.open_day + _CLUSTER_TRACING_DAYS)
            group = venue.groups[self.p_group[p]]  # type: ignore[index]
            lo, hi = {"kindergarten": (3, 7), "school": (3, 7), "workplace": (2, 6), "nursing_home": (2, 6)}[venue.kind]
            if in_cluster:
                lo, hi = max(lo, len(group) // 2), max(hi, min(len(group), 20))
            chosen = r.sample(group, min(len(group), r.randint(lo, hi)))
            if venue.kind == "school" or in_cluster:
                chosen += r.sample(venue.members, min(len(venue.members), r.randint(0, 2 if not in_cluster else 4)))
            for c in chosen:
                day = _weekday_in(self, w0, out, r) if venue.kind != "nursing_home" else r.randint(w0, out)
                if day is not None:
                    add(c, day, _VENUE_SETTING[venue.kind], cluster if in_cluster else None)
        for _ in range(r.choice((1, 2, 2, 3, 4, 5, 6)) if out >= w0 else 0):
            pool = self.by_unit[self.p_unit[p].id] if r.random() < 0.6 else self.by_kommune[k]
            add(pool[r.randrange(len(pool))], r.randint(w0, out), "other")

        for c in sorted(contacts):
            day, setting, cl = contacts[c]
            self._expose(case, c, day, setting, cl, p_mult)

    def _event_attendees(self, plan: _ClusterPlan, n: int) -> list[int]:
        r = self.rng
        if plan.kind == "private_gathering":
            pool = [p for p in self.by_unit.get(plan.unit.id, ()) if self.p_age[p] >= 12]
            pool = pool or self.by_kommune[plan.kommune]
        elif plan.kind == "concert":
            pool = [p for p in self.by_kommune[plan.kommune] if 15 <= self.p_age[p] <= 65]
        else:
            pool = [p for p in self.by_kommune[plan.kommune] if self.p_age[p] >= 6]
        return r.sample(pool, min(n, len(pool)))

    def _expose(self, source: _Case, c: int, day: int, setting: str, cluster: _ClusterPlan | None,
                p_mult: float) -> None:
        r = self.rng
        # Contacts are registered on the day of the index case's positive test or the day after (never after today).
        reg = min(source.test_day + r.choice((0, 0, 1)), 0)  # type: ignore[operator]
        contact_case = self.open_contact.get(c)
        if contact_case is not None and reg > contact_case.q_end + CLOSE_AFTER_DAYS:  # type: ignore[operator]
            del self.open_contact[c]
            contact_case = None
        new_case = contact_case is None
        if contact_case is None:
            contact_case = self._new_case(c, "contact", reg, chain=source.chain)
            contact_case.q_start = day
            contact_case.q_end = day + QUARANTINE_DAYS
            self.open_contact[c] = contact_case
        else:
            contact_case.q_end = max(contact_case.q_end, day + QUARANTINE_DAYS)  # type: ignore[type-var]
        self.exposures.append({
            "id": self.base[Exposure] + len(self.exposures),
            "source_case_id": source.id,
            "contact_person_id": self.base[Person] + c,
            "contact_case_id": contact_case.id,
            "exposure_date": self.day(day),
            "setting": setting,
            "cluster_id": cluster.id if cluster else None,
            "created_at": self.at(reg, self.work_minute(r)),
            "created_by_id": source.assigned_to,
        })
        if cluster is not None:
            cluster.exposure_days.append(day)
            cluster.roles.setdefault(c, "contact")
        if c not in self.infected and r.random() < min(0.9, _P_INFECT[setting] * p_mult):
            self._infect(source, c, day, reg, setting, cluster)
        if new_case:
            self._maybe_negative_test(c, contact_case)

    def _infect(self, source: _Case, c: int, day: int, reg: int, setting: str, cluster: _ClusterPlan | None) -> None:
        """Incubation, then symptoms and a test - or a positive test found by testing the contact."""
        r = self.rng
        self.scheduled[self.p_kommune[c]] += 1
        if r.random() < 0.2:
            onset = None
            test = reg + r.randint(1, 4)
        else:
            onset = day + r.choices((2, 3, 4, 5, 6, 7), weights=(15, 30, 25, 15, 10, 5))[0]
            test = max(onset + r.choices((0, 1, 2), weights=(40, 40, 20))[0], reg + 1)
        self.infected[c] = test
        if test > 0:  # tests positive only after today: still just a contact in the data
            if onset is not None:
                self.pending_onset[c] = onset
            return
        if setting == "household":
            where = "Husstand"
        elif setting == "other":
            where = "Nærmiljø / sosial kontakt"
        elif cluster is not None:
            where = cluster.name
        else:
            venue = self.p_venue[source.person]
            name = venue.name if venue is not None else "ukjent sted"
            where = f"Arbeidsplass: {name}" if setting == "workplace" else name
        self._push(_Infection(test, next(self._seq), c, onset, source.id, where))

    # --- tests -------------------------------------------------------------------------------------------

    def _test_result(self, p: int, sample: int, result_day: int, method: str, result: str, lab: str | None) -> None:
        self.test_results.append({
            "national_id": self.p_rows[p]["national_id"],
            "person_id": self.base[Person] + p,
            "sample_date": self.day(sample),
            "result_date": self.day(result_day),
            "method": method,
            "result": result,
            "lab": lab,
            "received_at": self.at(result_day, self.rng.randint(6 * 60, 14 * 60)),
        })

    def _positive_test(self, case: _Case) -> None:
        t = case.test_day
        assert t is not None and case.method is not None
        result_day = min(0, t + (self.rng.choice((0, 1)) if case.method == "PCR" else 0))
        lab = None if case.method == "selftest" else self._lab(case.kommune, case.method)
        self._test_result(case.person, t, result_day, case.method, "positive", lab)

    def _lab(self, k: str, method: str) -> str:
        return self.rng.choice(_LABS[k]) if method == "PCR" else f"Teststasjon {self.kommune_unit[k].name}"

    def _maybe_negative_test(self, c: int, case: _Case) -> None:
        r = self.rng
        if r.random() >= 0.35:
            return
        sample = max(case.q_start + r.randint(2, 5), case.enrol_day)  # type: ignore[operator]
        if sample >= 0 or self.infected.get(c, 10**6) <= sample + 1:
            return
        method = "PCR" if r.random() < 0.6 else "antigen"
        lab = self._lab(case.kommune, method)
        self._test_result(c, sample, sample + 1 if method == "PCR" else sample, method, "negative", lab)

    # --- closing, follow-ups, notes --------------------------------------------------------------------

    def _merge_chains(self) -> None:
        """Make ``chain`` the connected component of the exposures, as tracing/cases.py keeps it: a contact
        exposed by two chains, or infected by another chain than the one that first listed them, joins them
        into the older (smaller) chain id."""
        parent: dict[int, int] = {}

        def find(x: int) -> int:
            root = x
            while parent.get(root, root) != root:
                root = parent[root]
            while parent.get(x, x) != root:
                parent[x], x = root, parent[x]
            return root

        base = self.base[Case]
        for e in self.exposures:
            a = find(self.cases[e["source_case_id"] - base].chain)
            b = find(self.cases[e["contact_case_id"] - base].chain)
            if a != b:
                parent[max(a, b)] = min(a, b)
        for case in self.cases:
            case.chain = find(case.chain)

    def finish_cases(self) -> None:
        """Statuses, closing times, follow-ups, notes and chain ids, all relative to today."""
        r = self.rng_fu
        self.case_rows: list[dict[str, Any]] = []
        self.follow_ups: list[dict[str, Any]] = []
        self.notes: list[dict[str, Any]] = []
        outcomes, outcome_weights = zip(*_FOLLOW_UP_OUTCOMES)
        self._merge_chains()
        for case in self.cases:
            end = case.end_day
            status, outcome, closed_at, closed_day = "active", None, None, None
            if case.converted_day is not None:
                status, outcome, closed_day = "closed", "became_index", case.converted_day
                minute = case.converted_minute
                if closed_day == case.enrol_day:
                    minute = max(minute, case.enrol_minute)
                closed_at = self.at(closed_day, minute)
            elif end + CLOSE_AFTER_DAYS < 0:
                status, outcome, closed_day = "closed", "completed", end + CLOSE_AFTER_DAYS + 1
                closed_at = self.at(closed_day, self.work_minute(r))
            # Daily follow-ups from enrolment: up to the end of isolation/quarantine, or today + 2 when active.
            if status == "active":
                last = min(max(end, 0), FOLLOW_UP_AHEAD_DAYS)
            elif outcome == "became_index":
                last = case.converted_day - 1  # type: ignore[operator]
            else:
                last = end
            tracers = self.staff[case.kommune]
            next_open: int | None = None
            onset = self.pending_onset.get(case.person) if case.kind == "contact" else None
            for d in range(case.enrol_day, last + 1):
                done = status == "closed" or (d < 0 and r.random() < (0.75 if d == -1 else 0.88 if d == -2 else 0.97))
                fu_outcome = fu_note = done_at = done_by = None
                if done:
                    fu_outcome = r.choices(outcomes, weights=outcome_weights)[0]
                    if outcome == "became_index" and d >= last - 1:
                        fu_outcome = "symptoms"
                    elif onset is not None and d >= onset:
                        fu_outcome = "symptoms"
                    if fu_outcome in _FOLLOW_UP_NOTES and r.random() < 0.5:
                        fu_note = r.choice(_FOLLOW_UP_NOTES[fu_outcome])
                    done_at = self.at(d, self.work_minute(r))
                    if tracers:
                        done_by = case.assigned_to if case.assigned_to and r.random() < 0.8 else r.choice(tracers)
                elif next_open is None:
                    next_open = d
                self.follow_ups.append({
                    "id": self.base[FollowUp] + len(self.follow_ups),
                    "case_id": case.id,
                    "due_date": self.day(d),
                    "done_at": done_at,
                    "done_by_id": done_by,
                    "outcome": fu_outcome,
                    "note": fu_note,
                })
            if r.random() < 0.3:
                last_note_day = min(closed_day if closed_day is not None else 0, 0)
                for _ in range(r.choice((1, 1, 2, 3))):
                    d = r.randint(case.enrol_day, max(case.enrol_day, last_note_day))
                    self.notes.append({
                        "id": self.base[Note] + len(self.notes),
                        "case_id": case.id,
                        "author_id": (case.assigned_to or r.choice(tracers)) if tracers else None,
                        "created_at": self.at(d, self.work_minute(r)),
                        "text": r.choice(_NOTES[case.kind]),
                    })
            enrolled_at = self.at(case.enrol_day, case.enrol_minute)
            is_index = case.kind == "index"
            iso_start = (case.onset_day if case.onset_day is not None else case.test_day) if is_index else None
            venue = self.p_venue[case.person]
            self.case_rows.append({
                "id": case.id,
                "person_id": self.base[Person] + case.person,
                "kind": case.kind,
                "org_unit_id": case.org_unit_id,
                "status": status,
                "outcome": outcome,
                "enrolled_at": enrolled_at,
                "closed_at": closed_at,
                "self_registered": False,
                "rule_set": RULE_SET,
                "isolation_start": self.day(iso_start) if iso_start is not None else None,
                "isolation_end": self.day(iso_start + ISOLATION_DAYS) if iso_start is not None else None,
                "quarantine_start": None if is_index else self.day(case.q_start),  # type: ignore[arg-type]
                "quarantine_end": None if is_index else self.day(case.q_end),  # type: ignore[arg-type]
                "test_date": self.day(case.test_day) if is_index else None,  # type: ignore[arg-type]
                "test_method": case.method,
                "symptom_onset": self.day(case.onset_day) if case.onset_day is not None else None,
                "asymptomatic": is_index and case.onset_day is None,
                "infected_where": case.infected_where,
                "workplace_or_school": venue.name if venue is not None else None,
                "risk_group": case.risk_group,
                "assigned_to_id": case.assigned_to,
                "next_follow_up": self.day(next_open) if next_open is not None else None,
                "chain_id": case.chain,
                "created_at": enrolled_at,
                "updated_at": closed_at or enrolled_at,
                "version": 1,
            })

    # --- writing -----------------------------------------------------------------------------------------

    def cluster_rows(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        r = self.rng
        clusters, members = [], []
        for plan in self.clusters:
            if not plan.roles:  # nobody could seed it (say the household was already infected): no cluster
                continue
            days = plan.exposure_days or [plan.seed_day]
            start, end = min(days), max(days)
            if plan.venue is not None:  # a few registered members who were not exposed (staff on leave, etc.)
                others = [p for p in plan.venue.members if p not in plan.roles]
                for p in r.sample(others, min(len(others), r.randint(0, 4))):
                    plan.roles[p] = "other"
            n_index = sum(1 for role in plan.roles.values() if role == "index")
            n_contact = sum(1 for role in plan.roles.values() if role == "contact")
            lat, lon = self.place(plan.unit, plan.kommune, r)
            clusters.append({
                "id": plan.id,
                "name": plan.name,
                "kind": plan.kind,
                "org_unit_id": plan.unit.id,
                "address": plan.address,
                "lat": lat,
                "lon": lon,
                "start_date": self.day(start),
                "end_date": self.day(end),
                "status": "active" if end >= -10 else "closed",
                "description": _describe(plan, n_index, n_contact),
                "created_at": self.at(plan.seed_day, self.work_minute(r)),
            })
            for p in sorted(plan.roles):
                members.append({
                    "id": self.base[ClusterMember] + len(members),
                    "cluster_id": plan.id,
                    "person_id": self.base[Person] + p,
                    "role": plan.roles[p],
                    "added_at": self.at(max(plan.seed_day, start), self.work_minute(r)),
                })
        return clusters, members

    def test_result_rows(self) -> list[dict[str, Any]]:
        """Number the results; drop a negative sampled on or after the person's positive sample."""
        positive_on = {r["person_id"]: r["sample_date"] for r in self.test_results if r["result"] == "positive"}
        rows = []
        for row in self.test_results:
            positive = positive_on.get(row["person_id"])
            if row["result"] == "negative" and positive is not None and row["sample_date"] >= positive:
                continue
            n = len(rows)
            rows.append({"id": self.base[TestResult] + n, "external_id": f"demo-{self.seed}-{n + 1:06d}", **row})
        return rows

    def write(self, session: Session) -> DemoSummary:
        clusters, members = self.cluster_rows()
        test_results = self.test_result_rows()
        rows_of = {
            Person: self.p_rows, Cluster: clusters, Case: self.case_rows, Exposure: self.exposures,
            ClusterMember: members, FollowUp: self.follow_ups, Note: self.notes, TestResult: test_results,
        }
        for model in _INSERTED:
            rows = rows_of[model]
            if rows:
                # A Core insert on the table: one executemany per table. (An ORM bulk insert groups rows by
                # their set of non-null keys and runs about twice as slow here; the rows carry every column.)
                session.execute(insert(model.__table__), rows)  # type: ignore[attr-defined]
        if session.get_bind().dialect.name == "postgresql":
            for model in _INSERTED:
                table = model.__table__.name  # type: ignore[attr-defined]
                session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM \"{table}\"), false)"
                ))
        return self.summary(clusters)

    def summary(self, clusters: list[dict[str, Any]]) -> DemoSummary:
        today = self.today
        per: dict[str, dict[str, int]] = {
            k: dict.fromkeys(("persons", "index_cases", "contact_cases", "active_index_cases", "active_contact_cases",
                              "exposures", "clusters", "follow_ups_due_today", "follow_ups_overdue"), 0)
            for k in DEMO_KOMMUNER
        }
        for k in DEMO_KOMMUNER:
            per[k]["persons"] = len(self.by_kommune[k])
        kommune_of_case = {}
        for case, row in zip(self.cases, self.case_rows):
            kommune_of_case[case.id] = case.kommune
            per[case.kommune][f"{case.kind}_cases"] += 1
            if row["status"] == "active":
                per[case.kommune][f"active_{case.kind}_cases"] += 1
        for e in self.exposures:
            per[kommune_of_case[e["source_case_id"]]]["exposures"] += 1
        for plan in self.clusters:
            per[plan.kommune]["clusters"] += 1 if plan.roles else 0
        for f in self.follow_ups:
            if f["done_at"] is None and f["due_date"] <= today:
                key = "follow_ups_due_today" if f["due_date"] == today else "follow_ups_overdue"
                per[kommune_of_case[f["case_id"]]][key] += 1
        return DemoSummary(
            seed=self.seed,
            persons=len(self.p_rows),
            index_cases=sum(v["index_cases"] for v in per.values()),
            contact_cases=sum(v["contact_cases"] for v in per.values()),
            exposures=len(self.exposures),
            clusters=len(clusters),
            follow_ups_due_today=sum(v["follow_ups_due_today"] for v in per.values()),
            follow_ups_overdue=sum(v["follow_ups_overdue"] for v in per.values()),
            notes=len(self.notes),
            by_kommune=per,
        )


# ---------------------------------------------------------------------------------------------------------
# Helpers


def _next_id(session: Session, model: type) -> int:
    return int(session.scalar(select(func.coalesce(func.max(model.id), 0))) or 0) + 1  # type: ignore[attr-defined]


def _chunks(items: list[int], size: int) -> list[list[int]]:
    """Split into chunks of about ``size``; a short remainder joins the last chunk."""
    if not items:
        return []
    n = max(1, round(len(items) / size))
    step = math.ceil(len(items) / n)
    return [items[i : i + step] for i in range(0, len(items), step)]


def _weekday_in(world: _World, lo: int, hi: int, rng: random.Random) -> int | None:
    """A random weekday in [lo, hi] (schools, kindergartens and workplaces are closed at weekends)."""
    days = [d for d in range(lo, hi + 1) if world.day(d).weekday() < 5]
    return rng.choice(days) if days else None


def _describe(plan: _ClusterPlan, n_index: int, n_contact: int) -> str:
    what = {
        "concert": "Konsert med mange publikummere; smittet person til stede.",
        "event": "Arrangement med deltakere fra hele kommunen.",
        "private_gathering": "Privat sammenkomst med familie og venner.",
        "nursing_home": "Utbrudd på sykehjem; beboere og ansatte testet.",
        "kindergarten": "Smitte i barnehage; avdelinger i karantene.",
        "school": "Smitte på skole; klasser testet og satt i karantene.",
        "workplace": "Smitte på arbeidsplass; kolleger kartlagt.",
        "household": "Smitte i husstand med flere medlemmer.",
    }.get(plan.kind, "Klynge.")
    return f"{what} {n_index} smittede og {n_contact} nærkontakter registrert."
