"""Index cases and close contacts: register, add contacts, convert a contact to an index, close, reopen, assign.

A person has at most one active index case and one active contact case at a time. tracing/ refuses a second one
with a clear message, and the database's partial unique index (``uq_case_one_active_per_kind``) refuses it too
when two tracers race; both give the same ``DomainError``.

Transmission chains: every case carries ``chain_id``, the connected component of the exposure graph it belongs
to. A new index case with no source starts its own chain (its own id); a contact joins its source's chain; an
index converted from a contact keeps the contact's chain; when an exposure links two chains they merge into the
older (smaller) one. Chain bookkeeping is written without bumping ``Case.version``: it is not a user's edit, and
it must not make a tracer's open form stale.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import set_committed_value

from auth.actor import Actor, audit_as
from auth.roles import CASE_WORK_ROLES
from data.clock import today_oslo
from data.queries.users import display_names
from data.models import EXPOSURE_SETTINGS, TEST_METHODS, Case, Cluster, Exposure, FollowUp, Note, OrgUnit, Person, RoleAssignment, User, utcnow
from tracing import followups
from tracing.access import person_scope_clause, require_case, require_case_work, require_person
from tracing.clusters import add_member_checked, require_cluster, work_unit
from tracing.errors import AccessDenied, DomainError
from tracing.followups import ACTIVE_CASE_MESSAGE, check_version, clean_text, save, write_note
from tracing.rules import (
    OUTCOME_CANCELS,
    OUTCOMES_CLOSE,
    RULE_SETS,
    RuleSet,
    isolation_period,
    quarantine_period,
    rule_set,
    stored_rule_set,
)

OUT_OF_SCOPE_NAME = "Person utenfor dine enheter"


@dataclass(frozen=True)
class IndexInput:
    person_id: int
    org_unit_id: int
    test_date: dt.date
    test_method: str  # "PCR" / "antigen" / "selftest"
    symptom_onset: dt.date | None = None
    asymptomatic: bool = False
    infected_where: str | None = None
    workplace_or_school: str | None = None
    risk_group: str | None = None
    rule_set: str | None = None  # None: rules.DEFAULT_RULE_SET


@dataclass(frozen=True)
class ContactInput:
    source_case_id: int
    person_id: int
    exposure_date: dt.date
    setting: str  # one of data.models.EXPOSURE_SETTINGS
    cluster_id: int | None = None
    org_unit_id: int | None = None  # None: the source case's org unit


@dataclass(frozen=True)
class SourceExposureRow:
    """Who exposed the case's person (for an index case: every exposure of the person, through any contact case)."""

    exposure_id: int
    source_case_id: int
    source_person_id: int
    source_person_name: str  # OUT_OF_SCOPE_NAME when the actor may not open that person
    exposure_date: dt.date
    setting: str
    cluster_id: int | None
    cluster_name: str | None
    can_open: bool


@dataclass(frozen=True)
class ContactRow:
    """A close contact named from this case."""

    exposure_id: int
    contact_case_id: int | None
    person_id: int
    full_name: str  # OUT_OF_SCOPE_NAME when the actor may not open that person
    exposure_date: dt.date
    setting: str
    case_status: str | None
    cluster_id: int | None
    cluster_name: str | None
    can_open: bool


@dataclass(frozen=True)
class CaseView:
    case: Case
    person_id: int
    person_name: str
    org_unit_name: str
    rule_set: RuleSet
    source_exposures: list[SourceExposureRow]
    contacts: list[ContactRow]
    follow_ups: list[FollowUp]
    notes: list[Note]
    assigned_to_name: str | None
    user_names: dict[int, str]  # display names of note authors, follow-up recorders and the assignee


# --- index cases ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _IndexFacts:
    org_unit_id: int
    rules: RuleSet
    test_date: dt.date
    test_method: str
    symptom_onset: dt.date | None
    asymptomatic: bool
    infected_where: str | None
    workplace_or_school: str | None
    risk_group: str | None
    isolation: tuple[dt.date, dt.date]


