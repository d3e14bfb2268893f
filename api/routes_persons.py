"""Endpoints for the person register: search before create, national look-up, create, read and edit.

The fødselsnummer travels only in request bodies here (search text, look-up, person fields) and comes back only
in the record of a person the caller may open.
"""

from __future__ import annotations

import dataclasses

from api.errors import ApiError
from api.routes_common import fields_of, unit_id
from api.routing import Call
from api.schemas import NationalLookupOut, PersonFields, PersonHitOut, PersonHitsOut, PersonOut, PersonRecordOut
from tracing import persons
from tracing.errors import DomainError


def _input(call: Call, body: PersonFields) -> persons.PersonInput:
    data = fields_of(body, drop=("home_org_unit", "version", "duplicate_reason"))
    return persons.PersonInput(home_org_unit_id=unit_id(call.session, body.home_org_unit, "hjemkommune"), **data)


def _hits(hits: list[persons.PersonHit]) -> list[PersonHitOut]:
    return [PersonHitOut.model_validate(h) for h in hits]


def search_persons(call: Call) -> PersonHitsOut:
    body = call.body
    return PersonHitsOut(hits=_hits(persons.search_persons(call.session, call.actor, body.text, body.birth_date, body.limit)))


def lookup_national_id(call: Call) -> NationalLookupOut:
    return NationalLookupOut.model_validate(persons.lookup_national_id(call.session, call.actor, call.body.national_id))


def find_duplicates(call: Call) -> PersonHitsOut:
    return PersonHitsOut(hits=_hits(persons.find_duplicates(call.session, call.actor, _input(call, call.body))))


def create_person(call: Call) -> PersonOut:
    data = _input(call, call.body)
    try:
        person = persons.create_person(call.session, call.actor, data, duplicate_reason=call.body.duplicate_reason)
    except DomainError as error:
        if error.field != "duplikat":
            raise
        # Name the candidates, so the client can offer "open existing" or "create anyway". Without the number:
        # the refusal came from the name + birth date check, and a look-up here would be rolled back unaudited.
        hits = persons.find_duplicates(call.session, call.actor, dataclasses.replace(data, national_id=None))
        raise ApiError(400, error.field, error.message_nb, duplicates=[h.model_dump(mode="json") for h in _hits(hits)]) from None
    return PersonOut.model_validate(person)


def get_person(call: Call) -> PersonRecordOut:
    return PersonRecordOut.model_validate(persons.read_person(call.session, call.actor, call.args["person_id"]))


def update_person(call: Call) -> PersonOut:
    body = call.body
    person = persons.update_person(call.session, call.actor, call.args["person_id"], _input(call, body), body.version)
    return PersonOut.model_validate(person)
