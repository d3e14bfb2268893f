"""Endpoints for cases, contacts, notes and follow-ups: each one calls one tracing/ function with the actor."""

from __future__ import annotations

from api.routes_common import fields_of, unit_id
from api.routing import Call
from api.schemas import (
    AssignableUserOut,
    AssignableUsersOut,
    BulkResultOut,
    CaseOut,
    CaseViewOut,
    ContactOut,
    ExposureOut,
    FollowUpOut,
    FollowUpsOut,
    IndexFields,
    NoteOut,
    NotesOut,
)
from tracing import cases, followups
from tracing.access import require_case


def _index_input(call: Call, body: IndexFields, person_id: int) -> cases.IndexInput:
    data = fields_of(body, drop=("org_unit", "version", "person_id"))
    return cases.IndexInput(person_id=person_id, org_unit_id=unit_id(call.session, body.org_unit), **data)  # type: ignore[arg-type]


def _case(case: object) -> CaseOut:
    return CaseOut.model_validate(case)


def _notes(view: cases.CaseView) -> list[NoteOut]:
    return [NoteOut.model_validate(n).model_copy(update={"author_name": view.user_names.get(n.author_id)}) for n in view.notes]  # type: ignore[arg-type]


def create_index_case(call: Call) -> CaseOut:
    return _case(cases.register_index(call.session, call.actor, _index_input(call, call.body, call.body.person_id)))


def get_case(call: Call) -> CaseViewOut:
    view = cases.case_summary(call.session, call.actor, call.args["case_id"])
    out = CaseViewOut.model_validate(view)
    return out.model_copy(update={"notes": _notes(view)})


def update_index_case(call: Call) -> CaseOut:
    case_id = call.args["case_id"]
    person_id = require_case(call.session, call.actor, case_id).person_id
    data = _index_input(call, call.body, person_id)
    return _case(cases.update_index(call.session, call.actor, case_id, data, call.body.version))


def add_contact(call: Call) -> ContactOut:
    body = call.body
    data = cases.ContactInput(
        source_case_id=call.args["case_id"],
        person_id=body.person_id,
        exposure_date=body.exposure_date,
        setting=body.setting,
        cluster_id=body.cluster_id,
        org_unit_id=unit_id(call.session, body.org_unit),
    )
    case, exposure = cases.add_contact(call.session, call.actor, data)
    return ContactOut(case=_case(case), exposure=ExposureOut.model_validate(exposure))


def convert_to_index(call: Call) -> CaseOut:
    case_id = call.args["case_id"]
    person_id = require_case(call.session, call.actor, case_id).person_id
    data = _index_input(call, call.body, person_id)
    return _case(cases.convert_to_index(call.session, call.actor, case_id, data, call.body.version))


def close_case(call: Call) -> CaseOut:
    body = call.body
    return _case(cases.close_case(call.session, call.actor, call.args["case_id"], body.outcome, body.version, note=body.note))


def reopen_case(call: Call) -> CaseOut:
    return _case(cases.reopen_case(call.session, call.actor, call.args["case_id"], call.body.note, call.body.version))


def assign_case(call: Call) -> CaseOut:
    body = call.body
    return _case(cases.assign_case(call.session, call.actor, call.args["case_id"], body.user_id, body.version))


def list_assignable_users(call: Call) -> AssignableUsersOut:
    case = require_case(call.session, call.actor, call.args["case_id"])
    users = cases.assignable_users(call.session, call.actor, case.org_unit_id)
    return AssignableUsersOut(users=[AssignableUserOut(user_id=uid, display_name=name) for uid, name in users])


def list_notes(call: Call) -> NotesOut:
    return NotesOut(notes=_notes(cases.case_summary(call.session, call.actor, call.args["case_id"])))


def add_note(call: Call) -> NoteOut:
    return NoteOut.model_validate(followups.add_note(call.session, call.actor, call.args["case_id"], call.body.text))


def list_follow_ups(call: Call) -> FollowUpsOut:
    view = cases.case_summary(call.session, call.actor, call.args["case_id"])
    return FollowUpsOut(follow_ups=[FollowUpOut.model_validate(f) for f in view.follow_ups])


def record_follow_up(call: Call) -> FollowUpOut:
    body = call.body
    follow_up = followups.record_follow_up(call.session, call.actor, call.args["follow_up_id"], body.outcome, note=body.note)
    return FollowUpOut.model_validate(follow_up)


def record_follow_ups_bulk(call: Call) -> BulkResultOut:
    body = call.body
    return BulkResultOut(updated=followups.mark_done_bulk(call.session, call.actor, list(body.follow_up_ids), body.outcome))
