"""The demo outbreak generator on a throw-away SQLite store: deterministic, valid, and shaped like an outbreak."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import func, select

from data import national_id
from data.db import Store
from data.demo import DEMO_KOMMUNER, DemoRefused, generate, wipe
from data.names import fold_name
from data.migrate import upgrade
from data.models import (
    Case,
    Cluster,
    ClusterMember,
    Exposure,
    FollowUp,
    Note,
    OrgUnit,
    Person,
    TestResult,
    User,
)
from data.orgunits import load_reference, subtree_filter

TODAY = dt.date(2026, 3, 10)
SEED = 2026
PERSONS = 600
OSLO_PATH = "/NO/03/0301/"
BERGEN_PATH = "/NO/46/4601/"


# --- stores -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[int]]]:
    """A migrated SQLite file with the org-unit tree and two tracers per demo kommune, copied for each store."""
    path = tmp_path_factory.mktemp("demo-template") / "template.sqlite"
    store = Store(f"sqlite:///{path}")
    upgrade(store.engine)
    staff: dict[str, list[int]] = {}
    with store.session() as s:
        load_reference(s)
        for code in DEMO_KOMMUNER:
            users = [User(username=f"sporer{i}-{code}", display_name=f"Sporer {i}", password_hash="x") for i in (1, 2)]
            s.add_all(users)
            s.flush()
            staff[code] = [u.id for u in users]
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.dispose()
    return path, staff


def _fresh_store(template: tuple[Path, dict[str, list[int]]], directory: Path, name: str) -> Store:
    path = directory / f"{name}.sqlite"
    shutil.copy(template[0], path)
    return Store(f"sqlite:///{path}")


def _generated(template, directory: Path, name: str, *, seed: int = SEED) -> Store:  # type: ignore[no-untyped-def]
    store = _fresh_store(template, directory, name)
    with store.session() as s:
        generate(s, seed=seed, persons=PERSONS, today=TODAY, staff=template[1])
    return store


@pytest.fixture(scope="module")
def demo_store(template, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One generated store shared by the read-only tests below."""
    store = _generated(template, tmp_path_factory.mktemp("demo"), "demo")
    yield store
    store.dispose()


# --- helpers ------------------------------------------------------------------------------------------


def _dump(store: Store) -> dict[str, list[tuple]]:
    """A canonical dump of what makes up the outbreak: persons, cases, exposures, clusters, follow-ups, notes."""
    with store.session() as s:
        return {
            "persons": s.execute(
                select(Person.id, Person.national_id, Person.first_name, Person.middle_name, Person.last_name,
                       Person.birth_date, Person.sex, Person.phone, Person.address, Person.household_key, OrgUnit.code,
                       Person.created_at)
                .join(OrgUnit, OrgUnit.id == Person.home_org_unit_id)
                .order_by(Person.id)
            ).all(),
            "cases": s.execute(
                select(Case.id, Case.person_id, Case.kind, Case.status, Case.outcome, Case.enrolled_at, Case.closed_at,
                       Case.isolation_start, Case.isolation_end, Case.quarantine_start, Case.quarantine_end,
                       Case.test_date, Case.symptom_onset, Case.chain_id, Case.assigned_to_id, Case.next_follow_up)
                .order_by(Case.id)
            ).all(),
            "exposures": s.execute(
                select(Exposure.source_case_id, Exposure.contact_person_id, Exposure.contact_case_id,
                       Exposure.exposure_date, Exposure.setting, Exposure.cluster_id).order_by(Exposure.id)
            ).all(),
            "clusters": s.execute(
                select(Cluster.name, Cluster.kind, Cluster.start_date, Cluster.end_date, Cluster.org_unit_id)
                .order_by(Cluster.id)
            ).all(),
            "members": s.execute(select(ClusterMember.cluster_id, ClusterMember.person_id, ClusterMember.role)
                                 .order_by(ClusterMember.id)).all(),
            "follow_ups": s.execute(select(FollowUp.case_id, FollowUp.due_date, FollowUp.done_at, FollowUp.outcome)
                                    .order_by(FollowUp.id)).all(),
            "notes": s.execute(select(Note.case_id, Note.created_at, Note.text).order_by(Note.id)).all(),
            "test_results": s.execute(select(TestResult.external_id, TestResult.person_id, TestResult.sample_date,
                                             TestResult.result).order_by(TestResult.id)).all(),
        }


def _open_follow_ups_by_day(store: Store, path: str) -> dict[str, int]:
    with store.session() as s:
        rows = s.execute(
            select(FollowUp.due_date, func.count())
            .join(Case, Case.id == FollowUp.case_id)
            .join(OrgUnit, OrgUnit.id == Case.org_unit_id)
            .where(FollowUp.done_at.is_(None), FollowUp.due_date <= TODAY, subtree_filter(OrgUnit.path, path))
            .group_by(FollowUp.due_date)
        ).all()
    return {
        "due_today": sum(n for due, n in rows if due == TODAY),
        "overdue": sum(n for due, n in rows if due < TODAY),
    }


