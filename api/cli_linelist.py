"""``flask --app app import-linelist``: import a line list from the command line.

    flask --app app import-linelist --cases saker.csv [--links par.csv] --org-unit 0301 --label "Julebord 2020"
        [--mode analysis|cases] [--map "Pasientnr=id" --map "Syk fra=symptomstart"]

The command acts as the system ("cli" in the audit log) with a kommuneoverlege grant in the given org unit only:
whoever runs it on the server already has the database, so the grant adds no power, and the import is still
checked, scoped and audited exactly as from the page. On rejection it prints the row report and exits with 1;
nothing is stored.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from auth.actor import Actor, Grant
from data.orgunits import by_code
from tracing.errors import DomainError
from tracing.linelist import store as linelist_store
from tracing.linelist.store import LineListRejected
from tracing.linelist.columns import MappingError, parse_mapping_text

REPORT_LIMIT = 200


def cli_actor(unit) -> Actor:  # type: ignore[no-untyped-def]
    """The system actor with a kommuneoverlege grant in ``unit`` only."""
    grant = Grant("kommuneoverlege", unit.id, unit.code, unit.name, unit.path)
    return Actor(user_id=None, username="cli", display_name="Kommandolinjen", grants=(grant,))


def _mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    try:
        return parse_mapping_text("\n".join(pairs))
    except MappingError as error:
        raise click.BadParameter(error.message_nb, param_hint="--map") from None


def _report(error: LineListRejected) -> None:
    click.echo(error.message_nb, err=True)
    for row in error.errors[:REPORT_LIMIT]:
        where = f"rad {row.row_number}" if row.row_number else "hele fila"
        click.echo(f"  {row.file_nb}, {where}, {row.field_nb}: {row.message_nb}", err=True)
    if len(error.errors) > REPORT_LIMIT:
        click.echo(f"  … og {len(error.errors) - REPORT_LIMIT} feil til.", err=True)


@click.command("import-linelist", help="Import a line list (CSV or XLSX) as an analysis outbreak or as real cases.")
@click.option("--cases", "cases_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path), help="The case file.")
@click.option("--links", "links_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="The pair file (optional).")
@click.option("--org-unit", "org_unit", required=True, help="Org unit code (kommune or bydel), e.g. 0301.")
@click.option("--label", required=True, help="The outbreak's name, unique in the org unit.")
@click.option("--mode", type=click.Choice(["analysis", "cases"]), default="analysis", show_default=True)
@click.option("--map", "mapping", multiple=True, metavar="THEIRS=OURS", help="Column mapping, repeatable.")
@click.pass_context
@with_appcontext
def import_linelist_command(
    ctx: click.Context,
    cases_path: Path,
    links_path: Path | None,
    org_unit: str,
    label: str,
    mode: str,
    mapping: tuple[str, ...],
) -> None:
    columns = _mapping(mapping)
    store = current_app.extensions["smittespor_store"]
    try:
        with store.session() as session:
            unit = by_code(session, org_unit.strip())
            if unit is None:
                raise click.BadParameter("Ukjent organisasjonsenhet.", param_hint="--org-unit")
            result = linelist_store.import_linelist(
                session,
                cli_actor(unit),
                cases_path.read_bytes(),
                cases_path.name,
                links_path.read_bytes() if links_path else None,
                links_path.name if links_path else None,
                unit.id,
                label,
                mode=mode,
                mapping=columns,
            )
    except LineListRejected as error:
        _report(error)
        ctx.exit(1)
    except DomainError as error:
        raise click.ClickException(f"{error.field}: {error.message_nb}") from None
    click.echo(f"Importerte «{result.label}» i {result.org_unit_name} (utbrudd {result.outbreak_id}, modus {result.mode}).")
    click.echo(f"  {result.cases} tilfeller, {result.links} par ({result.undirected_links} urettede), {result.clusters} klynger.")
    if result.mode == "cases":
        click.echo(
            f"  {result.persons_created} nye personer, {result.persons_found} funnet i registeret; "
            f"{result.index_cases_active} aktive og {result.index_cases_closed} avsluttede indekssaker; {result.exposures} eksponeringer."
        )
    if result.ignored_columns:
        click.echo(f"  Kolonner som ikke ble brukt: {', '.join(result.ignored_columns)}.")


import_linelist = import_linelist_command
"""The name api/cli_analytics.py registers."""
