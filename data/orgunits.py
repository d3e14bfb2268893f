"""The org-unit tree (Norge > fylke > kommune > bydel) loaded from SSB/Kartverket reference files.

Loading is idempotent: units are matched by code and only missing ones are inserted, so it can run at every
start. Codes are never updated (Kartverket's numbers are identities); a renamed unit keeps its code.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import KommuneNumberChange, OrgUnit

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
NORGE_CODE = "NO"
OSLO = "0301"
BERGEN = "4601"


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    official_name: str | None
    level: int
    parent_code: str | None
    population: int | None
    population_year: int | None


def _read(name: str) -> Iterator[dict[str, str]]:
    with open(REFERENCE_DIR / name, encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


def reference_units() -> list[UnitRow]:
    """Every unit of the 2024 structure, parents before children."""
    fylker = list(_read("fylker_2024.csv"))
    kommuner = list(_read("kommuner_2024.csv"))
    norge_population = sum(int(r["folketall_2025_01_01"]) for r in fylker)
    rows = [UnitRow(NORGE_CODE, "Norge", None, 1, None, norge_population, 2025)]
    rows += [
        UnitRow(
            r["fylkesnummer"], r["fylkesnavn"], r["fylkesnavn_offisielt"], 2, NORGE_CODE,
            int(r["folketall_2025_01_01"]), 2025,
        )
        for r in fylker
    ]
    rows += [
        UnitRow(
            r["kommunenummer"], r["kommunenavn"], None, 3, r["fylkesnummer"],
            int(r["folketall_2025_01_01"]), 2025,
        )
        for r in kommuner
    ]
    rows += [
        UnitRow(
            r["bydelsnummer"], r["bydelsnavn"], None, 4, r["kommunenummer"],
            int(r["folketall_2021_01_01"]), 2021,
        )
        for r in _read("bydeler.csv")
    ]
    return rows


def load_reference(session: Session) -> int:
    """Insert the units and renumbering rows that are missing; returns how many units were added."""
    existing = {code: (uid, path) for code, uid, path in session.execute(select(OrgUnit.code, OrgUnit.id, OrgUnit.path))}
    added = 0
    for row in reference_units():
        if row.code in existing:
            continue
        parent_id, parent_path = (None, "/") if row.parent_code is None else existing[row.parent_code]
        unit = OrgUnit(
            code=row.code,
            name=row.name,
            official_name=row.official_name if row.official_name != row.name else None,
            level=row.level,
            parent_id=parent_id,
            path=f"{parent_path}{row.code}/",
            population=row.population,
            population_year=row.population_year,
        )
        session.add(unit)
        session.flush()
        existing[row.code] = (unit.id, unit.path)
        added += 1
    _load_number_changes(session)
    return added


def _load_number_changes(session: Session) -> None:
    known = set(session.execute(select(KommuneNumberChange.old_code, KommuneNumberChange.new_code)))
    for r in _read("kommuneendringer_2023_til_2024.csv"):
        key = (r["gammelt_kommunenummer"], r["nytt_kommunenummer"])
        if key in known:
            continue
        session.add(
            KommuneNumberChange(
                old_code=key[0],
                old_name=r["gammelt_navn"],
                new_code=key[1],
                new_name=r["nytt_navn"],
                changed_on=dt.date.fromisoformat(r["endringsdato"]),
            )
        )
        known.add(key)


def kommune_codes_2024(session: Session, old_code: str) -> list[str]:
    """The 2024 kommune number(s) for a 2020-2023 number; a split kommune (Ålesund 1507) gives several.

    Numbers that did not change map to themselves.
    """
    rows = session.scalars(
        select(KommuneNumberChange.new_code).where(KommuneNumberChange.old_code == old_code).order_by(KommuneNumberChange.new_code)
    ).all()
    if rows:
        return list(rows)
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == old_code, OrgUnit.level == 3))
    return [unit.code] if unit else []


def by_code(session: Session, code: str) -> OrgUnit | None:
    return session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def subtree_filter(column, path: str):  # type: ignore[no-untyped-def]
    """A WHERE clause: the org unit at ``path`` and everything below it (one indexed prefix match)."""
    return column.startswith(path, autoescape=True)
