"""Storing a validated line list: as an analysis outbreak, or as real cases in the register, in one transaction.

Everything is validated before anything is written; a file with any fault raises ``LineListRejected`` with the
row report and nothing is stored. The caller's unit of work commits (or rolls back) the whole import.

Mode "analysis": ``AnalysisOutbreak`` + ``AnalysisCase`` + ``AnalysisLink`` rows. No fødselsnummer and no name
is ever read into them (parse.py does not even read those columns in this mode).

Mode "cases": the same analysis rows (without numbers or names, so the outbreak's analysis works exactly as in
analysis mode, whatever else happens to the register later), *and* real register data in the org unit:

* a person per row, found by fødselsnummer or created (source "import"; a person with no name in the file is
  registered as "Ukjent navn" until the name is filled in from Folkeregisteret or by hand). As in
  ``tracing.cases.register_index``, a person who already has an active index case, or whom the actor may not
  open (followed up or living in another kommune), is a fault of that row. An active contact case of the person
  is left as it is;
* an index case per row under the standard rule set: closed ("completed") when its isolation would already be
  over today, else active with its follow-ups scheduled, as ``tracing.cases.register_index`` would;
* an exposure per pair, from the infector's index case to the infectee's person (``contact_case_id`` empty: the
  infectee was never a registered contact; the graph links the exposure to the person's index case in the same
  chain). Exposure date: the pair's, else the infectee's symptom onset (else test date) minus 2 days, a typical
  covid-19 serial interval's early end, since the register requires one. Setting: the pair's, else the
  infectee's, else "other";
* a cluster per cluster name (always a new one, in the org unit, kind from its members' most common setting),
  with the persons as index members;
* ``chain_id`` per connected group of pairs, the smallest case id in the group, like tracing/cases.py keeps it.

Audited "linelist_imported" with counts only (never a value), and, in mode "cases", "person_created" and
"case_created" per row as the register's own functions do.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from auth.actor import Actor, audit_as
from data.clock import today_oslo
from data.models import (
    AnalysisCase,
    AnalysisLink,
    AnalysisOutbreak,
    Case,
    Cluster,
    ClusterMember,
    Exposure,
    KommuneNumberChange,
    OrgUnit,
    Person,
    utcnow,
)
from data.names import fold_name
from tracing import followups
from tracing.access import openable_clause, require_case_work
from tracing.clusters import work_unit
from tracing.errors import DomainError
from tracing.linelist.parse import (
    CASE_FILE_NB,
    LINK_FILE_NB,
    MODES,
    CaseRow,
    KommuneLookup,
    LineList,
    LinkRow,
    RowError,
    national_id_checker,
    parse_linelist,
)
from tracing.linelist.read import Table, UnreadableFile, read_table
from tracing.persons import parse_national_id
from tracing.rules import isolation_period, rule_set
from tracing.vocabulary import CLUSTER_KIND_OF_SETTING

LABEL_MAX = 120
FILE_NAME_MAX = 200
CHUNK = 500
EXPOSURE_DAYS_BEFORE_ONSET = 2
UNKNOWN_FIRST_NAME = "Ukjent"
UNKNOWN_LAST_NAME = "navn"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportResult:
    outbreak_id: int
    label: str
    org_unit_id: int
    org_unit_name: str
    mode: str
    cases: int
    links: int
    undirected_links: int
    clusters: int
    persons_created: int = 0
    persons_found: int = 0
    index_cases_active: int = 0
    index_cases_closed: int = 0
    exposures: int = 0
    ignored_columns: tuple[str, ...] = ()


class LineListRejected(DomainError):
    """The file was refused as a whole; ``errors`` is the row report. Nothing was stored."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        count = len(errors)
        super().__init__("fil", f"Linjelista ble avvist: {count} feil må rettes. Ingenting er lagret.")
        self.errors = tuple(errors)


