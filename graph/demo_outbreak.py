"""A finished, simulated outbreak imported as a line list into the demo (``make run``), so the explorer's
"Datakilde" has an analysis outbreak to show next to the register, and its estimates can be checked against
the truth they were drawn from (R 0.9, k 0.2, serial interval 5 ± 2 days).

The outbreak is subcritical and runs until it dies out, so a complete analysis of it is unbiased. It goes in
through the same line-list import as a user's file (tracing/linelist), as the demo kommune's doctor would.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from auth.actor import Actor, Grant
from data.models import AnalysisOutbreak, OrgUnit
from graph.simulate import simulate_outbreak
from tracing.linelist.store import ImportResult, import_linelist
from tracing.vocabulary import EXPOSURE_SETTING_NB

LABEL = "Simulert utbrudd (R 0,9, k 0,2)"
TRUTH = {"r": 0.9, "k": 0.2, "si_mean": 5.0, "si_sd": 2.0}
_SEED = 0  # fixed: this seed gives ~300 cases in 30 chains and 14 clusters, a picture worth showing
_DAYS_AGO = 200


def line_list_files(today: dt.date) -> tuple[bytes, bytes]:
    """(cases CSV, pairs CSV) in the documented Norwegian columns, semicolon-separated as Norwegian Excel saves."""
    sim = simulate_outbreak(
        r=TRUTH["r"], k=TRUTH["k"], si_mean=TRUTH["si_mean"], si_sd=TRUTH["si_sd"], seeds=30, horizon_days=150,
        seed=_SEED, start=today - dt.timedelta(days=_DAYS_AGO), contacts_per_case=0.0, intro_days=40,
    )
    graph = sim.graph
    number = {key: i for i, key in enumerate(sorted(graph.case_keys, key=lambda k: int(k[1:])), start=1)}
    cases = ["id;symptomstart;testdato;klynge;arena"]
    for key, i in number.items():
        node = graph.nodes[key]
        cluster = graph.clusters[node.cluster_ids[0]].name if node.cluster_ids else ""
        setting = EXPOSURE_SETTING_NB.get(node.setting or "", "")
        onset = node.onset.strftime("%d.%m.%Y") if node.onset else "ukjent"
        test = node.test_date.strftime("%d.%m.%Y") if node.test_date else ""
        cases.append(f"T{i};{onset};{test};{cluster};{setting}")
    pairs = ["smitter;smittet;arena"]
    for e in graph.edges:
        if e.transmission and e.source in number and e.target in number:
            pairs.append(f"T{number[e.source]};T{number[e.target]};{EXPOSURE_SETTING_NB.get(e.setting or '', '')}")
    return ("\n".join(cases) + "\n").encode(), ("\n".join(pairs) + "\n").encode()


def import_demo_outbreak(session: Session, kommune_code: str, today: dt.date) -> ImportResult:
    """Replace the demo outbreak in the kommune with a fresh import (a demo refresh runs this every time)."""
    unit = session.scalar(select(OrgUnit).where(OrgUnit.code == kommune_code))
    if unit is None:
        raise LookupError(kommune_code)
    session.execute(delete(AnalysisOutbreak).where(AnalysisOutbreak.org_unit_id == unit.id, AnalysisOutbreak.label == LABEL))
    doctor = Actor(
        user_id=None, username="demo", display_name="Demodata",
        grants=(Grant("kommuneoverlege", unit.id, unit.code, unit.name, unit.path),),
    )
    cases, pairs = line_list_files(today)
    return import_linelist(
        session, doctor, cases, "simulert-utbrudd.csv", pairs, "simulert-utbrudd-par.csv", unit.id, LABEL, today=today
    )