def _validate_index(session: Session, actor: Actor, data: IndexInput, today: dt.date) -> _IndexFacts:
    unit = work_unit(session, actor, data.org_unit_id)
    if not isinstance(data.test_date, dt.date):
        raise DomainError("testdato", "Testdato må fylles ut.")
    if data.test_date > today:
        raise DomainError("testdato", "Testdato kan ikke være fram i tid.")
    if data.test_method not in TEST_METHODS:
        raise DomainError("testmetode", "Ukjent testmetode.")
    if data.symptom_onset is not None:
        if data.asymptomatic:
            raise DomainError("symptomstart", "En person uten symptomer har ingen symptomstart. Fjern symptomstart eller «uten symptomer».")
        if data.symptom_onset > today:
            raise DomainError("symptomstart", "Symptomstart kan ikke være fram i tid.")
    rules = rule_set(data.rule_set)
    return _IndexFacts(
        org_unit_id=unit.id,
        rules=rules,
        test_date=data.test_date,
        test_method=data.test_method,
        symptom_onset=data.symptom_onset,
        asymptomatic=bool(data.asymptomatic),
        infected_where=clean_text("smittested", data.infected_where, 200, label="Smittestedet"),
        workplace_or_school=clean_text("arbeidssted_skole", data.workplace_or_school, 200, label="Arbeidssted/skole"),
        risk_group=clean_text("risikogruppe", data.risk_group, 100, label="Risikogruppen"),
        isolation=isolation_period(rules, data.symptom_onset, data.test_date),
    )


def _active_case(session: Session, person_id: int, kind: str) -> Case | None:
    return session.scalar(select(Case).where(Case.person_id == person_id, Case.kind == kind, Case.status == "active"))


def _refuse_second_active(session: Session, person_id: int, kind: str, *, other_than: int | None = None) -> None:
    found = _active_case(session, person_id, kind)
    if found is not None and found.id != other_than:
        raise DomainError("person", ACTIVE_CASE_MESSAGE[kind])


def _new_index(session: Session, person_id: int, facts: _IndexFacts, chain_id: int | None, today: dt.date) -> Case:
    case = Case(
        person_id=person_id,
        kind="index",
        org_unit_id=facts.org_unit_id,
        status="active",
        rule_set=facts.rules.code,
        isolation_start=facts.isolation[0],
        isolation_end=facts.isolation[1],
        test_date=facts.test_date,
        test_method=facts.test_method,
        symptom_onset=facts.symptom_onset,
        asymptomatic=facts.asymptomatic,
        infected_where=facts.infected_where,
        workplace_or_school=facts.workplace_or_school,
        risk_group=facts.risk_group,
        chain_id=chain_id,
        enrolled_at=utcnow(),
    )
    session.add(case)
    followups.schedule(session, case, today)
    save(session, "index")
    if chain_id is None:
        _set_chain_quietly(session, Case.id == case.id, case.id)
    return case


def register_index(session: Session, actor: Actor, data: IndexInput, today: dt.date | None = None) -> Case:
    """Register an index case: isolation from the rules, follow-ups scheduled, audited "case_created".

    A person who is an active close contact should normally be converted (``convert_to_index``); if an index is
    registered directly anyway, it joins that contact's chain.
    """
    today = today or today_oslo()
    require_case_work(actor)
    facts = _validate_index(session, actor, data, today)
    person = require_person(session, actor, data.person_id)
    _refuse_second_active(session, person.id, "index")
    as_contact = _active_case(session, person.id, "contact")
    case = _new_index(session, person.id, facts, as_contact.chain_id if as_contact else None, today)
    _audit(session, actor, "case_created", case, {"person_id": person.id, "kind": "index", "rule_set": case.rule_set})
    return case


def update_index(
    session: Session, actor: Actor, case_id: int, data: IndexInput, expected_version: int, today: dt.date | None = None
) -> Case:
    """Correct an index case's facts; isolation is recomputed and, for an active case, follow-ups rescheduled.
    Audited "case_updated" with the names of the changed fields."""
    today = today or today_oslo()
    require_case_work(actor)
    case = require_case(session, actor, case_id)
    if case.kind != "index":
        raise DomainError("sak", "Saken er ikke en indekssak.")
    check_version(case, expected_version)
    if data.person_id != case.person_id:
        raise DomainError("person", "En sak kan ikke flyttes til en annen person.")
    facts = _validate_index(session, actor, data, today)
    values = {
        "org_unit_id": facts.org_unit_id,
        "rule_set": facts.rules.code,
        "test_date": facts.test_date,
        "test_method": facts.test_method,
        "symptom_onset": facts.symptom_onset,
        "asymptomatic": facts.asymptomatic,
        "infected_where": facts.infected_where,
        "workplace_or_school": facts.workplace_or_school,
        "risk_group": facts.risk_group,
        "isolation_start": facts.isolation[0],
        "isolation_end": facts.isolation[1],
    }
    changed = [name for name, value in values.items() if getattr(case, name) != value]
    for name in changed:
        setattr(case, name, values[name])
    save(session, "index")
    if case.status == "active":
        followups.schedule(session, case, today)
    if changed:
        _audit(session, actor, "case_updated", case, {"changed": changed})
    return case