class _Steps:
    """Calls ``progress(done, total)`` at the start, after every chunk, and at the end."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.done = progress, max(total, 1), 0
        self._report()

    def advance(self, n: int) -> None:
        self.done = min(self.total, self.done + n)
        self._report()

    def finish(self) -> None:
        self.done = self.total
        self._report()

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(self.done, self.total)


def kommune_lookup(session: Session) -> KommuneLookup:
    """The kommune numbers of 2024 and the 2020-2023 numbers that changed, from the reference tables."""
    current = frozenset(session.scalars(select(OrgUnit.code).where(OrgUnit.level == 3)))
    changes: dict[str, list[str]] = defaultdict(list)
    for old, new in session.execute(select(KommuneNumberChange.old_code, KommuneNumberChange.new_code)):
        changes[old].append(new)
    renumbered = {old: tuple(sorted(new)) for old, new in changes.items() if new != [old]}
    return KommuneLookup(current=current, renumbered=renumbered)


def clean_label(label: object) -> str:
    text = " ".join(str(label or "").split())
    if not text:
        raise DomainError("etikett", "Etikett må fylles ut (et navn på utbruddet, for eksempel «Julebord 2021»).")
    if len(text) > LABEL_MAX:
        raise DomainError("etikett", f"Etiketten kan ikke være lenger enn {LABEL_MAX} tegn.")
    return text


def _file_name(name: str | None) -> str | None:
    if not name:
        return None
    base = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    return base[:FILE_NAME_MAX] or None


def _read(data: bytes, name: str, file_nb: str) -> Table:
    try:
        return read_table(data, name)
    except UnreadableFile as error:
        raise LineListRejected([RowError(0, "fil", error.message_nb, file_nb)]) from None


def validate_linelist(
    session: Session,
    actor: Actor,
    cases_file: bytes,
    cases_name: str,
    links_file: bytes | None,
    links_name: str | None,
    *,
    mode: str,
    mapping: Mapping[str, str] | None,
    today: dt.date,
) -> LineList:
    """Read and validate both files against the store's reference data; raises ``LineListRejected``."""
    cases_table = _read(cases_file, cases_name, CASE_FILE_NB)
    links_table = _read(links_file, links_name or "", LINK_FILE_NB) if links_file else None
    checker = national_id_checker(parse_national_id, today) if mode == "cases" else None
    linelist = parse_linelist(
        cases_table, links_table, mode=mode, mapping=mapping, kommuner=kommune_lookup(session), today=today,
        check_national_id=checker,
    )
    errors = list(linelist.errors)
    if mode == "cases" and not errors:
        errors += _register_conflicts(session, actor, linelist.cases)
    if errors:
        raise LineListRejected(errors)
    return linelist


def import_linelist(
    session: Session,
    actor: Actor,
    cases_file: bytes,
    cases_name: str,
    links_file: bytes | None,
    links_name: str | None,
    org_unit_id: int,
    label: str,
    mode: str = "analysis",
    mapping: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    *,
    today: dt.date | None = None,
) -> ImportResult:
    """Validate the files, then store them in the org unit as an outbreak named ``label`` (see the module doc).

    Requires a case-work role reaching the org unit (a kommune or bydel). Raises ``DomainError`` for the form's
    fields (modus, organisasjonsenhet, etikett) and ``LineListRejected`` with the row report for the files.
    """
    today = today or today_oslo()
    require_case_work(actor)
    if mode not in MODES:
        raise DomainError("modus", "Velg analyseutbrudd eller ekte saker.")
    unit = work_unit(session, actor, org_unit_id)
    label = clean_label(label)
    if _label_taken(session, unit.id, label):
        raise DomainError("etikett", "Det finnes allerede et utbrudd med denne etiketten i enheten. Velg en annen etikett.")
    linelist = validate_linelist(
        session, actor, cases_file, cases_name, links_file, links_name, mode=mode, mapping=mapping, today=today
    )

    steps = _Steps(progress, (len(linelist.cases) + len(linelist.links)) * (2 if mode == "cases" else 1))
    outbreak = AnalysisOutbreak(
        label=label,
        org_unit_id=unit.id,
        mode=mode,
        cases_file=_file_name(cases_name),
        links_file=_file_name(links_name) if links_file else None,
        case_count=len(linelist.cases),
        link_count=len(linelist.links),
        created_by_id=actor.user_id,
    )
    session.add(outbreak)
    try:
        session.flush()
    except IntegrityError:
        raise DomainError("etikett", "Det finnes allerede et utbrudd med denne etiketten i enheten.") from None
    _store_analysis(session, outbreak, linelist, steps)
    register = _RegisterCounts()
    if mode == "cases":
        register = _store_register(session, actor, unit, outbreak, linelist, steps, today)
    steps.finish()

    clusters = len({c.cluster_name for c in linelist.cases if c.cluster_name})
    result = ImportResult(
        outbreak_id=outbreak.id,
        label=label,
        org_unit_id=unit.id,
        org_unit_name=unit.name,
        mode=mode,
        cases=len(linelist.cases),
        links=len(linelist.links),
        undirected_links=linelist.undirected_links,
        clusters=clusters,
        persons_created=register.persons_created,
        persons_found=register.persons_found,
        index_cases_active=register.active,
        index_cases_closed=register.closed,
        exposures=register.exposures,
        ignored_columns=linelist.ignored_columns,
    )
    audit_as(
        session, actor, "linelist_imported", entity="analysis_outbreak", entity_id=outbreak.id, org_unit_id=unit.id,
        detail={
            "mode": mode,
            "cases": result.cases,
            "links": result.links,
            "undirected_links": result.undirected_links,
            "clusters": clusters,
            "persons_created": result.persons_created,
            "persons_found": result.persons_found,
            "index_cases": result.index_cases_active + result.index_cases_closed,
            "exposures": result.exposures,
        },
    )
    return result


