"""The home page's numbers, on a small hand-built store: scope by org unit, today versus overdue."""

from __future__ import annotations

import datetime as dt

import pytest

from auth.actor import Actor, Grant
from data.models import Case, FollowUp, Person
from data.orgunits import by_code
from tracing.errors import AccessDenied
from tracing.overview import unit_today

TODAY = dt.date(2026, 11, 23)


def _case(s, unit_code, kind, status="active", due=()):
    unit = by_code(s, unit_code)
    person = Person(first_name="Test", last_name="Person", name_key="person test", source="manual")
    s.add(person)
    s.flush()
    case = Case(person_id=person.id, kind=kind, org_unit_id=unit.id, status=status)
    s.add(case)
    s.flush()
    for day, done in due:
        s.add(FollowUp(case_id=case.id, due_date=day, done_at=dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc) if done else None))
    return case


def _actor(s, code):
    unit = by_code(s, code)
    return Actor(1, "t", "T", (Grant("smittesporer", unit.id, unit.code, unit.name, unit.path),))


def test_counts_cover_the_unit_and_its_bydeler_only(store):
    yesterday = TODAY - dt.timedelta(days=1)
    with store.session() as s:
        _case(s, "030101", "index", due=[(TODAY, False), (yesterday, False), (yesterday, True)])  # Gamle Oslo
        _case(s, "0301", "contact", due=[(TODAY, False)])
        _case(s, "0301", "contact", status="closed", due=[(TODAY, False)])
        _case(s, "4601", "index", due=[(TODAY, False)])  # Bergen: not Oslo's
    with store.session() as s:
        oslo = unit_today(s, _actor(s, "0301"), TODAY)
        bydel = unit_today(s, _actor(s, "030101"), TODAY)
        bergen = unit_today(s, _actor(s, "4601"), TODAY)

    assert oslo.org_unit_name == "Oslo"
    assert (oslo.counts.active_index_cases, oslo.counts.active_contacts) == (1, 1)
    assert (oslo.counts.follow_ups_due_today, oslo.counts.follow_ups_overdue) == (2, 1)
    assert (bydel.counts.active_index_cases, bydel.counts.active_contacts, bydel.counts.follow_ups_due_today) == (1, 0, 1)
    assert (bergen.counts.active_index_cases, bergen.counts.follow_ups_due_today, bergen.counts.follow_ups_overdue) == (1, 1, 0)


def test_a_user_without_roles_is_refused(store):
    with store.session() as s:
        with pytest.raises(AccessDenied) as refused:
            unit_today(s, Actor(1, "t", "T", ()), TODAY)
    assert refused.value.field == "tilgang"