# --- close contacts ---------------------------------------------------------------------------------------------


def add_contact(session: Session, actor: Actor, data: ContactInput, today: dt.date | None = None) -> tuple[Case, Exposure]:
    """Name a close contact of an active case (index, or contact: contacts of contacts work the same way).

    A person already in active quarantine keeps their contact case: the new exposure is linked to it and the
    quarantine is extended to run from the latest exposure. Otherwise a contact case is created in the given org
    unit (default: the source case's). Audited "contact_added".
    """
    today = today or today_oslo()
    require_case_work(actor)
    source = require_case(session, actor, data.source_case_id)
    if source.status != "active":
        raise DomainError("kilde", "Smittekilden må være en aktiv sak.")
    person = require_person(session, actor, data.person_id)
    if person.id == source.person_id:
        raise DomainError("person", "En person kan ikke være sin egen nærkontakt.")
    if not isinstance(data.exposure_date, dt.date):
        raise DomainError("eksponeringsdato", "Eksponeringsdato må fylles ut.")
    if data.exposure_date > today:
        raise DomainError("eksponeringsdato", "Eksponeringsdato kan ikke være fram i tid.")
    if data.setting not in EXPOSURE_SETTINGS:
        raise DomainError("arena", "Ukjent arena for eksponeringen.")
    unit_id = work_unit(session, actor, data.org_unit_id).id if data.org_unit_id is not None else source.org_unit_id
    cluster = require_cluster(session, actor, data.cluster_id) if data.cluster_id is not None else None
    duplicate = session.scalar(
        select(Exposure.id).where(
            Exposure.source_case_id == source.id,
            Exposure.contact_person_id == person.id,
            Exposure.exposure_date == data.exposure_date,
        )
    )
    if duplicate is not None:
        raise DomainError("eksponeringsdato", "Denne eksponeringen er allerede registrert.")

    existing = _active_case(session, person.id, "contact")
    if existing is not None:
        existing_unit = session.get(OrgUnit, existing.org_unit_id)
        if existing_unit is None or not actor.reaches(existing_unit.path, CASE_WORK_ROLES):
            raise AccessDenied(
                f"Personen er allerede i karantene som nærkontakt i {existing_unit.name if existing_unit else 'en annen enhet'}. "
                "Ta kontakt med den kommunen."
            )

    chain = _chain_of(session, source)
    created = existing is None
    if existing is None:
        rules = RULE_SETS.get(source.rule_set or "") or rule_set(None)
        start, end = quarantine_period(rules, data.exposure_date)
        contact_case = Case(
            person_id=person.id,
            kind="contact",
            org_unit_id=unit_id,
            status="active",
            rule_set=rules.code,
            quarantine_start=start,
            quarantine_end=end,
            chain_id=chain,
            enrolled_at=utcnow(),
        )
        session.add(contact_case)
        followups.schedule(session, contact_case, today)
        save(session, "contact")
    else:
        contact_case = existing
        _extend_quarantine(session, contact_case, data.exposure_date, today)
        if contact_case.chain_id != chain:
            _merge_chains(session, contact_case, chain)

    exposure = Exposure(
        source_case_id=source.id,
        contact_person_id=person.id,
        contact_case_id=contact_case.id,
        exposure_date=data.exposure_date,
        setting=data.setting,
        cluster_id=cluster.id if cluster else None,
        created_by_id=actor.user_id,
    )
    session.add(exposure)
    session.flush()
    if cluster is not None:
        add_member_checked(session, actor, cluster, person.id, "contact", if_missing=True)
        add_member_checked(session, actor, cluster, source.person_id, source.kind, if_missing=True)
    _audit(
        session,
        actor,
        "contact_added",
        contact_case,
        {"source_case_id": source.id, "exposure_id": exposure.id, "person_id": person.id, "new_case": created},
    )
    return contact_case, exposure