def _label_taken(session: Session, org_unit_id: int, label: str) -> bool:
    found = session.scalar(
        select(AnalysisOutbreak.id).where(AnalysisOutbreak.org_unit_id == org_unit_id, AnalysisOutbreak.label == label)
    )
    return found is not None


# --- analysis rows ----------------------------------------------------------------------------------------------


def _store_analysis(session: Session, outbreak: AnalysisOutbreak, linelist: LineList, steps: _Steps) -> dict[str, int]:
    """Bulk inserts (one statement per chunk, ids returned in row order): a line list can have tens of thousands
    of rows, and ORM objects would cost ten times as much for rows nobody edits."""
    ids: dict[str, int] = {}
    returning = insert(AnalysisCase).returning(AnalysisCase.id, sort_by_parameter_order=True)
    for start in range(0, len(linelist.cases), CHUNK):
        chunk = linelist.cases[start : start + CHUNK]
        rows = [
            {
                "outbreak_id": outbreak.id,
                "external_id": c.external_id,
                "symptom_onset": c.symptom_onset,
                "test_date": c.test_date,
                "report_date": c.report_date,
                "cluster_name": c.cluster_name,
                "setting": c.setting,
                "kommune_code": c.kommune_code,
                "age": c.age,
                "sex": c.sex,
                "row_number": c.row_number,
            }
            for c in chunk
        ]
        new_ids = session.scalars(returning, rows).all()
        ids.update(zip((c.external_id for c in chunk), new_ids))
        steps.advance(len(chunk))
    for start in range(0, len(linelist.links), CHUNK):
        chunk = linelist.links[start : start + CHUNK]
        session.execute(
            insert(AnalysisLink),
            [
                {
                    "outbreak_id": outbreak.id,
                    "infector_id": ids[link.infector],
                    "infectee_id": ids[link.infectee],
                    "directed": link.directed,
                    "setting": link.setting,
                    "exposure_date": link.exposure_date,
                }
                for link in chunk
            ],
        )
        steps.advance(len(chunk))
    return ids


# --- register rows ("cases" mode) -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RegisterCounts:
    persons_created: int = 0
    persons_found: int = 0
    active: int = 0
    closed: int = 0
    exposures: int = 0


def _persons_by_number(session: Session, numbers: Sequence[str]) -> dict[str, Person]:
    found: dict[str, Person] = {}
    for start in range(0, len(numbers), CHUNK):
        chunk = list(numbers[start : start + CHUNK])
        found.update((p.national_id, p) for p in session.scalars(select(Person).where(Person.national_id.in_(chunk))))  # type: ignore[misc]
    return found


