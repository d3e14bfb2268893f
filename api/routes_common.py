"""Small helpers the endpoint modules share: org-unit codes to ids, and bodies to the domain's input dataclasses."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from api.errors import ApiError
from data.orgunits import by_code

UNKNOWN_UNIT_NB = "Ukjent organisasjonsenhet."


def unit_id(session: Session, code: str | None, field: str = "organisasjonsenhet") -> int | None:
    """The id of the org unit with ``code`` (None stays None); an unknown code is refused with 400."""
    if code is None:
        return None
    unit = by_code(session, code)
    if unit is None:
        raise ApiError(400, field, UNKNOWN_UNIT_NB)
    return unit.id


def fields_of(body: Any, *, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """The body's fields as keyword arguments for a domain dataclass (without the API-only ones in ``drop``)."""
    return {k: v for k, v in body.model_dump().items() if k not in drop}