def _extend_quarantine(session: Session, case: Case, exposure_date: dt.date, today: dt.date) -> None:
    """Quarantine runs from the earliest to the latest exposure plus the quarantine days; never shortened."""
    rules = stored_rule_set(case.rule_set)
    _, end = quarantine_period(rules, exposure_date)
    start = min(d for d in (case.quarantine_start, exposure_date) if d is not None)
    end = max(d for d in (case.quarantine_end, end) if d is not None)
    if case.quarantine_start != start:
        case.quarantine_start = start
    if case.quarantine_end != end:
        case.quarantine_end = end
    save(session, "contact")
    followups.schedule(session, case, today)


# --- chains -----------------------------------------------------------------------------------------------------


def _set_chain_quietly(session: Session, where, chain_id: int) -> None:  # type: ignore[no-untyped-def]
    """Write chain ids without bumping versions (an ORM-enabled UPDATE by criteria skips the version counter),
    and mirror the new value on the matching cases already loaded in the session."""
    loaded = [obj for obj in session.identity_map.values() if isinstance(obj, Case)]
    matching = {obj.id for obj in loaded}
    if matching:
        matching = set(session.scalars(select(Case.id).where(where, Case.id.in_(matching))))
    session.execute(update(Case).where(where).values(chain_id=chain_id).execution_options(synchronize_session=False))
    for obj in loaded:
        if obj.id in matching:
            set_committed_value(obj, "chain_id", chain_id)


def _chain_of(session: Session, case: Case) -> int:
    """The case's chain id, giving an older case without one (demo or imported data) its own id first."""
    if case.chain_id is None:
        _set_chain_quietly(session, Case.id == case.id, case.id)
    return case.chain_id  # type: ignore[return-value]


def _merge_chains(session: Session, case: Case, other_chain: int) -> None:
    """An exposure joined ``case``'s chain to ``other_chain``: both become the smaller (older) id."""
    keep, drop = sorted((_chain_of(session, case), other_chain))
    if keep != drop:
        _set_chain_quietly(session, Case.chain_id == drop, keep)


# --- conversion, closing, reopening -----------------------------------------------------------------------------


def convert_to_index(
    session: Session, actor: Actor, contact_case_id: int, data: IndexInput, expected_version: int, today: dt.date | None = None
) -> Case:
    """A close contact tested positive: close the contact case ("became_index") and register the index for the
    same person in one step.

    The person keeps one history: the exposure links still point to the (closed) contact case, whose notes and
    follow-ups stay where they were written; test results belong to the person. The new index keeps the contact's
    chain. Audited "converted_to_index" on both cases.
    """
    today = today or today_oslo()
    require_case_work(actor)
    contact = require_case(session, actor, contact_case_id)
    if contact.kind != "contact":
        raise DomainError("sak", "Saken er ikke en nærkontaktsak.")
    if contact.status != "active":
        raise DomainError("status", "Nærkontaktsaken er ikke aktiv.")
    check_version(contact, expected_version)
    if data.person_id != contact.person_id:
        raise DomainError("person", "Indekssaken må gjelde samme person som nærkontaktsaken.")
    facts = _validate_index(session, actor, data, today)
    _refuse_second_active(session, contact.person_id, "index")
    chain = _chain_of(session, contact)

    contact.status = "closed"
    contact.outcome = "became_index"
    contact.closed_at = utcnow()
    save(session, "contact")
    followups.drop_open(session, contact)
    save(session, "contact")

    index = _new_index(session, contact.person_id, facts, chain, today)
    _audit(session, actor, "converted_to_index", contact, {"index_case_id": index.id, "person_id": contact.person_id})
    _audit(
        session,
        actor,
        "converted_to_index",
        index,
        {"contact_case_id": contact.id, "person_id": contact.person_id, "rule_set": index.rule_set},
    )
    return index