def _register_conflicts(session: Session, actor: Actor, cases: Sequence[CaseRow]) -> list[RowError]:
    """Rows the register refuses, as ``tracing.cases.register_index`` would: the person already has an active index
    case (one per person), or is a person the actor may not open (``tracing.access.openable_clause``: followed up
    or living in another kommune)."""
    persons = _persons_by_number(session, [c.national_id for c in cases if c.national_id])
    busy: set[int] = set()
    openable: set[int] = set()
    ids = [p.id for p in persons.values()]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        busy.update(
            session.scalars(select(Case.person_id).where(Case.person_id.in_(chunk), Case.kind == "index", Case.status == "active"))
        )
        openable.update(session.scalars(select(Person.id).where(Person.id.in_(chunk), openable_clause(actor))))
    errors = []
    for c in cases:
        person = persons.get(c.national_id)  # type: ignore[arg-type]
        if person is None:
            continue
        if person.id in busy:
            errors.append(RowError(c.row_number, "fødselsnummer", "Personen har allerede en aktiv indekssak i registeret.", CASE_FILE_NB))
        elif person.id not in openable:
            errors.append(
                RowError(c.row_number, "fødselsnummer", "Personen hører til en annen kommune; du kan ikke registrere en sak på personen herfra.", CASE_FILE_NB)
            )
    return errors


def _store_register(
    session: Session,
    actor: Actor,
    unit: OrgUnit,
    outbreak: AnalysisOutbreak,
    linelist: LineList,
    steps: _Steps,
    today: dt.date,
) -> _RegisterCounts:
    cases = linelist.cases
    existing = _persons_by_number(session, [c.national_id for c in cases if c.national_id])
    codes = {c.kommune_code for c in cases if c.kommune_code}
    homes: dict[str, int] = {}
    if codes:
        homes = {code: uid for code, uid in session.execute(select(OrgUnit.code, OrgUnit.id).where(OrgUnit.code.in_(codes)))}
    rules = rule_set(None)
    now = utcnow()
    persons: dict[str, Person] = {}
    index_cases: dict[str, Case] = {}
    created = 0
    counts = Counter[str]()
    for start in range(0, len(cases), CHUNK):
        chunk = cases[start : start + CHUNK]
        new_persons = []
        for row in chunk:
            person = existing.get(row.national_id)  # type: ignore[arg-type]
            if person is None:
                first, last = row.first_name or UNKNOWN_FIRST_NAME, row.last_name or UNKNOWN_LAST_NAME
                person = Person(
                    national_id=row.national_id,
                    first_name=first,
                    last_name=last,
                    name_key=fold_name(first, None, last),
                    birth_date=row.birth_date,
                    sex=row.sex,
                    home_org_unit_id=homes.get(row.kommune_code) if row.kommune_code else None,
                    source="import",
                )
                new_persons.append(person)
            persons[row.external_id] = person
        session.add_all(new_persons)
        session.flush()
        created += len(new_persons)
        for person in new_persons:
            audit_as(session, actor, "person_created", entity="person", entity_id=person.id, org_unit_id=unit.id,
                     detail={"source": "import", "outbreak_id": outbreak.id})
        for row in chunk:
            start_day, end_day = isolation_period(rules, row.symptom_onset, row.test_date)
            over = end_day < today
            case = Case(
                person_id=persons[row.external_id].id,
                kind="index",
                org_unit_id=unit.id,
                status="closed" if over else "active",
                outcome="completed" if over else None,
                closed_at=now if over else None,
                rule_set=rules.code,
                isolation_start=start_day,
                isolation_end=end_day,
                test_date=row.test_date,
                symptom_onset=row.symptom_onset,
                enrolled_at=now,
            )
            session.add(case)
            if not over:
                followups.schedule(session, case, today)
            counts["closed" if over else "active"] += 1
            index_cases[row.external_id] = case
        followups.save(session, "index")
        for row in chunk:
            audit_as(session, actor, "case_created", entity="case", entity_id=index_cases[row.external_id].id,
                     org_unit_id=unit.id, detail={"person_id": persons[row.external_id].id, "kind": "index",
                                                  "source": "linelist", "outbreak_id": outbreak.id})
        steps.advance(len(chunk))

    clusters = _store_clusters(session, actor, unit, outbreak, cases, persons, index_cases, today)
    exposures = _store_exposures(session, actor, linelist.links, {c.external_id: c for c in cases}, persons, index_cases, clusters, steps)
    _set_chains(session, cases, linelist.links, index_cases)
    return _RegisterCounts(
        persons_created=created,
        persons_found=len(cases) - created,
        active=counts["active"],
        closed=counts["closed"],
        exposures=exposures,
    )


