"""``flask --app app spread-report --label TEXT [--org-unit CODE] [--json]``: the spread report of an imported outbreak.

Run on the server by an operator, so it acts as a system actor holding a kommuneoverlege grant: in ``--org-unit``
when given, else in the outbreak's own org unit (found by its label nationally first; a label used in several
org units must then be narrowed with ``--org-unit``). ``--json`` prints ``graph.measures.report_dict`` - the same
JSON as ``GET /api/v1/analytics/outbreaks/{id}`` - for scripts; without it a short table for a person.
"""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from auth.actor import Actor, Grant
from data.models import OrgUnit
from data.orgunits import by_code
from graph import measures
from graph.estimate import Estimate
from graph.measures import SpreadReport
from graph.outbreak import find_outbreak, load_outbreak_graph
from graph.serial import SerialInterval
from tracing.errors import DomainError

CLI_USERNAME = "cli"
NATIONAL = "NO"


def cli_actor(unit: OrgUnit) -> Actor:
    """The operator as a kommuneoverlege in ``unit`` (and below); "cli" in the audit log, like ``api-token``."""
    grant = Grant("kommuneoverlege", unit.id, unit.code, unit.name, unit.path)
    return Actor(user_id=None, username=CLI_USERNAME, display_name="Kommandolinje", grants=(grant,))


def _number(x: float | None, digits: int) -> str:
    return "-" if x is None else f"{x:.{digits}f}".replace(".", ",")


def estimate_text(e: Estimate, digits: int = 2, *, percent: bool = False) -> str:
    """ "1,20 (0,80-1,70)"; without a value the reason, and a one-sided bound when there is one (k)."""
    scale = 100.0 if percent else 1.0
    unit = " %" if percent else ""

    def shown(x: float | None) -> str:
        return _number(None if x is None else x * scale, digits)

    if not e.ok:
        bound = f"; nedre grense {shown(e.low)}{unit}" if e.low is not None else ""
        return f"- ({e.missing}{bound})"
    if e.low is None or e.high is None:
        return f"{shown(e.value)}{unit} (KI mangler)"
    return f"{shown(e.value)}{unit} ({shown(e.low)}-{shown(e.high)}{unit})"


def _serial_text(si: SerialInterval) -> str:
    if not si.mean.ok:
        return f"- ({si.mean.missing})"
    return f"{estimate_text(si.mean, 1)} dager, SD {_number(si.sd.value, 1)}; {si.pairs} par, {si.negative} negative"


def summary_lines(label: str, unit_name: str, report: SpreadReport) -> list[str]:
    """The table printed without --json (Norwegian, with the English term where it helps)."""
    m = report.overall
    g = m.growth
    if not g.rate.ok:
        growth = estimate_text(g.rate)
    elif g.doubling_days.ok:
        growth = f"doblingstid {estimate_text(g.doubling_days, 1)} dager ({_number(g.rate.value, 3)} per dag)"
    elif g.halving_days.ok:
        growth = f"halveringstid {estimate_text(g.halving_days, 1)} dager ({_number(g.rate.value, 3)} per dag)"
    else:
        growth = f"{estimate_text(g.rate, 3)} per dag"
    kpis = report.kpis
    rows = [
        ("Tilfeller (cases)", str(m.cases)),
        ("Kontakter (contacts)", f"{m.contacts}, hvorav {m.contacts_became_cases} ble tilfeller"),
        ("Kjeder (chains)", f"{kpis.chains}, {kpis.active_chains} aktive, største {kpis.largest}, {kpis.max_generations} generasjoner"),
        ("R (95 % KI)", estimate_text(m.offspring.r)),
        ("k (95 % KI)", estimate_text(m.offspring.k)),
        ("Andel som ga 80 % av smitten", estimate_text(m.offspring.top80, 1, percent=True)),
        ("SAR (secondary attack rate)", estimate_text(m.attack_rate, 1, percent=True)),
        ("Serieintervall (serial interval)", _serial_text(m.serial_interval)),
        ("Vekst siste 14 dager (growth)", growth),
    ]
    width = max(len(name) for name, _ in rows)
    head = f"Smittespredning: {label} ({unit_name}), per {report.as_of.strftime('%d.%m.%Y')}"
    return [head, "-" * len(head)] + [f"{name:<{width}}  {value}" for name, value in rows]


def _unit(session, code: str) -> OrgUnit:  # type: ignore[no-untyped-def]
    unit = by_code(session, code.strip())
    if unit is None:
        raise click.ClickException(f"organisasjonsenhet: Fant ingen organisasjonsenhet med nummeret {code.strip()}.")
    return unit


@click.command("spread-report", help="Spread report (R, k, SAR, serial interval, growth, chains) of an imported outbreak.")
@click.option("--label", required=True, help="The outbreak's label, as given to import-linelist.")
@click.option("--org-unit", "org_unit", default=None, help="Org unit code (e.g. 0301), when the label is used in several units.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (same as the API).")
@with_appcontext
def spread_report(label: str, org_unit: str | None, as_json: bool) -> None:
    store = current_app.extensions["smittespor_store"]
    try:
        with store.session() as session:
            searcher = cli_actor(_unit(session, org_unit or NATIONAL))
            outbreak = find_outbreak(session, searcher, label, org_unit)
            actor = cli_actor(session.get(OrgUnit, outbreak.org_unit_id)) if org_unit is None else searcher
            graph = load_outbreak_graph(session, actor, outbreak.id)
            report = measures.spread_report(graph)
            unit_name = outbreak.org_unit.name
            output = (
                json.dumps(measures.report_dict(report, graph), ensure_ascii=False, indent=2)
                if as_json
                else "\n".join(summary_lines(outbreak.label, unit_name, report))
            )
    except DomainError as error:
        raise click.ClickException(f"{error.field}: {error.message_nb}") from error
    click.echo(output)


__all__ = ["spread_report"]