def close_case(
    session: Session, actor: Actor, case_id: int, outcome: str, expected_version: int, note: str | None = None
) -> Case:
    """Close a case with an outcome from ``rules.OUTCOMES_CLOSE``; "registered_in_error" cancels it instead.
    Open follow-ups are removed. Audited "case_closed" (and "note_added" when a note is given)."""
    require_case_work(actor)
    case = require_case(session, actor, case_id)
    check_version(case, expected_version)
    if outcome not in OUTCOMES_CLOSE:
        raise DomainError("utfall", "Ukjent utfall for avslutning av saken.")
    text = clean_text("notat", note, followups.NOTE_MAX_CHARS, label="Notatet")
    if case.status != "active":
        raise DomainError("status", "Saken er allerede avsluttet.")
    case.status = "cancelled" if outcome == OUTCOME_CANCELS else "closed"
    case.outcome = outcome
    case.closed_at = utcnow()
    save(session, case.kind)
    followups.drop_open(session, case)
    save(session, case.kind)
    note_row = write_note(session, actor, case, text) if text else None
    detail: dict[str, object] = {"outcome": outcome, "status": case.status}
    if note_row is not None:
        detail["note_id"] = note_row.id
    _audit(session, actor, "case_closed", case, detail)
    return case


def reopen_case(
    session: Session, actor: Actor, case_id: int, note: str, expected_version: int, today: dt.date | None = None
) -> Case:
    """Re-enrol a closed or cancelled case, with a note saying why. Refused while the person has another active
    case of the same kind. Follow-ups are rescheduled for what is left of the period, and at least one is due
    today. Audited "case_reopened" and "note_added"."""
    today = today or today_oslo()
    require_case_work(actor)
    case = require_case(session, actor, case_id)
    check_version(case, expected_version)
    text = clean_text("notat", note, followups.NOTE_MAX_CHARS, required=True, label="Notat om hvorfor saken gjenåpnes")
    if case.status == "active":
        raise DomainError("status", "Saken er allerede aktiv.")
    _refuse_second_active(session, case.person_id, case.kind, other_than=case.id)
    previous = case.outcome
    case.status = "active"
    case.outcome = None
    case.closed_at = None
    save(session, case.kind)
    followups.schedule(session, case, today, at_least_today=True)
    note_row = write_note(session, actor, case, text)  # type: ignore[arg-type]
    _audit(session, actor, "case_reopened", case, {"previous_outcome": previous, "note_id": note_row.id})
    return case


# --- assignment -------------------------------------------------------------------------------------------------


