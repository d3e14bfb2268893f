"""Roles and what they reach. A role is held *in* an org unit and reaches that unit and everything below it."""

from __future__ import annotations

from data.models import ROLES

ROLE_LABELS: dict[str, str] = {
    "smittesporer": "Smittesporer",
    "kommuneoverlege": "Kommuneoverlege",
    "systemansvarlig": "Systemansvarlig",
    "rapportuttak": "Rapportuttak",
    "fhi": "FHI",
    "admin": "Administrator",
}
assert set(ROLE_LABELS) == set(ROLES)

ALL_ROLES: frozenset[str] = frozenset(ROLES)
# Roles that may see named persons in their org units. FHI and report users see aggregates only.
CASE_WORK_ROLES: frozenset[str] = frozenset({"smittesporer", "kommuneoverlege"})