# --- tests --------------------------------------------------------------------------------------------


def test_same_seed_and_day_give_identical_data_and_another_seed_does_not(template, demo_store, tmp_path):  # type: ignore[no-untyped-def]
    again = _generated(template, tmp_path, "again")
    other = _generated(template, tmp_path, "other", seed=SEED + 1)
    try:
        first = _dump(demo_store)
        assert first["persons"] and first["cases"] and first["exposures"] and first["clusters"]
        assert _dump(again) == first
        different = _dump(other)
        assert different["persons"] != first["persons"]
        assert different["exposures"] != first["exposures"]
    finally:
        again.dispose()
        other.dispose()


def test_national_ids_are_valid_synthetic_and_unique(demo_store):  # type: ignore[no-untyped-def]
    with demo_store.session() as s:
        rows = s.execute(select(Person.national_id, Person.birth_date, Person.sex)).all()
    ids = [nid for nid, _, _ in rows if nid is not None]
    assert len(ids) == len(set(ids))
    for nid, birth_date, sex in rows:
        if nid is None:
            assert birth_date is not None  # foreigners without a number still have a birth date
            continue
        parsed = national_id.parse(nid, allow_synthetic=True)
        assert parsed.synthetic
        assert parsed.birth_date == birth_date
        assert national_id.sex_of(parsed) == sex
    without = len(rows) - len(ids)
    assert 0 < without <= 0.06 * len(rows)  # ~2 % foreigners without a number


def test_follow_ups_are_due_today_and_overdue_in_oslo_and_bergen(demo_store):  # type: ignore[no-untyped-def]
    for path in (OSLO_PATH, BERGEN_PATH):
        counts = _open_follow_ups_by_day(demo_store, path)
        assert counts["due_today"] > 0, path
        assert counts["overdue"] > 0, path


def test_transmission_chains_reach_three_generations(demo_store):  # type: ignore[no-untyped-def]
    with demo_store.session() as s:
        index = {pid: (cid, test_date) for cid, pid, test_date in
                 s.execute(select(Case.id, Case.person_id, Case.test_date).where(Case.kind == "index"))}
        exposures = s.execute(select(Exposure.source_case_id, Exposure.contact_person_id, Exposure.exposure_date)).all()
    children: dict[int, list[int]] = defaultdict(list)
    for source, person, exposed_on in exposures:
        later = index.get(person)
        if later is not None and later[1] > exposed_on:  # the contact later tested positive
            children[source].append(later[0])

    depth: dict[int, int] = {}

    def generations(case_id: int) -> int:
        if case_id not in depth:
            depth[case_id] = 1 + max((generations(c) for c in children.get(case_id, ())), default=0)
        return depth[case_id]

    assert max(generations(cid) for cid, _ in index.values()) >= 3


def test_every_chain_is_named_by_its_root_index_case(demo_store):  # type: ignore[no-untyped-def]
    with demo_store.session() as s:
        cases = {cid: (kind, chain, unit) for cid, kind, chain, unit in
                 s.execute(select(Case.id, Case.kind, Case.chain_id, Case.org_unit_id))}
        kommune_of_unit = {uid: path.split("/")[3] for uid, path in s.execute(select(OrgUnit.id, OrgUnit.path))
                           if path.count("/") >= 4}
    chains: dict[int, set[str]] = defaultdict(set)
    for kind, chain, unit in cases.values():
        assert chain is not None and cases[chain][0] == "index" and cases[chain][1] == chain
        chains[chain].add(kommune_of_unit[unit])
    assert all(len(kommuner) == 1 for kommuner in chains.values())  # chains stay within one kommune
    assert sum(1 for kind, chain, _ in cases.values() if kind == "index") > len(chains)  # chains, not singletons


def test_clusters_of_at_least_five_kinds_with_members(demo_store):  # type: ignore[no-untyped-def]
    with demo_store.session() as s:
        kinds = set(s.scalars(select(Cluster.kind)))
        sizes = s.execute(select(ClusterMember.cluster_id, func.count()).group_by(ClusterMember.cluster_id)).all()
        n_clusters = s.scalar(select(func.count()).select_from(Cluster))
    assert len(kinds) >= 5
    assert 12 <= n_clusters <= 20
    assert len(sizes) == n_clusters


def test_at_most_one_active_case_per_person_and_kind(demo_store):  # type: ignore[no-untyped-def]
    with demo_store.session() as s:
        doubles = s.execute(
            select(Case.person_id, Case.kind).where(Case.status == "active")
            .group_by(Case.person_id, Case.kind).having(func.count() > 1)
        ).all()
    assert doubles == []


