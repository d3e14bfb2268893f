"""Follow-ups and notes (tracing/followups.py) on both stores."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data.models import AuditEvent, FollowUp, Note
from tests.factories import make_actor, make_case, make_person, unit_id
from tracing.cases import IndexInput, close_case, register_index
from tracing.errors import AccessDenied, DomainError
from tracing.followups import add_note, mark_done_bulk, record_follow_up

TODAY = dt.date(2026, 11, 23)


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def _index(s, actor, person, onset=-2, code="0301"):
    data = IndexInput(person.id, unit_id(s, code), days(-1), "PCR", symptom_onset=days(onset))
    return register_index(s, actor, data, today=TODAY)


def _follow_ups(s, case):
    return list(s.scalars(select(FollowUp).where(FollowUp.case_id == case.id).order_by(FollowUp.due_date)))


def _open_dates(s, case):
    return [f.due_date for f in _follow_ups(s, case) if f.done_at is None]


def test_recording_a_follow_up_marks_it_done_and_moves_the_next_follow_up(store):
    with store.session() as s:
        actor = make_actor(s)
        case = _index(s, actor, make_person(s))
        today_call = _follow_ups(s, case)[0]
        record_follow_up(s, actor, today_call.id, "symptoms", note=" Feber ", today=TODAY)
        assert (today_call.outcome, today_call.note, today_call.done_by_id) == ("symptoms", "Feber", actor.user_id)
        assert today_call.done_at is not None
        assert case.next_follow_up == days(1)
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "follow_up_recorded"))
        assert (event.entity, event.entity_id, event.org_unit_id) == ("follow_up", today_call.id, case.org_unit_id)
        assert event.detail == {"case_id": case.id, "outcome": "symptoms"}


def test_recording_the_last_open_follow_up_schedules_the_next_while_the_period_lasts(store):
    with store.session() as s:
        # given a case scheduled only up to today (as the demo does), isolated until the day after tomorrow
        actor = make_actor(s)
        case = make_case(s, make_person(s), rule_set="standard", isolation_start=days(-3), isolation_end=days(2), next_follow_up=TODAY)
        call = FollowUp(case_id=case.id, due_date=TODAY)
        s.add(call)
        s.flush()
        # when today's call is recorded, then tomorrow's is scheduled and becomes the next
        record_follow_up(s, actor, call.id, "not_reached", today=TODAY)
        assert _open_dates(s, case) == [days(1)]
        assert case.next_follow_up == days(1)
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "follow_up_recorded"))
        assert event.detail["scheduled_next"] == days(1).isoformat()
        # and when the last day of the period is recorded, nothing more is scheduled
        record_follow_up(s, actor, _follow_ups(s, case)[-1].id, "reached", today=days(1))
        record_follow_up(s, actor, _follow_ups(s, case)[-1].id, "reached", today=days(2))
        assert [f.due_date for f in _follow_ups(s, case)] == [days(0), days(1), days(2)]
        assert _open_dates(s, case) == []
        assert case.next_follow_up is None


def test_an_overdue_follow_up_recorded_today_schedules_tomorrow(store):
    with store.session() as s:
        actor = make_actor(s)
        case = make_case(s, make_person(s), kind="contact", quarantine_start=days(-4), quarantine_end=days(3))
        overdue = FollowUp(case_id=case.id, due_date=days(-2))
        s.add(overdue)
        s.flush()
        record_follow_up(s, actor, overdue.id, "reached", today=TODAY)
        assert _open_dates(s, case) == [days(1)]


def test_a_follow_up_is_recorded_once_with_a_known_outcome_on_an_active_case(store):
    with store.session() as s:
        actor = make_actor(s)
        case = _index(s, actor, make_person(s))
        first, second = _follow_ups(s, case)[:2]
        with pytest.raises(DomainError) as unknown:
            record_follow_up(s, actor, first.id, "maybe", today=TODAY)
        assert unknown.value.field == "utfall"
        record_follow_up(s, actor, first.id, "reached", today=TODAY)
        with pytest.raises(DomainError) as twice:
            record_follow_up(s, actor, first.id, "reached", today=TODAY)
        assert twice.value.field == "oppfølging"
        close_case(s, actor, case.id, "completed", case.version)
        assert [f.id for f in _follow_ups(s, case)] == [first.id]  # open ones are gone, the recorded one stays
        assert s.get(FollowUp, second.id) is None


def test_bulk_done_records_many_and_skips_those_already_recorded(store):
    with store.session() as s:
        actor = make_actor(s)
        first = _index(s, actor, make_person(s, first_name="A"))
        second = _index(s, actor, make_person(s, first_name="B"))
        ids = [_follow_ups(s, first)[0].id, _follow_ups(s, second)[0].id]
        record_follow_up(s, actor, ids[0], "symptoms", today=TODAY)
        recorded = mark_done_bulk(s, actor, ids + [ids[1]], "reached", today=TODAY)
        assert recorded == 1
        assert [s.get(FollowUp, i).outcome for i in ids] == ["symptoms", "reached"]
        assert (first.next_follow_up, second.next_follow_up) == (days(1), days(1))
        bulk = s.scalars(select(AuditEvent).where(AuditEvent.action == "follow_up_recorded")).all()
        assert [e.detail.get("bulk", False) for e in bulk] == [False, True]


def test_bulk_done_refuses_the_whole_batch_when_one_follow_up_is_out_of_reach(store):
    with store.session() as s:
        oslo = make_actor(s)
        bergen = make_actor(s, code="4601")
        mine = _index(s, bergen, make_person(s, "4601", first_name="A"), code="4601")
        theirs = _index(s, oslo, make_person(s, first_name="B"))
        ids = [_follow_ups(s, mine)[0].id, _follow_ups(s, theirs)[0].id]
        with pytest.raises(AccessDenied):
            mark_done_bulk(s, bergen, ids, "reached", today=TODAY)
        with pytest.raises(AccessDenied):
            mark_done_bulk(s, bergen, [999_999], "reached", today=TODAY)
        assert all(s.get(FollowUp, i).done_at is None for i in ids)


def test_notes_are_append_only_with_author_and_time(store):
    with store.session() as s:
        actor = make_actor(s)
        colleague = make_actor(s, role="kommuneoverlege")
        case = _index(s, actor, make_person(s))
        first = add_note(s, actor, case.id, "Ringt, ikke svar.")
        second = add_note(s, colleague, case.id, "  Snakket med personen.  ")
        notes = s.scalars(select(Note).where(Note.case_id == case.id).order_by(Note.created_at, Note.id)).all()
        assert [(n.id, n.author_id, n.text) for n in notes] == [
            (first.id, actor.user_id, "Ringt, ikke svar."),
            (second.id, colleague.user_id, "Snakket med personen."),
        ]
        assert all(n.created_at is not None for n in notes)
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "note_added").order_by(AuditEvent.id)).all()
        assert [(e.entity, e.entity_id, e.user_id, e.detail) for e in events] == [
            ("note", first.id, actor.user_id, {"case_id": case.id}),
            ("note", second.id, colleague.user_id, {"case_id": case.id}),
        ]
        for blank in ("", "   "):
            with pytest.raises(DomainError) as refused:
                add_note(s, actor, case.id, blank)
            assert refused.value.field == "notat"


def test_notes_can_be_added_to_a_closed_case_but_not_by_another_kommune(store):
    with store.session() as s:
        actor = make_actor(s)
        bergen = make_actor(s, code="4601")
        case = _index(s, actor, make_person(s))
        close_case(s, actor, case.id, "completed", case.version)
        assert add_note(s, actor, case.id, "Etterregistrert samtale.").case_id == case.id
        with pytest.raises(AccessDenied):
            add_note(s, bergen, case.id, "Hei")
        with pytest.raises(AccessDenied):
            record_follow_up(s, bergen, 999_999, "reached", today=TODAY)