def _ancestor_paths(path: str) -> list[str]:
    """"/NO/03/0301/" -> ["/NO/", "/NO/03/", "/NO/03/0301/"]: the units whose subtree contains ``path``."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _assignable(unit: OrgUnit):  # type: ignore[no-untyped-def]
    return (
        select(User.id, User.display_name)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .join(OrgUnit, RoleAssignment.org_unit_id == OrgUnit.id)
        .where(User.active.is_(True), RoleAssignment.role.in_(sorted(CASE_WORK_ROLES)), OrgUnit.path.in_(_ancestor_paths(unit.path)))
        .distinct()
    )


def assignable_users(session: Session, actor: Actor, org_unit_id: int) -> list[tuple[int, str]]:
    """Active users with a case-work role that reaches ``org_unit_id``, as (user id, display name) by name."""
    require_case_work(actor)
    unit = work_unit(session, actor, org_unit_id)
    rows = session.execute(_assignable(unit)).all()
    return sorted(((uid, name) for uid, name in rows), key=lambda r: (r[1].casefold(), r[0]))


def assign_case(session: Session, actor: Actor, case_id: int, user_id: int | None, expected_version: int | None = None) -> Case:
    """Assign a case to a tracer whose case-work role reaches the case's unit; ``user_id`` None unassigns.
    Audited "case_assigned"."""
    require_case_work(actor)
    case = require_case(session, actor, case_id)
    check_version(case, expected_version)
    if user_id is not None:
        unit = session.get(OrgUnit, case.org_unit_id)
        allowed = session.scalar(_assignable(unit).where(User.id == user_id))  # type: ignore[arg-type]
        if allowed is None:
            raise DomainError("saksbehandler", "Brukeren har ikke tilgang til smittesporing i sakens enhet.")
    previous = case.assigned_to_id
    if previous != user_id:
        case.assigned_to_id = user_id
        save(session, case.kind)
        _audit(session, actor, "case_assigned", case, {"user_id": user_id, "previous_user_id": previous})
    return case


# --- reading ----------------------------------------------------------------------------------------------------


def case_summary(session: Session, actor: Actor, case_id: int) -> CaseView:
    """Everything the case page shows, in one read. Names persons, so it is audited "case_viewed"."""
    require_case_work(actor)
    case = require_case(session, actor, case_id)
    person = session.get(Person, case.person_id)
    unit = session.get(OrgUnit, case.org_unit_id)
    assert person is not None and unit is not None

    source_case, source_person = aliased(Case), aliased(Person)
    into = Exposure.contact_person_id == case.person_id if case.kind == "index" else Exposure.contact_case_id == case.id
    sources = session.execute(
        select(Exposure, source_case.person_id, source_person.first_name, source_person.middle_name, source_person.last_name, Cluster.name)
        .join(source_case, Exposure.source_case_id == source_case.id)
        .join(source_person, source_case.person_id == source_person.id)
        .outerjoin(Cluster, Exposure.cluster_id == Cluster.id)
        .where(into)
        .order_by(Exposure.exposure_date.desc(), Exposure.id.desc())
    ).all()
    contact_case, contact_person = aliased(Case), aliased(Person)
    contacts = session.execute(
        select(Exposure, contact_person.first_name, contact_person.middle_name, contact_person.last_name, contact_case.status, Cluster.name)
        .join(contact_person, Exposure.contact_person_id == contact_person.id)
        .outerjoin(contact_case, Exposure.contact_case_id == contact_case.id)
        .outerjoin(Cluster, Exposure.cluster_id == Cluster.id)
        .where(Exposure.source_case_id == case.id)
        .order_by(Exposure.exposure_date.desc(), Exposure.id.desc())
    ).all()
    named = {row[1] for row in sources} | {row[0].contact_person_id for row in contacts}
    openable = set(session.scalars(select(Person.id).where(Person.id.in_(named), person_scope_clause(actor)))) if named else set()

    def name(person_id: int, *parts: str | None) -> str:
        return " ".join(p for p in parts if p) if person_id in openable else OUT_OF_SCOPE_NAME

    follow_up_rows = list(session.scalars(select(FollowUp).where(FollowUp.case_id == case.id).order_by(FollowUp.due_date, FollowUp.id)))
    notes = list(session.scalars(select(Note).where(Note.case_id == case.id).order_by(Note.created_at, Note.id)))
    user_ids = {n.author_id for n in notes} | {f.done_by_id for f in follow_up_rows} | {case.assigned_to_id}
    user_ids.discard(None)
    user_names = display_names(session, user_ids)

    view = CaseView(
        case=case,
        person_id=person.id,
        person_name=person.full_name,
        org_unit_name=unit.name,
        rule_set=stored_rule_set(case.rule_set),
        source_exposures=[
            SourceExposureRow(
                exposure_id=e.id,
                source_case_id=e.source_case_id,
                source_person_id=pid,
                source_person_name=name(pid, first, middle, last),
                exposure_date=e.exposure_date,
                setting=e.setting,
                cluster_id=e.cluster_id,
                cluster_name=cluster_name,
                can_open=pid in openable,
            )
            for e, pid, first, middle, last, cluster_name in sources
        ],
        contacts=[
            ContactRow(
                exposure_id=e.id,
                contact_case_id=e.contact_case_id,
                person_id=e.contact_person_id,
                full_name=name(e.contact_person_id, first, middle, last),
                exposure_date=e.exposure_date,
                setting=e.setting,
                case_status=status,
                cluster_id=e.cluster_id,
                cluster_name=cluster_name,
                can_open=e.contact_person_id in openable,
            )
            for e, first, middle, last, status, cluster_name in contacts
        ],
        follow_ups=follow_up_rows,
        notes=notes,
        assigned_to_name=user_names.get(case.assigned_to_id) if case.assigned_to_id else None,
        user_names=user_names,
    )
    _audit(session, actor, "case_viewed", case, {"person_id": person.id})
    return view


def _audit(session: Session, actor: Actor, action: str, case: Case, detail: dict[str, object]) -> None:
    audit_as(session, actor, action, entity="case", entity_id=case.id, org_unit_id=case.org_unit_id, detail=detail)


__all__ = [
    "OUT_OF_SCOPE_NAME",
    "CaseView",
    "ContactInput",
    "ContactRow",
    "IndexInput",
    "SourceExposureRow",
    "add_contact",
    "assign_case",
    "assignable_users",
    "case_summary",
    "close_case",
    "convert_to_index",
    "register_index",
    "reopen_case",
    "update_index",
]
