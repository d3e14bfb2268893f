"""The store on SQLite and PostgreSQL: migrations, the org-unit tree, and the rules the database itself enforces."""

from __future__ import annotations

import shutil

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from data.db import Store
from data.migrate import current_revision, upgrade
from data.models import Base, Case, OrgUnit, Person
from data.orgunits import by_code, kommune_codes_2024, load_reference, subtree_filter


def test_migrations_build_exactly_the_models(store):
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []
    assert current_revision(store.engine) is not None


def test_upgrade_and_reference_load_are_idempotent(store):
    upgrade(store.engine)
    with store.session() as s:
        assert load_reference(s) == 0
        assert s.scalar(select(func.count()).select_from(OrgUnit)) == 1 + 15 + 357 + 38


def test_org_unit_paths_give_a_subtree_with_one_prefix_match(store):
    with store.session() as s:
        oslo = by_code(s, "0301")
        assert oslo is not None and oslo.path == "/NO/03/0301/" and oslo.level == 3
        below = s.scalars(select(OrgUnit.code).where(subtree_filter(OrgUnit.path, oslo.path), OrgUnit.level == 4)).all()
        assert len(below) == 17 and all(code.startswith("0301") for code in below)
        vestland = by_code(s, "46")
        assert vestland is not None
        assert s.scalar(select(func.sum(OrgUnit.population)).where(OrgUnit.parent_id == vestland.id)) == vestland.population


def test_old_kommune_numbers_map_to_2024(store):
    with store.session() as s:
        assert kommune_codes_2024(s, "1507") == ["1508", "1580"]  # Ålesund split in 2024
        assert kommune_codes_2024(s, "0301") == ["0301"]
        assert kommune_codes_2024(s, "9999") == []


def test_kommune_numbers_cannot_be_edited(store):
    with store.session() as s:
        bergen = by_code(s, "4601")
        assert bergen is not None
        with pytest.raises(ValueError):
            bergen.code = "4602"


def _person(s, name="Kari"):
    p = Person(first_name=name, last_name="Nordmann", name_key=f"nordmann {name.lower()}", source="manual")
    s.add(p)
    s.flush()
    return p


def test_database_allows_one_active_case_per_person_and_kind(store):
    with store.session() as s:
        oslo = by_code(s, "0301")
        p = _person(s)
        s.add(Case(person_id=p.id, kind="index", org_unit_id=oslo.id, status="closed"))
        s.add(Case(person_id=p.id, kind="index", org_unit_id=oslo.id, status="active"))
        s.add(Case(person_id=p.id, kind="contact", org_unit_id=oslo.id, status="active"))
        s.flush()
    with pytest.raises(IntegrityError):
        with store.session() as s:
            s.add(Case(person_id=p.id, kind="index", org_unit_id=oslo.id, status="active"))
            s.flush()


def test_stale_edit_of_a_person_is_refused(store):
    with store.session() as s:
        person_id = _person(s).id
    first, second = store.sessionmaker(), store.sessionmaker()
    try:
        a, b = first.get(Person, person_id), second.get(Person, person_id)
        a.phone = "41234567"
        first.commit()
        b.phone = "98765432"
        with pytest.raises(StaleDataError):
            second.commit()
    finally:
        first.close()
        second.close()
    with store.session() as s:
        p = s.get(Person, person_id)
        assert (p.phone, p.version) == ("41234567", 2)


def test_foreign_keys_are_enforced(store):
    with pytest.raises(IntegrityError):
        with store.session() as s:
            s.add(Case(person_id=987654, kind="index", org_unit_id=1, status="active"))
            s.flush()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_template, tmp_path):
    path = tmp_path / "wal.sqlite"
    shutil.copy(sqlite_template, path)
    store = Store(f"sqlite:///{path}")
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    store.dispose()