def _store_clusters(
    session: Session,
    actor: Actor,
    unit: OrgUnit,
    outbreak: AnalysisOutbreak,
    cases: Sequence[CaseRow],
    persons: Mapping[str, Person],
    index_cases: Mapping[str, Case],
    today: dt.date,
) -> dict[str, Cluster]:
    members: dict[str, list[CaseRow]] = defaultdict(list)
    for row in cases:
        if row.cluster_name:
            members[row.cluster_name].append(row)
    clusters: dict[str, Cluster] = {}
    for name, rows in members.items():
        settings = Counter(r.setting for r in rows if r.setting)
        dates = [d for r in rows for d in (r.symptom_onset, r.test_date, r.report_date) if d is not None]
        active = any(index_cases[r.external_id].status == "active" for r in rows)
        cluster = Cluster(
            name=name,
            kind=CLUSTER_KIND_OF_SETTING[settings.most_common(1)[0][0]] if settings else "other",
            org_unit_id=unit.id,
            start_date=min(dates) if dates else None,
            end_date=None if active or not dates else min(max(dates), today),
            status="active" if active else "closed",
            description=f"Importert fra linjeliste «{outbreak.label}».",
        )
        session.add(cluster)
        clusters[name] = cluster
    session.flush()
    for name, rows in members.items():
        session.add_all(ClusterMember(cluster_id=clusters[name].id, person_id=persons[r.external_id].id, role="index") for r in rows)
        audit_as(session, actor, "cluster_created", entity="cluster", entity_id=clusters[name].id, org_unit_id=unit.id,
                 detail={"kind": clusters[name].kind, "source": "linelist", "members": len(rows)})
    session.flush()
    return clusters


def _exposure_date(link: LinkRow, infectee: CaseRow) -> dt.date:
    if link.exposure_date is not None:
        return link.exposure_date
    reference = infectee.symptom_onset or infectee.test_date
    assert reference is not None  # parse.py requires one of them in "cases" mode
    return reference - dt.timedelta(days=EXPOSURE_DAYS_BEFORE_ONSET)


def _store_exposures(
    session: Session,
    actor: Actor,
    links: Sequence[LinkRow],
    rows: Mapping[str, CaseRow],
    persons: Mapping[str, Person],
    index_cases: Mapping[str, Case],
    clusters: Mapping[str, Cluster],
    steps: _Steps,
) -> int:
    for start in range(0, len(links), CHUNK):
        chunk = links[start : start + CHUNK]
        for link in chunk:
            infector, infectee = rows[link.infector], rows[link.infectee]
            shared = infector.cluster_name if infector.cluster_name and infector.cluster_name == infectee.cluster_name else None
            session.add(
                Exposure(
                    source_case_id=index_cases[link.infector].id,
                    contact_person_id=persons[link.infectee].id,
                    contact_case_id=None,
                    exposure_date=_exposure_date(link, infectee),
                    setting=link.setting or infectee.setting or "other",
                    cluster_id=clusters[shared].id if shared else None,
                    created_by_id=actor.user_id,
                )
            )
        session.flush()
        steps.advance(len(chunk))
    return len(links)


def _set_chains(session: Session, cases: Sequence[CaseRow], links: Sequence[LinkRow], index_cases: Mapping[str, Case]) -> None:
    """chain_id = the smallest case id of each connected group of pairs (a case without pairs: its own id).

    Written with a Core executemany so the new cases' versions stay at 1 (chain bookkeeping is not an edit)."""
    graph = nx.Graph()
    graph.add_nodes_from(c.external_id for c in cases)
    graph.add_edges_from((link.infector, link.infectee) for link in links)
    values = []
    for component in nx.connected_components(graph):
        chain = min(index_cases[key].id for key in component)
        values.extend({"b_id": index_cases[key].id, "b_chain": chain} for key in component)
    table = Case.__table__
    for start in range(0, len(values), CHUNK):
        session.execute(
            update(table).where(table.c.id == bindparam("b_id")).values(chain_id=bindparam("b_chain")),
            values[start : start + CHUNK],
        )
    by_id = {case.id: case for case in index_cases.values()}
    for row in values:
        set_committed_value(by_id[row["b_id"]], "chain_id", row["b_chain"])