def test_contacts_who_tested_positive_were_converted_to_index_cases(demo_store):  # type: ignore[no-untyped-def]
    with demo_store.session() as s:
        converted = s.execute(
            select(Case.person_id, Case.closed_at).where(
                Case.kind == "contact", Case.status == "closed", Case.outcome == "became_index"
            )
        ).all()
        index_enrolled = dict(s.execute(select(Case.person_id, Case.enrolled_at).where(Case.kind == "index")).all())
    assert converted
    for person, closed_at in converted:
        assert person in index_enrolled
        assert closed_at is not None and closed_at >= index_enrolled[person] - dt.timedelta(hours=12)


def test_outbreak_has_a_believable_size_and_spread(demo_store):  # type: ignore[no-untyped-def]
    with demo_store.session() as s:
        persons = s.scalar(select(func.count()).select_from(Person))
        index_persons = s.scalar(select(func.count(func.distinct(Case.person_id))).where(Case.kind == "index"))
        contact_persons = s.scalar(select(func.count(func.distinct(Case.person_id))).where(Case.kind == "contact"))
        oslo = s.execute(
            select(OrgUnit.level, func.count()).join(Person, Person.home_org_unit_id == OrgUnit.id)
            .where(subtree_filter(OrgUnit.path, OSLO_PATH)).group_by(OrgUnit.level)
        ).all()
        misplaced = s.scalar(
            select(func.count()).select_from(Case).join(Person, Person.id == Case.person_id)
            .where(Case.org_unit_id != Person.home_org_unit_id)
        )
    assert persons == PERSONS
    assert 0.10 <= index_persons / persons <= 0.25
    assert 0.40 <= contact_persons / persons <= 0.70
    assert oslo == [(4, round(PERSONS * 0.6))]  # everybody in Oslo lives in a bydel
    assert misplaced == 0  # cases are enrolled where the person lives


def test_follow_ups_match_case_status(demo_store):  # type: ignore[no-untyped-def]
    with demo_store.session() as s:
        cases = {c.id: c for c in s.scalars(select(Case))}
        follow_ups = s.scalars(select(FollowUp)).all()
    open_by_case: dict[int, list[dt.date]] = defaultdict(list)
    for f in follow_ups:
        case = cases[f.case_id]
        if case.status == "closed":
            assert f.done_at is not None
        if f.done_at is None:
            open_by_case[f.case_id].append(f.due_date)
        else:
            assert f.outcome in ("reached", "not_reached", "symptoms", "needs_help")
            assert f.due_date < TODAY
        assert f.due_date <= TODAY + dt.timedelta(days=2)
    for case in cases.values():
        expected = min(open_by_case[case.id]) if open_by_case.get(case.id) else None
        assert case.next_follow_up == expected


def test_staff_are_assigned_within_their_kommune(template, demo_store):  # type: ignore[no-untyped-def]
    staff = template[1]
    with demo_store.session() as s:
        rows = s.execute(
            select(OrgUnit.path, Case.assigned_to_id).join(OrgUnit, OrgUnit.id == Case.org_unit_id)
        ).all()
    assigned = [(path, user) for path, user in rows if user is not None]
    assert len(assigned) > 0.8 * len(rows)
    for path, user in assigned:
        kommune = path.split("/")[3]
        assert user in staff[kommune]


def test_wipe_refuses_when_the_store_holds_real_persons(template, tmp_path):  # type: ignore[no-untyped-def]
    store = _generated(template, tmp_path, "refuse")
    try:
        with store.session() as s:
            s.add(Person(first_name="Ekte", last_name="Person", name_key="person ekte", source="manual"))
        before = _dump(store)
        with store.session() as s, pytest.raises(DemoRefused):
            wipe(s)
        with store.session() as s, pytest.raises(DemoRefused):
            generate(s, seed=SEED, persons=PERSONS, today=TODAY)
        assert _dump(store) == before
    finally:
        store.dispose()


def test_wipe_removes_demo_data_but_keeps_users_and_org_units(template, tmp_path):  # type: ignore[no-untyped-def]
    store = _generated(template, tmp_path, "wipe")
    try:
        with store.session() as s:
            units = s.scalar(select(func.count()).select_from(OrgUnit))
            users = s.scalar(select(func.count()).select_from(User))
            wipe(s)
        with store.session() as s:
            for model in (Person, Case, Exposure, Cluster, ClusterMember, FollowUp, Note, TestResult):
                assert s.scalar(select(func.count()).select_from(model)) == 0, model.__name__
            assert s.scalar(select(func.count()).select_from(OrgUnit)) == units
            assert s.scalar(select(func.count()).select_from(User)) == users
    finally:
        store.dispose()


def test_fold_name_gives_last_first_middle_folded():
    assert fold_name("Åse", "Ødegård", "Bjørnstad") == "bjornstad ase odegard"
    assert fold_name("  Ærlend ", None, "Lie") == "lie aerlend"
    assert fold_name("José", "", "Łukasz  Müller") == "lukasz muller jose"
