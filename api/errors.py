"""Errors as the API answers them: JSON ``{"field": ..., "message": ...}`` with a Norwegian field name and message.

Every refusal the domain raises (``tracing.errors``) and every body the schemas reject is rendered here, so a
client sees one shape whatever went wrong. Status codes: 400 DomainError, 401 not logged in, 403 AccessDenied or a
missing permission, 404 NotFound, 409 StaleVersion (or a conflicting concurrent save), 422 invalid body or query.

Nothing here echoes what the client sent: pydantic's ``input`` is dropped and messages are fixed sentences, so a
fødselsnummer in a body can never come back in an error (nor reach a log line through one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from tracing.errors import AccessDenied, DomainError, NotFound, StaleVersion

# Body and query field names (English, as in the code) -> the Norwegian name a user reads in an error.
FIELD_NB: dict[str, str] = {
    "from": "fra",
    "to": "til",
    "cluster_kind": "klyngetype",
    "active_only": "bare_aktive",
    "national_id": "fødselsnummer",
    "first_name": "fornavn",
    "middle_name": "mellomnavn",
    "last_name": "etternavn",
    "birth_date": "fødselsdato",
    "sex": "kjønn",
    "phone": "telefon",
    "email": "e-post",
    "address": "adresse",
    "postcode": "postnummer",
    "post_place": "poststed",
    "home_org_unit": "hjemkommune",
    "duplicate_reason": "begrunnelse",
    "text": "tekst",
    "limit": "antall",
    "person_id": "person",
    "org_unit": "organisasjonsenhet",
    "test_date": "testdato",
    "test_method": "testmetode",
    "symptom_onset": "symptomstart",
    "asymptomatic": "asymptomatisk",
    "infected_where": "smittested",
    "workplace_or_school": "arbeidssted_skole",
    "risk_group": "risikogruppe",
    "rule_set": "regelsett",
    "exposure_date": "eksponeringsdato",
    "setting": "eksponeringssted",
    "cluster_id": "klynge",
    "version": "versjon",
    "outcome": "utfall",
    "note": "notat",
    "user_id": "saksbehandler",
    "name": "navn",
    "kind": "type",
    "start_date": "startdato",
    "end_date": "sluttdato",
    "description": "beskrivelse",
    "role": "rolle",
    "follow_up_ids": "oppfølginger",
    "case_ids": "saker",
    "columns": "kolonner",
    "filters": "filter",
    "start": "start",
    "end": "slutt",
    "sort": "sortering",
    "format": "format",
    "filter": "filter",
}
# Notes are posted as {"text": ...}; the user reads "notat".
FIELD_NB_BY_BODY: dict[tuple[str, str], str] = {("NoteBody", "text"): "notat", ("PersonSearchBody", "text"): "søketekst"}

BODY_FIELD_NB = "forespørsel"
AUTH_FIELD_NB = "autentisering"
NOT_LOGGED_IN_NB = "Ikke innlogget."


class ApiError(Exception):
    """A refusal raised by the API layer itself (authentication, permissions, CSRF, unknown org unit, ...)."""

    def __init__(self, status: int, field: str, message_nb: str, **extra: Any) -> None:
        super().__init__(message_nb)
        self.status = status
        self.field = field
        self.message_nb = message_nb
        self.extra = extra

    def payload(self) -> dict[str, Any]:
        return {"field": self.field, "message": self.message_nb, **self.extra}


def not_logged_in() -> ApiError:
    return ApiError(401, AUTH_FIELD_NB, NOT_LOGGED_IN_NB)


def status_of(error: DomainError) -> int:
    if isinstance(error, AccessDenied):
        return 403
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, StaleVersion):
        return 409
    return 400


def domain_payload(error: DomainError) -> dict[str, Any]:
    return {"field": error.field, "message": error.message_nb}


_PLAIN_KEY = re.compile(r"[A-Za-z_]{1,40}")
UNKNOWN_KEY = "ukjent"


def _safe_step(step: str | int) -> str:
    """A location step as it may be shown: our field names and list indexes; anything a client made up that is not
    a plain word (it could be a number pasted into the wrong place) becomes "ukjent"."""
    if isinstance(step, int):
        return str(step)
    return step if _PLAIN_KEY.fullmatch(step) else UNKNOWN_KEY


def field_nb(loc: Sequence[str | int], model_name: str | None = None) -> str:
    """The Norwegian name of the field at ``loc`` (the first named step: ``["sort", 0]`` -> "sortering")."""
    names = [step for step in loc if isinstance(step, str)]
    if not names:
        return BODY_FIELD_NB
    head = _safe_step(names[0])
    if model_name and (model_name, head) in FIELD_NB_BY_BODY:
        return FIELD_NB_BY_BODY[(model_name, head)]
    return FIELD_NB.get(head, head)


def _message_nb(error: dict[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "nb":  # our own validators carry a finished Norwegian sentence
        return str(ctx.get("message", "Ugyldig verdi."))
    if kind == "missing":
        return "Må fylles ut."
    if kind == "extra_forbidden":
        return "Ukjent felt."
    if kind in ("json_invalid", "json_type"):
        return "Forespørselen må være gyldig JSON."
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "Forespørselen må være et JSON-objekt."
    if kind.startswith("date") or kind.startswith("datetime"):
        return "Ugyldig dato. Bruk formatet åååå-mm-dd."
    if kind.startswith("int"):
        return "Må være et heltall."
    if kind.startswith("bool"):
        return "Må være true eller false."
    if kind == "list_type":
        return "Må være en liste."
    if kind == "string_type":
        return "Må være tekst."
    if kind == "string_too_short":
        return "Må fylles ut." if ctx.get("min_length") == 1 else f"Må ha minst {ctx.get('min_length')} tegn."
    if kind == "string_too_long":
        return f"Kan ha høyst {ctx.get('max_length')} tegn."
    if kind == "string_pattern_mismatch":
        return "Har ugyldig format."
    if kind in ("literal_error", "enum"):
        expected = ctx.get("expected")
        return f"Ugyldig verdi. Gyldige verdier: {expected}." if expected else "Ugyldig verdi."
    if kind in ("greater_than", "greater_than_equal"):
        return f"Må være minst {ctx.get('ge', ctx.get('gt'))}."
    if kind in ("less_than", "less_than_equal"):
        return f"Kan være høyst {ctx.get('le', ctx.get('lt'))}."
    if kind == "too_short":
        return f"Må ha minst {ctx.get('min_length')} element."
    if kind == "too_long":
        return f"Kan ha høyst {ctx.get('max_length')} element."
    return "Ugyldig verdi."


def validation_payload(error: ValidationError, model_name: str | None = None) -> dict[str, Any]:
    """422 body: the first problem as ``field``/``message``, all of them in ``errors``. Inputs are never echoed."""
    items = []
    for e in error.errors(include_input=False, include_url=False):
        loc = tuple(e.get("loc", ()))
        items.append(
            {
                "field": field_nb(loc, model_name),
                "message": _message_nb(e),
                "location": [_safe_step(step) for step in loc],
            }
        )
    if not items:  # pragma: no cover - pydantic always names at least one problem
        items.append({"field": BODY_FIELD_NB, "message": "Ugyldig forespørsel.", "location": []})
    first = items[0]
    return {"field": first["field"], "message": first["message"], "errors": items}
