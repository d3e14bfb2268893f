"""The demo generator against a real store (SQLite and PostgreSQL through the shared ``store`` fixture)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from data.demo import generate
from data.models import Case, Cluster, ClusterMember, Exposure, FollowUp, Note, OrgUnit, Person, TestResult

TODAY = dt.date(2026, 3, 10)
TABLES = (Person, Case, Exposure, Cluster, ClusterMember, FollowUp, Note, TestResult)


def _counts(store) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with store.session() as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m)) for m in TABLES}


def test_demo_refresh_replaces_everything_and_leaves_nothing_behind(store):  # type: ignore[no-untyped-def]
    with store.session() as s:
        first = generate(s, seed=7, persons=300, today=TODAY)
    counts = _counts(store)
    with store.session() as s:
        second = generate(s, seed=7, persons=300, today=TODAY)

    assert second == first
    assert _counts(store) == counts
    assert counts["person"] == 300
    assert counts["case"] == first.index_cases + first.contact_cases
    assert counts["exposure"] == first.exposures
    assert counts["cluster"] == first.clusters
    assert counts["note"] == first.notes


def test_rows_added_after_the_demo_get_fresh_ids(store):  # type: ignore[no-untyped-def]
    with store.session() as s:
        generate(s, seed=7, persons=300, today=TODAY)
    with store.session() as s:
        max_person = s.scalar(select(func.max(Person.id)))
        max_case = s.scalar(select(func.max(Case.id)))
        unit_id = s.scalar(select(OrgUnit.id).where(OrgUnit.code == "3424"))
        person = Person(first_name="Ny", last_name="Person", name_key="person ny", home_org_unit_id=unit_id)
        s.add(person)
        s.flush()
        case = Case(person=person, kind="index", org_unit_id=unit_id)
        s.add(case)
        s.flush()
        s.add(FollowUp(case_id=case.id, due_date=TODAY))
        s.flush()
        assert person.id > max_person
        assert case.id > max_case
