"""Endpoints about the API itself: who is calling (``/me``)."""

from __future__ import annotations

import auth.web
from api.routing import Call
from api.schemas import GrantOut, MeOut, OrgUnitOut


def who_am_i(call: Call) -> MeOut:
    actor = call.actor
    return MeOut(
        username=actor.username,
        display_name=actor.display_name,
        user_id=actor.user_id,
        authenticated_by=call.caller.via,  # type: ignore[arg-type]
        permissions=sorted(call.caller.permissions),
        grants=[GrantOut(role=g.role, org_unit=OrgUnitOut(id=g.org_unit_id, code=g.org_unit_code, name=g.org_unit_name)) for g in actor.grants],
        csrf_token=auth.web.csrf_token() if call.caller.via == "session" else None,
    )
