"""Small factories for tests: real rows through the ORM, with sensible defaults. Never copy fixtures between files."""

from __future__ import annotations

import datetime as dt
import itertools
import random

from sqlalchemy.orm import Session

from auth.actor import Actor, actor_of
from auth.users import create_user
from data import national_id
from data.models import Case, Person
from data.names import fold_name
from data.orgunits import by_code

_numbers = itertools.count(1)
_rng = random.Random(1234)


def unit_id(session: Session, code: str) -> int:
    unit = by_code(session, code)
    assert unit is not None, code
    return unit.id


def make_actor(session: Session, role: str = "smittesporer", code: str = "0301", username: str | None = None) -> Actor:
    """A real user holding ``role`` in the org unit ``code``, as an Actor."""
    user = create_user(
        session,
        username or f"user{next(_numbers)}",
        "passord-for-test",
        display_name=f"Test {role} {code}",
        grants=[(role, code)],
    )
    session.flush()
    return actor_of(user)


def synthetic_national_id(birth_date: dt.date = dt.date(1985, 6, 15), sex: str | None = None) -> str:
    return national_id.generate(birth_date, rng=_rng, synthetic=True, sex=sex)


def make_person(
    session: Session,
    code: str = "0301",
    *,
    first_name: str = "Kari",
    last_name: str = "Nordmann",
    birth_date: dt.date | None = dt.date(1985, 6, 15),
    with_national_id: bool = True,
    **fields: object,
) -> Person:
    person = Person(
        first_name=first_name,
        last_name=last_name,
        name_key=fold_name(first_name, None, last_name),
        birth_date=birth_date,
        national_id=synthetic_national_id(birth_date) if with_national_id and birth_date else None,
        home_org_unit_id=unit_id(session, code),
        source="manual",
        **fields,
    )
    session.add(person)
    session.flush()
    return person


def make_case(session: Session, person: Person, kind: str = "index", code: str = "0301", status: str = "active", **fields: object) -> Case:
    case = Case(person_id=person.id, kind=kind, org_unit_id=unit_id(session, code), status=status, **fields)
    session.add(case)
    session.flush()
    return case
